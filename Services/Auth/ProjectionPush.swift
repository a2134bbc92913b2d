import AsyncHTTPClient
import HTTPKit
import Logging
import Messaging
import Metrics
import NIOCore

/// Pushes a user's change (`user.updated`, `user.followed`, `user.unfollowed`) to the services that
/// keep a projection of users and follows, before auth answers the request that made it: the user's
/// next request, to any replica of those services, sees the change. The outbox and the broker stay the
/// durable path (the same event arrives from there, and changes nothing the second time): a push that
/// fails costs the request nothing but that guarantee, and is logged and counted.
struct ProjectionPush: Sendable {
    let subscribers: [ServiceClient]

    init(_ configuration: AuthConfiguration, httpClient: HTTPClient) {
        self.subscribers = configuration.projectionURLs.map { service, urls in
            ServiceClient(
                service: service, baseURLs: urls, attemptTimeout: configuration.pushTimeout, deadline: configuration.pushTimeout, attempts: 1,
                httpClient: httpClient)
        }
    }

    /// Sends `events`, in order, to every subscriber at once; returns when each has answered or failed.
    func push(_ events: [WrittenEvent], logger: Logger) async {
        guard !events.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for subscriber in subscribers {
                group.addTask {
                    for event in events {
                        let outcome: String
                        do {
                            let reply = try await subscriber.send(.post, "/internal/events", body: ByteBuffer(bytes: event.payload), logger: logger)
                            outcome = reply.status == 200 ? "applied" : "refused"
                            if reply.status != 200 {
                                logger.error(
                                    "a pushed event was refused", metadata: ["service": "\(subscriber.service)", "status": "\(reply.status)"])
                            }
                        } catch {
                            outcome = "failed"
                            logger.warning(
                                "could not push the change; it arrives through the broker",
                                metadata: ["service": "\(subscriber.service)", "event_id": "\(event.id)", "error": "\(error)"])
                        }
                        Counter(label: "inkwell_projection_pushes_total", dimensions: [("service", subscriber.service), ("outcome", outcome)])
                            .increment()
                    }
                }
            }
        }
    }
}
