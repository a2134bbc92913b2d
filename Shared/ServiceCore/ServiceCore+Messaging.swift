import Events
import Kafka
import Logging
import Messaging
import Settings

/// A service's link to the event log: one producer (for its outbox relay and dead letters), the
/// broker's readiness check, and the relay and consumers built on them.
public struct ServiceMessaging: Sendable {
    public let producer: KafkaProducer
    let core: ServiceCore
    /// How the relay and the consumers get their topics, and what they found missing.
    let topics: TopicProvisioning

    public var readinessCheck: ReadinessCheck {
        .broker(producer, timeout: core.configuration.readinessTimeout)
    }

    /// Publishes the service's outbox (list `Outbox.migration` among the service's migrations).
    public func outboxRelay() -> OutboxRelay {
        OutboxRelay(client: core.database, producer: producer, topics: topics, logger: core.logger)
    }

    /// Consumes `topics` in the service's consumer group (list `EventConsumer.migration` among the
    /// service's migrations); replicas of the service share the work.
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
