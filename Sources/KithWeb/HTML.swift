/// HTML escaping for the few fragments built in Swift (list rows, the hot path of every list
/// page); everything else is escaped by the templates.
enum HTML {
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") })
        else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(character)
            }
        }
        return output
    }

    /// Table rows: each row's cells, a cell's text linked when it has a link.
    /// `<option>`s, escaped (long lists are rendered here rather than by the template engine,
    /// whose lookups cost more than the page's queries).
    static func options(_ items: [(value: String, label: String, selected: Bool)]) -> String {
        var output = ""
        output.reserveCapacity(items.count * 40)
        for item in items {
            output += "<option value=\"\(escape(item.value))\"\(item.selected ? " selected" : "")>\(escape(item.label))</option>"
        }
        return output
    }

    /// Table rows; with `selectable` ids (one per row), each row starts with a checkbox `id`.
    static func rows(_ rows: [[(text: String, link: String?)]], empty: String, columns: Int, selectable: [Int64]? = nil) -> String {
        guard !rows.isEmpty else { return "<tr><td colspan=\"\(columns)\" class=\"empty\">\(escape(empty))</td></tr>" }
        var output = ""
        output.reserveCapacity(rows.count * columns * 48)
        for (index, row) in rows.enumerated() {
            output += "<tr>"
            if let selectable {
                output += "<td class=\"pick\"><input type=\"checkbox\" name=\"id\" value=\"\(selectable[index])\" form=\"bulk\"></td>"
            }
            for cell in row {
                output += "<td>"
                if let link = cell.link {
                    output += "<a href=\"\(escape(link))\">\(escape(cell.text))</a>"
                } else {
                    output += escape(cell.text)
                }
                output += "</td>"
            }
            output += "</tr>\n"
        }
        return output
    }
}
