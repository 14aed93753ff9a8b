import FastSMTPModels
import Testing

@Suite("withTimeout")
struct TimeoutTests {
    @Test("returns the result in time, throws TimeoutError (and cancels the operation) when late")
    func timeout() async throws {
        #expect(try await withTimeout(.seconds(5)) { 42 } == 42)
        let started = ContinuousClock.now
        await #expect(throws: TimeoutError.self) {
            try await withTimeout(.milliseconds(50)) {
                try await Task.sleep(for: .seconds(30))
                return 0
            }
        }
        #expect(ContinuousClock.now - started < .seconds(5), "the late operation was not cancelled")
    }
}
