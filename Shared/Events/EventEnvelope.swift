import Foundation

/// The topics, one per aggregate; events of one entity share a key, so they stay in order.
public enum EventTopic: String, Sendable, CaseIterable, Codable {
    case users
    case articles
    case comments
    /// Batches of article reads, counted at the gateway's mirror by analytics (`article.read`).
    case reads

    public var deadLetterTopic: String { Self.deadLetterTopic(of: rawValue) }

    public static func deadLetterTopic(of topic: String) -> String { "\(topic)\(deadLetterSuffix)" }

    public static func isDeadLetterTopic(_ name: String) -> Bool { name.hasSuffix(deadLetterSuffix) }

    /// scripts/lib/bin/check-deploy reads the topics' names from this enum's cases and this suffix.
    static let deadLetterSuffix = ".dlq"
}

/// An event that services exchange: its type name, schema version, topic and key.
public protocol DomainEvent: Codable, Sendable, Equatable {
    static var type: String { get }
    static var version: Int { get }
    static var topic: EventTopic { get }
    /// The aggregate's id: the Kafka message key.
    var key: String { get }
}

extension DomainEvent {
    public static var version: Int { 1 }
}

/// What travels on the wire: `{id, type, version, occurredAt, key, data}`.
public struct EventEnvelope<Data: DomainEvent>: Codable, Sendable, Equatable {
    public var id: UUID
    public var type: String
    public var version: Int
    public var occurredAt: Date
    public var key: String
    public var data: Data

    public init(_ data: Data, id: UUID = UUID(), occurredAt: Date = Date()) {
        self.id = id
        self.type = Data.type
        self.version = Data.version
        self.occurredAt = occurredAt
        self.key = data.key
        self.data = data
    }

    public func encoded() throws -> [UInt8] {
        Array(try JSONEncoder.inkwell.encode(self))
    }
}

/// A received event whose `data` is decoded only once its type is known.
public struct IncomingEvent: Sendable {
    public let id: UUID
    public let type: String
    public let version: Int
    public let occurredAt: Date
    public let key: String
    let payload: Foundation.Data

    private struct Head: Decodable {
        let id: UUID
        let type: String
        let version: Int
        let occurredAt: Date
        let key: String
    }

    public init(payload: [UInt8]) throws {
        let payload = Foundation.Data(payload)
        let head = try JSONDecoder.inkwell.decode(Head.self, from: payload)
        self.id = head.id
        self.type = head.type
        self.version = head.version
        self.occurredAt = head.occurredAt
        self.key = head.key
        self.payload = payload
    }

    public func decode<Event: DomainEvent>(_: Event.Type) throws -> Event {
        try JSONDecoder.inkwell.decode(EventEnvelope<Event>.self, from: payload).data
    }
}

/// The Kafka headers Inkwell sets (beside the trace context's, see Messaging's `TraceContext`).
public enum EventHeaders {
    public static let eventType = "event-type"
    public static let error = "error"
    public static let originalTopic = "original-topic"
    public static let attempts = "attempts"
}
