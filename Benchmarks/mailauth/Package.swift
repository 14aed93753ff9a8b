// swift-tools-version: 6.1
// DKIM and SPF throughput, in a package of its own so it never weighs on the main build. `Sources/DNSClient` and
// `Sources/MailAuth` are symlinks to the real modules; the signer is the tests' (independent of the verifier).
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "MailAuthBenchmark",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "DNSClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: swiftSettings),
        .target(
            name: "MailAuth",
            dependencies: [
                "DNSClient", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ], swiftSettings: swiftSettings),
        .executableTarget(
            name: "mailauth-bench",
            dependencies: [
                "MailAuth", "DNSClient", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ], swiftSettings: swiftSettings),
    ]
)
