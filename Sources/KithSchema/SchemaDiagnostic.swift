/// One problem found while loading a workspace, with the place it was found.
///
///     schemas/core/sales.xml:41:7: field 'customer' refers to unknown entity 'custmer' (did you mean 'customer'?)
public struct SchemaDiagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem it is; stable, for tools and tests.
    public enum Code: String, Sendable {
        case unreadableFile = "unreadable-file"
        case malformedXML = "malformed-xml"
        case invalidStructure = "invalid-structure"
        case duplicateName = "duplicate-name"
        case unknownReference = "unknown-reference"
        case invalidValue = "invalid-value"
        case incompatibleTypes = "incompatible-types"
        case unreachableState = "unreachable-state"
        case missingScript = "missing-script"
        case invalidScript = "invalid-script"
        case invalidWorkspace = "invalid-workspace"
    }

    /// Errors stop a workspace from loading; warnings are shown and loading goes on.
    public enum Severity: String, Sendable { case error, warning }

    public var code: Code
    public var severity: Severity
    public var location: SourceLocation
    /// The element the problem is in, as `<field>`.
    public var element: String?
    public var message: String
    /// A likely fix: a name the user probably meant.
    public var suggestion: String?

    public init(
        _ code: Code, at location: SourceLocation, element: String? = nil, _ message: String,
        suggestion: String? = nil, severity: Severity = .error
    ) {
        self.code = code
        self.severity = severity
        self.location = location
        self.element = element
        self.message = message
        self.suggestion = suggestion
    }

    /// `file:line:col: message (did you mean 'x'?)`
    public var description: String {
        var text = "\(location): \(severity == .warning ? "warning: " : "")\(message)"
        if let suggestion { text += " (did you mean '\(suggestion)'?)" }
        return text
    }
}

/// Every problem a load found, in file order. Thrown when a workspace cannot be loaded.
public struct SchemaDiagnostics: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [SchemaDiagnostic]
    /// The workspace as far as it loaded (its modules read, its scripts found), when it got that
    /// far: `kith check` checks the scripts against it too, to report everything in one pass.
    public var partial: LoadedWorkspace?

    public init(_ diagnostics: [SchemaDiagnostic], partial: LoadedWorkspace? = nil) {
        self.diagnostics = diagnostics
        self.partial = partial
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
