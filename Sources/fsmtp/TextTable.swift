/// A table drawn with box characters, fitted to a width: columns are as wide as their widest cell until the table
/// would overflow, then the widest columns give way and their cells end in "…".
struct TextTable: Sendable {
    var headers: [String]
    var rows: [[String]] = []
    /// Columns shown dim (ids).
    var dimColumns: Set<Int> = []

    init(_ headers: String..., dim: Set<Int> = []) {
        self.headers = headers
        self.dimColumns = dim
    }

    mutating func add(_ cells: String...) { rows.append(cells) }

    /// The narrowest a column gets when the table must shrink.
    static let minimumColumnWidth = 3

    func render(width: Int, color: Bool) -> String {
        let count = headers.count
        let clean = rows.map { row in
            (0..<count).map { index in
                index < row.count ? Self.oneLine(row[index]) : ""
            }
        }
        var widths = (0..<count).map { index in
            max(headers[index].count, clean.map { $0[index].count }.max() ?? 0)
        }
        // Borders and padding: "│ " before each column and " │" after the last: 3 per column + 1.
        let available = max(width - (3 * count + 1), count * Self.minimumColumnWidth)
        while widths.reduce(0, +) > available {
            guard let widest = widths.indices.max(by: { widths[$0] < widths[$1] }),
                widths[widest] > Self.minimumColumnWidth
            else { break }
            widths[widest] -= 1
        }

        func line(_ left: String, _ fill: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: fill, count: $0 + 2) }.joined(separator: middle) + right + "\n"
        }
        func cells(_ values: [String], _ edge: String, header: Bool) -> String {
            let parts = values.enumerated().map { index, value in
                var text = Self.fit(value, widths[index])
                if header {
                    text = Style.bold.apply(text, enabled: color)
                } else if dimColumns.contains(index) {
                    text = Style.dim.apply(text, enabled: color)
                }
                return " " + text + " "
            }
            return edge + parts.joined(separator: edge) + edge + "\n"
        }

        var output = line("┏", "━", "┳", "┓")
        output += cells(headers, "┃", header: true)
        output += line("┡", "━", "╇", "┩")
        for row in clean { output += cells(row, "│", header: false) }
        output += line("└", "─", "┴", "┘")
        return output
    }

    /// `text` padded or cut to exactly `width` characters.
    static func fit(_ text: String, _ width: Int) -> String {
        if text.count <= width { return text + String(repeating: " ", count: width - text.count) }
        return String(text.prefix(max(width - 1, 0))) + "…"
    }

    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\t", with: " ")
    }
}
