import NIOCore
import NIOPosix
import Synchronization

/// A port on 127.0.0.1 that nothing listens on right now, for a listener a test configures by
/// number. It is below the ephemeral range: a port from that range can be taken by an outgoing
/// connection meanwhile, or even connect to itself when nothing listens. Each call takes the next
/// port of a sequence, so that tests running at once never pick the same one before either has
/// bound it.
public func freePort() async throws -> Int {
    for _ in 0..<50 {
        let port = 21_000 + (nextFreePort.add(1, ordering: .relaxed).newValue % 3_000)
        if let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get() {
            try? await channel.close()
            return port
        }
    }
    throw TimedOut(what: "finding a free port")
}

private let nextFreePort = Atomic<Int>(Int.random(in: 0..<3_000))

/// Remembers the port a listener reports once it listens (given port 0, the system picks a free
/// one), for a test to reach it.
public final class ListeningPort: Sendable {
    private let port = Mutex<Int?>(nil)

    public init() {}

    public func record(_ value: Int) { port.withLock { $0 = value } }

    /// The port, once the listener said it listens.
    public func wait(timeout: Duration = .seconds(120)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = port.withLock({ $0 }) { return value }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(what: "a listener to report its port")
    }
}
