/// Parses one command line (without its CRLF) into an ``SMTPCommand``.
///
/// RFC 5321 section 4.1.1: "SMTP commands are character strings terminated by <CRLF>. The
/// commands themselves are alphabetic characters terminated by <SP> if parameters follow
/// and <CRLF> otherwise." Verbs are case-insensitive (section 2.4).
///
/// Leniencies: verbs and the `FROM:` / `TO:` keywords in any case; extra spaces between
/// the verb, the keyword, the path and the parameters (`MAIL FROM: <a@b>` is common);
/// leading and trailing spaces on the line.
///
/// Errors are thrown as the ``SMTPReply`` to send:
/// - `500 5.5.2`: not a valid command line (empty, control characters, invalid UTF-8,
///   non-ASCII outside an argument that may carry UTF-8);
/// - `500 5.5.1`: unknown verb; `502 5.5.1`: known but not implemented (EXPN, TURN, ...);
/// - `501 5.5.4`: missing or unexpected arguments, malformed ESMTP parameters;
/// - `501 5.1.7` / `501 5.1.3`: malformed sender / recipient address (RFC 3463 X.1.7, X.1.3).
public enum SMTPCommandParser {
    /// Verbs defined by RFC 5321 or common extensions that this server does not implement.
    static let unimplementedVerbs: Set<String> = [
        "EXPN", "TURN", "ETRN", "ATRN", "BDAT", "AUTH", "SEND", "SOML", "SAML",
    ]

    /// Parses one command line, given without its terminating CRLF.
    public static func parse(_ line: [UInt8]) throws(SMTPReply) -> SMTPCommand {
        var containsNonASCII = false
        for byte in line {
            if byte.isASCIIControl { throw .invalidCommandLine }
            if byte.isNonASCII { containsNonASCII = true }
        }
        if containsNonASCII, String(validating: line, as: UTF8.self) == nil {
            throw .invalidCommandLine
        }

        var start = line.startIndex
        var end = line.endIndex
        while start < end, line[start] == ASCII.space { start += 1 }
        while end > start, line[end - 1] == ASCII.space { end -= 1 }
        guard start < end else { throw .invalidCommandLine }

        var verbEnd = start
        while verbEnd < end, line[verbEnd] != ASCII.space { verbEnd += 1 }
        let verbBytes = line[start..<verbEnd]
        var argumentStart = verbEnd
        while argumentStart < end, line[argumentStart] == ASCII.space { argumentStart += 1 }
        let argument = line[argumentStart..<end]

        guard !verbBytes.contains(where: \.isNonASCII) else { throw .invalidCommandLine }
        guard verbBytes.allSatisfy(\.isASCIIAlpha) else { throw .unknownCommand }
        let verb = String(decoding: verbBytes.map(\.asciiUppercased), as: UTF8.self)

        switch verb {
        case "MAIL":
            return try parseMail(argument)
        case "RCPT":
            return try parseRcpt(argument)
        case "VRFY":
            // vrfy = "VRFY" SP String CRLF
            guard !argument.isEmpty else { throw .syntax("VRFY <address>") }
            return .vrfy(argument.utf8String)
        case "HELP":
            // help = "HELP" [ SP String ] CRLF
            return .help(argument.isEmpty ? nil : argument.utf8String)
        case "NOOP":
            // noop = "NOOP" [ SP String ] CRLF
            return .noop
        default:
            break
        }

        // The remaining commands take ASCII only.
        guard !argument.contains(where: \.isNonASCII) else { throw .invalidCommandLine }
        switch verb {
        case "HELO", "EHLO":
            // helo = "HELO" SP Domain CRLF
            // ehlo = "EHLO" SP ( Domain / address-literal ) CRLF
            // The argument is accepted as sent (any visible ASCII): it is informational only.
            guard !argument.isEmpty else { throw .syntax("\(verb) <hostname>") }
            let name = argument.utf8String
            return verb == "HELO" ? .helo(name) : .ehlo(name)
        case "DATA", "RSET", "QUIT", "STARTTLS":
            // data = "DATA" CRLF ; rset = "RSET" CRLF ; quit = "QUIT" CRLF
            // STARTTLS takes no parameters (RFC 3207 section 4).
            guard argument.isEmpty else { throw .syntax(verb) }
            switch verb {
            case "DATA": return .data
            case "RSET": return .rset
            case "QUIT": return .quit
            default: return .starttls
            }
        default:
            throw unimplementedVerbs.contains(verb) ? .commandNotImplemented : .unknownCommand
        }
    }

