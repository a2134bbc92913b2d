import Basics
import CRdkafka
import Logging
import NIOPosix
import Synchronization

/// A member of a consumer group. `messages` yields what the group assigned to it; offsets are
/// committed only for messages passed to `storeOffset(of:)`, so a message whose handling did not
/// finish is delivered again (at least once). librdkafka's blocking calls run on a thread of the
/// consumer's own, never on Swift's cooperative pool.
public final class KafkaConsumer: Sendable {
    private let handle: KafkaClientHandle
    let context: KafkaClientContext
    private let thread: NIOThreadPool
    private let lifecycle = Mutex(Lifecycle.open)
    let logger: Logger
    private let configuration: KafkaConfiguration
    public let topics: [String]
    public let groupID: String
    /// What `readRecreatedTopicsFromTheStart` knows: the topics' descriptions when last looked at,
    /// when that was, the topics still to be committed from the start, and how often it restarted.
    private let incarnations = Mutex(Incarnations())
    private let restarts = Atomic<Int>(0)

    private struct Incarnations {
        var known: [String: KafkaAdmin.TopicDescription] = [:]
        var lastCheck: ContinuousClock.Instant?
        var uncommitted: [String: KafkaAdmin.TopicDescription] = [:]
        var refusedCommits = 0
        var nextCommit: ContinuousClock.Instant?
    }
    static let incarnationCheckInterval = Duration.seconds(2)

    public init(configuration: KafkaConfiguration, groupID: String, topics: [String], logger: Logger) throws {
        var logger = logger.component("kafka-consumer")
        logger[metadataKey: "group"] = "\(groupID)"
        self.logger = logger
        self.topics = topics
        self.groupID = groupID
        self.configuration = configuration
        let conf = try KafkaConf(configuration.consumerProperties(groupID: groupID))
        let context = KafkaClientContext(logger: logger)
        context.install(on: conf)
        context.installRebalanceCallback(on: conf)
        self.context = context
        let handle = KafkaClientHandle(pointer: try conf.makeClient(RD_KAFKA_CONSUMER))
        self.handle = handle
        rd_kafka_poll_set_consumer(handle.pointer)
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let error = rd_kafka_subscribe(handle.pointer, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(handle.pointer)
            throw KafkaError(error, context: "subscribing to \(topics.joined(separator: ","))")
        }
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    /// The messages of the subscribed topics; it ends when the consumer is closed.
    public var messages: Messages { Messages(consumer: self) }

    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = KafkaMessage
        let consumer: KafkaConsumer

        public func makeAsyncIterator() -> Iterator { Iterator(consumer: consumer) }

        public struct Iterator: AsyncIteratorProtocol {
            let consumer: KafkaConsumer

            public mutating func next() async throws -> KafkaMessage? {
                while true {
                    try Task.checkCancellation()
                    switch try await consumer.poll() {
                    case .message(let message): return message
                    case .closed: return nil
                    case .nothing: continue
                    }
                }
            }
        }
    }

    enum Lifecycle {
        case open
        /// `messages` ends; offsets can still be stored.
        case stopping
        case closed
    }

    /// Ends `messages` after the message being polled, leaving the client open so that the
    /// message in hand can still be handled and its offset stored; `close()` follows.
    public func stop() {
        lifecycle.withLock { state in
            guard state == .open else { return }
            state = .stopping
            // The handle is destroyed only once the state is `.closed`, which takes this lock.
            handle.wakePoll(of: .consumer)
        }
    }

    enum PollResult: Sendable {
        case message(KafkaMessage)
        case nothing
        case closed
    }

