/// HTML built in Swift, escaped here: the frame of every page, list pages, form fields and option
/// lists (the hot paths); the other pages' bodies are escaped by the templates.
enum HTML {
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") })
        else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 16)
        escape(text, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `text` escaped, copying the runs between special characters whole.
    static func escape(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                let replacement: StaticString
                switch bytes[index] {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case UInt8(ascii: "'"): replacement = "&#39;"
                default: continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                output.append(replacement)
                start = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }

    /// `<option>`s, escaped (long lists are rendered here rather than by the template engine,
    /// whose lookups cost more than the page's queries).
    static func options(_ items: [(value: String, label: String, selected: Bool)]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(items.count * 40)
        options(items, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// `<option>`s, escaped, appended to `output`.
    static func options(_ items: [(value: String, label: String, selected: Bool)], into output: inout [UInt8]) {
        for item in items {
            output.append("<option value=\"")
            escape(item.value, into: &output)
            output.append(item.selected ? "\" selected>" : "\">")
            escape(item.label, into: &output)
            output.append("</option>")
        }
    }

    /// A form field: its label, input and problem, escaped. Built here rather than by the template
    /// engine, whose lookups were most of a form's time.
    static func field(_ field: FormField) -> String {
        let name = escape(field.name)
        var output = "<div class=\"field span\(field.span)\(field.problem != nil ? " invalid" : "")\">"
        output += "<label for=\"f-\(name)\">\(escape(field.label))\(field.isRequired ? " *" : "")</label>"
        output += control(field, id: "f-" + name)
        if let hint = field.hint { output += "<small>\(escape(hint))</small>" }
        if let problem = field.problem { output += "<span class=\"problem\">\(escape(problem))</span>" }
        return output + "</div>"
    }

    /// A line item's cell: its input and problem.
    static func cell(_ field: FormField) -> String {
        var output = field.problem != nil ? "<td class=\"invalid\">" : "<td>"
        output += control(field, id: nil)
        if let problem = field.problem { output += "<span class=\"problem\">\(escape(problem))</span>" }
        return output + "</td>"
    }

    /// The input element of a form field.
    private static func control(_ field: FormField, id: String?) -> String {
        let name = escape(field.name)
        let identity = id.map { " id=\"\($0)\"" } ?? ""
        let value = escape(field.value)
        switch field.control {
        case .textarea(let maxLength):
            return "<textarea\(identity) name=\"\(name)\" maxlength=\"\(maxLength)\">\(value)</textarea>"
        case .select(let options, let multiple):
            // A set sends nothing when nothing is chosen: the empty value says it was emptied.
            let emptied = multiple ? "<input type=\"hidden\" name=\"\(name)\" value=\"\">" : ""
            return emptied + "<select\(identity) name=\"\(name)\"\(multiple ? " multiple" : "")><option value=\"\"></option>" + options + "</select>"
        case .checks(let items, let lookup, let note):
            var output = "<input type=\"hidden\" name=\"\(name)\" value=\"\"><span class=\"checks\">"
            for (index, item) in items.enumerated() {
                output += "<label class=\"check\"><input\(index == 0 ? identity : "") type=\"checkbox\" name=\"\(name)\" value=\"\(escape(item.value))\""
                output += (item.checked ? " checked" : "") + "> \(escape(item.label))</label>"
            }
            if items.isEmpty && lookup == nil { output += "<small>\(escape(note))</small>" }
            output += "</span>"
            if let lookup {
                output += "<input\(items.isEmpty ? identity : "") name=\"\(name)\" type=\"text\" value=\"\(value)\""
                output += " placeholder=\"\(escape(note))\" list=\"dl-\(name)\" data-lookup=\"\(escape(lookup))\" autocomplete=\"off\">"
                output += "<datalist id=\"dl-\(name)\"></datalist>"
            }
            return output
        case .file(let current, let link, let clearLabel):
            var output = "<input\(identity) type=\"file\" name=\"\(name)\">"
            if let current, let link {
                output += " <a href=\"\(escape(link))\">\(escape(current))</a>"
                output += " <label class=\"check\"><input type=\"checkbox\" name=\"\(name)._clear\" value=\"1\"> \(escape(clearLabel))</label>"
            }
            return output
        case .checkbox(let checked):
            return "<input type=\"hidden\" name=\"\(name)\" value=\"false\"><input\(identity) type=\"checkbox\" name=\"\(name)\" value=\"true\""
                + (checked ? " checked" : "") + ">"
        case .input(let type, let maxLength, let lookup):
            var output = "<input\(identity) name=\"\(name)\" type=\"\(escape(type))\" value=\"\(value)\""
            if id != nil {
                if let maxLength { output += " maxlength=\"\(maxLength)\"" }
                if field.isReadonly { output += " readonly" }
            }
            if let lookup {
                output += " list=\"dl-\(name)\" data-lookup=\"\(escape(lookup))\" autocomplete=\"off\"><datalist id=\"dl-\(name)\"></datalist>"
            } else {
                output += ">"
            }
            return output
        }
    }

    /// Table rows, `count` of them with `columns` cells each: a cell's text, linked to its row's page
    /// (`link` then the row's `id`) when it says so. With `selectable`, each row starts with a
    /// checkbox `id` of the bulk form.
    static func rows(
        into output: inout [UInt8], count: Int, columns: Int, empty: String, selectable: Bool, id: (_ row: Int) -> Int64, link: String,
        cell: (_ row: Int, _ column: Int) -> (text: String, linked: Bool)
    ) {
        guard count > 0 else {
            output.append(contentsOf: "<tr><td colspan=\"\(max(1, columns) + (selectable ? 1 : 0))\" class=\"empty\">\(escape(empty))</td></tr>".utf8)
            return
        }
        // Written as bytes, the fixed parts from static strings: appending to a string, or a
        // string's bytes, cost more than the cells' values.
        output.reserveCapacity(output.count + count * columns * 64)
        var prefix: [UInt8] = []
        escape(link, into: &prefix)
        for row in 0..<count {
            let id = id(row)
            output.append("<tr>")
            if selectable {
                output.append("<td class=\"pick\"><input type=\"checkbox\" name=\"id\" value=\"")
                output.append(decimal: id)
                output.append("\" form=\"bulk\"></td>")
            }
            for column in 0..<columns {
                let (text, linked) = cell(row, column)
                if linked {
                    output.append("<td><a href=\"")
                    output.append(contentsOf: prefix)
                    output.append(decimal: id)
                    output.append("\">")
                    escape(text, into: &output)
                    output.append("</a></td>")
                } else {
                    output.append("<td>")
                    escape(text, into: &output)
                    output.append("</td>")
                }
            }
            output.append("</tr>\n")
        }
    }
}

/// Pages written as bytes: static text, text as it is (`raw`: only where it needs no escaping) and
/// text escaped.
extension [UInt8] {
    /// Appends a static string's bytes (one copy, no string in between).
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends `text` as it is: HTML, or text that holds nothing to escape.
    mutating func append(raw text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends `text` escaped (nothing for nil: a page text that is missing).
    mutating func append(escaped text: String?) {
        if let text { HTML.escape(text, into: &self) }
    }

    /// Appends a link to `href` reading `text`, both escaped.
    mutating func append(link href: String, text: String?) {
        append("<a href=\"")
        append(escaped: href)
        append("\">")
        append(escaped: text)
        append("</a>")
    }

    /// Appends a hidden form field, escaped.
    mutating func append(hidden name: String, value: String) {
        append("<input type=\"hidden\" name=\"")
        append(escaped: name)
        append("\" value=\"")
        append(escaped: value)
        append("\">")
    }

    /// Appends a form's hidden CSRF field.
    mutating func append(csrf token: String) {
        append(hidden: "_csrf", value: token)
    }

    /// Appends a number's decimal digits.
    mutating func append(decimal number: Int64) {
        if number < 0 { append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = number.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
