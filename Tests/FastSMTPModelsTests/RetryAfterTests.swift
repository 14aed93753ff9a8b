import FastSMTPModels
import Foundation
import Testing

@Suite("Retry-After parsing")
struct RetryAfterTests {
    /// 2023-11-14 22:13:20 UTC
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test(
        "delta-seconds",
        arguments: [
            ("0", 0.0), ("1", 1), ("120", 120), (" 30 ", 30), ("\t5", 5), ("007", 7),
            ("86400", 86400),
        ])
    func deltaSeconds(header: String, seconds: Double) {
        #expect(RetryPolicy.parseRetryAfter(header, now: now) == seconds)
    }

    @Test(
        "HTTP-dates in all three RFC 9110 formats",
        arguments: [
            ("Tue, 14 Nov 2023 22:14:50 GMT", 90.0),  // IMF-fixdate
            ("Wed, 15 Nov 2023 22:13:20 GMT", 86400),
            ("Tuesday, 14-Nov-23 22:14:50 GMT", 90),  // RFC 850
            ("Tue Nov 14 22:14:50 2023", 90),  // asctime
            ("Wed Nov  15 22:13:20 2023", 86400),
            ("Fri, 01 Mar 2024 00:00:00 GMT", 9_251_200),  // across the leap day
        ])
    func httpDates(header: String, seconds: Double) {
        #expect(RetryPolicy.parseRetryAfter(header, now: now) == seconds)
    }

    @Test("dates in the past give 0")
    func pastDates() {
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 0)
        #expect(RetryPolicy.parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now: now) == 0)
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:19 GMT", now: now) == 0)
    }

    @Test("a known epoch value: RFC 9110's example date")
    func knownEpoch() {
        let epoch = Date(timeIntervalSince1970: 0)
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: epoch) == 784_111_777)
        #expect(RetryPolicy.parseRetryAfter("Thu, 01 Jan 1970 00:00:01 GMT", now: epoch) == 1)
        #expect(RetryPolicy.parseRetryAfter("Thu, 29 Feb 2024 00:00:00 GMT", now: epoch) == 1_709_164_800)
    }

    @Test(
        "garbage gives nil",
        arguments: [
            "", " ", "soon", "-1", "+5", "1.5", "1e3", "10 s", "0x1F",
            "Tue, 14 Nov 2023 22:14:50",  // no GMT
            "Tue, 14 Nov 2023 22:14:50 UTC",  // wrong zone
            "Tue, 14 Foo 2023 22:14:50 GMT",  // bad month
            "Xyz, 14 Nov 2023 22:14:50 GMT",  // bad day name
            "Tue, 32 Nov 2023 22:14:50 GMT",  // bad day
            "Tue, 29 Feb 2023 22:14:50 GMT",  // not a leap year
            "Tue, 14 Nov 2023 24:00:00 GMT",  // bad hour
            "Tue, 14 Nov 2023 22:60:00 GMT",  // bad minute
            "Tue, 14 Nov 2023 2:14:50 GMT",  // short hour
            "Tue, 14 Nov 23 22:14:50 GMT",  // two-digit year in IMF-fixdate
            "2023-11-14T22:14:50Z",  // ISO 8601 is not an HTTP-date
        ])
    func garbage(header: String) {
        #expect(RetryPolicy.parseRetryAfter(header, now: now) == nil)
    }
}
