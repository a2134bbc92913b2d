import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import Kafka
@testable import Messaging
@testable import ServiceCore

/// `KAFKA_CREATE_TOPICS=false`: a service checks its topics on the real broker and is not ready
/// while one is missing or has too few partitions.
@Suite("Topics owned by the cluster", .enabled(if: TestKafka.isAvailable), .serialized)
struct TopicProvisioningTests {
    let logger = TestKafka.logger

    @Test func whereTheServiceCreatesTopicsThereIsNoTopicsCheck() throws {
        let core = ServiceCore(configuration: try testConfiguration())
        let messaging = try core.makeMessaging()
        #expect(messaging.topicsReadinessChecks.isEmpty)
        #expect(messaging.topics.createsMissing)
    }

    @Test func aMissingTopicKeepsTheServiceUnreadyUntilTheClusterMakesIt() async throws {
        let core = ServiceCore(configuration: try testConfiguration(extra: ["KAFKA_CREATE_TOPICS": "false", "KAFKA_TOPIC_PARTITIONS": "3"]))
        let messaging = try core.makeMessaging()
        let (missing, short) = (TestKafka.uniqueName("missing"), TestKafka.uniqueName("short"))
        let admin = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
        try await admin.createTopics([short], partitions: 1)
        let router = core.makeRouter(readinessChecks: messaging.topicsReadinessChecks)
        let app = Application(router: router, services: [core.database], logger: core.logger)
        let ensuring = Task { await messaging.producer.ensureTopics([missing, short], messaging.topics, logger: logger) }

        try await app.test(.router) { client in
            #expect(try await eventually(timeout: .seconds(60)) { messaging.topics.problemsFound.count == 2 })
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let reason = try conduitErrors(response.body)["topics"]?.first ?? ""
                #expect(reason.contains("KAFKA_CREATE_TOPICS=false"), "\(reason)")
                #expect(reason.contains("\(missing): missing"), "\(reason)")
                #expect(reason.contains("\(short): 1 partitions, needs at least 3"), "\(reason)")
            }
            // The cluster makes the missing topic: only the short one is left to report.
            try await admin.createTopics([missing], partitions: 3)
            #expect(try await eventually(timeout: .seconds(60)) { messaging.topics.problemsFound == ["\(short): 1 partitions, needs at least 3"] })
        }
        ensuring.cancel()
        #expect(await ensuring.value == false, "still waiting for the short topic when cancelled")
        #expect(try await admin.topicIDs([missing]).count == 1, "the test made it; the service never does")
        await admin.close()
        await messaging.producer.close()
    }

    @Test func whenEveryTopicIsThereTheServiceIsReady() async throws {
        let core = ServiceCore(configuration: try testConfiguration(extra: ["KAFKA_CREATE_TOPICS": "false", "KAFKA_TOPIC_PARTITIONS": "2"]))
        let messaging = try core.makeMessaging()
        let topic = TestKafka.uniqueName("owned")
        let admin = try KafkaProducer(configuration: TestKafka.configuration(), logger: logger)
        let ensuring = Task { await messaging.producer.ensureTopics([topic], messaging.topics, logger: logger) }
        #expect(try await eventually(timeout: .seconds(60)) { messaging.topics.problemsFound == ["\(topic): missing"] })
        try await admin.createTopics([topic], partitions: 2)
        #expect(await ensuring.value, "the check passes once the cluster has the topic")
        #expect(messaging.topics.problemsFound.isEmpty)
        let router = core.makeRouter(readinessChecks: messaging.topicsReadinessChecks)
        let app = Application(router: router, services: [core.database], logger: core.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect((try? conduitErrors(response.body))?["topics"] == nil)
            }
        }
        await admin.close()
        await messaging.producer.close()
    }
}
