import FastSMTPModels
import Foundation
import Testing

@Suite("Settings redaction")
struct SettingsRedactionTests {
    @Test("the root key is masked; an unset one says so")
    func rootKey() throws {
        let s = try load(["FASTSMTP_ROOT_API_KEY": "super-secret-root"])
        let shown = entries(s)
        #expect(shown["FASTSMTP_ROOT_API_KEY"] == "********")
        #expect(!s.redactedEntries().contains { $0.value.contains("super-secret-root") })
        #expect(entries(try load([:]))["FASTSMTP_ROOT_API_KEY"] == "(not set)")
    }

    @Test("a password inside a postgres URL is masked, the rest kept")
    func databasePassword() throws {
        let s = try load([
            "FASTSMTP_DATABASE_URL": "postgresql://fastsmtp:hunter2@db.example.com:5432/mail?sslmode=require"
        ])
        let shown = entries(s)["FASTSMTP_DATABASE_URL"]
        #expect(shown == "postgresql://fastsmtp:********@db.example.com:5432/mail?sslmode=require")
        #expect(!s.redactedEntries().contains { $0.value.contains("hunter2") })
    }

    @Test(
        "URL redaction cases",
        arguments: [
            ("sqlite:///./data/fastsmtp.db", "sqlite:///./data/fastsmtp.db"),
            ("postgresql://user@host/db", "postgresql://user@host/db"),
            ("postgresql://host:5432/db", "postgresql://host:5432/db"),
            ("mysql://u:p@ss/w@rd@host/db", "mysql://u:********@host/db"),
            (
                "postgres://u:pw@h/db?password=other&sslmode=disable",
                "postgres://u:********@h/db?password=********&sslmode=disable"
            ),
            ("postgres://h/db?user=u&PASSWORD=x", "postgres://h/db?user=u&PASSWORD=********"),
        ])
    func urlRedaction(url: String, expected: String) {
        #expect(Settings.redactDatabaseURL(url) == expected)
    }

    @Test("entries come in a stable order with unique names, one per setting")
    func stableOrder() throws {
        let names = Settings().redactedEntries().map(\.name)
        #expect(names == Settings().redactedEntries().map(\.name))
        #expect(Set(names).count == names.count)
        // Every setting has an entry: the 31 of the first release and those added since.
        #expect(names.count >= 33)
        #expect(names.contains("FASTSMTP_WEBHOOK_INCLUDE_RAW"))
        #expect(names.contains("FASTSMTP_WEBHOOK_MAX_INLINE_ATTACHMENT_BYTES"))
        #expect(names.first == "FASTSMTP_SMTP_HOST")
        #expect(names.allSatisfy { $0.hasPrefix("FASTSMTP_") })
        let shown = entries(try load(["FASTSMTP_SMTP_PORT": "2600", "FASTSMTP_LOG_LEVEL": "warning"]))
        #expect(shown["FASTSMTP_SMTP_PORT"] == "2600")
        #expect(shown["FASTSMTP_LOG_LEVEL"] == "warning")
        #expect(shown["FASTSMTP_SMTP_TLS_CERT"] == "(not set)")
    }
}
