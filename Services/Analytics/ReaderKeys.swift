import Basics
import Crypto
import Foundation
import Logging
import NIOCore
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The day's key that readers are hashed with before they enter a sketch. Every replica must hash a
/// reader alike, so each day's key is random, made by whichever replica needs it first and shared
/// through analytics' database; each replica keeps it in memory (nothing reads the table on a read),
/// makes tomorrow's ahead of time, and deletes the keys of days that are over. Once a day's key is
/// gone, its sketches cannot be tested against anyone: they hold hashes of nobody known.
final class ReaderKeys: Service, Sendable {
    let database: PostgresClient
    let refreshInterval: Duration
    let logger: Logger
    private struct Keys {
        var shared: [Day: SymmetricKey] = [:]
        var own: [Day: SymmetricKey] = [:]
    }
    private let keys = Mutex(Keys())

    init(database: PostgresClient, refreshInterval: Duration = .seconds(60), logger: Logger) {
        self.database = database
        self.refreshInterval = refreshInterval
        self.logger = logger.component("reader-keys")
    }

    /// The reader's hash for `day`. Without the shared key (the database was unreachable since the
    /// replica started, or the first read came before the keys were loaded), a key of this
    /// replica's own, which it then keeps for the rest of that day so that it counts each reader
    /// once: across replicas, such a reader may count once per replica.
    func hash(_ reader: String, on day: Day) -> UInt64 {
        let key = keys.withLock { keys in
            if let key = keys.own[day] ?? keys.shared[day] { return key }
            let own = SymmetricKey(size: .bits256)
            keys.own[day] = own
            logger.warning("no shared readers' key for the day yet; this replica uses its own", metadata: ["day": "\(day.string)"])
            return own
        }
        let code = HMAC<SHA256>.authenticationCode(for: Data(reader.utf8), using: key)
        return code.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    func run() async throws {
        while !Backoff.isStopping {
            do {
                try await refresh()
            } catch {
                logger.warning("could not load the readers' keys; retrying", metadata: ["error": "\(DatabaseErrors.describe(error))"])
            }
            guard await Backoff.pause(refreshInterval) else { break }
        }
    }

    /// Makes today's and tomorrow's keys when missing, forgets those of earlier days, and loads them.
    func refresh(today: Day = .today) async throws {
        let days = [today, today.adding(1)]
        var loaded: [Day: SymmetricKey] = [:]
        try await database.withConnection { connection in
            try await connection.withTransaction(logger: logger) { connection in
                for day in days {
                    let key = SymmetricKey(size: .bits256).withUnsafeBytes { ByteBuffer(bytes: $0) }
                    try await connection.query(
                        "INSERT INTO reader_keys (day, key) VALUES (\(day.string)::date, \(key)) ON CONFLICT (day) DO NOTHING", logger: logger)
                }
                try await connection.query("DELETE FROM reader_keys WHERE day < \(today.string)::date", logger: logger)
                let rows = try await connection.query("SELECT day::text, key FROM reader_keys", logger: logger)
                for try await (day, key) in rows.decode((String, ByteBuffer).self) {
                    guard let day = Day(day) else { continue }
                    loaded[day] = SymmetricKey(data: Array(key.readableBytesView))
                }
            }
        }
        keys.withLock { keys in
            keys.shared = loaded
            keys.own = keys.own.filter { $0.key >= today }
        }
    }
}