    func poll() async throws -> PollResult {
        let handle = self.handle
        let logger = self.logger
        do {
            return try await thread.runIfActive { [self] in
                if lifecycle.withLock({ $0 != .open }) { return .closed }
                readRecreatedTopicsFromTheStart()
                guard let message = rd_kafka_consumer_poll(handle.pointer, KafkaClientHandle.idlePollMilliseconds) else { return .nothing }
                defer { rd_kafka_message_destroy(message) }
                let error = message.pointee.err
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    let text = String(cString: rd_kafka_message_errstr(message))
                    if rd_kafka_fatal_error(handle.pointer, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR {
                        throw KafkaError(code: error.rawValue, message: text)
                    }
                    // Transient (a broker away, a partition's end): librdkafka recovers by itself.
                    logger.debug("consumer event", metadata: ["error": "\(text)"])
                    return .nothing
                }
                var copy = KafkaMessage(copying: message)
                copy.restarts = restarts.load(ordering: .relaxed)
                return .message(copy)
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            return .closed
        }
    }

    /// Marks `message` handled: its offset (plus one) is committed with the next automatic commit.
    /// Returns false when the partition was taken away by a rebalance meanwhile (the new owner
    /// will see the message again).
    @discardableResult
    public func storeOffset(of message: KafkaMessage) throws -> Bool {
        try lifecycle.withLock { state in
            guard state != .closed else { return false }
            return try store(message)
        }
    }

    private func store(_ message: KafkaMessage) throws -> Bool {
        // Polled before its topic was read again from the start: its offset belongs to the old topic.
        guard message.restarts == restarts.load(ordering: .relaxed) else { return false }
        let list = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, message.topic, message.partition).pointee.offset = message.offset + 1
        let error = rd_kafka_offsets_store(handle.pointer, list)
        let partitionError = list!.pointee.elems[0].err
        if error == RD_KAFKA_RESP_ERR__STATE || partitionError == RD_KAFKA_RESP_ERR__STATE {
            logger.debug("offset not stored: partition no longer assigned", metadata: ["partition": "\(message.partition)"])
            return false
        }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "storing an offset") }
        guard partitionError == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(partitionError, context: "storing an offset") }
        return true
    }

    /// A topic created anew (by a broker that lost its log: it has a new topic id) starts again at
    /// offset 0, while this consumer's positions and the offsets the group committed still point
    /// into the old one. Tansu answers a fetch past a partition's end with nothing rather than
    /// "out of range", so the consumer would wait there and skip what the new topic holds. Every
    /// few seconds (on the poll thread) this compares the topics' ids with those seen before; for
    /// a topic created anew it reads the partitions it holds from the start and commits offset 0
    /// for every partition of the topic, for the whole group (handlers are idempotent: what is
    /// read twice changes nothing). A commit refused (a rebalance under way) is tried again, while
    /// this member holds an assignment and later each time: librdkafka answers a refused commit
    /// by rejoining the group, so two members retrying at a fixed pace kept each other's
    /// rebalances going and the group never consumed.
    private func readRecreatedTopicsFromTheStart() {
        let now = ContinuousClock.now
        let due = incarnations.withLock { state in
            guard state.lastCheck.map({ now - $0 >= Self.incarnationCheckInterval }) ?? true else { return false }
            state.lastCheck = now
            return true
        }
        guard due, let current = try? KafkaAdmin.describeTopicsBlocking(topics, on: handle, timeout: .seconds(2)) else { return }
        let (recreated, uncommitted) = incarnations.withLock { state -> (Set<String>, [String: KafkaAdmin.TopicDescription]) in
            var recreated: Set<String> = []
            for (topic, description) in current {
                if let known = state.known[topic], known.id != description.id {
                    recreated.insert(topic)
                    state.uncommitted[topic] = description
                }
                state.known[topic] = description
            }
            return (recreated, state.uncommitted)
        }
        if !recreated.isEmpty { restart(recreated) }
        guard !uncommitted.isEmpty, context.isAssigned.load(ordering: .relaxed) else { return }
        let commitDue = incarnations.withLock { state in state.nextCommit.map { now >= $0 } ?? true }
        guard commitDue else { return }
        let everyPartition = rd_kafka_topic_partition_list_new(Int32(uncommitted.values.map(\.partitions).reduce(0, +)))
        defer { rd_kafka_topic_partition_list_destroy(everyPartition) }
        for (topic, description) in uncommitted {
            for partition in 0..<description.partitions {
                rd_kafka_topic_partition_list_add(everyPartition, topic, Int32(partition)).pointee.offset = 0
            }
        }
        let committed = rd_kafka_commit(handle.pointer, everyPartition, 0)
        incarnations.withLock { state in
            if committed == RD_KAFKA_RESP_ERR_NO_ERROR {
                for topic in uncommitted.keys { state.uncommitted[topic] = nil }
                state.refusedCommits = 0
                state.nextCommit = nil
            } else {
                state.refusedCommits += 1
                state.nextCommit = now + min(Self.incarnationCheckInterval * (1 << min(state.refusedCommits, 4)), .seconds(30))
            }
        }
        logger.warning(
            "topics created anew on the broker (it lost its log): reading them again from the start",
            metadata: [
                "topics": "\(uncommitted.keys.sorted())",
                "committed": "\(committed == RD_KAFKA_RESP_ERR_NO_ERROR ? "yes" : "\(KafkaError(committed)); trying again")",
            ]
        )
    }

    /// Moves the partitions of `recreated` this consumer holds to their start.
    private func restart(_ recreated: Set<String>) {
        restarts.add(1, ordering: .relaxed)

        var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        if rd_kafka_assignment(handle.pointer, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR, let assignment {
            defer { rd_kafka_topic_partition_list_destroy(assignment) }
            let held = rd_kafka_topic_partition_list_new(assignment.pointee.cnt)
            defer { rd_kafka_topic_partition_list_destroy(held) }
            for index in 0..<Int(assignment.pointee.cnt) {
                let element = assignment.pointee.elems[index]
                guard recreated.contains(String(cString: element.topic)) else { continue }
                rd_kafka_topic_partition_list_add(held, element.topic, element.partition).pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
            }
            if held!.pointee.cnt > 0 {
                if let error = rd_kafka_seek_partitions(handle.pointer, held, 2000) { rd_kafka_error_destroy(error) }
                // What was stored for the old topic must not be committed after the offsets below.
                for index in 0..<Int(held!.pointee.cnt) { held!.pointee.elems[index].offset = 0 }
                _ = rd_kafka_offsets_store(handle.pointer, held)
            }
        }
    }

    /// Commits the stored offsets, leaves the group and frees the client. `messages` ends.
    public func close() async {
        let handle = self.handle
        let first = lifecycle.withLock { state -> Bool in
            defer { state = .closed }
            if state == .open { handle.wakePoll(of: .consumer) }
            return state != .closed
        }
        guard first else { return }
        do {
            let logger = self.logger
            // Not the cancellable form of runIfActive: a consumer closed from a cancelled task must
            // still be destroyed, or librdkafka's threads go on calling back into freed memory.
            try await thread.runIfActive(eventLoop: MultiThreadedEventLoopGroup.singleton.any()) { [self] in
                settleBeforeLeaving()
                let error = rd_kafka_consumer_close(handle.pointer)
                if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.warning("leaving the group was not clean", metadata: ["error": "\(KafkaError(error))"])
                }
                rd_kafka_destroy(handle.pointer)
            }.get()
        } catch {
            logger.warning("closing the consumer failed", metadata: ["error": "\(error)"])
        }
        try? await thread.shutdownGracefully()
        logger.info("consumer closed, left the group")
    }

    /// Leaves the group only while it is formed. Tansu, the native stack's broker, keeps a leader
    /// that leaves in the middle of a rebalance as the group's leader, and the group then never
    /// forms again (its next members wait for assignments forever). So: one heartbeat for the
    /// coordinator to tell of a rebalance under way (another member left or joined), then until it
    /// has handed out the new assignment, bounded by the session timeout. Messages polled meanwhile
    /// are not stored, so their next owner gets them.
    private func settleBeforeLeaving() {
        guard context.wasEverAssigned.load(ordering: .relaxed) else { return }
        let start = ContinuousClock.now
        let heard = start + configuration.heartbeatInterval + .milliseconds(500)
        let limit = heard + configuration.sessionTimeout
        var sawRebalance = false
        while ContinuousClock.now < heard || (!context.isAssigned.load(ordering: .relaxed) && ContinuousClock.now < limit) {
            if !context.isAssigned.load(ordering: .relaxed) { sawRebalance = true }
            if let message = rd_kafka_consumer_poll(handle.pointer, 100) { rd_kafka_message_destroy(message) }
        }
        if sawRebalance {
            let settled = context.isAssigned.load(ordering: .relaxed)
            logger.info(
                settled ? "rebalance finished before leaving the group" : "leaving the group during a rebalance",
                metadata: ["waited": "\(ContinuousClock.now - start)"])
        }
    }
}
