public import KithSchema

/// What is wrong with one field's value, for the user: shown next to the field.
///
/// `message` is English (the API's `errors`, logs, rules). A problem Kith found itself also has
/// its `reason`, from which the UI says the same in the user's language; a rule's own message
/// has none and is shown as the rule wrote it.
public struct FieldProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// The field's name (with `detail[n].` before it for a line item's).
    public internal(set) var field: String
    public let message: String
    public let reason: Reason?
    /// A stable name of the kind of problem, for programs (the API's `errors[].code`): the
    /// reason's, `rule` for a rule's own message, `invalid` for other messages.
    public let code: String

    /// A problem in the words of whoever found it (a rule's message, with `code` "rule").
    public init(field: String, message: String, code: String = "invalid") {
        self.field = field
        self.message = message
        self.reason = nil
        self.code = code
    }

    /// A problem Kith found: its message is the reason's English.
    public init(field: String, _ reason: Reason) {
        self.field = field
        self.message = reason.english
        self.reason = reason
        self.code = reason.code
    }

    /// The value is fine but another record already holds it (a unique field): a conflict, not a mistake.
    public var isConflict: Bool {
        switch reason {
        case .alreadyUsed, .alreadyInFile: true
        default: false
        }
    }

    public var description: String { "\(field): \(message)" }

    /// Every kind of problem Kith itself finds in a value, with what the message names.
    public enum Reason: Hashable, Sendable {
        case required
        case readOnly
        case assignedAutomatically
        case maintainedByKith
        case workflowOnly
        case transferOnly
        /// Hidden from the user or read-only for their role.
        case notYours
        case notAField(of: String)
        case notALineItem(of: String)
        case notALine(Int64, of: String)
        /// A reference to a record that does not exist: its entity (or `user`, `department`, `file`) and id.
        case missingRecord(String, id: Int64)
        case inactiveUser(Int64)
        case fileTooLarge(size: Int, max: Int)
        case alreadyUsed(String, by: String, id: Int64)
        /// An import's row repeats the unique value of an earlier row of the same file.
        case alreadyInFile(String, line: Int)
        /// A new record looks like a stored one by the entity's duplicate rules (an import's row):
        /// its title and id when the user may read it, and its owner's name.
        case likelyDuplicate(title: String?, id: Int64?, owner: String?)
        /// An import's row that looks like an earlier row of the same file (its line).
        case likeEarlierLine(Int)
        case notBoolean
        case notDate
        case notDateTime
        /// The choices' values, and each one's labels (what the pages list in the user's language).
        case notChoice(String, choices: [String], labels: [Labels])
        case notText
        case tooLong(length: Int, max: Int)
        case tooShort(min: Int)
        case nulCharacter
        case notEmail(String)
        case notPhone(String)
        case notWebAddress(String)
        case notPattern(String, pattern: String)
        /// Text that is not a number (nil: a value of another kind).
        case notNumber(String?)
        case tooLarge(String)
        case notPercent
        case belowMinimum(String)
        case aboveMaximum(String)
        case notWholeNumber
        case notRecordID
        case notUserID
        case notDepartmentID
        /// A reference typed as a title that names no record, or several.
        case noRecordTitled(String)
        case severalRecordsTitled(String)
        /// An import's header: a column that names no field, one mapped to a field it cannot
        /// fill, no header at all.
        case unknownColumn(String, of: String)
        case columnCannotFill(String, field: String)
        case noHeaderRow

        /// A stable name of the kind of problem, for programs (the API's `errors[].code`).
        public var code: String {
            switch self {
            case .required: "required"
            case .readOnly: "read_only"
            case .assignedAutomatically: "assigned_automatically"
            case .maintainedByKith: "maintained_by_kith"
            case .workflowOnly: "workflow_only"
            case .transferOnly: "transfer_only"
            case .notYours: "not_permitted"
            case .notAField: "unknown_field"
            case .notALineItem: "not_a_line_item"
            case .notALine: "not_a_line"
            case .missingRecord: "missing_record"
            case .inactiveUser: "inactive_user"
            case .fileTooLarge: "file_too_large"
            case .alreadyUsed, .alreadyInFile: "already_used"
            case .likelyDuplicate, .likeEarlierLine: "likely_duplicate"
            case .notBoolean: "not_boolean"
            case .notDate: "not_date"
            case .notDateTime: "not_datetime"
            case .notChoice: "not_a_choice"
            case .notText: "not_text"
            case .tooLong: "too_long"
            case .tooShort: "too_short"
            case .nulCharacter: "nul_character"
            case .notEmail: "not_email"
            case .notPhone: "not_phone"
            case .notWebAddress: "not_url"
            case .notPattern: "pattern_mismatch"
            case .notNumber: "not_a_number"
            case .tooLarge: "too_large"
            case .notPercent: "not_percent"
            case .belowMinimum: "below_minimum"
            case .aboveMaximum: "above_maximum"
            case .notWholeNumber: "not_whole_number"
            case .notRecordID, .notUserID, .notDepartmentID: "not_record_id"
            case .noRecordTitled: "no_record_titled"
            case .severalRecordsTitled: "several_records_titled"
            case .unknownColumn: "unknown_column"
            case .columnCannotFill: "column_cannot_fill"
            case .noHeaderRow: "no_header_row"
            }
        }

        public var english: String {
            switch self {
            case .required: "is required"
            case .readOnly: "is read-only"
            case .assignedAutomatically: "is assigned automatically"
            case .maintainedByKith: "is maintained by Kith and cannot be set"
            case .workflowOnly: "changes through workflow transitions only"
            case .transferOnly: "changes through a transfer only"
            case .notYours: "you may not change this field"
            case .notAField(let entity): "is not a field of '\(entity)'"
            case .notALineItem(let entity): "is not a line item of '\(entity)'"
            case .notALine(let id, let entity): "line #\(id) is not a line of this \(entity)"
            case .missingRecord(let kind, let id): "refers to \(kind) #\(id), which does not exist"
            case .inactiveUser(let id): "#\(id) is not an active user"
            case .fileTooLarge(let size, let max): "the file is \(size) bytes; at most \(max) are allowed"
            case .alreadyUsed(let value, let entity, let id): "'\(value)' is already used by \(entity) #\(id)"
            case .alreadyInFile(let value, let line): "'\(value)' is already used by line \(line) of this file"
            case .likelyDuplicate(let title, let id, let owner):
                (id.map { "looks like '\(title ?? "")' (#\($0))" } ?? "looks like a stored record") + (owner.map { ", owned by \($0)" } ?? "")
            case .likeEarlierLine(let line): "looks like line \(line) of the file"
            case .notBoolean: "must be true or false"
            case .notDate: "must be a date like 2026-01-31"
            case .notDateTime: "must be a date and time like 2026-01-31T09:30:00+08:00"
            case .notChoice(let value, let choices, _): "'\(value)' is not one of: \(choices.joined(separator: ", "))"
            case .notText: "must be text, not a list"
            case .tooLong(let length, let max): "is \(length) characters long; at most \(max) are allowed"
            case .tooShort(let min): "must be at least \(min) characters long"
            case .nulCharacter: "must not contain NUL characters"
            case .notEmail(let text): "'\(text)' is not an email address"
            case .notPhone(let text): "'\(text)' is not a phone number"
            case .notWebAddress(let text): "'\(text)' is not a web address (http:// or https://)"
            case .notPattern(let text, let pattern): "'\(text)' does not match the required format \(pattern)"
            case .notNumber(let text?): "'\(text)' is not a number"
            case .notNumber(nil): "must be a number"
            case .tooLarge(let number): "\(number) is too large"
            case .notPercent: "must lie between 0 and 100"
            case .belowMinimum(let min): "must be at least \(min)"
            case .aboveMaximum(let max): "must be at most \(max)"
            case .notWholeNumber: "must be a whole number"
            case .notRecordID: "must be the id of a record"
            case .notUserID: "must be the id of a user"
            case .notDepartmentID: "must be the id of a department"
            case .noRecordTitled(let text): "no record is called '\(text)'"
            case .severalRecordsTitled(let text): "several records are called '\(text)': type '#' and the id"
            case .unknownColumn(let column, let entity): "column '\(column)' is not a field of \(entity)"
            case .columnCannotFill(let column, let field): "column '\(column)' cannot fill '\(field)'"
            case .noHeaderRow: "the file has no header row"
            }
        }
    }
}
