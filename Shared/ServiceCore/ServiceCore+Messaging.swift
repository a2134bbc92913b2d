import Events
import Kafka
import Logging
import Messaging

/// A service's link to the event log: one producer (for its outbox relay and dead letters), the
/// broker's readiness check, and the relay and consumers built on them.
public struct ServiceMessaging: Sendable {
    public let producer: KafkaProducer
    let core: ServiceCore

    public var readinessCheck: ReadinessCheck {
        .broker(producer, timeout: core.configuration.readinessTimeout)
    }

    /// Publishes the service's outbox (list `Outbox.migration` among the service's migrations).
    public func outboxRelay() -> OutboxRelay {
        OutboxRelay(client: core.database, producer: producer, partitions: core.configuration.kafka.partitions, logger: core.logger)
    }

    /// Consumes `topics` in the service's consumer group (list `EventConsumer.migration` among the
    /// service's migrations); replicas of the service share the work.
    public func consumer(topics: [EventTopic], handlers: [EventHandler]) -> EventConsumer {
        let name = core.configuration.serviceName
        return EventConsumer(
            name: name,
            configuration: core.configuration.kafka,
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
    public func makeMessaging() throws -> ServiceMessaging {
        ServiceMessaging(producer: try KafkaProducer(configuration: configuration.kafka, logger: logger), core: self)
    }

    /// Forgets `targets`' rows past the configured retention period (`RETENTION_DAYS`), every
    /// `RETENTION_SWEEP_INTERVAL`.
    public func retentionSweep(_ targets: [RetentionSweep.Target]) -> RetentionSweep {
        RetentionSweep(
            database: database, targets: targets, retention: configuration.retention, interval: configuration.retentionSweepInterval, logger: logger
        )
    }
}
