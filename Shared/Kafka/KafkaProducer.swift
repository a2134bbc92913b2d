import Basics
import CRdkafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A producer with `acks=all` and ordered retries (see `KafkaConfiguration`): `send` returns once the broker
/// acknowledged the message, or throws librdkafka's error. librdkafka's callbacks are served by a
/// dedicated thread, never by Swift's cooperative pool. Run it as a service so that it flushes on shutdown.
public final class KafkaProducer: Service, Sendable {
    private let handle: KafkaClientHandle
    private let context: KafkaClientContext
    private let state = Mutex(State())
    private let logger: Logger

    /// The handle is destroyed only by the poll thread, once closing was asked for and no call
    /// that uses it is running (`users`), so nothing touches a freed handle.
    private struct State {
        var phase: Phase = .running
        var users = 0
    }

    private enum Phase {
        case running
        case closing(timeout: Duration, done: CheckedContinuation<Void, Never>)
        case closed
    }

    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        let logger = logger.component("kafka-producer")
        self.logger = logger
        let conf = try KafkaConf(configuration.producerProperties)
        let context = KafkaClientContext(logger: logger)
        context.install(on: conf)
        rd_kafka_conf_set_dr_msg_cb(conf.pointer) { client, message, _ in
            guard let client, let message, let context = KafkaClientContext.from(rd_kafka_opaque(client)) else { return }
            let id = UInt(bitPattern: message.pointee._private)
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                let report = KafkaDeliveryReport(
                    topic: String(cString: rd_kafka_topic_name(message.pointee.rkt)),
                    partition: message.pointee.partition,
                    offset: message.pointee.offset
                )
                context.finishDelivery(id, with: .success(report))
            } else {
                context.finishDelivery(id, with: .failure(KafkaError(message.pointee.err, context: "delivery")))
            }
        }
        self.context = context
        self.handle = KafkaClientHandle(pointer: try conf.makeClient(RD_KAFKA_PRODUCER))
        startPolling()
    }

    private func startPolling() {
        let thread = Thread { [self] in
            while true {
                let closing: (Duration, CheckedContinuation<Void, Never>)? = state.withLock { state in
                    if case .closing(let timeout, let done) = state.phase, state.users == 0 {
                        state.phase = .closed
                        return (timeout, done)
                    }
                    return nil
                }
                if let (timeout, done) = closing {
                    destroy(flushingFor: timeout)
                    done.resume()
                    return
                }
                // Returns at once when a delivery report comes, and when `close` wakes it.
                rd_kafka_poll(handle.pointer, KafkaClientHandle.idlePollMilliseconds)
            }
        }
        thread.name = "kafka-producer-poll"
        thread.start()
    }

    private func destroy(flushingFor timeout: Duration) {
        if rd_kafka_flush(handle.pointer, Int32(timeout.milliseconds)) != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("messages still undelivered at shutdown", metadata: ["in_flight": "\(rd_kafka_outq_len(handle.pointer))"])
        }
        rd_kafka_destroy(handle.pointer)
        context.failOutstandingDeliveries(KafkaError(code: RD_KAFKA_RESP_ERR__DESTROY.rawValue, message: "the producer was shut down"))
    }

    /// Runs `body` with the handle, which stays alive meanwhile; throws once the producer is closing.
    private func withHandle<T>(_ body: (KafkaClientHandle) throws -> T) throws -> T {
        try state.withLock { state in
            guard case .running = state.phase else { throw Self.shutDown }
            return try body(handle)
        }
    }

    private func withLiveHandle<T: Sendable>(_ body: (KafkaClientHandle) async throws -> T) async throws -> T {
        try state.withLock { state in
            guard case .running = state.phase else { throw Self.shutDown }
            state.users += 1
        }
        defer { state.withLock { $0.users -= 1 } }
        return try await body(handle)
    }

    private static let shutDown = KafkaError(code: RD_KAFKA_RESP_ERR__DESTROY.rawValue, message: "the producer is shut down")

    /// Hands `message` to librdkafka and returns at once; `Delivery.acknowledged()` waits for the
    /// broker. Messages enqueued in order keep that order within their partition.
    public func enqueue(_ message: KafkaOutgoingMessage) throws -> Delivery {
        try withHandle { handle in
            let id = context.registerDelivery()
            let headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                header.value.withUnsafeBytes { value in
                    _ = rd_kafka_header_add(headers, header.name, -1, value.baseAddress, value.count)
                }
            }
            let error = message.key.withUnsafeBytes { key in
                message.value.withUnsafeBytes { value in
                    inkwell_produce(
                        handle.pointer, message.topic, key.baseAddress, key.count, value.baseAddress, value.count,
                        headers, UnsafeMutableRawPointer(bitPattern: id)
                    )
                }
            }
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                rd_kafka_headers_destroy(headers)
                context.forgetDelivery(id)
                throw KafkaError(error, context: "producing to \(message.topic)")
            }
            return Delivery(id: id, context: context)
        }
    }

    /// Produces `message` and waits for the broker's acknowledgement. When librdkafka's local
    /// queue is full it waits for room instead of failing.
    @discardableResult
    public func send(_ message: KafkaOutgoingMessage) async throws -> KafkaDeliveryReport {
        let report = try await Self.roomInQueue.retry {
            try await enqueue(message).acknowledged()
        } onFailure: { error, _, _ in
            guard (error as? KafkaError)?.isQueueFull == true else { throw error }
        }
        guard let report else { throw CancellationError() }
        return report
    }

    private static let roomInQueue = Backoff(initial: .milliseconds(10), maximum: .milliseconds(10))

    public struct Delivery: Sendable {
        let id: UInt
        let context: KafkaClientContext

        public func acknowledged() async throws -> KafkaDeliveryReport {
            try await context.awaitDelivery(id)
        }
    }

    /// Whether the broker answers a metadata request within `timeout`.
    public func checkBroker(timeout: Duration = .seconds(2)) async throws {
        try await withLiveHandle { try await KafkaAdmin.checkBroker($0, timeout: timeout) }
    }

    /// Creates the topics that do not exist yet, each partition with `replicationFactor` replicas.
    public func createTopics(_ names: [String], partitions: Int, replicationFactor: Int = 1, timeout: Duration = .seconds(10)) async throws {
        try await withLiveHandle {
            try await KafkaAdmin.createTopics(names, partitions: partitions, replicationFactor: replicationFactor, on: $0, timeout: timeout)
        }
    }

    /// The broker's id of each of `names` it knows (see `KafkaAdmin.TopicDescription`).
    public func topicIDs(_ names: [String], timeout: Duration = .seconds(5)) async throws -> [String: String] {
        try await topicPartitionsAndIDs(names, timeout: timeout).mapValues(\.id)
    }

    /// The broker's id and partition count of each of `names` it knows; the others are left out.
    public func topicPartitionsAndIDs(_ names: [String], timeout: Duration = .seconds(5)) async throws -> [String: (id: String, partitions: Int)] {
        try await withLiveHandle { try await KafkaAdmin.describeTopics(names, on: $0, timeout: timeout) }.mapValues { ($0.id, $0.partitions) }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Waits (up to `timeout`) for the messages still in flight, then destroys the client.
    public func close(timeout: Duration = .seconds(10)) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let closing = state.withLock { state -> Bool in
                guard case .running = state.phase else { return false }
                state.phase = .closing(timeout: timeout, done: done)
                // The poll thread destroys the handle only after it has seen `.closing`, under this lock.
                handle.wakePoll(of: .main)
                return true
            }
            if !closing { done.resume() }
        }
        logger.info("producer closed")
    }
}
