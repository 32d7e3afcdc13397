import Foundation
import GRDB

/// One approver's part in one step of a record's approval (审批记录). A record's approvals run in
/// rounds, one per time it enters its approval state; a round's steps run in order.
public struct ApprovalEntry: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// A later step, not yet reached.
        case waiting
        /// The approver's decision is awaited now.
        case pending
        case approved, rejected
        /// The approver is the record's owner and the workspace skips owners.
        case skipped
        /// Not needed any more: another approver of an `any` step decided, the round ended, or the
        /// owner withdrew the record.
        case closed
    }

    public let id: Int64
    public let round: Int
    public let step: Int
    /// `any` (或签) or `all` (会签).
    public let mode: String
    /// The approver rule as the route wrote it (`manager`, `role:finance`, ...).
    public let rule: String
    /// Nil when the rule found nobody: the step waits for an administrator.
    public let approverID: Int64?
    public let status: Status
    public let comment: String?
    public let decidedBy: Int64?
    public let decidedAt: String?
    public let createdAt: String
}

extension RecordTransaction {
    /// The record's approval entries, oldest round first (the trail), or of one round.
    public func approvals(_ entity: String, record: Int64, round: Int? = nil) throws(RecordError) -> [ApprovalEntry] {
        try storage(entity) {
            try Row.fetchAll(
                try db.cachedStatement(
                sql: """
                    SELECT id, round, step, mode, rule, approver, status, comment, decided_by, decided_at, created_at
                    FROM kith_approval WHERE entity = ? AND record = ? AND (? IS NULL OR round = ?) ORDER BY round, step, id
                    """), arguments: [entity, record, round, round]
            ).map(Self.approvalEntry)
        }
    }

    /// The number of the record's latest approval round (0 when it never entered one).
    public func latestApprovalRound(_ entity: String, record: Int64) throws(RecordError) -> Int {
        try storage(entity) {
            try Int.fetchOne(try db.cachedStatement(sql: "SELECT max(round) FROM kith_approval WHERE entity = ? AND record = ?"), arguments: [entity, record])
                ?? 0
        }
    }

    /// Adds an approver's entry to a round.
    public func addApproval(
        _ entity: String, record: Int64, round: Int, step: Int, mode: String, rule: String, approver: Int64?,
        status: ApprovalEntry.Status
    ) throws(RecordError) {
        try storage(entity) {
            try db.execute(
                sql: """
                    INSERT INTO kith_approval (entity, record, round, step, mode, rule, approver, status, decided_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entity, record, round, step, mode, rule, approver, status.rawValue, status == .skipped ? nowText : nil, nowText,
                ])
        }
    }

    /// Records a decision on one entry.
    public func decideApproval(_ id: Int64, status: ApprovalEntry.Status, comment: String?) throws(RecordError) {
        try storage("approval") {
            try db.execute(
                sql: "UPDATE kith_approval SET status = ?, comment = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                arguments: [status.rawValue, comment, actor.userID, nowText, id])
        }
    }

    /// Moves the entries of a round (or of one step of it) from one status to another.
    public func moveApprovals(
        _ entity: String, record: Int64, round: Int, step: Int? = nil, from: [ApprovalEntry.Status], to: ApprovalEntry.Status
    ) throws(RecordError) {
        try storage(entity) {
            let marks = from.map { _ in "?" }.joined(separator: ", ")
            var arguments: [(any DatabaseValueConvertible)?] = [to.rawValue, entity, record, round, step, step]
            arguments += from.map(\.rawValue)
            try db.execute(
                sql: """
                    UPDATE kith_approval SET status = ? WHERE entity = ? AND record = ? AND round = ? AND (? IS NULL OR step = ?)
                    AND status IN (\(marks))
                    """, arguments: StatementArguments(arguments))
        }
    }

    /// The records waiting for `user`'s decision: (entity, record id, since), oldest first. An
    /// administrator's include the steps nobody was found for and those waiting for a user who
    /// is no longer active.
    public func approvalsWaiting(for user: Int64, administrator: Bool = false, limit: Int = 200) throws(RecordError)
        -> [(entity: String, record: Int64, since: String)]
    {
        try storage("approval") {
            try Row.fetchAll(
                try db.cachedStatement(
                sql: """
                    SELECT entity, record, min(created_at) FROM kith_approval
                    WHERE status = 'pending' AND (approver = ? OR (? AND (approver IS NULL
                        OR approver NOT IN (SELECT id FROM kith_user WHERE active = 1))))
                    GROUP BY entity, record ORDER BY 3, 2 LIMIT ?
                    """), arguments: [user, administrator, limit]
            ).map { (entity: $0[0], record: $0[1], since: $0[2]) }
        }
    }

    static func approvalEntry(_ row: Row) -> ApprovalEntry {
        ApprovalEntry(
            id: row[0], round: row[1], step: row[2], mode: row[3], rule: row[4], approverID: row[5],
            status: ApprovalEntry.Status(rawValue: row[6]) ?? .closed, comment: row[7], decidedBy: row[8], decidedAt: row[9],
            createdAt: row[10])
    }
}
