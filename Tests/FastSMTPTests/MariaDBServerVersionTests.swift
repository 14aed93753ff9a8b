#if MariaDB
import MariaDBClient
import Testing

/// MariaDB older than 10.6 (no `FOR UPDATE SKIP LOCKED`) and servers that are not MariaDB are refused at connect, with
/// a message naming the server and the minimum (issue #14.5). The check is the greeting's alone, so no old server is
/// needed to test it.
@Suite struct MariaDBServerVersionTests {
    private func supported(_ info: String, _ version: Int) -> Bool {
        (try? MariaDBConnection.checkSupported(serverInfo: info, serverVersion: version, endpoint: "db:3306")) != nil
    }

    @Test func tenSixAndNewerAreAccepted() {
        #expect(MariaDBConnection.minimumServerVersion == 10_06_00)
        #expect(supported("10.6.0-MariaDB", 10_06_00))
        #expect(supported("10.6.21-MariaDB-ubu2004", 10_06_21))
        #expect(supported("10.11.6-MariaDB-0+deb12u1", 10_11_06))
        #expect(supported("11.4.5-MariaDB-ubu2404", 11_04_05))
        // A 10.x server that still sends the old replication prefix; Connector/C's number skips it.
        #expect(supported("5.5.5-10.6.12-MariaDB-log", 10_06_12))
    }

    @Test func olderMariaDBIsRefused() {
        #expect(!supported("10.5.27-MariaDB", 10_05_27))
        #expect(!supported("10.3.39-MariaDB-0+deb10u2", 10_03_39))
        #expect(!supported("5.5.5-10.4.32-MariaDB", 10_04_32))
    }

    @Test func mySQLIsRefusedWhateverItsVersion() {
        #expect(!supported("8.0.36", 8_00_36))
        #expect(!supported("8.4.3-0ubuntu0.24.04.1", 8_04_03))
        #expect(!supported("11.0.0", 11_00_00))
    }

    @Test func theRefusalNamesTheServerAndTheMinimum() {
        do {
            try MariaDBConnection.checkSupported(
                serverInfo: "10.5.27-MariaDB", serverVersion: 10_05_27, endpoint: "db.example.com:3306")
            Issue.record("10.5 was accepted")
        } catch {
            #expect("\(error)".contains("db.example.com:3306"))
            #expect("\(error)".contains("'10.5.27-MariaDB'"))
            #expect("\(error)".contains("MariaDB 10.6 or newer"))
        }
    }
}
#endif
