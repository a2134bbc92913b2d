// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Inkwell",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "Auth", targets: ["Auth"]),
        .executable(name: "Posts", targets: ["Posts"]),
        .executable(name: "Comments", targets: ["Comments"]),
        .executable(name: "Notifier", targets: ["Notifier"]),
        .executable(name: "Web", targets: ["Web"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/JohnSundell/Ink.git", from: "0.6.0"),
    ],
    targets: [
        // librdkafka 2.8 or newer, found through pkg-config (scripts/setup builds it).
        .systemLibrary(name: "CRdkafka", path: "Shared/CRdkafka", pkgConfig: "rdkafka"),
        .target(
            name: "Shared",
            dependencies: [
                "CRdkafka",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Its ConnectionPoolError says when the pool gave up reaching the database.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Shared",
            exclude: ["CRdkafka"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Auth",
            dependencies: [
                "Shared",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Auth",
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "Posts", dependencies: ["Shared"], path: "Services/Posts", swiftSettings: swiftSettings),
        .executableTarget(name: "Comments", dependencies: ["Shared"], path: "Services/Comments", swiftSettings: swiftSettings),
        // libcurl's SMTP client, found through pkg-config (scripts/setup installs libcurl4-openssl-dev).
        .systemLibrary(name: "CCurl", path: "Services/Notifier/CCurl", pkgConfig: "libcurl"),
        .executableTarget(
            name: "Notifier",
            dependencies: ["Shared", "CCurl"],
            path: "Services/Notifier",
            exclude: ["CCurl"],
            swiftSettings: swiftSettings
        ),
        // The blog's web pages: no database, it calls the other services' public APIs. Its templates
        // and stylesheet are compiled into the binary.
        .executableTarget(
            name: "Web",
            dependencies: [
                "Shared",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Ink", package: "Ink"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Web",
            resources: [.embedInCode("Templates"), .embedInCode("Assets")],
            swiftSettings: swiftSettings
        ),
        // Prints messaging throughput and latency; run by scripts/bench-messaging.
        .executableTarget(name: "MessagingBenchmark", dependencies: ["Shared"], path: "Benchmarks/MessagingBenchmark", swiftSettings: swiftSettings),
        // Helpers that both test targets use.
        .target(
            name: "TestSupport",
            dependencies: [
                "Shared",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/Support",
            exclude: ["smtp_sink.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: [
                "Shared",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Tests/SharedTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth",
                "Shared",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Tests/AuthTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostsTests",
            dependencies: [
                "Posts",
                "Shared",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/PostsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommentsTests",
            dependencies: [
                "Comments",
                "Posts",
                "Shared",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/CommentsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifierTests",
            dependencies: [
                "Notifier",
                "Shared",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/NotifierTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web",
                "Shared",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/WebTests",
            swiftSettings: swiftSettings
        ),
        // Runs against a native stack started by scripts/test; skipped when INKWELL_GATEWAY_URL is unset.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/EndToEndTests",
            swiftSettings: swiftSettings
        ),
    ]
)
