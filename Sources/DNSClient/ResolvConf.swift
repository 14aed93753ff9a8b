/// The parts of resolv.conf(5) a stub resolver uses: `nameserver` lines and `options timeout:` / `attempts:`.
///
/// Read as glibc does: a keyword at the start of a line, `#` or `;` starts a comment line, at most three
/// name servers (``DNSDefaults/maxResolvConfNameservers``), timeout capped at 30 s and attempts at 5.
/// `search`, `domain`, `ndots` and the like are ignored: FastSMTP only looks up absolute names.
public struct ResolvConf: Sendable, Hashable {
    public var nameservers: [DNSServerAddress] = []
    /// `options timeout:n`, if present.
    public var timeout: Duration?
    /// `options attempts:n`, if present.
    public var attempts: Int?
    /// Lines that were not understood, with their number and why: worth a warning in the log.
    public var diagnostics: [String] = []

    public init(nameservers: [DNSServerAddress] = [], timeout: Duration? = nil, attempts: Int? = nil) {
        self.nameservers = nameservers
        self.timeout = timeout
        self.attempts = attempts
    }

    /// Parses the text of a resolv.conf file. Never fails: what cannot be used is noted in ``diagnostics``.
    public init(parsing text: String) {
        var extraNameservers = 0
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if line.hasPrefix("#") || line.hasPrefix(";") { continue }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = words.first else { continue }
            switch keyword {
            case "nameserver":
                guard words.count >= 2 else {
                    diagnostics.append("line \(number): nameserver without an address")
                    continue
                }
                // glibc takes the word after the keyword and uses port 53.
                guard let ip = IPAddress(words[1]) else {
                    diagnostics.append("line \(number): nameserver '\(words[1])' is not a usable IP address")
                    continue
                }
                if nameservers.count < DNSDefaults.maxResolvConfNameservers {
                    nameservers.append(DNSServerAddress(ip: ip))
                } else {
                    extraNameservers += 1
                }
            case "options":
                for option in words.dropFirst() {
                    parseOption(option, line: number)
                }
            default:
                continue
            }
        }
        if extraNameservers > 0 {
            diagnostics.append(
                "\(extraNameservers) nameserver line(s) after the first \(DNSDefaults.maxResolvConfNameservers) ignored, as glibc does"
            )
        }
    }

    private mutating func parseOption(_ option: Substring, line: Int) {
        func value(_ prefix: String) -> Int? {
            guard option.hasPrefix(prefix) else { return nil }
            return Int(option.dropFirst(prefix.count))
        }
        if option.hasPrefix("timeout:") {
            guard let seconds = value("timeout:"), seconds >= 0 else {
                diagnostics.append("line \(line): '\(option)' is not timeout:<seconds>")
                return
            }
            timeout = .seconds(min(max(seconds, 1), DNSDefaults.maxResolvConfTimeoutSeconds))
        } else if option.hasPrefix("attempts:") {
            guard let count = value("attempts:"), count >= 0 else {
                diagnostics.append("line \(line): '\(option)' is not attempts:<count>")
                return
            }
            attempts = min(max(count, 1), DNSDefaults.maxResolvConfAttempts)
        }
    }
}
