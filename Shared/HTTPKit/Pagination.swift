import Hummingbird

/// `limit` and `offset` from a request's query, as Conduit's lists take them: `limit` defaults to
/// 20 and a larger value than ``maximumLimit`` is lowered to it; `offset` defaults to 0 and may
/// not pass ``maximumOffset``, so that `limit + offset` can never overflow and no page asks the
/// database to skip more rows than a reader could page through.
public struct Page: Sendable, Equatable {
    public static let defaultLimit = 20
    public static let maximumLimit = 100
    public static let maximumOffset = 1_000_000

    public var limit: Int
    public var offset: Int

    public init(limit: Int = Page.defaultLimit, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }

    public init(_ request: Request) throws(ConduitError) {
        var errors = FieldErrors()
        let parameters = request.uri.queryParameters
        var limit = Self.defaultLimit
        if let text = parameters.get("limit") {
            if let value = Int(text), value >= 1 {
                limit = min(value, Self.maximumLimit)
            } else {
                errors.add("limit", "must be an integer of 1 or more")
            }
        }
        var offset = 0
        if let text = parameters.get("offset") {
            if let value = Int(text), (0...Self.maximumOffset).contains(value) {
                offset = value
            } else {
                errors.add("offset", "must be an integer from 0 to \(Self.maximumOffset)")
            }
        }
        try errors.throwIfAny()
        self.init(limit: limit, offset: offset)
    }

    /// How many rows the page reaches into the list: its offset and its limit together.
    public var end: Int { offset + limit }
}
