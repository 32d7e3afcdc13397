/// Quoting for identifiers that come from the schema. Values are always bound as parameters.
enum SQL {
    /// `"name"`, with embedded quotes doubled.
    static func quote(_ identifier: String) -> String {
        guard identifier.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + identifier + "\"" }  // schema names never hold one
        return "\"" + identifier.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
