import Foundation

/// A real SMTP client: Python's smtplib in a subprocess. Each step's reply is reported, so tests can assert
/// exact codes (550 for an unknown recipient, 451 for a storage failure, 250 "queued as <id>").
enum SMTPTestClient {
    struct Reply: Decodable, Sendable, CustomStringConvertible {
        var code: Int
        var text: String
        var description: String { "\(code) \(text)" }
    }

    struct Transcript: Decodable, Sendable {
        var ehlo: Reply?
        var mail: Reply?
        var rcpt: [Reply]
        var data: Reply?
        var error: String?

        /// The id from "250 2.0.0 queued as <id>".
        var queueID: String? {
            guard let data, data.code == 250, let range = data.text.range(of: "queued as ") else { return nil }
            return String(data.text[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
    }

    static let script = #"""
        import json, smtplib, sys
        host, port, mail_from, rcpts, message = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), sys.stdin.buffer.read()
        out = {"rcpt": []}
        def rep(r): return {"code": r[0], "text": r[1].decode("utf-8", "replace") if isinstance(r[1], bytes) else str(r[1])}
        try:
            s = smtplib.SMTP(host, port, local_hostname="client.test", timeout=60)
            out["ehlo"] = rep(s.ehlo())
            out["mail"] = rep(s.mail(mail_from, ["SMTPUTF8"] if len(sys.argv) > 5 and sys.argv[5] == "utf8" else []))
            for r in rcpts:
                out["rcpt"].append(rep(s.rcpt(r)))
            if any(r["code"] == 250 for r in out["rcpt"]):
                try:
                    out["data"] = rep(s.data(message))
                except smtplib.SMTPDataError as e:
                    out["data"] = {"code": e.smtp_code, "text": e.smtp_error.decode("utf-8", "replace")}
            s.quit()
        except Exception as e:
            out["error"] = repr(e)
        print(json.dumps(out))
        """#

    /// Sends one message through a full SMTP transaction and returns every reply.
    static func send(
        port: Int,
        from: String = "sender@example.org",
        to recipients: [String],
        message: String,
        smtpUTF8: Bool = false
    ) async throws -> Transcript {
        let rcptJSON = String(decoding: try JSONEncoder().encode(recipients), as: UTF8.self)
        let output = try await runProcess(
            "/usr/bin/env",
            ["python3", "-c", script, "127.0.0.1", String(port), from, rcptJSON] + (smtpUTF8 ? ["utf8"] : []),
            stdin: Data(message.utf8)
        )
        do {
            return try JSONDecoder().decode(Transcript.self, from: output)
        } catch {
            throw TestSetupError("smtplib output not understood: \(String(decoding: output, as: UTF8.self))")
        }
    }

    /// A small RFC 5322 message with CRLF line endings.
    static func message(
        subject: String, from: String = "Sender <sender@example.org>", to: String,
        body: String = "Hello from the test.\n"
    ) -> String {
        let lines = [
            "From: \(from)", "To: \(to)", "Subject: \(subject)",
            "Message-ID: <\(UUID().uuidString.lowercased())@example.org>", "Date: Sat, 28 Nov 2026 08:00:00 +0000",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "",
        ]
        return lines.joined(separator: "\r\n") + "\r\n" + body.replacingOccurrences(of: "\n", with: "\r\n")
    }
}

/// Runs a program to completion and returns its standard output (standard error is passed through on failure).
func runProcess(_ executable: String, _ arguments: [String], stdin: Data = Data()) async throws -> Data {
    try await withCheckedThrowingContinuation { continuation in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        process.terminationHandler = { process in
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            if process.terminationStatus == 0 {
                continuation.resume(returning: out)
            } else {
                continuation.resume(
                    throwing: TestSetupError(
                        "\(arguments.first ?? executable) exited \(process.terminationStatus): \(String(decoding: err, as: UTF8.self))"
                    ))
            }
        }
        do {
            try process.run()
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        } catch {
            continuation.resume(throwing: error)
        }
    }
}
