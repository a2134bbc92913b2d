import NIOCore
import NIOPosix
import Synchronization

/// Forwards TCP connections from a local port to a target; `cut()` drops every connection and
/// refuses new ones until `restore()`, like a network that went away.
public final class TCPProxy: Sendable {
    public let port: Int
    private let serverChannel: any Channel
    private let state: ProxyState

    final class ProxyState: Sendable {
        let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
        let isCut = Mutex(false)
    }

    public init(targetPort: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws {
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
                        inbound.closeFuture.whenComplete { _ in
                            forget(inbound)
                            outbound.close(promise: nil)
                        }
                        outbound.closeFuture.whenComplete { _ in
                            forget(outbound)
                            inbound.close(promise: nil)
                        }
                        return inbound.pipeline.addHandler(Forwarder(peer: outbound)).flatMap {
                            outbound.pipeline.addHandler(Forwarder(peer: inbound))
                        }
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        port = serverChannel.localAddress!.port!
    }

    public func cut() {
        state.isCut.withLock { $0 = true }
        let open = state.connections.withLock { Array($0.values) }
        for channel in open { channel.close(promise: nil) }
    }

    public func restore() {
        state.isCut.withLock { $0 = false }
    }

    public func close() async {
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

/// Accepts TCP connections and never answers: a service that hangs.
public final class SilentServer: Sendable {
    public let port: Int
    private let channel: any Channel

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws {
        channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { _ in group.next().makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    public func close() async {
        try? await channel.close()
    }
}
