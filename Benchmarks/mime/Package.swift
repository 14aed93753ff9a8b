// swift-tools-version: 6.1
// A separate package so the benchmark never weighs on the main build. `Sources/MIME` is a symlink to the real
// module (../../../Sources/MIME): SwiftPM does not allow target paths outside a package root.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "MIMEBenchmark",
    platforms: [.macOS(.v14)],
    targets: [
        .target(name: "MIME", swiftSettings: swiftSettings),
        .executableTarget(name: "mime-bench", dependencies: ["MIME"], swiftSettings: swiftSettings),
    ]
)
