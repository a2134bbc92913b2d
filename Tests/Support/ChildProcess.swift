import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not declare.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnActionsCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// A program the tests start and wait for, through posix_spawn and waitpid (Foundation's Process
/// on Linux can miss a child's exit when it is waited for from Swift's concurrency pool).
public final class ChildProcess: Sendable {
    public let pid: pid_t

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `path` with `arguments`; its standard output and error go to `outputFile`
    /// (or nowhere). `environment` replaces the inherited one when given.
    public static func spawn(
        _ path: String,
        arguments: [String] = [],
        environment: [String: String]? = nil,
        outputFile: String = "/dev/null"
    ) throws -> ChildProcess {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        // Nothing else of the test process: a database connection or a listening socket a child
        // inherited would stay open, and a server busy, for as long as the child lives.
        _ = spawnActionsCloseFrom(&fileActions, 3)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = environment ?? ProcessInfo.processInfo.environment
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &fileActions, nil, argv, envp)
        guard result == 0 else {
            throw ChildProcessError("could not start \(path): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid)
    }

    /// Waits for the process to end; its exit code, or 128 + the signal that ended it.
    public func wait() async -> Int32 {
        let pid = self.pid
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }
            thread.start()
        }
    }

    /// Sends SIGTERM, and SIGKILL if the process is still there after `grace`; waits for it to end.
    @discardableResult
    public func terminate(grace: Duration = .seconds(5)) async -> Int32 {
        kill(pid, SIGTERM)
        let pid = self.pid
        let killer = Task {
            try await Task.sleep(for: grace)
            kill(pid, SIGKILL)
        }
        let status = await wait()
        killer.cancel()
        return status
    }

    /// Kills the process at once (SIGKILL), as a crash would, and waits for it to end.
    @discardableResult
    public func crash() async -> Int32 {
        Glibc.kill(pid, SIGKILL)
        return await wait()
    }

    /// Runs `path` to completion; its exit code and what it printed (output and error together).
    public static func run(_ path: String, arguments: [String] = [], environment: [String: String]? = nil) async throws -> (
        status: Int32, output: String
    ) {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputFile) }
        let status = try await spawn(path, arguments: arguments, environment: environment, outputFile: outputFile).wait()
        let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        return (status, output)
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
