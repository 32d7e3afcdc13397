import Foundation

/// A text that matches a field's `pattern`, for sample data: `[A-Z]{1,3}-[0-9]{2,4}` gives
/// "QK-2071". It reads the common part of the regular-expression language (literals, escapes,
/// `.`, character classes with ranges and negation, groups with alternatives, and the quantifiers
/// `? * + {n} {n,} {n,m}`); the result is checked against the pattern itself, and nil means none
/// was found (a look-around or a back-reference, say).
struct PatternSample {
    private let pattern: [Character]
    private var position = 0
    private var random: SeededRandom

    private static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    private static let digits = Array("0123456789")
    private static let word = letters + digits + ["_"]
    private static let printable = word + Array(" -.")

    static func make(_ pattern: String, random: inout SeededRandom) -> String? {
        guard let check = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return nil }
        for _ in 0..<5 {
            var sample = PatternSample(pattern: Array(pattern), random: random)
            let text = sample.alternatives()
            random = sample.random
            guard sample.position == sample.pattern.count, let text else { continue }
            let range = NSRange(text.startIndex..., in: text)
            if check.firstMatch(in: text, range: range) != nil { return text }
        }
        return nil
    }

    private init(pattern: [Character], random: SeededRandom) {
        self.pattern = pattern
        self.random = random
    }

    private var next: Character? { position < pattern.count ? pattern[position] : nil }

    /// `a|b|c` up to the end or the group's `)`: one alternative, chosen at random.
    private mutating func alternatives() -> String? {
        var branches: [String] = []
        while true {
            guard let branch = sequence() else { return nil }
            branches.append(branch)
            guard next == "|" else { break }
            position += 1
        }
        return branches[random.next(branches.count)]
    }

    private mutating func sequence() -> String? {
        var text = ""
        while let character = next, character != "|", character != ")" {
            let start = position
            guard atom() != nil else { return nil }
            let end = position
            let (low, high) = quantifier()
            let times = low + random.next(max(1, min(high, low + 3) - low + 1))
            for _ in 0..<times {
                position = start
                guard let piece = atom() else { return nil }
                text += piece
            }
            position = end
            _ = quantifier()
        }
        return text
    }

    /// One atom's text (a fresh choice at each call).
    private mutating func atom() -> String? {
        guard let character = next else { return nil }
        position += 1
        switch character {
        case "(":
            if next == "?" {
                guard position + 1 < pattern.count, pattern[position + 1] == ":" else { return nil }
                position += 2
            }
            let inner = alternatives()
            guard next == ")" else { return nil }
            position += 1
            return inner
        case "[": return characterClass().map(String.init)
        case "\\": return escape().map { String($0[random.next($0.count)]) }
        case ".": return String(Self.letters[random.next(Self.letters.count)])
        case "^", "$": return ""
        case "*", "+", "?", "{": return nil
        default: return String(character)
        }
    }

    /// After a backslash: the characters it stands for.
    private mutating func escape() -> [Character]? {
        guard let character = next else { return nil }
        position += 1
        switch character {
        case "d": return Self.digits
        case "w": return Self.word
        case "s": return [" "]
        case "D", "W", "S", "b", "B", "1", "2", "3", "4", "5", "6", "7", "8", "9": return nil
        default: return [character]
        }
    }

    /// `[...]` after its `[`: one character of the class.
    private mutating func characterClass() -> Character? {
        var members: [Character] = []
        let negated = next == "^"
        if negated { position += 1 }
        var first = true
        while let character = next, character != "]" || first {
            first = false
            position += 1
            var items: [Character]
            if character == "\\" {
                guard let escaped = escape() else { return nil }
                items = escaped
            } else {
                items = [character]
            }
            if items.count == 1, next == "-", position + 1 < pattern.count, pattern[position + 1] != "]" {
                position += 1
                var upper = pattern[position]
                position += 1
                if upper == "\\" {
                    guard let escaped = escape(), escaped.count == 1 else { return nil }
                    upper = escaped[0]
                }
                guard let low = items[0].unicodeScalars.first?.value, let high = upper.unicodeScalars.first?.value, low <= high else {
                    return nil
                }
                items = (low...min(high, low + 2_000)).compactMap { Unicode.Scalar($0).map(Character.init) }
            }
            members += items
        }
        guard next == "]" else { return nil }
        position += 1
        if negated { members = Self.printable.filter { !members.contains($0) } }
        return members.isEmpty ? nil : members[random.next(members.count)]
    }

    /// A quantifier after an atom, as (least, most) repetitions; (1, 1) when there is none.
    private mutating func quantifier() -> (Int, Int) {
        guard let character = next else { return (1, 1) }
        switch character {
        case "?": position += 1; return (0, 1)
        case "*": position += 1; return (0, 3)
        case "+": position += 1; return (1, 3)
        case "{":
            guard let close = pattern[position...].firstIndex(of: "}") else { return (1, 1) }
            let body = String(pattern[(position + 1)..<close])
            let parts = body.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let low = parts.first.flatMap({ Int($0) }), parts.count <= 2 else { return (1, 1) }
            position = close + 1
            if parts.count == 1 { return (low, low) }
            return (low, Int(parts[1]) ?? low + 3)
        default: return (1, 1)
        }
    }
}
