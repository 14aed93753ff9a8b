import Foundation
import MIME

/// Access to the copied test data in `Fixtures/` (see `Fixtures/README.md` for provenance and licenses).
enum Fixtures {
    static let root: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("Fixtures folder missing from the test bundle")
        }
        return url
    }()

    static func data(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(path)))
    }

    static func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(
            with: Data(contentsOf: root.appendingPathComponent(path)), options: [.fragmentsAllowed])
    }

    /// File names in a fixture folder with the given extension, sorted.
    static func files(in folder: String, ext: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix("." + ext) }
            .sorted()
            .map { "\(folder)/\($0)" }
    }
}

extension Array where Element == UInt8 {
    /// Line endings normalised to CRLF (CRLF → LF, then LF → CRLF), as mail arrives over SMTP.
    var crlfNormalised: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count + count / 16)
        var index = 0
        while index < count {
            let byte = self[index]
            if byte == 0x0D, index + 1 < count, self[index + 1] == 0x0A {
                index += 1
                continue
            }
            if byte == 0x0A { output.append(0x0D) }
            output.append(byte)
            index += 1
        }
        return output
    }
}

extension String {
    /// Without carriage returns (the mail-parser expectations were made from LF-only input).
    var withoutCR: String { replacingOccurrences(of: "\r", with: "") }
    var bytes: [UInt8] { Array(utf8) }
}

/// Parses a header value the way a header section would: `name: <raw>` unfolded, ending at the first line that is
/// not a continuation (the mail-parser field vectors are raw header text, sometimes with a following line).
func headerValue(_ raw: String) -> String {
    HeaderField.parseSection(Array("X: \(raw)".utf8)[...]).first?.value ?? ""
}

/// A message from lines joined with CRLF.
func message(_ lines: String...) -> [UInt8] {
    Array(lines.joined(separator: "\r\n").utf8)
}
