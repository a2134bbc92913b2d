import Basics
import Kafka
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// What the broker monitor last saw of the broker.
final class BrokerState: Sendable, CustomStringConvertible {
    private let up = Atomic<Int>(-1)

    func record(up now: Bool) -> Bool {
        up.exchange(now ? 1 : 0, ordering: .relaxed) != (now ? 1 : 0)
    }

    var description: String {
        switch up.load(ordering: .relaxed) {
        case 1: "up"
        case 0: "down"
        default: "unknown"
        }
    }
}

/// Asks the broker for its metadata every `interval`. The broker is not part of readiness: writes
/// wait in the outbox and are published when it is back, and no request reads from it. Its state
/// goes to the `/health/ready` detail, the `inkwell_broker_up` gauge and, when it changes, the log.
public struct BrokerMonitor: Service {
    let producer: KafkaProducer
    let state: BrokerState
    let timeout: Duration
    var interval: Duration = .seconds(5)
    let logger: Logger

    public func run() async throws {
        let gauge = Gauge(label: "inkwell_broker_up")
        let logger = logger.component("broker-monitor")
        repeat {
            do {
                try await producer.checkBroker(timeout: timeout)
                gauge.record(1)
                if state.record(up: true) { logger.info("the broker answers") }
            } catch {
                gauge.record(0)
                if state.record(up: false) {
                    logger.error(
                        "the broker does not answer; events wait in the outbox and consumers resume when it is back",
                        metadata: ["error": "\(error)"])
                }
            }
        } while await Backoff.pause(interval)
    }
}
