import NIOCore
import NIOPosix

/// What a service's process sets before anything else runs (the first line of every `App.main`).
public enum ServiceProcess {
    public static func prepare() {
        // Swift Concurrency's jobs run on NIO's event loops instead of a pool of their own: a
        // request's handler then runs on the thread that read it, not after a hop to another
        // thread and back for every await on I/O (a profile showed those task switches as the
        // largest single cost of a request). Blocking work already runs on NIO's thread pool.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
