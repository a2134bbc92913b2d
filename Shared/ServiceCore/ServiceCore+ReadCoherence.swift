import HTTPKit
import Hummingbird
import Persistence

extension ServiceCore {
    /// What lets the service's replicas answer reads from memory and still show each writer its
    /// writes (see ``ReadCoherence``), listening on `channel` through a connection of its own. A
    /// replica that holds nothing in memory (`holdsLease` false) still waits for the others after
    /// its writes; either way the service's routes go in ``databaseRoutes(_:writesHeardBy:)``.
    public func makeReadCoherence(channel: String, holdsLease: Bool) -> ReadCoherence {
        ReadCoherence(
            channel: channel, settings: .init(holdsLease: holdsLease), database: database,
            listeningConnection: .dedicated(configuration.database))
    }

    /// ``databaseRoutes(_:)`` whose writes are answered only when every replica has heard them
    /// (``WritesHeardMiddleware``). Hummingbird fixes a route's middleware when the route is added,
    /// so the middleware must be on the group before its routes.
    public func databaseRoutes(_ router: Router<AppRequestContext>, writesHeardBy coherence: ReadCoherence) -> RouterGroup<AppRequestContext> {
        databaseRoutes(router).add(middleware: WritesHeardMiddleware(coherence: coherence))
    }
}
