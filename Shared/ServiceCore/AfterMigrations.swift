import Basics
import ServiceLifecycle
import Synchronization

/// Opened once the service's migrations are applied.
final class SchemaReady: Sendable {
    private let opened = Atomic(false)

    func open() { opened.store(true, ordering: .releasing) }
    var isOpen: Bool { opened.load(ordering: .acquiring) }
}

/// Runs `base` only once the schema is current, so that an outbox relay or a consumer never meets
/// a missing table (a consumer would count that as a failing event and dead-letter it).
struct AfterMigrations: Service {
    let base: any Service
    let schema: SchemaReady

    func run() async throws {
        while !schema.isOpen {
            guard await Backoff.pause(.milliseconds(20)) else { return }
        }
        try await base.run()
    }
}
