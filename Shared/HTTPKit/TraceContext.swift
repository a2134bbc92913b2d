import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    public static let traceparent = HTTPField.Name("traceparent")!
}

extension Request {
    /// The W3C `traceparent` the caller sent, when it has the right shape; events written while
    /// handling the request carry it on.
    public var traceparent: String? {
        guard let value = headers[.traceparent], value.utf8.count == 55, value.split(separator: "-").count == 4 else { return nil }
        return value
    }
}
