/// A `multipart/form-data` body (RFC 7578): the parts' names, file names and bytes. Enough for
/// the import page's file upload; parts without a name are ignored.
enum Multipart {
    struct Part {
        let name: String
        let filename: String?
        let contentType: String?
        let bytes: [UInt8]
    }

    /// The boundary of a `multipart/form-data` content type, nil for any other type.
    static func boundary(_ contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("boundary=") {
            let value = parameter.dropFirst("boundary=".count)
            return String(value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? value.dropFirst().dropLast() : value)
        }
        return nil
    }

    static func parse(_ body: [UInt8], boundary: String) -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        var start = find(delimiter, in: body, from: 0)
        while let found = start {
            let afterDelimiter = found + delimiter.count
            // "--" after a delimiter ends the body.
            if afterDelimiter + 1 < body.count, body[afterDelimiter] == UInt8(ascii: "-"), body[afterDelimiter + 1] == UInt8(ascii: "-") { break }
            guard let next = find(delimiter, in: body, from: afterDelimiter) else { break }
            var content = Array(body[afterDelimiter..<next])
            if content.starts(with: [13, 10]) { content.removeFirst(2) }
            if content.count >= 2, content[content.count - 2] == 13, content[content.count - 1] == 10 { content.removeLast(2) }
            if let split = find([13, 10, 13, 10], in: content, from: 0) {
                let headers = String(decoding: content[..<split], as: UTF8.self)
                let bytes = Array(content[(split + 4)...])
                if let part = part(headers: headers, bytes: bytes) { parts.append(part) }
            }
            start = next
        }
        return parts
    }

    private static func part(headers: String, bytes: [UInt8]) -> Part? {
        let lines = headers.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" })
        let type = lines.first { $0.lowercased().hasPrefix("content-type:") }.map { $0.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces) }
        for line in lines where line.lowercased().hasPrefix("content-disposition:") {
            let name = parameter("name", in: String(line))
            guard let name else { return nil }
            return Part(name: name, filename: parameter("filename", in: String(line)), contentType: type, bytes: bytes)
        }
        return nil
    }

    private static func parameter(_ key: String, in line: String) -> String? {
        for item in line.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where item.hasPrefix(key + "=") {
            let value = item.dropFirst(key.count + 1)
            return String(value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? value.dropFirst().dropLast() : value)
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
