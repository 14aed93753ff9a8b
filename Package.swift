// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "FastSMTP",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fastsmtp", targets: ["fastsmtp"]),
        // The remote CLI: only the generated client, never server code (scripts/check-fsmtp-dependencies.sh).
        .executable(name: "fsmtp", targets: ["fsmtp"]),
    ],
    traits: [
        // MariaDB (≥ 10.6) as a database, through MariaDB Connector/C (Debian: libmariadb-dev). Off by default, so
        // the default build needs nothing new: `swift build --traits MariaDB`.
        .trait(name: "MariaDB", description: "MariaDB/MySQL URLs through MariaDB Connector/C (libmariadb-dev)")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Codable values and settings shared by everything.
        .target(
            name: "FastSMTPModels",
            dependencies: ["DomainNames"],
            swiftSettings: swiftSettings
        ),
        // IDNA (RFC 5891 ToASCII, RFC 3492 Punycode): shared by the server and fsmtp, which sends domain names to the
        // API in the ASCII form openapi.yaml asks for.
        .target(
            name: "DomainNames",
            swiftSettings: swiftSettings
        ),
        // RFC 5322 / MIME parsing: pure, no I/O.
        .target(
            name: "MIME",
            swiftSettings: swiftSettings
        ),
        // DNS: the resolver protocol, IP addresses, and the NIO stub resolver.
        .target(
            name: "DNSClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The rules engine: compiled rulesets in, a decision out (forward / drop / quarantine, tags). Pure; its
        // regexes run on a linear-time automaton.
        .target(
            name: "Rules",
            dependencies: ["MIME", "DNSClient"],
            swiftSettings: swiftSettings
        ),
        // DKIM (RFC 6376/8301/8463) and SPF (RFC 7208) over a DNSResolver.
        .target(
            name: "MailAuth",
            dependencies: [
                "DNSClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The SMTP wire protocol and session state machine: pure, no I/O.
        .target(
            name: "SMTPCore",
            swiftSettings: swiftSettings
        ),
        // Metrics (swift-metrics, exported with swift-prometheus) and the JSON log format.
        .target(
            name: "Telemetry",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // NIO channel handlers and the listener service around SMTPCore.
        .target(
            name: "SMTPServer",
            dependencies: [
                "SMTPCore",
                "Telemetry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // MariaDB Connector/C, from the system (pkg-config libmariadb). Only the MariaDB trait links it.
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        // The MariaDB client: Connector/C's blocking calls on a thread pool of its own, a connection pool, prepared
        // statements. Empty without the MariaDB trait (its sources are inside `#if MariaDB`).
        .target(
            name: "MariaDBClient",
            dependencies: [
                .target(name: "CMariaDB", condition: .when(traits: ["MariaDB"])),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Database access: URLs, migrations, repositories.
        .target(
            name: "Storage",
            dependencies: [
                "FastSMTPModels",
                .target(name: "MariaDBClient", condition: .when(traits: ["MariaDB"])),
                "MIME",
                "Rules",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The durable webhook queue: retry policy, dispatcher, worker.
        .target(
            name: "Delivery",
            dependencies: [
                "DNSClient",
                "Telemetry",
                "MIME",
                .product(name: "Crypto", package: "swift-crypto"),
                "FastSMTPModels",
                "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Types generated from openapi.yaml, shared by the server and the client.
        .target(
            name: "FastSMTPAPITypes",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The REST API: generated server stubs, handlers, authentication and authorisation.
        .target(
            name: "API",
            dependencies: [
                "FastSMTPAPITypes",
                "FastSMTPModels",
                "MIME",
                "Rules",
                "Storage",
                "Delivery",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("openapi.yaml")],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The typed API client (what fsmtp and the tests use).
        .target(
            name: "FastSMTPClient",
            dependencies: [
                "FastSMTPAPITypes",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // Wiring: settings → services → ServiceGroup; health API.
        .target(
            name: "FastSMTPApp",
            dependencies: [
                "FastSMTPModels",
                "Telemetry",
                "MIME",
                "Rules",
                "MailAuth",
                "DNSClient",
                "SMTPCore",
                "SMTPServer",
                "Storage",
                "Delivery",
                "API",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets only.
        .target(
            name: "FastSMTPTestSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fastsmtp",
            dependencies: [
                "FastSMTPApp",
                "Telemetry",
                .product(name: "Logging", package: "swift-log"),
                "FastSMTPModels",
                "API",
                "Storage",
                "MailAuth",
                "DNSClient",
                "MIME",
                "Rules",
                "SMTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The remote CLI over the generated client. It must not depend on any server module.
        .executableTarget(
            name: "fsmtp",
            dependencies: [
                "FastSMTPClient",
                "DomainNames",
                "FastSMTPAPITypes",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastSMTPModelsTests",
            dependencies: [
                "FastSMTPTestSupport", "FastSMTPModels",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DNSClientTests",
            dependencies: [
                "FastSMTPTestSupport",
                "DNSClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MailAuthTests",
            dependencies: [
                "FastSMTPTestSupport",
                "MailAuth",
                "DNSClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MIMETests",
            dependencies: [
                "FastSMTPTestSupport", "MIME",
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RulesTests",
            dependencies: [
                "FastSMTPTestSupport", "Rules", "MIME",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SMTPCoreTests",
            dependencies: [
                "FastSMTPTestSupport", "SMTPCore",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastSMTPTests",
            dependencies: [
                "FastSMTPTestSupport",
                "Telemetry",
                "fastsmtp",
                "FastSMTPApp",
                "FastSMTPClient",
                "API",
                "DNSClient",
                "MailAuth",
                "FastSMTPModels",
                "Storage",
                "SMTPServer",
                "SMTPCore",
                // The MariaDB client's own tests (version check, pool), only with the MariaDB trait.
                .target(name: "MariaDBClient", condition: .when(traits: ["MariaDB"])),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // The real fsmtp binary against a real server started in the test.
        .testTarget(
            name: "FsmtpTests",
            dependencies: [
                "FastSMTPTestSupport",
                "fsmtp",
                "FastSMTPApp",
                "FastSMTPModels",
                "API",
                "Storage",
                "DNSClient",
                "SMTPServer",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
