import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Real TLS SMTP peers: Python's smtplib (`starttls()` and `SMTP_SSL`) for whole transactions, and a scripted socket
/// client on Python's `ssl` module for byte-exact exchanges (pipelining after STARTTLS, PROXY headers).
/// Both trust only the test CA and check the host name `localhost`.
enum TLSSMTPClient {
    enum Mode: String, Sendable {
        case plain, starttls, implicit
    }

    struct Transcript: Decodable, Sendable {
        var ehlo: SMTPTestClient.Reply?
        var starttls: SMTPTestClient.Reply?
        var mail: SMTPTestClient.Reply?
        var rcpt: [SMTPTestClient.Reply]
        var data: SMTPTestClient.Reply?
        var tlsVersion: String?
        var certificateSHA256: String?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case ehlo, starttls, mail, rcpt, data, error
            case tlsVersion = "tls_version"
            case certificateSHA256 = "cert_sha256"
        }
    }

    static let smtplibScript = #"""
        import hashlib, json, smtplib, ssl, sys
        host, port, mode, cafile, mail_from, rcpts = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], json.loads(sys.argv[6])
        message = sys.stdin.buffer.read()
        out = {"rcpt": []}
        def rep(r): return {"code": r[0], "text": r[1].decode("utf-8", "replace") if isinstance(r[1], bytes) else str(r[1])}
        ctx = ssl.create_default_context(cafile=cafile)
        try:
            if mode == "implicit":
                s = smtplib.SMTP_SSL(host, port, local_hostname="client.test", timeout=30, context=ctx)
            else:
                s = smtplib.SMTP(host, port, local_hostname="client.test", timeout=30)
            s._host = "localhost"  # the name the certificate is checked against
            out["ehlo"] = rep(s.ehlo())
            if mode == "starttls":
                out["starttls"] = rep(s.starttls(context=ctx))
                out["ehlo"] = rep(s.ehlo())
            if isinstance(s.sock, ssl.SSLSocket):
                out["tls_version"] = s.sock.version()
                out["cert_sha256"] = hashlib.sha256(s.sock.getpeercert(binary_form=True)).hexdigest()
            out["mail"] = rep(s.mail(mail_from))
            if out["mail"]["code"] == 250:
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

    /// One transaction through smtplib in `mode`.
    static func send(
        port: Int, mode: Mode, caFile: String, from: String = "sender@example.org", to recipients: [String],
        message: String
    ) async throws -> Transcript {
        let rcptJSON = String(decoding: try JSONEncoder().encode(recipients), as: UTF8.self)
        let output = try await runProcess(
            "/usr/bin/env",
            ["python3", "-c", smtplibScript, "127.0.0.1", String(port), mode.rawValue, caFile, from, rcptJSON],
            stdin: Data(message.utf8)
        )
        do {
            return try JSONDecoder().decode(Transcript.self, from: output)
        } catch {
            throw TestSetupError("smtplib output not understood: \(String(decoding: output, as: UTF8.self))")
        }
    }

    /// One step of a scripted exchange.
    enum Step: Sendable {
        /// Send these bytes (each character's code point as one byte, so `\u{0}` and `\r` go out as written).
        case send(String)
        /// Read one complete reply.
        case read
        /// Start TLS on the socket now (after STARTTLS was answered, or at once for implicit TLS).
        case tls
        /// Read until the server closes the connection.
        case readToEnd

        var json: [String] {
            switch self {
            case .send(let bytes): ["send", bytes]
            case .read: ["read"]
            case .tls: ["tls"]
            case .readToEnd: ["eof"]
            }
        }
    }

    struct Exchange: Decodable, Sendable {
        /// The replies read, one string per `.read` (multi-line replies joined by "\n"); nil once the server closed.
        var replies: [String?]
        var tlsVersion: String?
        var certificateSHA256: String?
        /// What `.readToEnd` collected.
        var rest: String?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case replies, rest, error
            case tlsVersion = "tls_version"
            case certificateSHA256 = "cert_sha256"
        }
    }

    static let socketScript = #"""
        import hashlib, json, socket, ssl, sys
        host, port, cafile, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
        ctx = ssl.create_default_context(cafile=cafile)
        out = {"replies": []}
        buf = b""
        def read_reply(sock):
            global buf
            lines = []
            while True:
                while b"\n" not in buf:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return "\n".join(lines) if lines else None
                    buf += chunk
                line, buf = buf.split(b"\n", 1)
                line = line.rstrip(b"\r").decode("utf-8", "replace")
                lines.append(line)
                if len(line) < 4 or line[3] == " ":
                    return "\n".join(lines)
        try:
            sock = socket.create_connection((host, port), timeout=15)
            for step in steps:
                if step[0] == "send":
                    sock.sendall(step[1].encode("latin-1"))
                elif step[0] == "read":
                    out["replies"].append(read_reply(sock))
                elif step[0] == "tls":
                    if buf:
                        raise Exception("server sent bytes before the TLS handshake: %r" % buf)
                    sock = ctx.wrap_socket(sock, server_hostname="localhost")
                    out["tls_version"] = sock.version()
                    out["cert_sha256"] = hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest()
                elif step[0] == "eof":
                    data = buf
                    buf = b""
                    while True:
                        chunk = sock.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    out["rest"] = data.decode("utf-8", "replace")
            sock.close()
        except Exception as e:
            out["error"] = repr(e)
        print(json.dumps(out))
        """#

    /// Runs `steps` against the server; `caFile` is needed only for `.tls` steps.
    static func exchange(port: Int, caFile: String = "", _ steps: [Step]) async throws -> Exchange {
        let stepsJSON = String(decoding: try JSONSerialization.data(withJSONObject: steps.map(\.json)), as: UTF8.self)
        let output = try await runProcess(
            "/usr/bin/env", ["python3", "-c", socketScript, "127.0.0.1", String(port), caFile, stepsJSON]
        )
        do {
            return try JSONDecoder().decode(Exchange.self, from: output)
        } catch {
            throw TestSetupError("socket client output not understood: \(String(decoding: output, as: UTF8.self))")
        }
    }
}

/// A bare NIOSSL client that offers TLS versions up to `maximum` and reports the version negotiated, to check the
/// server's minimum (no certificate check: only the version matters here).
enum TLSHandshakeProbe {
    static func negotiate(port: Int, maximum: TLSVersion) async throws -> TLSVersion? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = maximum
        configuration.certificateVerification = .none
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: context, serverHostname: nil))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, _ in
            var replies = inbound.makeAsyncIterator()
            guard try await replies.next() != nil else { throw TestSetupError("closed before the greeting") }
            return try await channel.channel.nioSSL_tlsVersion().get()
        }
    }
}
