import Foundation

extension MarkupElement {
    /// `attr="true"`; anything else (absent, "false") is false unless `otherwise` says so.
    func flag(_ name: String, otherwise: Bool = false) -> Bool {
        guard let value = attribute(name) else { return otherwise }
        return value == "true"
    }

    /// A comma-separated list, trimmed, empty items dropped.
    func list(_ name: String) -> [String] {
        guard let value = attribute(name) else { return [] }
        return value.commaSeparated
    }

    var labels: Labels { Labels(localized("label")) }
}

extension String {
    /// "a, b ,c" → ["a", "b", "c"]
    public var commaSeparated: [String] {
        split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
