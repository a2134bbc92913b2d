// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
let httpClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
let jwt = Target.Dependency.product(name: "JWTKit", package: "jwt-kit")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")
let instrumentation = Target.Dependency.product(name: "Instrumentation", package: "swift-distributed-tracing")

/// What a service is built on: the top of the shared library, and the targets below it whose types
/// the service names itself.
let sharedForServices: [Target.Dependency] = [
    "ServiceCore", "HTTPCore", "Messaging", "Authentication", "HTTPKit", "Persistence", "Settings", "Events", "Basics",
    "ConduitContract", logging, lifecycle, metrics, tracing, postgres, hummingbird,
]

let package = Package(
    name: "Inkwell",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "Auth", targets: ["Auth"]),
        .executable(name: "Posts", targets: ["Posts"]),
        .executable(name: "Comments", targets: ["Comments"]),
        .executable(name: "Notifier", targets: ["Notifier"]),
        .executable(name: "Web", targets: ["Web"]),
        .executable(name: "Analytics", targets: ["Analytics"]),
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
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.3.0"),
        // Only the OTLP/HTTP exporter: the default traits would build gRPC too.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // The shared library (Shared/), one folder per target, bottom up: each target depends only on
        // targets listed before it. Shared/<Target>/<Target>.swift says what the target is for.
        .target(name: "Events", path: "Shared/Events", swiftSettings: swiftSettings),
        .target(name: "Settings", dependencies: [logging], path: "Shared/Settings", swiftSettings: swiftSettings),
        .target(name: "Basics", dependencies: [logging, lifecycle], path: "Shared/Basics", swiftSettings: swiftSettings),
        // The public API's answers, as the services encode them and web decodes them.
        .target(name: "ConduitContract", path: "Shared/ConduitContract", swiftSettings: swiftSettings),
        // librdkafka 2.8 or newer, found through pkg-config (scripts/setup builds it).
        .systemLibrary(name: "CRdkafka", path: "Shared/CRdkafka", pkgConfig: "rdkafka"),
        .target(
            name: "Kafka",
            dependencies: ["CRdkafka", "Basics", logging, lifecycle, nioPosix],
            path: "Shared/Kafka",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Persistence",
            dependencies: [
                "Settings", "Basics", logging, lifecycle, metrics, nioCore, postgres,
                // Its ConnectionPoolError says when the pool gave up reaching the database.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            ],
            path: "Shared/Persistence",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPKit",
            dependencies: [
                "Basics", "ConduitContract", logging, hummingbird, nioCore, httpClient, crypto,
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Shared/HTTPKit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPCore",
            dependencies: [
                "HTTPKit", "Settings", "Basics", logging, lifecycle, metrics, nioCore, nioPosix, hummingbird, httpClient,
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            path: "Shared/HTTPCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Authentication",
            dependencies: ["HTTPKit", "Persistence", "Settings", "Basics", logging, lifecycle, hummingbird, postgres, httpClient, jwt, crypto],
            path: "Shared/Authentication",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Messaging",
            dependencies: ["Events", "Kafka", "Persistence", "Basics", logging, lifecycle, metrics, tracing, instrumentation, nioCore, postgres],
            path: "Shared/Messaging",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceCore",
            dependencies: [
                "HTTPCore", "Events", "Settings", "Basics", "Kafka", "Persistence", "HTTPKit", "Authentication", "Messaging",
                logging, lifecycle, metrics, nioCore, postgres, hummingbird,
            ],
            path: "Shared/ServiceCore",
            swiftSettings: swiftSettings
        ),

        // The services, one executable each.
        .executableTarget(
            name: "Auth",
            dependencies: sharedForServices + [
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"), jwt, crypto, nioCore, nioPosix, httpClient,
            ],
            path: "Services/Auth",
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "Posts", dependencies: sharedForServices, path: "Services/Posts", swiftSettings: swiftSettings),
        .executableTarget(name: "Comments", dependencies: sharedForServices, path: "Services/Comments", swiftSettings: swiftSettings),
        // libcurl's SMTP client, found through pkg-config (scripts/setup installs libcurl4-openssl-dev).
        .systemLibrary(name: "CCurl", path: "Services/Notifier/CCurl", pkgConfig: "libcurl"),
        .executableTarget(
            name: "Notifier",
            dependencies: sharedForServices + ["CCurl", nioPosix],
            path: "Services/Notifier",
            exclude: ["CCurl"],
            swiftSettings: swiftSettings
        ),
        // The blog's web pages: no database, it calls the other services' public APIs. Its templates
        // and stylesheet are compiled into the binary.
        .executableTarget(
            name: "Web",
            dependencies: [
                "HTTPCore", "HTTPKit", "ConduitContract", "Settings", "Basics",
                hummingbird, httpClient, lifecycle, logging, crypto, nioCore,
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Ink", package: "Ink"),
            ],
            path: "Services/Web",
            resources: [.embedInCode("Templates"), .embedInCode("Assets")],
            swiftSettings: swiftSettings
        ),
        // Daily counts per article and author, fed by the event log and the gateway's mirrored reads.
        .executableTarget(
            name: "Analytics", dependencies: sharedForServices + ["Kafka", crypto, nioCore], path: "Services/Analytics", swiftSettings: swiftSettings),
        // Prints messaging throughput and latency; run by scripts/bench-messaging.
        .executableTarget(
            name: "MessagingBenchmark",
            dependencies: ["ServiceCore", "Messaging", "Kafka", "Persistence", "Events", "Settings", "Basics", logging, lifecycle, postgres],
            path: "Benchmarks/MessagingBenchmark",
            swiftSettings: swiftSettings
        ),

        // The stack's floor: Hummingbird and PostgresNIO alone reading articles; run by scripts/bench.
        .executableTarget(
            name: "StackFloor",
            dependencies: ["Persistence", hummingbird, postgres, nioPosix, logging],
            path: "Benchmarks/StackFloor",
            swiftSettings: swiftSettings
        ),

        // Tests. TestSupport: the harness every test target uses (a scratch database and app, request
        // helpers, a private broker, an SMTP sink, token forging).
        .target(
            name: "TestSupport",
            dependencies: ["Kafka"] + sharedForServices + [hummingbirdTesting, nioCore, nioPosix, jwt, crypto],
            path: "Tests/Support",
            exclude: ["smtp_sink.py"],
            swiftSettings: swiftSettings
        ),
        // The shared library's tests, one target for all its targets: most of them meet in a
        // ServiceCore (its router, its database, its messaging), so they share one harness.
        .testTarget(
            name: "SharedTests",
            dependencies: ["TestSupport", "Kafka"] + sharedForServices + [hummingbirdTesting, nioCore, nioPosix, jwt, crypto],
            path: "Tests/SharedTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuthTests",
            dependencies: ["Auth", "TestSupport"] + sharedForServices + [hummingbirdTesting, jwt],
            path: "Tests/AuthTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostsTests",
            dependencies: ["Posts", "TestSupport", "Kafka"] + sharedForServices + [hummingbirdTesting, nioCore],
            path: "Tests/PostsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommentsTests",
            dependencies: ["Comments", "Posts", "TestSupport"] + sharedForServices + [hummingbirdTesting, nioCore],
            path: "Tests/CommentsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifierTests",
            dependencies: ["Notifier", "TestSupport", "Kafka"] + sharedForServices + [hummingbirdTesting],
            path: "Tests/NotifierTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnalyticsTests",
            dependencies: ["Analytics", "TestSupport", "Kafka"] + sharedForServices + [hummingbirdTesting],
            path: "Tests/AnalyticsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                // Auth and posts: the feeds and the search page against the real services.
                "Web", "Auth", "Posts", "TestSupport", "HTTPCore", "ServiceCore", "HTTPKit", "ConduitContract", "Settings", "Basics",
                hummingbirdTesting, httpClient, jwt,
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/WebTests",
            swiftSettings: swiftSettings
        ),
        // Runs against a native stack started by scripts/test; skipped when INKWELL_GATEWAY_URL is unset.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TestSupport", httpClient, nioCore,
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/EndToEndTests",
            swiftSettings: swiftSettings
        ),
    ]
)
