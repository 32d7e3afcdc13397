import Foundation

/// An exact decimal number: an integer count of units at a scale (`units / 10^scale`).
///
/// Money, decimal and percent values are `ExactDecimal`s everywhere in Kith, never binary floats:
///
///     let price = try ExactDecimal("19.99")         // units 1999, scale 2
///     price.rescaled(to: 1)                        // 20.0, rounded half-even
public struct ExactDecimal: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let units: Int64
    public let scale: Int

    public static let maximumScale = 18

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(units: Int64, scale: Int) {
        self.units = units
        self.scale = scale
    }

    /// Parses "-1234.5600"; no exponent, no grouping separators.
    public init(_ text: String) throws(ParseError) {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if body.first == "-" || body.first == "+" {
            negative = body.first == "-"
            body.removeFirst()
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty)),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { throw ParseError(description: "'\(text)' is not a decimal number") }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= Self.maximumScale else {
            throw ParseError(description: "'\(text)' has more than \(Self.maximumScale) digits after the point")
        }
        var units: Int64 = 0
        for digit in (parts[0] + fraction).utf8 {
            let (shifted, overflow1) = units.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = shifted.addingReportingOverflow(Int64(digit - 48))
            guard !overflow1, !overflow2 else { throw ParseError(description: "'\(text)' is too large") }
            units = added
        }
        self.units = negative ? -units : units
        self.scale = fraction.count
    }

    public init(_ integer: Int64) {
        self.init(units: integer, scale: 0)
    }

    /// The same value at `scale` digits, rounded half-even when digits are dropped; nil on overflow.
    public func rescaled(to target: Int) -> ExactDecimal? {
        if target == scale { return self }
        if target > scale {
            var value = units
            for _ in scale..<target {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                value = next
            }
            return ExactDecimal(units: value, scale: target)
        }
        var divisor: Int64 = 1
        for _ in target..<scale { divisor *= 10 }
        var quotient = units / divisor
        let remainder = units % divisor
        let twice = remainder.magnitude * 2
        if twice > divisor.magnitude || (twice == divisor.magnitude && quotient % 2 != 0) {
            quotient += units < 0 ? -1 : 1
        }
        return ExactDecimal(units: quotient, scale: target)
    }

    /// "-1234.50": exactly `scale` digits after the point.
    public var description: String {
        // Written from the last digit back into one buffer (every amount of every list and API
        // page passes here; building it from strings was a twentieth of an API list).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(48, scale + 24)) { buffer in
            var magnitude = units.magnitude
            var position = buffer.count
            var digits = 0
            repeat {
                if digits == scale, scale > 0 {
                    position -= 1
                    buffer[position] = UInt8(ascii: ".")
                }
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                digits += 1
            } while magnitude > 0 || digits <= scale
            if units < 0 {
                position -= 1
                buffer[position] = UInt8(ascii: "-")
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[position...]), as: UTF8.self)
        }
    }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        let scale = max(lhs.scale, rhs.scale)
        guard let left = lhs.rescaled(to: scale), let right = rhs.rescaled(to: scale) else {
            return Double(lhs.description) ?? 0 < Double(rhs.description) ?? 0
        }
        return left.units < right.units
    }

    public static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        let scale = max(lhs.scale, rhs.scale)
        guard let left = lhs.rescaled(to: scale), let right = rhs.rescaled(to: scale) else { return false }
        return left.units == right.units
    }

    public func hash(into hasher: inout Hasher) {
        // Equal values hash alike whatever their scale: hash the value with trailing zeros removed.
        var units = self.units
        var scale = self.scale
        while scale > 0, units % 10 == 0 {
            units /= 10
            scale -= 1
        }
        hasher.combine(units)
        hasher.combine(scale)
    }

    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal? {
        let scale = max(lhs.scale, rhs.scale)
        guard let left = lhs.rescaled(to: scale), let right = rhs.rescaled(to: scale) else { return nil }
        let (sum, overflow) = left.units.addingReportingOverflow(right.units)
        return overflow ? nil : ExactDecimal(units: sum, scale: scale)
    }

    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal? {
        lhs + ExactDecimal(units: -rhs.units, scale: rhs.scale)
    }

    public static func * (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal? {
        let (product, overflow) = lhs.units.multipliedReportingOverflow(by: rhs.units)
        guard !overflow else { return nil }
        let value = ExactDecimal(units: product, scale: lhs.scale + rhs.scale)
        return value.scale > maximumScale ? value.rescaled(to: maximumScale) : value
    }
}
