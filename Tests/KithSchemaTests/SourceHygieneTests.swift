import Foundation
import Testing

/// No Swift file outside tests names a business entity of the core schema: everything comes from XML.
@Suite struct SourceHygieneTests {
    @Test func sourcesNameNoCoreEntity() throws {
        let core = Paths.repository.appendingPathComponent("schemas/core")
        var names: Set<String> = []
        for file in Paths.files(in: core) {
            let text = try String(contentsOf: file, encoding: .utf8)
            var rest = text[...]
            while let range = rest.range(of: "<entity name=\"") {
                let tail = rest[range.upperBound...]
                if let end = tail.firstIndex(of: "\"") { names.insert(String(tail[..<end])) }
                rest = tail
            }
        }
        #expect(names.count > 20)
        var hits: [String] = []
        let sources = Paths.repository.appendingPathComponent("Sources")
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = enumerator?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            // XML vocabulary (attribute names such as event="...") is not an entity name.
            let text = try String(contentsOf: file, encoding: .utf8)
                .replacingOccurrences(of: #"(attribute|flag|list|localized)\("[a-z_-]+"\)"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #"location\(of: "[a-z_-]+"\)"#, with: "", options: .regularExpression)
            for name in names where text.contains("\"\(name)\"") {
                hits.append("\(file.lastPathComponent): \"\(name)\"")
            }
        }
        #expect(hits.isEmpty, "entity names in Sources: \(hits)")
    }
}
