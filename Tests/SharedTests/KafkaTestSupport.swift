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

/// Forwards TCP connections from a local port to a target; `cut()` drops every connection and
/// refuses new ones until `restore()`, like a network that went away.
final class TCPProxy: Sendable {
    let port: Int
    private let serverChannel: any Channel
    private let state: ProxyState

    final class ProxyState: Sendable {
        let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
        let isCut = Mutex(false)
    }

    init(targetPort: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws {
        let state = ProxyState()
        self.state = state
        serverChannel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                if state.isCut.withLock({ $0 }) {
                    return inbound.close()
                }
                return ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMap { outbound in
                        state.connections.withLock {
                            $0[ObjectIdentifier(inbound)] = inbound
                            $0[ObjectIdentifier(outbound)] = outbound
                        }
                        let forget: @Sendable (any Channel) -> Void = { channel in
                            _ = state.connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
                        }
                        inbound.closeFuture.whenComplete { _ in forget(inbound); outbound.close(promise: nil) }
                        outbound.closeFuture.whenComplete { _ in forget(outbound); inbound.close(promise: nil) }
                        return inbound.pipeline.addHandler(Forwarder(peer: outbound)).flatMap {
                            outbound.pipeline.addHandler(Forwarder(peer: inbound))
                        }
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        port = serverChannel.localAddress!.port!
    }

    func cut() {
        state.isCut.withLock { $0 = true }
        let open = state.connections.withLock { Array($0.values) }
        for channel in open { channel.close(promise: nil) }
    }

    func restore() {
        state.isCut.withLock { $0 = false }
    }

    func close() async {
        cut()
        try? await serverChannel.close()
    }

    private final class Forwarder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let peer: any Channel
        init(peer: any Channel) { self.peer = peer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
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

