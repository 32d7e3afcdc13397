import Foundation
import KithSchema
import Testing

/// Every file in Fixtures/broken is one kind of mistake (or several); its comments say which
/// diagnostics, at which line and column, loading it on top of Fixtures/base.xml must give.
@Suite struct BrokenModuleTests {
    static let fixtures = Paths.files(in: Paths.fixtures.appendingPathComponent("broken"))

    @Test func thereAreAtLeastThirtyBrokenFixtures() {
        #expect(Self.fixtures.count >= 30)
    }

    @Test func baseFixtureLoadsCleanly() throws {
        let schema = try Paths.loadOnBase([]).get()
        #expect(schema.entity("account") != nil)
        #expect(schema.entity("bill_line")?.detailOf == "bill")
    }

    @Test(arguments: fixtures)
    func reportsEveryMistakeWithFileLineAndColumn(_ fixture: URL) throws {
        let text = try String(contentsOf: fixture, encoding: .utf8)
        let expectations = FixtureExpectations(text: text)
        #expect(!expectations.expected.isEmpty, "fixture \(fixture.lastPathComponent) declares no expected error")

        guard case .failure(let failure) = Paths.loadOnBase([fixture]) else {
            Issue.record("\(fixture.lastPathComponent) loaded without errors")
            return
        }
        let file = "broken/" + fixture.lastPathComponent
        let found = failure.diagnostics.filter { $0.location.file == file && $0.severity == .error }
        let stray = failure.diagnostics.filter { $0.location.file != file }
        #expect(stray.isEmpty, "diagnostics outside the fixture: \(stray)")

        for expected in expectations.expected {
            let match = found.first {
                $0.location.line == expected.line && $0.location.column == expected.column
                    && $0.description.contains(expected.message)
            }
            #expect(match != nil, "expected \(file):\(expected) among:\n\(found.map(\.description).joined(separator: "\n"))")
        }
        #expect(
            found.count == expectations.expected.count,
            "\(file): \(found.count) diagnostics for \(expectations.expected.count) expected:\n\(found.map(\.description).joined(separator: "\n"))"
        )
    }

    @Test func severalMistakesInOneModuleAreAllReported() throws {
        let fixture = Paths.fixtures.appendingPathComponent("broken/39-several-mistakes.xml")
        guard case .failure(let failure) = Paths.loadOnBase([fixture]) else {
            Issue.record("the module loaded")
            return
        }
        #expect(failure.diagnostics.count >= 6)
        #expect(Set(failure.diagnostics.map(\.code)).count >= 3)
    }

    @Test func allFixturesTogetherReportEachFixturesErrors() {
        // One load over every fixture still reports each file's problems (one pass, all errors).
        guard case .failure(let failure) = Paths.loadOnBase(Self.fixtures) else {
            Issue.record("loading every broken fixture succeeded")
            return
        }
        let files = Set(failure.diagnostics.map(\.location.file))
        #expect(files.count >= Self.fixtures.count - 2)
    }
}
