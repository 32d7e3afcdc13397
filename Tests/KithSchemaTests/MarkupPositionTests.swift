import Foundation
import Testing

@testable import KithSchema

@Suite struct MarkupPositionTests {
    @Test func elementsAndAttributesCarryExactLineAndColumn() throws {
        let text = """
            <?xml version="1.0"?>
            <!-- a comment with <fake attr="x"> inside -->
            <module xmlns="urn:kith:1" name="a.b" version="1">
              <![CDATA[ <not-a-tag> ]]>
              <entity name="x"
                      label="名称 &lt;tricky&gt;" title="n">
                <field name="n" type="text"/>
              </entity>
            </module>
            """
        let result = MarkupParser.parse(Array(text.utf8), file: "t.xml", grammar: nil)
        let root = try #require(result.root)
        #expect(root.location == SourceLocation(file: "t.xml", line: 3, column: 1))
        let entity = try #require(root.children.first)
        #expect(entity.location.line == 5 && entity.location.column == 3)
        let line6 = text.components(separatedBy: "\n")[5]
        let titleColumn = line6.distance(from: line6.startIndex, to: line6.range(of: "title=")!.lowerBound) + 1
        #expect(entity.location(of: "title") == SourceLocation(file: "t.xml", line: 6, column: titleColumn))
        #expect(entity.attribute("label") == "名称 <tricky>")
        #expect(entity.children.first?.location == SourceLocation(file: "t.xml", line: 7, column: 5))
    }

    @Test func malformedXMLReportsWhereItBreaks() {
        let result = MarkupParser.parse(Array("<module>\n  <entity>\n</module>".utf8), file: "m.xml", grammar: nil)
        #expect(result.root == nil)
        #expect(result.diagnostics.first?.location.line == 3)
        #expect(result.diagnostics.first?.code == .malformedXML)
    }

    @Test func emptyFileIsReported() {
        let result = MarkupParser.parse([], file: "e.xml", grammar: nil)
        #expect(result.diagnostics.count == 1)
    }

    @Test func externalEntitiesAreNeverRead() {
        let text = "<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/hostname\">]><m a=\"&x;\"/>"
        let result = MarkupParser.parse(Array(text.utf8), file: "x.xml", grammar: nil)
        #expect(result.root == nil)
        #expect(result.diagnostics.first?.message.contains("DOCTYPE") == true)
    }
}
