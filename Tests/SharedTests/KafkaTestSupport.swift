import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import ServiceLifecycle
import Testing
import TestSupport

@testable import Events

/// An event that only tests publish; service consumers ignore its type.
struct SequencedTestEvent: DomainEvent {
    static let type = "test.sequenced"
    static let topic = EventTopic.users
    var run: UUID
    var stream: String
    var sequence: Int
    var key: String { stream }
}

