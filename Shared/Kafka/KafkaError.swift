import CRdkafka

/// An error reported by librdkafka, with its own message.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// librdkafka's `rd_kafka_resp_err_t` value (negative for client-side errors).
    public let code: Int32
    public let message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    init(_ error: rd_kafka_resp_err_t, context: String? = nil) {
        let text = String(cString: rd_kafka_err2str(error))
        self.init(code: error.rawValue, message: context.map { "\($0): \(text)" } ?? text)
    }

    public var description: String { "Kafka error \(code): \(message)" }

    var isQueueFull: Bool { code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue }

    /// Errors that say the message itself can never be accepted (too large, malformed), so that
    /// retrying it is useless.
    public var rejectsTheMessage: Bool {
        Self.messageRejections.contains(code)
    }

    static let messageRejections: Set<Int32> = [
        RD_KAFKA_RESP_ERR_INVALID_MSG.rawValue, RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE.rawValue, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue,
        RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue, RD_KAFKA_RESP_ERR_INVALID_RECORD.rawValue,
    ]
}

extension String {
    /// The text librdkafka wrote into an error buffer (up to its NUL).
    init(errorBuffer: [CChar]) {
        self.init(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
