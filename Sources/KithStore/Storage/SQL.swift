/// Quoting for identifiers that come from the schema. Values are always bound as parameters.
enum SQL {
    /// `"name"`, with embedded quotes doubled.
    static func quote(_ identifier: String) -> String {
        guard identifier.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + identifier + "\"" }  // schema names never hold one
        return "\"" + identifier.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// `'text'`, a string literal for statements that cannot take parameters (trigger bodies),
    /// with embedded quotes doubled.
    static func literal(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// `text` matched literally by `LIKE ? ESCAPE '\'`: its `\`, `%` and `_` escaped.
    static func likeLiteral(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\\" || scalar == "%" || scalar == "_" { escaped.append("\\") }
            escaped.append(scalar)
        }
        return String(escaped)
    }
}
