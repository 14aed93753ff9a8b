import Testing

@testable import FastSMTPModels

@Suite("Payload settings")
struct PayloadSettingsTests {
    @Test("raw inclusion and the inline attachment cap are read, defaulted and validated")
    func payloadSettings() throws {
        let defaults = try Settings.load(environment: [:], dotEnvPath: nil)
        #expect(defaults.webhookIncludeRaw == false)
        #expect(defaults.webhookMaxInlineAttachmentBytes == 10 * 1024 * 1024)
        let set = try Settings.load(
            environment: [
                "FASTSMTP_WEBHOOK_INCLUDE_RAW": "true",
                "FASTSMTP_WEBHOOK_MAX_INLINE_ATTACHMENT_BYTES": "1000",
            ], dotEnvPath: nil)
        #expect(set.webhookIncludeRaw)
        #expect(set.webhookMaxInlineAttachmentBytes == 1000)
        #expect(throws: SettingsError.self) {
            try Settings.load(environment: ["FASTSMTP_WEBHOOK_MAX_INLINE_ATTACHMENT_BYTES": "-1"], dotEnvPath: nil)
        }
        do {
            _ = try Settings.load(environment: ["FASTSMTP_WEBHOOK_INCLUDE_RAW": "perhaps"], dotEnvPath: nil)
            Issue.record("a bad boolean was accepted")
        } catch {
            #expect(error.variable == "FASTSMTP_WEBHOOK_INCLUDE_RAW")
        }
    }
}
