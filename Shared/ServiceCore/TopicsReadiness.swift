import Messaging

extension ServiceMessaging {
    /// Where the cluster owns the topics (`KAFKA_CREATE_TOPICS=false`), a readiness check that fails
    /// while a topic the service needs is missing on the broker (or has too few partitions);
    /// nothing otherwise, since the service then creates its topics itself.
    public var topicsReadinessChecks: [ReadinessCheck] {
        guard !topics.createsMissing else { return [] }
        let topics = self.topics
        return [
            ReadinessCheck(name: "topics") {
                let problems = topics.problemsFound
                guard problems.isEmpty else {
                    throw ReadinessCheck.NotReady(
                        reason: "missing on the broker (KAFKA_CREATE_TOPICS=false: the cluster must create them): \(problems.joined(separator: "; "))"
                    )
                }
            }
        ]
    }
}
