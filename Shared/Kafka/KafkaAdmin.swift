import Basics
import CRdkafka
import Foundation
import NIOPosix

/// librdkafka's blocking admin calls, run on NIO's thread pool rather than Swift's cooperative one.
enum KafkaAdmin {
    static func checkBroker(_ handle: KafkaClientHandle, timeout: Duration) async throws {
        try await NIOThreadPool.singleton.runIfActive {
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let error = rd_kafka_metadata(handle.pointer, 0, nil, &metadata, Int32(timeout.milliseconds))
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "broker metadata") }
        }
    }

    /// A topic as the broker describes it: its id (Kafka's topic id, base64) and partition count.
    /// A topic deleted and created again, or created again by a broker that lost its log, has a new id.
    struct TopicDescription: Sendable, Equatable {
        let id: String
        let partitions: Int
    }

    /// Each of `names` that the broker knows; the others are left out.
    static func describeTopics(_ names: [String], on handle: KafkaClientHandle, timeout: Duration) async throws -> [String: TopicDescription] {
        try await NIOThreadPool.singleton.runIfActive { try describeTopicsBlocking(names, on: handle, timeout: timeout) }
    }

    /// `describeTopics` on the calling thread.
    static func describeTopicsBlocking(_ names: [String], on handle: KafkaClientHandle, timeout: Duration) throws -> [String: TopicDescription] {
        var errorText = [CChar](repeating: 0, count: 512)
        let cNames = names.map { strdup($0) }
        defer { for name in cNames { free(name) } }
        var pointers = cNames.map { UnsafePointer($0) }
        let collection = rd_kafka_TopicCollection_of_topic_names(&pointers, pointers.count)
        defer { rd_kafka_TopicCollection_destroy(collection) }
        let queue = rd_kafka_queue_new(handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_DESCRIBETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, Int32(timeout.milliseconds), &errorText, errorText.count)
        rd_kafka_DescribeTopics(handle.pointer, collection, options, queue)
        guard let event = rd_kafka_queue_poll(queue, Int32(timeout.milliseconds) + 1000) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, message: "describing topics timed out")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: eventError.rawValue, message: "describing topics: \(String(cString: rd_kafka_event_error_string(event)))")
        }
        var count = 0
        var topics: [String: TopicDescription] = [:]
        guard let results = rd_kafka_DescribeTopics_result_topics(rd_kafka_event_DescribeTopics_result(event), &count) else { return topics }
        for index in 0..<count {
            let description = results[index]
            let name = String(cString: rd_kafka_TopicDescription_name(description))
            if let error = rd_kafka_TopicDescription_error(description), rd_kafka_error_code(error) != RD_KAFKA_RESP_ERR_NO_ERROR {
                let code = rd_kafka_error_code(error)
                guard code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART else { throw KafkaError(code, context: "describing topic \(name)") }
                continue
            }
            var partitions = 0
            _ = rd_kafka_TopicDescription_partitions(description, &partitions)
            let id = String(cString: rd_kafka_Uuid_base64str(rd_kafka_TopicDescription_topic_id(description)))
            topics[name] = TopicDescription(id: id, partitions: partitions)
        }
        return topics
    }

    static func createTopics(
        _ names: [String], partitions: Int, replicationFactor: Int, on handle: KafkaClientHandle, timeout: Duration
    ) async throws {
        try await NIOThreadPool.singleton.runIfActive {
            var errorText = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for name in names {
                guard let topic = rd_kafka_NewTopic_new(name, Int32(partitions), Int32(replicationFactor), &errorText, errorText.count) else {
                    throw KafkaError(code: -1, message: "topic \(name): \(String(errorBuffer: errorText))")
                }
                newTopics.append(topic)
            }
            let queue = rd_kafka_queue_new(handle.pointer)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, Int32(timeout.milliseconds), &errorText, errorText.count)
            rd_kafka_CreateTopics(handle.pointer, &newTopics, newTopics.count, options, queue)
            guard let event = rd_kafka_queue_poll(queue, Int32(timeout.milliseconds) + 1000) else {
                throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, message: "creating topics timed out")
            }
            defer { rd_kafka_event_destroy(event) }
            let eventError = rd_kafka_event_error(event)
            guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(code: eventError.rawValue, message: "creating topics: \(String(cString: rd_kafka_event_error_string(event)))")
            }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count) else { return }
            for index in 0..<count {
                let result = results[index]
                let error = rd_kafka_topic_result_error(result)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else {
                    let name = String(cString: rd_kafka_topic_result_name(result))
                    let text = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? ""
                    throw KafkaError(code: error.rawValue, message: "creating topic \(name): \(text)")
                }
            }
        }
    }
}
