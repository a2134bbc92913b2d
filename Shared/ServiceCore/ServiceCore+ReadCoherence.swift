import Persistence

extension ServiceCore {
    /// What lets the service's replicas answer reads from memory and still show each writer its
    /// writes (see ``ReadCoherence``), listening on `channel` through a connection of its own. A
    /// replica that holds nothing in memory (`holdsLease` false) still waits for the others after
    /// its writes; either way the service adds ``WritesHeardMiddleware`` to its routers.
    public func makeReadCoherence(channel: String, holdsLease: Bool) -> ReadCoherence {
        ReadCoherence(
            channel: channel, settings: .init(holdsLease: holdsLease), database: database,
            listeningConnection: .dedicated(configuration.database))
    }
}
