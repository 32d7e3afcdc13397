/// Quoting for identifiers that come from the schema. Values are always bound as parameters.
enum SQL {
    /// `"name"`, with embedded quotes doubled.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
