import HTTPCore
import Logging
import Persistence
import PostgresNIO

extension ReadinessCheck {
    /// The database answers through the pool; at once not ready while its monitor finds it unreachable.
    public static func database(_ client: PostgresClient, availability: DatabaseAvailability, logger: Logger) -> ReadinessCheck {
        ReadinessCheck(name: "database") {
            guard availability.isReachable else { throw NotReady(reason: "unreachable: the database monitor finds it unreachable") }
            do {
                try await client.query("SELECT 1", logger: logger)
            } catch {
                throw NotReady(reason: "unreachable: \(DatabaseErrors.describe(error))")
            }
        }
    }
}
