import HTTPKit
import Persistence

extension DatabaseErrors {
    /// The Conduit error for a database error (``ConduitErrorMiddleware``'s translation): 503 while
    /// the database cannot be reached, 422 for a text it cannot store, and the Conduit error a
    /// transaction's body threw, which PostgresNIO hands back wrapped.
    @Sendable public static func conduitError(for error: any Error, requestID: String) -> ConduitError? {
        if isUnreachable(error) { return .databaseUnavailable(requestID: requestID) }
        if isUnstorableCharacter(error) { return ConduitError(.unprocessableContent, "contains a character that cannot be stored") }
        return unwrap(error) as? ConduitError
    }
}
