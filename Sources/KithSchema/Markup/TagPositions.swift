/// The line and column of every start tag and attribute in an XML text, in document order.
///
/// libxml2 records one line per element (where the start tag ends) and no column. Kith reports
/// `file:line:col` pointing at the exact tag or attribute, so it scans the text once for start
/// tags; the n-th start tag is the n-th element of libxml2's tree (entities are never expanded).
struct TagPositions {
    struct Tag {
        var line: Int
        var column: Int
        var attributes: [(name: String, line: Int, column: Int)]
    }

    private(set) var tags: [Tag] = []

    init(scanning bytes: [UInt8]) {
        var scanner = Scanner(bytes: bytes)
        while let tag = scanner.nextStartTag() { tags.append(tag) }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var column = 1

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func advance() {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1  // count characters, not UTF-8 continuation bytes
            }
        }

        static let commentOpen = Array("<!--".utf8), commentClose = Array("-->".utf8)
        static let cdataOpen = Array("<![CDATA[".utf8), cdataClose = Array("]]>".utf8)
        static let instructionOpen = Array("<?".utf8), instructionClose = Array("?>".utf8)
        static let declarationOpen = Array("<!".utf8), endTagOpen = Array("</".utf8), tagClose = Array(">".utf8)

        func starts(with marker: [UInt8]) -> Bool {
            guard index + marker.count <= bytes.count else { return false }
            for offset in 0..<marker.count where bytes[index + offset] != marker[offset] { return false }
            return true
        }

        mutating func skip(past terminator: [UInt8]) {
            while index < bytes.count, !starts(with: terminator) { advance() }
            for _ in 0..<terminator.count where index < bytes.count { advance() }
        }

        mutating func skipDeclaration() {  // <!DOCTYPE ... [ ... ]>
            var depth = 0
            while index < bytes.count {
                let byte = bytes[index]
                advance()
                if byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "]") { depth -= 1 }
                if byte == UInt8(ascii: ">"), depth <= 0 { return }
            }
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            !(byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'"))
        }

        mutating func nextStartTag() -> Tag? {
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "<") else {
                    advance()
                    continue
                }
                if starts(with: Self.commentOpen) {
                    skip(past: Self.commentClose)
                } else if starts(with: Self.cdataOpen) {
                    skip(past: Self.cdataClose)
                } else if starts(with: Self.instructionOpen) {
                    skip(past: Self.instructionClose)
                } else if starts(with: Self.declarationOpen) {
                    skipDeclaration()
                } else if starts(with: Self.endTagOpen) {
                    skip(past: Self.tagClose)
                } else {
                    return readStartTag()
                }
            }
            return nil
        }

        mutating func readStartTag() -> Tag {
            var tag = Tag(line: line, column: column, attributes: [])
            advance()  // <
            while index < bytes.count, Self.isNameByte(bytes[index]) { advance() }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ">") {
                    advance()
                    return tag
                }
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    advance()
                    while index < bytes.count, bytes[index] != byte { advance() }
                    if index < bytes.count { advance() }
                    continue
                }
                if Self.isNameByte(byte) {
                    let start = index
                    let (nameLine, nameColumn) = (line, column)
                    while index < bytes.count, Self.isNameByte(bytes[index]) { advance() }
                    let name = String(decoding: bytes[start..<index], as: UTF8.self)
                    tag.attributes.append((name, nameLine, nameColumn))
                    continue
                }
                advance()
            }
            return tag
        }
    }
}
