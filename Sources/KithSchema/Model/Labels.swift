/// A text in several languages: `label="Customer" label-zh="客户"`.
public struct Labels: Hashable, Sendable {
    /// Texts by language code; "" holds the default (`label`).
    public internal(set) var texts: [String: String]

    public init(_ texts: [String: String] = [:]) { self.texts = texts }

    public var isEmpty: Bool { texts.isEmpty }

    /// The text for `language` ("zh", "en"), else the default, else English, else `fallback`.
    public func text(for language: String, fallback: @autoclosure () -> String) -> String {
        texts[language] ?? texts[""] ?? texts["en"] ?? fallback()
    }
}

extension String {
    /// "credit_limit" → "Credit limit": the label of a name that has none.
    public var humanizedName: String {
        let words = split(separator: "_").joined(separator: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
