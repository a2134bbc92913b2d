import Basics
import CRdkafka

/// How to reach the broker, read from the environment by `ServiceConfiguration`.
public struct KafkaConfiguration: Sendable {
    /// `host:port[,host:port…]`.
    public var bootstrapServers: String
    public var clientID: String
    /// How long the broker waits for a silent group member; Tansu's first join waits about half of it.
    public var sessionTimeout: Duration
    /// Partitions of the topics created at start-up when missing; with `createsTopics` off, the
    /// least partitions each topic must have.
    public var partitions: Int
    /// Replicas of each partition of the topics a service creates.
    public var replicationFactor: Int
    /// Whether a service creates the topics it needs when they are missing; off where the cluster
    /// owns them (a service then only checks that they are there).
    public var createsTopics: Bool
    public var security: KafkaSecurity
    /// How long librdkafka keeps trying to deliver a message before it reports a failure.
    public var messageTimeout: Duration
    /// Any other librdkafka property, for example `debug`.
    public var extraProperties: [String: String]

    public init(
        bootstrapServers: String,
        clientID: String,
        sessionTimeout: Duration = .seconds(6),
        partitions: Int = 3,
        replicationFactor: Int = 1,
        createsTopics: Bool = true,
        security: KafkaSecurity = .plaintext,
        messageTimeout: Duration = .seconds(30),
        extraProperties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.sessionTimeout = sessionTimeout
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.createsTopics = createsTopics
        self.security = security
        self.messageTimeout = messageTimeout
        self.extraProperties = extraProperties
    }

    /// How often a group member tells the coordinator it is alive, and learns of a rebalance.
    var heartbeatInterval: Duration {
        .milliseconds(max(100, sessionTimeout.milliseconds / 3))
    }

    var commonProperties: [String: String] {
        [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "reconnect.backoff.ms": "100",
            "reconnect.backoff.max.ms": "2000",
        ].merging(security.properties) { $1 }
    }

    /// Not librdkafka's idempotent producer: its producer id dies with a broker that loses its state
    /// (Tansu's memory storage, restarted), and with messages in flight that is a fatal error, after
    /// which the client never produces again. One request in flight keeps each partition's order
    /// through retries instead; a retry may still write a message twice, which consumers, recording
    /// the events they handled, ignore. Topics are created by `ensureTopics` only, with the
    /// configured partitions, never by a broker on first use.
    var producerProperties: [String: String] {
        commonProperties.merging([
            "enable.idempotence": "false",
            "max.in.flight.requests.per.connection": "1",
            "allow.auto.create.topics": "false",
            "acks": "all",
            "linger.ms": "5",
            "message.timeout.ms": "\(messageTimeout.milliseconds)",
        ]) { $1 }.merging(extraProperties) { $1 }
    }

    func consumerProperties(groupID: String) -> [String: String] {
        let session = sessionTimeout.milliseconds
        return commonProperties.merging([
            "group.id": groupID,
            "enable.auto.offset.store": "false",
            "enable.auto.commit": "true",
            "auto.commit.interval.ms": "500",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": "\(session)",
            "heartbeat.interval.ms": "\(heartbeatInterval.milliseconds)",
            // Also the rebalance timeout a joining member announces: how long a rebalance may wait for
            // members that do not rejoin (librdkafka's default is 5 minutes; on Tansu a restarted
            // consumer was seen waiting over a minute to be given partitions). Handlers never hold a poll that long, except while
            // the database is away, and then a rejoin costs nothing: offsets are stored after handling.
            "max.poll.interval.ms": "\(max(30_000, session))",
            // How long the broker may hold a fetch that finds nothing. Apache Kafka answers as soon as
            // a message arrives, so this only sets how often an idle consumer asks; Tansu looks for
            // new messages about ten times per wait, so it is also the delay a message can wait on
            // Tansu (librdkafka's default, 500, made produce-to-consume several times slower there).
            // 100 keeps an idle consumer at ten requests a second.
            "fetch.wait.max.ms": "100",
        ]) { $1 }.merging(extraProperties) { $1 }
    }
}

/// An `rd_kafka_conf_t` filled from properties; librdkafka's message names a bad one.
struct KafkaConf {
    let pointer: OpaquePointer

    init(_ properties: [String: String]) throws {
        pointer = rd_kafka_conf_new()
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(pointer, name, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(pointer)
                let shown = KafkaSecurity.secretProperties.contains(name) ? "***" : value
                throw KafkaError(code: -1, message: "configuration \(name)=\(shown): \(String(errorBuffer: errorText))")
            }
        }
    }

    /// Creates the client; librdkafka takes over the configuration on success.
    func makeClient(_ type: rd_kafka_type_t) throws -> OpaquePointer {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let client = rd_kafka_new(type, pointer, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(pointer)
            throw KafkaError(code: -1, message: "creating the client: \(String(errorBuffer: errorText))")
        }
        return client
    }
}

/// A librdkafka client handle that may cross threads (librdkafka's calls are thread-safe).
struct KafkaClientHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// How long a poll waits when nothing comes (a message or a delivery report ends it at once):
    /// an idle client's poll thread wakes once a second, not ten times. `wakePoll` ends the wait.
    static let idlePollMilliseconds: Int32 = 1000

    enum PolledQueue {
        /// What `rd_kafka_poll` serves: a producer's delivery reports.
        case main
        /// What `rd_kafka_consumer_poll` serves.
        case consumer
    }

    /// Ends the wait of the poll in progress on `queue`.
    func wakePoll(of queue: PolledQueue) {
        let handle = queue == .main ? rd_kafka_queue_get_main(pointer) : rd_kafka_queue_get_consumer(pointer)
        guard let handle else { return }
        rd_kafka_queue_yield(handle)
        rd_kafka_queue_destroy(handle)
    }
}
