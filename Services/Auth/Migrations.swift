import Shared

/// The auth service's schema, in order. Never edit an applied migration: add a new one.
enum AuthMigrations {
    static let all: [Migration] = [
        Outbox.migration(version: 1),
    ]
}
