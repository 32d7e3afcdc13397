import Testing

@testable import KithStore

@Suite struct ExactDecimalTests {
    @Test func decimalsReadWithExactlyTheirScale() throws {
        let cases: [(Int64, Int, String)] = [
            (0, 0, "0"), (0, 2, "0.00"), (5, 2, "0.05"), (-5, 2, "-0.05"), (123_450, 2, "1234.50"), (-7, 0, "-7"),
            (1, 18, "0.000000000000000001"), (Int64.max, 0, "9223372036854775807"), (Int64.min, 2, "-92233720368547758.08"),
        ]
        for (units, scale, text) in cases {
            #expect(ExactDecimal(units: units, scale: scale).description == text)
        }
        for text in ["19.99", "-0.50", "1000000", "0.001"] {
            #expect(try ExactDecimal(text).description == text, "parsed and written back")
        }
    }
}
