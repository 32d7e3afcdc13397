internal import CLibXML2
import Foundation

/// Reads Kith XML files with libxml2: no network, no DTDs, no entity expansion, exact positions,
/// and optional validation against the Kith XSD.
enum MarkupParser {
    /// The namespace of every Kith file.
    static let namespace = "urn:kith:1"

    struct Result {
        var root: MarkupElement?
        var diagnostics: [SchemaDiagnostic]
    }

    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    /// Parses `bytes` (the content of `file`) and validates it against `grammar` when given.
    static func parse(_ bytes: [UInt8], file: String, grammar: MarkupGrammar?) -> Result {
        _ = initialized
        if let doctype = doctypeLocation(in: bytes) {
            // Refused before parsing: DTDs are how entity-expansion and external-entity attacks start.
            return Result(
                root: nil,
                diagnostics: [
                    SchemaDiagnostic(
                        .malformedXML, at: SourceLocation(file: file, line: doctype.line, column: doctype.column),
                        "DOCTYPE declarations are not allowed in Kith files")
                ])
        }
        let sink = ErrorSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        xmlSetStructuredErrorFunc(sinkPointer, MarkupParser.collect)
        defer { xmlSetStructuredErrorFunc(nil, nil) }

        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    xmlReadMemory($0, Int32(buffer.count), file, nil, CLibXML2_parseOptions())
                }
            } ?? nil
        }
        guard let document else {
            var diagnostics = sink.errors.map {
                SchemaDiagnostic(
                    .malformedXML, at: SourceLocation(file: file, line: max($0.line, 1), column: max($0.column, 1)),
                    $0.message)
            }
            if diagnostics.isEmpty {
                diagnostics.append(
                    SchemaDiagnostic(.malformedXML, at: SourceLocation(file: file, line: 1, column: 1), "the file is empty or not XML"))
            }
            return Result(root: nil, diagnostics: diagnostics)
        }
        defer { xmlFreeDoc(document) }

        let positions = TagPositions(scanning: bytes)
        var builder = TreeBuilder(file: file, positions: positions)
        var diagnostics: [SchemaDiagnostic] = sink.errors.map {
            SchemaDiagnostic(.malformedXML, at: SourceLocation(file: file, line: max($0.line, 1), column: max($0.column, 1)), $0.message)
        }
        guard let rootNode = xmlDocGetRootElement(document) else {
            return Result(root: nil, diagnostics: diagnostics)
        }
        let root = builder.element(from: rootNode, document: document)

        if let grammar, diagnostics.isEmpty {
            sink.errors.removeAll()
            grammar.validate(document, sink: sink)
            diagnostics += sink.errors.map { builder.diagnostic(forValidationError: $0) }
        }
        return Result(root: root, diagnostics: diagnostics)
    }

    /// Where `<!DOCTYPE` stands, if anywhere.
    static func doctypeLocation(in bytes: [UInt8]) -> (line: Int, column: Int)? {
        let marker = Array("<!DOCTYPE".utf8)
        var line = 1
        var column = 1
        var index = 0
        while index + marker.count <= bytes.count {
            if bytes[index] == marker[0], Array(bytes[index..<(index + marker.count)]) == marker { return (line, column) }
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[index] & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return nil
    }

    /// libxml2's structured-error callback; `context` is the `ErrorSink`.
    static let collect: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        let sink = Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue()
        let message = error.pointee.message.map { String(cString: $0) } ?? "unknown XML error"
        sink.errors.append(
            ErrorSink.Entry(
                line: Int(error.pointee.line), column: Int(error.pointee.int2),
                message: message.trimmingCharacters(in: .whitespacesAndNewlines), node: error.pointee.node))
    }
}

/// Collects libxml2's errors during one parse or validation.
final class ErrorSink {
    struct Entry {
        var line: Int
        var column: Int
        var message: String
        var node: UnsafeMutableRawPointer?
    }
    var errors: [Entry] = []
}

/// Turns libxml2's tree into `MarkupElement`s with exact positions, and remembers which libxml2
/// node stands where so that validation errors can point at the right tag and attribute.
private struct TreeBuilder {
    let file: String
    let positions: TagPositions
    var nextTag = 0
    /// libxml2 element and attribute nodes → (element name, index of its start tag).
    var places: [UnsafeMutableRawPointer: (element: String, tag: Int)] = [:]

    init(file: String, positions: TagPositions) {
        self.file = file
        self.positions = positions
    }

    func location(ofTag tag: Int, line: Int) -> SourceLocation {
        guard tag < positions.tags.count else { return SourceLocation(file: file, line: line, column: 1) }
        return SourceLocation(file: file, line: positions.tags[tag].line, column: positions.tags[tag].column)
    }

    func location(ofAttribute name: String, inTag tag: Int) -> SourceLocation? {
        guard tag < positions.tags.count else { return nil }
        for attribute in positions.tags[tag].attributes {
            if attribute.name == name || attribute.name.hasSuffix(":" + name) {
                return SourceLocation(file: file, line: attribute.line, column: attribute.column)
            }
        }
        return nil
    }

