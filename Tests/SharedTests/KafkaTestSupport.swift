import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import Events
@testable import Messaging

/// An event that only tests publish; service consumers ignore its type.
struct SequencedTestEvent: DomainEvent {
    static let type = "test.sequenced"
    static let topic = EventTopic.users
    var run: UUID
    var stream: String
    var sequence: Int
    var key: String { stream }
}

/// The outbox's migrations, as a publishing service lists them.
let outboxMigrations = [Outbox.migration(version: 1), Outbox.setAsideMigration(version: 2), Outbox.topicIncarnationsMigration(version: 3)]
