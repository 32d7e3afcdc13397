internal import CLibXML2

/// The compiled Kith XSD (`schemas/kith.xsd`), shared by every parse; compiled once per load.
final class MarkupGrammar: @unchecked Sendable {
    // libxml2 schemas are read-only once parsed; each validation uses its own context.
    private let schema: xmlSchemaPtr

    /// Compiles the XSD at `path`, or returns the reason it could not.
    init(path: String) throws(SchemaDiagnostic) {
        let sink = ErrorSink()
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(sink).toOpaque(), MarkupParser.collect)
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        guard let context = xmlSchemaNewParserCtxt(path) else {
            throw SchemaDiagnostic(.unreadableFile, at: SourceLocation(file: path, line: 1, column: 1), "cannot read the XML Schema")
        }
        defer { xmlSchemaFreeParserCtxt(context) }
        guard let schema = xmlSchemaParse(context) else {
            let first = sink.errors.first
            throw SchemaDiagnostic(
                .invalidStructure, at: SourceLocation(file: path, line: max(first?.line ?? 1, 1), column: 1),
                "the XML Schema does not compile: \(first?.message ?? "unknown error")")
        }
        self.schema = schema
    }

    deinit { xmlSchemaFree(schema) }

    /// Validates `document`, appending every error to `sink`.
    func validate(_ document: xmlDocPtr, sink: ErrorSink) {
        guard let context = xmlSchemaNewValidCtxt(schema) else { return }
        defer { xmlSchemaFreeValidCtxt(context) }
        xmlSchemaSetValidStructuredErrors(context, MarkupParser.collect, Unmanaged.passUnretained(sink).toOpaque())
        _ = xmlSchemaValidateDoc(context, document)
    }
}