    mutating func element(from node: xmlNodePtr, document: xmlDocPtr) -> MarkupElement {
        let name = String(cString: node.pointee.name)
        let tag = nextTag
        nextTag += 1
        let location = location(ofTag: tag, line: Int(xmlGetLineNo(node)))
        places[UnsafeMutableRawPointer(node)] = (name, tag)

        var attributes: [MarkupElement.Attribute] = []
        var property = node.pointee.properties
        while let attribute = property {
            let attributeName = String(cString: attribute.pointee.name)
            var value = ""
            if let children = attribute.pointee.children, children.pointee.next == nil, children.pointee.type == XML_TEXT_NODE,
                let content = children.pointee.content
            {
                value = String(cString: content)
            } else if let text = xmlNodeListGetString(document, attribute.pointee.children, 1) {
                value = String(cString: text)
                CLibXML2_free(text)
            }
            let attributeLocation = self.location(ofAttribute: attributeName, inTag: tag) ?? location
            attributes.append(.init(name: attributeName, value: value, location: attributeLocation))
            places[UnsafeMutableRawPointer(attribute)] = (name, tag)
            property = attribute.pointee.next
        }

        var children: [MarkupElement] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                children.append(element(from: current, document: document))
            }
            child = current.pointee.next
        }
        let namespace = node.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) }
        return MarkupElement(
            name: name, namespace: namespace, attributes: attributes, children: children, location: location)
    }

    /// A readable diagnostic from one XSD validation error.
    func diagnostic(forValidationError error: ErrorSink.Entry) -> SchemaDiagnostic {
        var message = error.message.replacingOccurrences(of: "{\(MarkupParser.namespace)}", with: "")
        var location = SourceLocation(file: file, line: max(error.line, 1), column: 1)
        var element: String?
        if let node = error.node, let place = places[node] {
            location = self.location(ofTag: place.tag, line: error.line)
            element = place.element
            if let attribute = message.quoted(after: "attribute '"),
                let attributeLocation = self.location(ofAttribute: attribute, inTag: place.tag)
            {
                location = attributeLocation
            }
        }
        // "Element 'field', attribute 'tpe': The attribute 'tpe' is not allowed."
        if message.hasPrefix("Element '"), let colon = message.range(of: "': ") {
            let subject = message[message.startIndex..<colon.lowerBound].dropFirst("Element '".count)
            let rest = message[colon.upperBound...]
            let parts = subject.components(separatedBy: "', attribute '")
            message = parts.count == 2 ? "<\(parts[0])> attribute '\(parts[1])': \(rest)" : "<\(subject)>: \(rest)"
        }
        let suggestion = Self.suggestion(in: message)
        message = Self.polish(message)
        return SchemaDiagnostic(.invalidStructure, at: location, element: element, message, suggestion: suggestion)
    }

    /// Shortens libxml2's wording: "[facet 'enumeration'] The value 'x' is not an element of the
    /// set {'a', 'b'}." becomes "'x' is not one of: a, b".
    private static func polish(_ message: String) -> String {
        var text = message
        if let facet = text.range(of: "[facet '"), let end = text.range(of: "'] ", range: facet.upperBound..<text.endIndex) {
            text.removeSubrange(facet.lowerBound..<end.upperBound)
        }
        if let value = text.quoted(after: "The value '"), let set = text.range(of: "is not an element of the set {"),
            let close = text.range(of: "}", range: set.upperBound..<text.endIndex), let start = text.range(of: "The value '")
        {
            let members = String(text[set.upperBound..<close.lowerBound]).replacingOccurrences(of: "'", with: "")
            text = String(text[..<start.lowerBound]) + "'\(value)' is not one of: \(members)"
        }
        text = text.replacingOccurrences(
            of:
                "This element is not expected. Expected is one of", with: "this element is not allowed here; expected one of")
        text = text.replacingOccurrences(
            of: "This element is not expected. Expected is", with: "this element is not allowed here; expected")
        text = text.replacingOccurrences(of: "This element is not expected.", with: "this element is not allowed here.")
        text = text.replacingOccurrences(of: "The attribute '", with: "attribute '")
        text = text.replacingOccurrences(of: "The value '", with: "'")
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Every element name of the Kith language, for suggestions when libxml2 lists none.
    private static let elementNames = [
        "module", "menu", "dictionary", "item", "entity", "extend", "extend-dictionary", "extend-role", "field", "index",
        "duplicate", "form", "section", "related", "lines", "view", "column", "filter", "sort", "and", "or", "workflow",
        "state", "transition", "approval", "hook", "schedule", "convert", "create", "role", "grant", "report",
        "workspace", "use", "modules", "scripts", "database", "limits", "plugin",
    ]

    /// For "'texxt' is not an element of the set {'text', ...}" the closest member of the set.
    private static func suggestion(in message: String) -> String? {
        // "<feild>: This element is not expected. Expected is one of ( field, index )."
        if message.hasPrefix("<"), let close = message.firstIndex(of: ">"),
            let list = message.range(of: "Expected is"), let open = message.range(of: "(", range: list.upperBound..<message.endIndex),
            let end = message.range(of: ")", range: open.upperBound..<message.endIndex)
        {
            let element = String(message[message.index(after: message.startIndex)..<close])
            let expected = message[open.upperBound..<end.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return NameSuggestion.closest(to: element, among: expected)
        }
        if message.hasPrefix("<"), message.contains("This element is not expected"), let close = message.firstIndex(of: ">") {
            let element = String(message[message.index(after: message.startIndex)..<close])
            return NameSuggestion.closest(to: element, among: elementNames)
        }
        guard let value = message.quoted(after: "The value '"),
            let open = message.range(of: "{"), let close = message.range(of: "}", range: open.upperBound..<message.endIndex)
        else { return nil }
        let members = message[open.upperBound..<close.lowerBound]
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " '")) }
        return NameSuggestion.closest(to: value, among: members)
    }
}

extension String {
    /// The text between `prefix` and the next `'`.
    func quoted(after prefix: String) -> String? {
        guard let start = range(of: prefix) else { return nil }
        let tail = self[start.upperBound...]
        guard let end = tail.firstIndex(of: "'") else { return nil }
        return String(tail[..<end])
    }
}
