import Foundation

/// The one timestamp format of the API and the events: ISO 8601, UTC, milliseconds
/// (`2016-02-18T03:22:56.637Z`, as in the Conduit spec's examples).
public enum Timestamp {
    private static let withMilliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    public static func string(from date: Date) -> String {
        date.formatted(withMilliseconds)
    }

    public static func date(from string: String) -> Date? {
        (try? withMilliseconds.parse(string)) ?? (try? withoutFraction.parse(string))
    }

    public static func encode(_ date: Date, to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string(from: date))
    }

    public static func decode(from decoder: any Decoder) throws -> Date {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = date(from: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an ISO 8601 timestamp, got \(text)")
        }
        return date
    }
}

extension JSONEncoder {
    /// Sorted keys, and dates in `Timestamp`'s format.
    public static var inkwell: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom(Timestamp.encode)
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension JSONDecoder {
    public static var inkwell: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom(Timestamp.decode)
        return decoder
    }
}
