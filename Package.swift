// swift-tools-version: 6.2
import PackageDescription

let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Kith",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kith", targets: ["kith"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
    ],
    targets: [
        // C bridges.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),

        // Kith modules, one job each (see DESIGN.md).
        .target(name: "KithSchema", dependencies: ["CLibXML2"], swiftSettings: strictness),
        .target(
            name: "KithStore",
            dependencies: [
                "KithSchema", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: strictness
        ),
        .target(name: "KithScript", dependencies: ["KithSchema", "CLua", "CLuaShim"], swiftSettings: strictness),
        .target(
            name: "KithEngine",
            dependencies: [
                "KithSchema", "KithStore", "KithScript", .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: strictness
        ),
        .target(
            name: "KithWeb",
            dependencies: [
                "KithSchema", "KithStore", "KithEngine", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "kith",
            dependencies: [
                "KithSchema", "KithScript", "KithStore", "KithEngine", "KithWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "kith-benchmarks",
            dependencies: ["KithSchema", "KithStore", "KithScript", "KithEngine", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/Sources",
            swiftSettings: strictness
        ),

        // Tests, one target per module.
        .testTarget(name: "KithSchemaTests", dependencies: ["KithSchema"], swiftSettings: strictness),
        .testTarget(
            name: "KithStoreTests",
            dependencies: ["KithStore", "kith-store-writer", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "kith-store-writer",
            dependencies: ["KithSchema", "KithStore"],
            path: "Tests/KithStoreWriter",
            swiftSettings: strictness
        ),
        .testTarget(name: "KithScriptTests", dependencies: ["KithScript"], swiftSettings: strictness),
        .testTarget(
            name: "KithEngineTests",
            dependencies: ["KithEngine", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "KithWebTests",
            dependencies: ["KithWeb", "KithEngine", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: strictness
        ),
        .testTarget(name: "KithCLITests", dependencies: ["kith"], swiftSettings: strictness),
    ]
)
