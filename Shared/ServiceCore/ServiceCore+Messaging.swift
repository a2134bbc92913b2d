import Events
import HTTPCore
import Kafka
import Logging
import Messaging
import Settings

/// A service's link to the event log: one producer (for its outbox relay and dead letters), the
/// broker's state (a health detail, not readiness), and the relay and consumers built on them.
public struct ServiceMessaging: Sendable {
    public let producer: KafkaProducer
    let core: ServiceCore
    let broker = BrokerState()
    /// How the relay and the consumers get their topics, and what they found missing.
    let topics: TopicProvisioning
    /// The same, for a service's own publisher outside the outbox.
    public var topicProvisioning: TopicProvisioning { topics }

    /// The broker's state as `/health/ready` reports it (`up`, `down` or `unknown`); list it in
    /// ``ServiceCore/makeRouter(healthDetails:)``, and the ``brokerMonitor()`` among the services.
    public var healthDetail: HealthDetail {
        HealthDetail(name: "broker") { [broker] in broker.description }
    }

    /// Keeps the broker's health detail, the `inkwell_broker_up` gauge and the log current.
    public func brokerMonitor() -> BrokerMonitor {
        BrokerMonitor(producer: producer, state: broker, timeout: core.configuration.readinessTimeout, logger: core.logger)
    }

    /// Publishes the service's outbox (list `Outbox.migrations` among the service's schema).
    public func outboxRelay() -> OutboxRelay {
        OutboxRelay(client: core.database, producer: producer, topics: topics, logger: core.logger)
    }

    /// Consumes `topics` in the service's consumer group (list `EventConsumer.migrations` among the
    /// service's schema); replicas of the service share the work.
    public func consumer(topics: [EventTopic], handlers: [EventHandler]) -> EventConsumer {
        let name = core.configuration.serviceName
        return EventConsumer(
            name: name,
            configuration: core.configuration.kafka,
            provisioning: self.topics,
            groupID: name,
            topics: topics.map(\.rawValue),
            deadLetters: producer,
            client: core.database,
            handlers: handlers,
            logger: core.logger
        )
    }
}

extension ServiceCore {
    /// Stops the service (exit code 78) when librdkafka refuses the settings: the client is made
    /// without reaching the broker, so only the settings (a CA file that holds no certificate, say)
    /// can fail it.
    public func makeMessaging() throws -> ServiceMessaging {
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(configuration: configuration.kafka, logger: logger)
        } catch {
            exitForConfiguration(
                of: configuration.serviceName,
                "the Kafka client cannot be made with these settings (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_CA_LOCATION, KAFKA_SASL_*): \(error)"
            )
        }
        return ServiceMessaging(producer: producer, core: self, topics: TopicProvisioning(configuration.kafka))
    }

    /// Forgets `targets`' rows past the configured retention period (`RETENTION_DAYS`), every
    /// `RETENTION_SWEEP_INTERVAL`.
    public func retentionSweep(_ targets: [RetentionSweep.Target]) -> RetentionSweep {
        RetentionSweep(
            database: database, targets: targets, retention: configuration.retention, interval: configuration.retentionSweepInterval, logger: logger
        )
    }
}
