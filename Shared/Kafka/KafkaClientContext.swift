import CRdkafka
import Logging
import Synchronization

/// What librdkafka's callbacks reach through the client's opaque pointer: the logger, the
/// deliveries a producer is waiting for, and whether a consumer holds its group's assignment.
/// It lives as long as the client handle.
final class KafkaClientContext: Sendable {
    let logger: Logger
    /// True between a rebalance's assignment and the next revocation (an empty assignment counts).
    let isAssigned = Atomic<Bool>(false)
    let wasEverAssigned = Atomic<Bool>(false)
    private let deliveries = Mutex<[UInt: DeliverySlot]>([:])
    private let nextDeliveryID = Atomic<UInt>(1)

    enum DeliverySlot {
        case pending
        case waiting(CheckedContinuation<KafkaDeliveryReport, any Error>)
        case finished(Result<KafkaDeliveryReport, KafkaError>)
    }

    init(logger: Logger) {
        self.logger = logger
    }

    func install(on conf: KafkaConf) {
        rd_kafka_conf_set_opaque(conf.pointer, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf.pointer) { client, level, facility, text in
            guard let client, let context = KafkaClientContext.from(rd_kafka_opaque(client)) else { return }
            let text = String(cString: text!)
            let message = "\(String(cString: facility!)): \(text)"
            let metadata: Logger.Metadata? = KafkaConnectionHints.hint(for: text).map { ["hint": "\($0)"] }
            switch level {
            case 0...3: context.logger.error("librdkafka: \(message)", metadata: metadata)
            case 4: context.logger.warning("librdkafka: \(message)", metadata: metadata)
            case 5...6: context.logger.info("librdkafka: \(message)")
            default: context.logger.debug("librdkafka: \(message)")
            }
        }
    }

    /// Applies the group's assignments itself, so that the consumer knows when a rebalance is under way.
    func installRebalanceCallback(on conf: KafkaConf) {
        rd_kafka_conf_set_rebalance_cb(conf.pointer) { client, error, partitions, opaque in
            guard let client, let context = KafkaClientContext.from(opaque) else { return }
            context.rebalance(client, error, partitions)
        }
    }

    private func rebalance(
        _ client: OpaquePointer, _ error: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let listed = Self.describe(partitions)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            Self.apply(client, partitions, assigning: true)
            isAssigned.store(true, ordering: .relaxed)
            wasEverAssigned.store(true, ordering: .relaxed)
            logger.info("partitions assigned", metadata: ["partitions": "\(listed)"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            Self.apply(client, partitions, assigning: false)
            isAssigned.store(false, ordering: .relaxed)
            logger.info("partitions revoked for a rebalance", metadata: ["partitions": "\(listed)"])
        default:
            _ = rd_kafka_assign(client, nil)
            isAssigned.store(false, ordering: .relaxed)
            logger.warning("rebalance failed", metadata: ["error": "\(KafkaError(error))"])
        }
    }

    /// Takes on or gives up `partitions`, in the way of the group's rebalance protocol.
    private static func apply(_ client: OpaquePointer, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, assigning: Bool) {
        guard rd_kafka_rebalance_protocol(client).map({ String(cString: $0) }) == "COOPERATIVE" else {
            _ = rd_kafka_assign(client, assigning ? partitions : nil)
            return
        }
        let failure = assigning ? rd_kafka_incremental_assign(client, partitions) : rd_kafka_incremental_unassign(client, partitions)
        if let failure { rd_kafka_error_destroy(failure) }
    }

    private static func describe(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> String {
        guard let list, list.pointee.cnt > 0 else { return "none" }
        let byTopic = Dictionary(grouping: (0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0] }) { String(cString: $0.topic) }
        return byTopic.keys.sorted().map { topic in
            "\(topic)[\(byTopic[topic]!.map { String($0.partition) }.sorted().joined(separator: ","))]"
        }.joined(separator: " ")
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> KafkaClientContext? {
        opaque.map { Unmanaged<KafkaClientContext>.fromOpaque($0).takeUnretainedValue() }
    }

    // MARK: deliveries

    func registerDelivery() -> UInt {
        let id = nextDeliveryID.add(1, ordering: .relaxed).oldValue
        deliveries.withLock { $0[id] = .pending }
        return id
    }

    func forgetDelivery(_ id: UInt) {
        _ = deliveries.withLock { $0.removeValue(forKey: id) }
    }

    func finishDelivery(_ id: UInt, with result: Result<KafkaDeliveryReport, KafkaError>) {
        let continuation: CheckedContinuation<KafkaDeliveryReport, any Error>? = deliveries.withLock { slots in
            switch slots[id] {
            case .waiting(let continuation):
                slots.removeValue(forKey: id)
                return continuation
            case .pending:
                slots[id] = .finished(result)
                return nil
            case .finished, nil:
                return nil
            }
        }
        continuation?.resume(with: result.mapError { $0 as any Error })
    }

    func awaitDelivery(_ id: UInt) async throws -> KafkaDeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            let finished: Result<KafkaDeliveryReport, KafkaError>? = deliveries.withLock { slots in
                if case .finished(let result) = slots[id] {
                    slots.removeValue(forKey: id)
                    return result
                }
                slots[id] = .waiting(continuation)
                return nil
            }
            if let finished { continuation.resume(with: finished.mapError { $0 as any Error }) }
        }
    }

    /// Fails every delivery still outstanding (the client is gone, so no report will come).
    func failOutstandingDeliveries(_ error: KafkaError) {
        let ids = deliveries.withLock { Array($0.keys) }
        for id in ids { finishDelivery(id, with: .failure(error)) }
    }
}
