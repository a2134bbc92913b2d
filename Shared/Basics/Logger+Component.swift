import Logging

extension Logger {
    /// This logger, with `name` as the `component` of every line it writes: which piece of the
    /// service (the outbox relay, a consumer, the Kafka producer…) is speaking.
    public func component(_ name: String) -> Logger {
        var logger = self
        logger[metadataKey: "component"] = .string(name)
        return logger
    }
}
