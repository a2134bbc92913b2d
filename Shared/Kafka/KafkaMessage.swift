import CRdkafka

public struct KafkaHeader: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }

    public var stringValue: String { String(decoding: value, as: UTF8.self) }
}

/// A message to produce.
public struct KafkaOutgoingMessage: Sendable {
    public var topic: String
    public var key: [UInt8]
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(topic: String, key: [UInt8], value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }

    public init(topic: String, key: String, value: [UInt8], headers: [KafkaHeader] = []) {
        self.init(topic: topic, key: Array(key.utf8), value: value, headers: headers)
    }
}

/// Where the broker stored a produced message.
public struct KafkaDeliveryReport: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
}

/// A consumed message, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: [UInt8]
    public let value: [UInt8]
    public let headers: [KafkaHeader]
    /// The consumer's count of topics read again from the start when this message was polled
    /// (see `KafkaConsumer.readRecreatedTopicsFromTheStart`).
    var restarts = 0

    public var keyString: String { String(decoding: key, as: UTF8.self) }

    public func header(_ name: String) -> KafkaHeader? { headers.last { $0.name == name } }

    init(copying message: UnsafePointer<rd_kafka_message_t>) {
        let raw = message.pointee
        topic = String(cString: rd_kafka_topic_name(raw.rkt))
        partition = raw.partition
        offset = raw.offset
        key = Self.bytes(raw.key, raw.key_len)
        value = Self.bytes(raw.payload, raw.len)
        var headersPointer: OpaquePointer?
        var headers: [KafkaHeader] = []
        if rd_kafka_message_headers(message, &headersPointer) == RD_KAFKA_RESP_ERR_NO_ERROR, let headersPointer {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(headersPointer, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                if let name {
                    headers.append(KafkaHeader(name: String(cString: name), value: Self.bytes(value, size)))
                }
                index += 1
            }
        }
        self.headers = headers
    }

    private static func bytes(_ pointer: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
