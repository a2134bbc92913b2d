import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A Tansu broker of the test's own, listening on `listenPort` and advertising `advertisedPort`
/// (a proxy in front of it), stopped by `stop()`.
public final class PrivateBroker: Sendable {
    let process: ChildProcess
    /// What Tansu printed: it says "ready" once it listens.
    public let logFile: String

    /// `advertisedHost` is the name clients are told to connect to; `authentication` makes the
    /// broker require SASL (SCRAM) of every client.
    public init(listenPort: Int, advertisedPort: Int, advertisedHost: String = "127.0.0.1", authentication: Bool = false) async throws {
        guard let binary = TestKafka.tansuBinary else { throw TestFailure("INKWELL_TANSU_BIN is not set") }
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("tansu-\(listenPort)-\(UUID().uuidString.prefix(6)).log").path
        process = try ChildProcess.spawn(
            binary,
            arguments: [
                "broker",
                "--listener-url", "tcp://127.0.0.1:\(listenPort)",
                "--advertised-listener-url", "tcp://\(advertisedHost):\(advertisedPort)",
                "--storage-engine", "memory://tansu/",
            ] + (authentication ? ["--authentication"] : []), outputFile: logFile)
    }

    /// Whether this broker (not something else on its port) has said it is ready.
    public var isReady: Bool {
        ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").contains("ready in")
    }

    public func stop() async {
        await process.terminate()
    }

    public static func isListening(on port: Int) async -> Bool {
        guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
        else {
            return false
        }
        try? await channel.close()
        return true
    }
}

extension PrivateBroker {
    /// A broker of the test's own on a free port, listening when this returns. A port that turns
    /// out to be taken after all (Tansu says "Address in use") is given up for another.
    /// `advertising` gives the address clients are told (by default the broker's own).
    public static func start(
        advertising advertised: (host: String, port: Int)? = nil, authentication: Bool = false
    ) async throws -> (broker: PrivateBroker, port: Int) {
        for _ in 0..<10 {
            let port = try await freePort()
            let broker = try await PrivateBroker(
                listenPort: port, advertisedPort: advertised?.port ?? port, advertisedHost: advertised?.host ?? "127.0.0.1",
                authentication: authentication)
            let started = try await eventually(timeout: .seconds(10)) {
                if broker.failedToListen { return true }
                guard broker.isReady else { return false }
                return await isListening(on: port)
            }
            if started && !broker.failedToListen { return (broker, port) }
            await broker.stop()
        }
        throw TimedOut(what: "starting a private broker")
    }

    var failedToListen: Bool {
        ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").contains("Address in use")
    }
}
