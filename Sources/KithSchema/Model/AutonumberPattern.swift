/// The format of an autonumber code: literal text with `{yyyy}`, `{yy}`, `{mm}`, `{dd}` and one
/// `{seq:N}` (the counter, zero-padded to N digits).
///
///     let pattern = try AutonumberPattern("SO{yyyy}{mm}-{seq:4}")
///     pattern.format(year: 2026, month: 11, day: 22, sequence: 7)   // "SO202611-0007"
public struct AutonumberPattern: Hashable, Sendable {
    public enum Token: Hashable, Sendable {
        case literal(String)
        case year4, year2, month, day
        case sequence(width: Int)
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let tokens: [Token]

    /// The pattern used when a field names none.
    public static let standard = "{seq:6}"

    public init(_ text: String) throws(ParseError) {
        var tokens: [Token] = []
        var literal = ""
        var rest = Substring(text)
        while let character = rest.first {
            if character == "}" {
                throw ParseError(description: "autonumber pattern '\(text)' has a '}' without '{'")
            }
            guard character == "{" else {
                literal.append(character)
                rest.removeFirst()
                continue
            }
            guard let close = rest.firstIndex(of: "}") else {
                throw ParseError(description: "autonumber pattern '\(text)' has a '{' without '}'")
            }
            let name = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if !literal.isEmpty { tokens.append(.literal(literal)) }
            literal = ""
            switch name {
            case "yyyy": tokens.append(.year4)
            case "yy": tokens.append(.year2)
            case "mm": tokens.append(.month)
            case "dd": tokens.append(.day)
            default:
                guard name.hasPrefix("seq:"), let width = Int(name.dropFirst(4)), (1...12).contains(width) else {
                    throw ParseError(
                        description: "autonumber pattern '\(text)': unknown placeholder '{\(name)}'; "
                            + "use {yyyy}, {yy}, {mm}, {dd} or {seq:N} with N from 1 to 12")
                }
                tokens.append(.sequence(width: width))
            }
        }
        if !literal.isEmpty { tokens.append(.literal(literal)) }
        let sequences = tokens.filter { if case .sequence = $0 { true } else { false } }.count
        guard sequences == 1 else {
            throw ParseError(description: "autonumber pattern '\(text)' must contain exactly one {seq:N}, found \(sequences)")
        }
        self.tokens = tokens
    }

    public var hasYear: Bool { tokens.contains(.year4) || tokens.contains(.year2) }
    public var hasMonth: Bool { tokens.contains(.month) }

    /// The code for a date and counter value.
    public func format(year: Int, month: Int, day: Int, sequence: Int) -> String {
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return tokens.map { token in
            switch token {
            case .literal(let text): text
            case .year4: padded(year, 4)
            case .year2: padded(year % 100, 2)
            case .month: padded(month, 2)
            case .day: padded(day, 2)
            case .sequence(let width): padded(sequence, width)
            }
        }.joined()
    }
}
