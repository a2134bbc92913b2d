import HTTPCore
import Persistence

extension ReadinessCheck {
    /// Whether the database monitor finds the database reachable, on its own connection. Not a
    /// query through the pool: a pool busy with requests (or with the outbox relay waiting out an
    /// absent broker in its transaction) is serving, and a readiness that waited for it took a
    /// loaded replica out of service.
    public static func database(availability: DatabaseAvailability) -> ReadinessCheck {
        ReadinessCheck(name: "database") {
            guard availability.isReachable else { throw NotReady(reason: "unreachable: the database monitor finds it unreachable") }
        }
    }
}
