import Foundation
import KithSchema

/// What a broken fixture says it should produce, read from its comments:
///
///     <!-- expect-next: refers to unknown entity 'acount' -->     the next element's line and column
///     <!-- expect-next @entity: ... -->                           the next line, at attribute `entity`
///     <!-- expect 4:12: Opening and ending tag mismatch -->       an explicit line and column
///     <!-- xsd-invalid -->                                        the XSD itself rejects the file
struct FixtureExpectations {
    struct Expected: CustomStringConvertible {
        var line: Int
        var column: Int
        var message: String
        var description: String { "\(line):\(column): …\(message)…" }
    }

    var expected: [Expected] = []
    var isXSDInvalid = false

    init(text: String) {
        let lines = text.components(separatedBy: "\n")
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("<!--"), trimmed.hasSuffix("-->") else { continue }
            let body = trimmed.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
            if body == "xsd-invalid" {
                isXSDInvalid = true
            } else if body.hasPrefix("expect-next") {
                var rest = body.dropFirst("expect-next".count).trimmingCharacters(in: .whitespaces)
                var attribute: String?
                if rest.hasPrefix("@"), let colon = rest.firstIndex(of: ":") {
                    attribute = String(rest[rest.index(after: rest.startIndex)..<colon])
                    rest = String(rest[colon...])
                }
                let message = rest.drop(while: { $0 == ":" || $0 == " " })
                guard let (lineNumber, target) = Self.nextElementLine(after: index, in: lines) else { continue }
                let column: Int
                if let attribute, let range = target.range(of: " \(attribute)=") {
                    column = target.distance(from: target.startIndex, to: range.lowerBound) + 2
                } else {
                    column = (target.firstIndex(where: { $0 != " " }).map { target.distance(from: target.startIndex, to: $0) } ?? 0) + 1
                }
                expected.append(Expected(line: lineNumber, column: column, message: String(message)))
            } else if body.hasPrefix("expect ") {
                let rest = body.dropFirst("expect ".count)
                let parts = rest.split(separator: ":", maxSplits: 2)
                guard parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) else { continue }
                expected.append(Expected(line: line, column: column, message: parts[2].trimmingCharacters(in: .whitespaces)))
            }
        }
    }

    /// The first line after `index` that is not a comment: its 1-based number and text.
    private static func nextElementLine(after index: Int, in lines: [String]) -> (Int, String)? {
        var next = index + 1
        while next < lines.count {
            let trimmed = lines[next].trimmingCharacters(in: .whitespaces)
            if !trimmed.hasPrefix("<!--") && !trimmed.isEmpty { return (next + 1, lines[next]) }
            next += 1
        }
        return nil
    }
}

/// Paths of the repository and its fixtures.
enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let installation = Installation(root: repository)

    static func files(in folder: URL, ending suffix: String = ".xml") -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// Loads the base fixture plus `files`, with the fixture scripts; diagnostics shown relative to Fixtures/.
    static func loadOnBase(_ files: [URL]) -> Result<Schema, SchemaDiagnostics> {
        let loader = WorkspaceLoader(installation: installation, displayBase: fixtures)
        do {
            return .success(
                try loader.load(
                    moduleFiles: [fixtures.appendingPathComponent("base.xml")] + files,
                    scriptFolders: [fixtures.appendingPathComponent("scripts")]))
        } catch {
            return .failure(error)
        }
    }
}
