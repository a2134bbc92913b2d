import Hummingbird
import NIOCore
import NIOPosix
import ServiceLifecycle

/// What a service's process sets before anything else runs (the first line of every `App.main`),
/// and how it runs its application.
public enum ServiceProcess {
    public static func prepare() {
        // Swift Concurrency's jobs run on NIO's event loops instead of a pool of their own: a
        // request's handler then runs on the thread that read it, not after a hop to another
        // thread and back for every await on I/O (a profile showed those task switches as the
        // largest single cost of a request). Blocking work already runs on NIO's thread pool.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// How long a stop may take before what is still under way is cancelled. A stop takes a few
    /// seconds (requests under way finish, consumers leave their groups, producers flush), but
    /// work waiting for a database that is down waited until its pool gave up, about a minute:
    /// posts and analytics took 60 s to stop after SIGTERM. Kubernetes kills a pod 30 s after
    /// the stop began, 5 of them before SIGTERM (deploy/kubernetes/base/service-defaults.yaml).
    public static let longestStop: Duration = .seconds(20)

    /// Runs `app` until SIGTERM or SIGINT, then stops it gracefully, within ``longestStop``.
    public static func run(_ app: some ApplicationProtocol) async throws {
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger)
        configuration.maximumGracefulShutdownDuration = longestStop
        try await ServiceGroup(configuration: configuration).run()
    }
}
