/// An XML element as Kith reads it: name, attributes and children, each with its place in the file.
///
/// Produced by `MarkupParser` from libxml2's tree; immutable and independent of libxml2 afterwards.
public struct MarkupElement: Sendable {
    public struct Attribute: Sendable {
        public var name: String
        public var value: String
        public var location: SourceLocation
    }

    public var name: String
    public var namespace: String?
    public var attributes: [Attribute]
    public var children: [MarkupElement]
    public var location: SourceLocation

    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// Where the attribute stands, or the element when it is absent.
    public func location(of attributeName: String) -> SourceLocation {
        attributes.first { $0.name == attributeName }?.location ?? location
    }

    public func children(named name: String) -> [MarkupElement] {
        children.filter { $0.name == name }
    }

    /// Attributes whose name is `prefix` or `prefix-LANG`, keyed by language ("" for `prefix`).
    public func localized(_ prefix: String) -> [String: String] {
        var texts: [String: String] = [:]
        let first = prefix.utf8.first
        for attribute in attributes where attribute.name.utf8.first == first {
            if attribute.name == prefix {
                texts[""] = attribute.value
            } else if attribute.name.hasPrefix(prefix + "-") {
                texts[String(attribute.name.dropFirst(prefix.count + 1))] = attribute.value
            }
        }
        return texts
    }
}
