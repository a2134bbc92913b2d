import CRdkafka
import Logging
import Synchronization

/// What librdkafka's callbacks reach through the client's opaque pointer: the logger, and the
/// deliveries a producer is waiting for. It lives as long as the client handle.
final class KafkaClientContext: Sendable {
    let logger: Logger
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
            let message = "\(String(cString: facility!)): \(String(cString: text!))"
            switch level {
            case 0...3: context.logger.error("librdkafka: \(message)")
            case 4: context.logger.warning("librdkafka: \(message)")
            case 5...6: context.logger.info("librdkafka: \(message)")
            default: context.logger.debug("librdkafka: \(message)")
            }
        }
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