    /// ```
    /// mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
    /// Reverse-path   = Path / "<>"
    /// ```
    static func parseMail(_ argument: ArraySlice<UInt8>) throws(SMTPReply) -> SMTPCommand {
        let usage = SMTPReply.syntax("MAIL FROM:<address> [parameters]")
        guard argument.hasPrefixCaseInsensitive("FROM:") else { throw usage }
        var index = skipSpaces(argument, from: argument.startIndex + 5)
        guard index < argument.endIndex else { throw usage }

        let reversePath: String
        if argument[index...].starts(with: [ASCII.lessThan, ASCII.greaterThan]) {
            reversePath = ""
            index += 2
        } else if let path = SMTPPathParser.parsePath(argument, at: &index) {
            reversePath = path
        } else {
            throw .badSenderAddress
        }
        guard index == argument.endIndex || argument[index] == ASCII.space else { throw .badSenderAddress }
        return .mailFrom(reversePath: reversePath, parameters: try parseParameters(argument[index...]))
    }

    /// ```
    /// rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
    ///        Forward-path ) [SP Rcpt-parameters] CRLF
    /// Forward-path   = Path
    /// ```
    /// `"<Postmaster@" Domain ">"` is an ordinary path; `<Postmaster>` (any case) yields the
    /// local part as spelled.
    static func parseRcpt(_ argument: ArraySlice<UInt8>) throws(SMTPReply) -> SMTPCommand {
        let usage = SMTPReply.syntax("RCPT TO:<address> [parameters]")
        guard argument.hasPrefixCaseInsensitive("TO:") else { throw usage }
        var index = skipSpaces(argument, from: argument.startIndex + 3)
        guard index < argument.endIndex else { throw usage }

        let forwardPath: String
        let postmaster = "<POSTMASTER>"
        if argument[index...].hasPrefixCaseInsensitive(postmaster) {
            let count = postmaster.utf8.count
            forwardPath = argument[(index + 1)..<(index + count - 1)].utf8String
            index += count
        } else if let path = SMTPPathParser.parsePath(argument, at: &index) {
            forwardPath = path
        } else {
            throw .badRecipientAddress
        }
        guard index == argument.endIndex || argument[index] == ASCII.space else { throw .badRecipientAddress }
        return .rcptTo(forwardPath: forwardPath, parameters: try parseParameters(argument[index...]))
    }

    /// Parses the parameters after a path: empty, or spaces followed by parameters.
    ///
    /// ```
    /// Mail-parameters  = esmtp-param *(SP esmtp-param)
    /// Rcpt-parameters  = esmtp-param *(SP esmtp-param)
    /// esmtp-param    = esmtp-keyword ["=" esmtp-value]
    /// esmtp-keyword  = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    /// esmtp-value    = 1*(%d33-60 / %d62-126)
    ///                ; any CHAR excluding "=", SP, and control
    ///                ; characters.  If this string is an email address,
    ///                ; i.e., a Mailbox, then the "xtext" syntax [32]
    ///                ; SHOULD be used.
    /// esmtp-value    =/ UTF8-non-ascii        ; RFC 6531 section 3.3
    /// ```
    /// Several spaces between parameters are tolerated.
    static func parseParameters(_ text: ArraySlice<UInt8>) throws(SMTPReply) -> [SMTPParameter] {
        var parameters: [SMTPParameter] = []
        for token in text.split(separator: ASCII.space) {
            let keyword: ArraySlice<UInt8>
            var value: String?
            if let equals = token.firstIndex(of: ASCII.equals) {
                keyword = token[..<equals]
                let valueBytes = token[(equals + 1)...]
                guard !valueBytes.isEmpty,
                    valueBytes.allSatisfy({ $0.isVisibleASCII && $0 != ASCII.equals || $0.isNonASCII })
                else { throw .badParameterSyntax }
                value = valueBytes.utf8String
            } else {
                keyword = token
            }
            guard let first = keyword.first, first.isLetDig,
                keyword.allSatisfy({ $0.isLetDig || $0 == ASCII.hyphen })
            else { throw .badParameterSyntax }
            parameters.append(
                SMTPParameter(
                    keyword: String(decoding: keyword.map(\.asciiUppercased), as: UTF8.self),
                    value: value))
        }
        return parameters
    }

    private static func skipSpaces(_ bytes: ArraySlice<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.endIndex, bytes[index] == ASCII.space { index += 1 }
        return index
    }
}
