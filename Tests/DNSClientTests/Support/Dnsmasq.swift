import DNSClient
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real dnsmasq (Debian package `dnsmasq-base`) serving a small local zone on 127.0.0.1, for a second,
/// independent implementation of the wire format. Started per test, stopped after it.
final class Dnsmasq: Sendable {
    static let binary: String? = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static let bigTXTCount = 30

    let port: Int
    private let process: ChildProcess

    var address: DNSServerAddress { DNSServerAddress(ip: .v4(0x7F00_0001), port: port) }

    /// The zone: `test` is answered locally only (unknown names there are NXDOMAIN), anything else is
    /// REFUSED (no upstream).
    static func arguments(port: Int) -> [String] {
        var arguments = [
            "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll", "--pid-file=",
            "--port=\(port)", "--listen-address=127.0.0.1", "--bind-interfaces", "--log-facility=-",
            "--local=/test/",
            "--host-record=host.test,192.0.2.1,2001:db8::1",
            "--txt-record=host.test,v=spf1 ,ip4:192.0.2.0/24 -all",
            "--mx-host=host.test,mx.host.test,10",
            "--cname=alias.test,host.test",
        ]
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty, user != "root" {
            arguments.append("--user=\(user)")
        } else {
            arguments += ["--user=root", "--group=root"]
        }
        for index in 0..<bigTXTCount {
            arguments.append("--txt-record=big.test,record \(index) " + String(repeating: "x", count: 90))
        }
        return arguments
    }

    static func start() async throws -> Dnsmasq {
        guard let binary else { throw TestServerError("dnsmasq is not installed (Debian package dnsmasq-base)") }
        var lastError = ""
        for _ in 0..<3 {
            let port = try await freePort()
            let logPath = FileManager.default.temporaryDirectory.appendingPathComponent(
                "dnsmasq-\(UUID().uuidString).log"
            ).path
            let server = Dnsmasq(
                port: port, process: try ChildProcess.spawn(binary, arguments(port: port), logPath: logPath))
            if try await server.waitUntilAnswering() { return server }
            lastError = server.log()
            server.stop()
        }
        throw TestServerError("dnsmasq did not start: \(lastError)")
    }

    private init(port: Int, process: ChildProcess) {
        self.port = port
        self.process = process
    }

    static func with<T>(_ body: (Dnsmasq) async throws -> T) async throws -> T {
        let server = try await start()
        defer { server.stop() }
        return try await body(server)
    }

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: process.logPath)
    }

    /// What dnsmasq printed.
    func log() -> String {
        (try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? ""
    }

    private func waitUntilAnswering() async throws -> Bool {
        let probe = try StubResolver(
            configuration: .init(servers: [address], timeout: .milliseconds(200), attempts: 1, cacheSize: 0))
        for _ in 0..<25 {
            guard process.isRunning else { return false }
            if (try? await probe.a("host.test")) != nil { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// A port free for both UDP and TCP on 127.0.0.1 at the time of asking.
    private static func freePort() async throws -> Int {
        let group = MultiThreadedEventLoopGroup.singleton
        for _ in 0..<20 {
            let udp = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
            guard let port = udp.localAddress?.port else { continue }
            let tcp = try? await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: port).get()
            try await udp.close().get()
            if let tcp {
                try await tcp.close().get()
                return port
            }
        }
        throw TestServerError("no free port")
    }
}

/// A child process started with posix_spawn and a clean signal mask. (Foundation's `Process` passes on the
/// spawning thread's blocked signals, and a dnsmasq with SIGTERM and SIGCHLD blocked can be neither stopped
/// nor reap its TCP helpers.)
struct ChildProcess: Sendable {
    let pid: pid_t
    let logPath: String

    static func spawn(_ path: String, _ arguments: [String], logPath: String) throws -> ChildProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw TestServerError("posix_spawn \(path) failed: \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, logPath: logPath)
    }

    /// Not exited. (An exited child stays a zombie until ``stop()`` reaps it; /proc shows it as state Z.)
    var isRunning: Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return !stat[close...].hasPrefix(") Z")
    }

    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
