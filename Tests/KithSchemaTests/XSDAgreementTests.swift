import Foundation
import Testing

@testable import KithSchema

/// `xmllint --schema schemas/kith.xsd` and the loader agree on every file Kith ships or tests:
/// valid files are valid for both, XSD-invalid fixtures invalid for both.
@Suite struct XSDAgreementTests {
    struct Case: CustomStringConvertible, Sendable {
        let file: URL
        let valid: Bool
        var description: String { file.path.replacingOccurrences(of: Paths.repository.path + "/", with: "") }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        let repository = Paths.repository
        for folder in ["schemas/core", "schemas/industries/membership", "schemas/industries/distribution"] {
            cases += Paths.files(in: repository.appendingPathComponent(folder)).map { Case(file: $0, valid: true) }
        }
        for example in ["membership", "distribution"] {
            cases.append(Case(file: repository.appendingPathComponent("examples/\(example)/workspace.xml"), valid: true))
        }
        cases.append(Case(file: Paths.fixtures.appendingPathComponent("base.xml"), valid: true))
        cases += Paths.files(in: Paths.fixtures.appendingPathComponent("valid")).map { Case(file: $0, valid: true) }
        for file in Paths.files(in: Paths.fixtures.appendingPathComponent("broken")) {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            cases.append(Case(file: file, valid: !FixtureExpectations(text: text).isXSDInvalid))
        }
        return cases
    }()

    static let xmllint = ["/usr/bin/xmllint", "/usr/local/bin/xmllint"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func xmllintIsInstalled() {
        #expect(Self.xmllint != nil, "install libxml2-utils (tools/install-deps does)")
    }

    @Test(arguments: cases)
    func loaderAndXmllintAgree(_ testCase: Case) throws {
        let grammar = try MarkupGrammar(path: Paths.installation.grammarFile.path)
        let bytes = [UInt8](try Data(contentsOf: testCase.file))
        let result = MarkupParser.parse(bytes, file: testCase.file.lastPathComponent, grammar: grammar)
        let loaderValid = result.diagnostics.isEmpty && result.root != nil
        #expect(loaderValid == testCase.valid, "loader: \(result.diagnostics)")

        guard let xmllint = Self.xmllint else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xmllint)
        process.arguments = ["--noout", "--nonet", "--schema", Paths.installation.grammarFile.path, testCase.file.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect((process.terminationStatus == 0) == testCase.valid, "xmllint exit \(process.terminationStatus)")
    }
}
