import Shared

/// The posts service's schema, in order. Never edit an applied migration: add a new one.
enum PostsMigrations {
    static let all: [Migration] = [
        Outbox.migration(version: 1),
        EventConsumer.migration(version: 2),
    ]
}
