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

        func starts(with text: String, at offset: Int = 0) -> Bool {
            let utf8 = Array(text.utf8)
            guard index + offset + utf8.count <= bytes.count else { return false }
            return Array(bytes[(index + offset)..<(index + offset + utf8.count)]) == utf8
        }

        mutating func skip(past terminator: String) {
            while index < bytes.count, !starts(with: terminator) { advance() }
            for _ in 0..<terminator.utf8.count where index < bytes.count { advance() }
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
                if starts(with: "<!--") {
                    skip(past: "-->")
                } else if starts(with: "<![CDATA[") {
                    skip(past: "]]>")
                } else if starts(with: "<?") {
                    skip(past: "?>")
                } else if starts(with: "<!") {
                    skipDeclaration()
                } else if starts(with: "</") {
                    skip(past: ">")
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
