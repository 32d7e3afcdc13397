public import Foundation

/// Stored date-times as people read and type them. A datetime is stored as UTC text
/// (`YYYY-MM-DDTHH:MM:SS.sssZ`); people see and type wall-clock time in the workspace's time zone,
/// and typed text without an offset is read in that zone (`FieldInput`).
public enum StoredTime {
    /// "2026-11-23T04:30:00.000Z" in Asia/Shanghai is "2026-11-23T12:30:00.000". Text that is not
    /// a stored time comes back as it is.
    public static func local(_ stored: some StringProtocol, in timeZone: TimeZone) -> String {
        guard let milliseconds = epochMilliseconds(stored) else { return String(stored) }
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        return String(FieldInput.format(epochMilliseconds: milliseconds + Int64(offset) * 1000).dropLast())  // the "Z"
    }

    /// Milliseconds since 1970 of a stored time, read by position (lists show one per row).
    static func epochMilliseconds(_ stored: some StringProtocol) -> Int64? {
        let bytes = Array(stored.utf8)
        guard bytes.count == 24, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
            bytes[19] == 0x2E, bytes[23] == 0x5A
        else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for byte in bytes[from..<from + count] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), let millis = number(20, 3)
        else { return nil }
        let seconds = Int64(FieldInput.daysFromCivil(year, month, day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 1000 + Int64(millis)
    }
}
