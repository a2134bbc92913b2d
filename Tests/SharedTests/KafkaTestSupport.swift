import Foundation
import Logging
import NIOCore
import NIOPosix
import Persistence
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

/// The outbox's tables, as a publishing service lists them.
let outboxSchema = DatabaseSchema([Outbox.migrations])
