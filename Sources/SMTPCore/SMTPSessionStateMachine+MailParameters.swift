/// The MAIL parameters this server implements (RFC 5321 section 4.1.1.11: unrecognized
/// or unimplemented parameters get 555).
extension SMTPSessionStateMachine {
    /// Validates MAIL parameters and records them in `envelope`.
    ///
    /// - `SIZE=<n>` (RFC 1870): `size-value ::= 1*20DIGIT`; more than
    ///   ``SMTPSessionConfiguration/maxMessageSize`` → `552 5.3.4`; malformed → `501 5.5.4`.
    /// - `BODY=7BIT|8BITMIME` (RFC 6152, case-insensitive); other values → `501 5.5.4`.
    /// - `SMTPUTF8` (RFC 6531), without a value, else `501 5.5.4`.
    /// - Any parameter after HELO (not EHLO) → `555 5.5.4`; unknown keyword → `555 5.5.4`;
    ///   a keyword given twice → `501 5.5.4`.
    func applyMailParameters(_ parameters: [SMTPParameter], to envelope: inout SMTPEnvelope) throws(SMTPReply) {
        guard parameters.isEmpty || envelope.usedEHLO else { throw .parametersRequireEHLO }
        var seen: Set<String> = []
        for parameter in parameters {
            guard seen.insert(parameter.keyword).inserted else { throw .duplicateParameter(parameter.keyword) }
            switch parameter.keyword {
            case "SIZE":
                // size-param ::= "SIZE=" size-value
                // size-value ::= 1*20DIGIT
                guard let value = parameter.value,
                    (1...SMTPDefaults.maxSizeParameterDigits).contains(value.utf8.count),
                    value.utf8.allSatisfy(\.isASCIIDigit)
                else { throw .invalidSizeValue }
                let size = Self.saturatingDecimal(value)
                guard size <= configuration.maxMessageSize else { throw .messageTooLarge }
                envelope.declaredSize = size
            case "BODY":
                // body-value ::= "7BIT" / "8BITMIME"
                switch parameter.value.map({ Array($0.utf8) }) {
                case let value? where value.equalsCaseInsensitive("7BIT"):
                    envelope.body8BitMIME = false
                case let value? where value.equalsCaseInsensitive("8BITMIME"):
                    envelope.body8BitMIME = true
                default:
                    throw .invalidBodyValue
                }
            case "SMTPUTF8":
                guard parameter.value == nil else { throw .smtpUTF8TakesNoValue }
                envelope.smtpUTF8 = true
            default:
                throw .unsupportedParameter(parameter.keyword)
            }
        }
    }

    /// The decimal value of an all-digit string, `Int.max` on overflow.
    static func saturatingDecimal(_ digits: String) -> Int {
        var result = 0
        for digit in digits.utf8 {
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(digit - ASCII.zero))
            if overflow1 || overflow2 { return Int.max }
            result = sum
        }
        return result
    }
}
