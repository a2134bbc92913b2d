import Foundation

/// A line chart drawn on the server as SVG, for pages that run no script: one line per series
/// over a run of days, with its axes' labels and a legend, and a `<title>` and `<desc>` that say
/// what it shows in words (the page puts the numbers in a table beside it). Every text in it is
/// the page's own (dates, numbers, series names), escaped all the same.
struct LineChart: Sendable {
    struct Series: Sendable {
        let name: String
        let values: [Int]
        let color: String
        /// A dash pattern, so that the lines differ by more than their colour.
        let dashes: String?
    }

    let id: String
    let title: String
    let dates: [String]
    let series: [Series]

    static let width = 640
    static let height = 240
    private static let left = 48.0
    private static let right = 16.0
    private static let top = 36.0
    private static let bottom = 28.0

    /// The chart in words: the period, and each series' total and highest day.
    var description: String {
        guard let first = dates.first, let last = dates.last else { return title }
        let parts = series.map { series -> String in
            let total = series.values.reduce(0, +)
            guard let highest = series.values.max(), highest > 0, let day = series.values.firstIndex(of: highest) else {
                return "\(series.name): \(total) in total."
            }
            return "\(series.name): \(total) in total, at most \(highest) in a day (\(dates[day]))."
        }
        return "\(title) from \(first) to \(last). " + parts.joined(separator: " ")
    }

    var svg: String {
        let values = series.flatMap(\.values)
        let low = min(0, values.min() ?? 0)
        let high = Self.roundedUp(max(1, values.max() ?? 1))
        let plotWidth = Double(Self.width) - Self.left - Self.right
        let plotHeight = Double(Self.height) - Self.top - Self.bottom
        func x(_ index: Int) -> Double {
            dates.count < 2 ? Self.left + plotWidth / 2 : Self.left + plotWidth * Double(index) / Double(dates.count - 1)
        }
        func y(_ value: Int) -> Double { Self.top + plotHeight * Double(high - value) / Double(high - low) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(Self.width) \(Self.height)" role="img" \
            aria-labelledby="\(id)-title \(id)-desc" focusable="false">\
            <title id="\(id)-title">\(Self.escape(title))</title><desc id="\(id)-desc">\(Self.escape(description))</desc>
            """
        // The value axis: the lowest, the highest and zero, with grid lines.
        for value in Set([low, 0, high, (low + high) / 2]).sorted() {
            let lineY = Self.format(y(value))
            svg += """
                <line x1="\(Self.format(Self.left))" x2="\(Self.format(Double(Self.width) - Self.right))" y1="\(lineY)" y2="\(lineY)" \
                stroke="\(value == 0 ? "#8a8a8a" : "#dddddd")" stroke-width="1"/>\
                <text x="\(Self.format(Self.left - 6))" y="\(lineY)" dy="0.32em" text-anchor="end" font-size="11" fill="#555555">\(value)</text>
                """
        }
        // The day axis: the first, middle and last day.
        let labelled = Set([0, dates.count / 2, dates.count - 1]).filter { dates.indices.contains($0) }.sorted()
        for index in labelled {
            let anchor = index == 0 ? "start" : index == dates.count - 1 ? "end" : "middle"
            svg += """
                <text x="\(Self.format(x(index)))" y="\(Self.height - 8)" text-anchor="\(anchor)" font-size="11" \
                fill="#555555">\(Self.escape(dates[index]))</text>
                """
        }
        for (position, series) in series.enumerated() {
            let points = series.values.enumerated().map { "\(Self.format(x($0.offset))),\(Self.format(y($0.element)))" }.joined(separator: " ")
            let dashes = series.dashes.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            svg += """
                <polyline fill="none" stroke="\(series.color)" stroke-width="2"\(dashes) points="\(points)"/>
                """
            if series.values.count <= 31 {
                for (index, value) in series.values.enumerated() {
                    svg += "<circle cx=\"\(Self.format(x(index)))\" cy=\"\(Self.format(y(value)))\" r=\"2.5\" fill=\"\(series.color)\"/>"
                }
            }
            // The legend, along the top.
            let legendX = Self.left + Double(position) * 150
            svg += """
                <line x1="\(Self.format(legendX))" x2="\(Self.format(legendX + 22))" y1="14" y2="14" stroke="\(series.color)" \
                stroke-width="3"\(dashes)/><text x="\(Self.format(legendX + 28))" y="14" dy="0.32em" font-size="12" \
                fill="#222222">\(Self.escape(series.name))</text>
                """
        }
        return svg + "</svg>"
    }

    /// 1, 2 or 5 times a power of ten, at least `value`: a value axis that reads easily.
    static func roundedUp(_ value: Int) -> Int {
        var power = 1
        while true {
            for step in [1, 2, 5] where step * power >= value { return step * power }
            power *= 10
        }
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
