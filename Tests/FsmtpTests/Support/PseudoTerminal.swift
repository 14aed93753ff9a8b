import Foundation

/// Runs a program on a pseudo-terminal (Python's pty) and answers its prompts, as a person at a terminal would.
enum PseudoTerminal {
    static let script = #"""
        import json, os, pty, sys, select
        argv, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(argv[0], argv)
        out = b""
        def read():
            global out
            r, _, _ = select.select([fd], [], [], 20)
            if not r: raise SystemExit("timeout; so far: " + out.decode(errors="replace"))
            try: chunk = os.read(fd, 4096)
            except OSError: chunk = b""
            out += chunk
            return chunk
        for prompt, answer in answers:
            while prompt.encode() not in out:
                if not read(): raise SystemExit("ended before " + prompt + ": " + out.decode(errors="replace"))
            os.write(fd, answer.encode() + b"\n")
        while read(): pass
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"status": os.waitstatus_to_exitcode(status), "output": out.decode(errors="replace")}))
        """#

    struct Result: Decodable {
        var status: Int32
        var output: String
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], answers: [(String, String)]
    ) async throws -> Result {
        let argv = String(decoding: try JSONEncoder().encode([executable] + arguments), as: UTF8.self)
        let pairs = String(decoding: try JSONEncoder().encode(answers.map { [$0.0, $0.1] }), as: UTF8.self)
        let result = try await runProcess(
            "/usr/bin/env", ["python3", "-c", script, argv, pairs], environment: environment)
        guard result.status == 0 else { throw TestFailure("pty run failed: \(result.stdout) \(result.stderr)") }
        return try JSONDecoder().decode(Result.self, from: Data(result.stdout.utf8))
    }
}
