import Events
import HTTPKit
import Hummingbird
import Messaging

/// `POST /internal/events`: an event pushed by the service that wrote it, as it answers its client,
/// applied exactly as if it had come from the broker (the same handlers, recorded under the same
/// consumer name, so the broker's copy changes nothing when it arrives). This is how the user who
/// acted sees their change on their next request, whichever service answers it; the broker stays the
/// durable path for everyone else. Only `types` are taken; the gateway never proxies `/internal`.
struct PushedEventsController: Sendable {
    let applier: EventApplier
    let types: Set<String>

    static let maxEnvelopeBytes = 64 << 10

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post("events") { request, context -> [String: Bool] in
            let body = try await request.body.collect(upTo: Self.maxEnvelopeBytes)
            let event: IncomingEvent
            do {
                event = try IncomingEvent(payload: Array(buffer: body))
            } catch {
                throw ConduitError(.badRequest, "not an event envelope")
            }
            guard types.contains(event.type), let handler = applier.handler(for: event.type) else {
                throw ConduitError.invalid("type", "\(event.type) is not pushed to this service")
            }
            var logger = context.logger
            logger[metadataKey: "event_id"] = "\(event.id)"
            logger[metadataKey: "event_type"] = "\(event.type)"
            let applied = try await applier.apply(event, with: handler, logger: logger)
            logger.debug("pushed event", metadata: ["outcome": applied ? "applied" : "duplicate"])
            return ["applied": applied]
        }
        return routes
    }
}

extension ServiceMessaging {
    /// The routes that take the events `types` pushed by the service that wrote them (see
    /// ``PushedEventsController``); add them to the internal router, behind the database's gate.
    public func pushedEvents(handlers: [EventHandler], types: Set<String>) -> RouteCollection<AppRequestContext> {
        let applier = EventApplier(consumer: core.configuration.serviceName, client: core.database, handlers: handlers)
        return PushedEventsController(applier: applier, types: types).endpoints
    }
}
