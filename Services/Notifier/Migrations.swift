import Shared

/// The notifier service's schema, in order. Never edit an applied migration: add a new one.
enum NotifierMigrations {
    static let all: [Migration] = [
        EventConsumer.migration(version: 1),
    ]
}
