import KithSchema
import Testing

@Suite struct CronExpressionTests {
    @Test func parsesListsRangesStepsAndNames() throws {
        let cron = try CronExpression("0,30 8-10/2 * jan,jul mon-fri")
        #expect(cron.minutes == [0, 30])
        #expect(cron.hours == [8, 10])
        #expect(cron.months == [1, 7])
        #expect(cron.daysOfWeek == [1, 2, 3, 4, 5])
    }

    @Test func sundayIsZeroOrSeven() throws {
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression("0 0 * * 0").matches(minute: 0, hour: 0, day: 5, month: 3, weekday: 0))
    }

    @Test func dayOfMonthOrWeekdayWhenBothAreRestricted() throws {
        let cron = try CronExpression("0 9 1 * mon")
        #expect(cron.matches(minute: 0, hour: 9, day: 1, month: 5, weekday: 4))
        #expect(cron.matches(minute: 0, hour: 9, day: 12, month: 5, weekday: 1))
        #expect(!cron.matches(minute: 0, hour: 9, day: 12, month: 5, weekday: 2))
    }

    @Test(arguments: [
        "", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "a * * * *",
        "1,,2 * * * *",
    ])
    func refusesMalformedExpressions(_ text: String) {
        #expect(throws: CronExpression.ParseError.self) { try CronExpression(text) }
    }
}

@Suite struct AutonumberPatternTests {
    @Test func formatsDatesAndZeroPaddedSequences() throws {
        let pattern = try AutonumberPattern("SO{yyyy}{mm}{dd}-{seq:4}")
        #expect(pattern.format(year: 2026, month: 3, day: 9, sequence: 42) == "SO20260309-0042")
        #expect(try AutonumberPattern("C{yy}{seq:2}").format(year: 2026, month: 1, day: 1, sequence: 123) == "C26123")
        #expect(pattern.hasYear && pattern.hasMonth)
        #expect(!(try AutonumberPattern("{seq:6}").hasYear))
    }

    @Test(arguments: ["X{seq}", "X{seq:0}", "X{seq:13}", "X{yyyy}", "X{seq:3}{seq:3}", "X{seq:3", "X}{seq:3}", "X{week}{seq:3}"])
    func refusesMalformedPatterns(_ text: String) {
        #expect(throws: AutonumberPattern.ParseError.self) { try AutonumberPattern(text) }
    }
}

@Suite struct NameSuggestionTests {
    @Test func suggestsCloseNamesOnly() {
        #expect(NameSuggestion.closest(to: "custmer", among: ["customer", "contact"]) == "customer")
        #expect(NameSuggestion.closest(to: "invoice", among: ["customer", "contact"]) == nil)
        #expect(NameSuggestion.closest(to: "Customer", among: ["customer"]) == "customer")
    }
}
