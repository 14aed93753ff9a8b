// swift-tools-version: 6.1
// Rules engine throughput, in a package of its own so it never weighs on the main build. `Sources/Rules`,
// `Sources/MIME` and `Sources/DNSClient` are symlinks to the real modules.
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "RulesBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(name: "MIME", swiftSettings: swiftSettings),
        .target(
            name: "DNSClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: swiftSettings),
        .target(name: "Rules", dependencies: ["MIME", "DNSClient"], swiftSettings: swiftSettings),
        .executableTarget(name: "rules-bench", dependencies: ["Rules", "MIME"], swiftSettings: swiftSettings),
    ]
)
