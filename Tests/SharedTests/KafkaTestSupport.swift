import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import ServiceLifecycle
import Testing
import TestSupport

@testable import Shared

/// An event that only tests publish; service consumers ignore its type.
struct SequencedTestEvent: DomainEvent {
    static let type = "test.sequenced"
    static let topic = EventTopic.users
    var run: UUID
    var stream: String
    var sequence: Int
    var key: String { stream }
}


/// A Tansu broker of the test's own, listening on `listenPort` and advertising `advertisedPort`
/// (a proxy in front of it), stopped by `stop()`.
final class PrivateBroker: Sendable {
    let process: ChildProcess

    init(listenPort: Int, advertisedPort: Int) async throws {
        let binary = try #require(TestKafka.tansuBinary, "INKWELL_TANSU_BIN is not set")
        process = try ChildProcess.spawn(binary, arguments: [
            "broker",
            "--listener-url", "tcp://127.0.0.1:\(listenPort)",
            "--advertised-listener-url", "tcp://127.0.0.1:\(advertisedPort)",
            "--storage-engine", "memory://tansu/",
        ])
    }

    func stop() async {
        await process.terminate()
    }

    static func isListening(on port: Int) async -> Bool {
        guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() else {
            return false
        }
        try? await channel.close()
        return true
    }

    /// A port nothing listens on right now, below the ephemeral range: a port from that range can
    /// be taken by an outgoing connection meanwhile, or even connect to itself when nothing listens.
    static func freePort() async throws -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: 21_000..<24_000)
            if let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get() {
                try? await channel.close()
                return port
            }
        }
        throw TimedOut(what: "finding a free port")
    }
}

