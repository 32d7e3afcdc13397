import Foundation
import Testing

/// docs/schemas.md stays true to schemas/kith.xsd: every element and attribute the XSD accepts is
/// documented, and every element the docs show in an example is one the XSD knows.
@Suite struct ReferenceDocsTests {
    static func names(after marker: String, in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = text[...]
        while let range = rest.range(of: marker) {
            let tail = rest[range.upperBound...]
            if let end = tail.firstIndex(of: "\"") { names.insert(String(tail[..<end])) }
            rest = tail
        }
        return names
    }

    let xsd: String
    let docs: String

    init() throws {
        xsd = try String(contentsOf: Paths.repository.appendingPathComponent("schemas/kith.xsd"), encoding: .utf8)
        docs = try String(contentsOf: Paths.repository.appendingPathComponent("docs/schemas.md"), encoding: .utf8)
    }

    @Test func everyElementOfTheXSDIsDocumented() {
        let elements = Self.names(after: "<xs:element name=\"", in: xsd)
        #expect(elements.count > 30)
        let missing = elements.filter { !docs.contains("<\($0)") && !docs.contains("`\($0)`") }
        #expect(missing.isEmpty, "undocumented elements: \(missing.sorted())")
    }

    @Test func everyAttributeOfTheXSDIsDocumented() {
        let languages = ["en", "zh", "zh-Hant", "ja", "ko", "de", "fr", "es", "pt", "it", "ru", "vi", "th", "id", "ms", "ar"]
        let attributes = Self.names(after: "<xs:attribute name=\"", in: xsd).filter { name in
            !languages.contains { name.hasSuffix("-" + $0) }
        }
        #expect(attributes.count > 40)
        let missing = attributes.filter { !docs.contains("`\($0)`") }
        #expect(missing.isEmpty, "undocumented attributes: \(missing.sorted())")
        for language in languages {
            #expect(docs.contains("`\(language)`"), "language \(language) is not listed")
        }
    }

    @Test func examplesUseOnlyElementsTheXSDKnows() {
        let elements = Self.names(after: "<xs:element name=\"", in: xsd)
        var shown: Set<String> = []
        let examples = docs.components(separatedBy: "```xml").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(examples.count > 15)
        var rest = examples.joined(separator: "\n")[...]
        while let range = rest.range(of: "<") {
            let tail = rest[range.upperBound...]
            let name = tail.prefix { $0.isLetter || $0 == "-" }
            if !name.isEmpty, name.first?.isLowercase == true { shown.insert(String(name)) }
            rest = tail
        }
        let unknown = shown.subtracting(elements).subtracting(["xs"])
        #expect(unknown.isEmpty, "examples show elements the XSD does not define: \(unknown.sorted())")
    }
}
