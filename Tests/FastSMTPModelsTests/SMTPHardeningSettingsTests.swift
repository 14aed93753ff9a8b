import FastSMTPModels
import Foundation
import Testing

@Suite("Settings: SMTP hardening, PROXY protocol, TLS reload")
struct SMTPHardeningSettingsTests {
    @Test("defaults follow RFC 5321 section 4.5.3.2 and the documented limits")
    func defaults() throws {
        let s = try load([:])
        #expect(s.smtpCommandTimeout == 300)
        #expect(s.smtpDataTimeout == 600)
        #expect(s.smtpMinDataRate == 1024)
        #expect(s.smtpMaxConnections == 1000)
        #expect(s.smtpMaxConnectionsPerIP == 100)
        #expect(s.smtpProxyProtocol == .off)
        #expect(s.smtpTLSReloadInterval == 5)
    }

    @Test("every new variable is read")
    func loading() throws {
        let s = try load([
            "FASTSMTP_SMTP_COMMAND_TIMEOUT": "60",
            "FASTSMTP_SMTP_DATA_TIMEOUT": "120.5",
            "FASTSMTP_SMTP_MIN_DATA_RATE": "0",
            "FASTSMTP_SMTP_MAX_CONNECTIONS": "50",
            "FASTSMTP_SMTP_MAX_CONNECTIONS_PER_IP": "3",
            "FASTSMTP_SMTP_PROXY_PROTOCOL": "V2",
            "FASTSMTP_SMTP_TLS_RELOAD_INTERVAL": "0",
        ])
        #expect(s.smtpCommandTimeout == 60)
        #expect(s.smtpDataTimeout == 120.5)
        #expect(s.smtpMinDataRate == 0)
        #expect(s.smtpMaxConnections == 50)
        #expect(s.smtpMaxConnectionsPerIP == 3)
        #expect(s.smtpProxyProtocol == .v2)
        #expect(s.smtpTLSReloadInterval == 0)
        for mode in ["off", "v1", "v2", "any"] {
            #expect(try load(["FASTSMTP_SMTP_PROXY_PROTOCOL": mode]).smtpProxyProtocol.rawValue == mode)
        }
    }

    @Test(
        "invalid values name their variable",
        arguments: [
            ("FASTSMTP_SMTP_COMMAND_TIMEOUT", "0"),
            ("FASTSMTP_SMTP_COMMAND_TIMEOUT", "-1"),
            ("FASTSMTP_SMTP_DATA_TIMEOUT", "0"),
            ("FASTSMTP_SMTP_DATA_TIMEOUT", "nan"),
            ("FASTSMTP_SMTP_MIN_DATA_RATE", "-1"),
            ("FASTSMTP_SMTP_MIN_DATA_RATE", "1.5"),
            ("FASTSMTP_SMTP_MAX_CONNECTIONS", "0"),
            ("FASTSMTP_SMTP_MAX_CONNECTIONS_PER_IP", "0"),
            ("FASTSMTP_SMTP_BACKLOG_SOFT_LIMIT", "-1"),
            ("FASTSMTP_SMTP_BACKLOG_HARD_LIMIT", "-5"),
            ("FASTSMTP_SMTP_BACKLOG_SOFT_LIMIT", "300000"),
            ("FASTSMTP_SMTP_PROXY_PROTOCOL", "v3"),
            ("FASTSMTP_SMTP_PROXY_PROTOCOL", "yes"),
            ("FASTSMTP_SMTP_TLS_RELOAD_INTERVAL", "-1"),
        ])
    func invalid(variable: String, value: String) {
        #expect(loadError([variable: value])?.variable == variable)
    }

    @Test("show-config lists the new settings")
    func redaction() throws {
        let shown = entries(
            try load(["FASTSMTP_SMTP_PROXY_PROTOCOL": "any", "FASTSMTP_SMTP_MAX_CONNECTIONS_PER_IP": "7"]))
        #expect(shown["FASTSMTP_SMTP_PROXY_PROTOCOL"] == "any")
        #expect(shown["FASTSMTP_SMTP_MAX_CONNECTIONS_PER_IP"] == "7")
        for name in [
            "FASTSMTP_SMTP_COMMAND_TIMEOUT", "FASTSMTP_SMTP_DATA_TIMEOUT", "FASTSMTP_SMTP_MIN_DATA_RATE",
            "FASTSMTP_SMTP_MAX_CONNECTIONS", "FASTSMTP_SMTP_TLS_RELOAD_INTERVAL",
        ] {
            #expect(shown[name] != nil, "\(name) missing")
        }
    }
}
