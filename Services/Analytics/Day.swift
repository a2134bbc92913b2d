import Foundation

/// A calendar day in UTC, as the counts are kept: `yyyy-MM-dd`, and its number since 1970-01-01.
struct Day: Sendable, Hashable, Comparable {
    let number: Int

    init(number: Int) { self.number = number }

    init(_ date: Date) {
        self.number = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    static var today: Day { Day(Date()) }

    /// From `yyyy-MM-dd`; nil for anything else.
    init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        self.number = era * 146_097 + dayOfEra - 719_468
        guard string == text else { return nil }
    }

    /// `yyyy-MM-dd` (the proleptic Gregorian calendar, from the day's number).
    var string: String {
        // Howard Hinnant's civil_from_days.
        let z = number + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    func adding(_ days: Int) -> Day { Day(number: number + days) }

    static func < (lhs: Day, rhs: Day) -> Bool { lhs.number < rhs.number }
}
