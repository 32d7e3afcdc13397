import KithSchema
import KithStore

/// A message the engine itself writes to someone's inbox about a record, in that person's
/// language (their own, else the workspace's): an approval waiting, approved, rejected, a step
/// nobody can approve.
struct InboxText {
    enum Kind {
        case approvalNeeded
        case approved
        case rejected(comment: String?)
        case noApprover(step: Int, rules: [String])
    }

    let kind: Kind
    let entity: Entity
    let record: Record

    func text(in language: String, engine: Engine) -> String {
        let title = engine.recordTitle(entity, record, language: language)
        let chinese = language == "zh"
        switch kind {
        case .approvalNeeded: return (chinese ? "待审批：" : "Approval needed: ") + title
        case .approved: return (chinese ? "已同意：" : "Approved: ") + title
        case .rejected(let comment): return (chinese ? "已驳回：" : "Rejected: ") + title + (comment.map { " — " + $0 } ?? "")
        case .noApprover(let step, let rules):
            let who = rules.joined(separator: ", ")
            return chinese
                ? "\(title) 的第 \(step) 步审批（\(who)）没有审批人，等待管理员处理"
                : "No approver for step \(step) (\(who)) of \(title): it waits for an administrator"
        }
    }

    /// Posts the message to `user`'s inbox, linked to the record, in each language: the inbox
    /// shows it in the reader's language of the day.
    func post(to user: Int64, engine: Engine, in transaction: RecordTransaction) throws(RecordError) {
        let language = try transaction.user(id: user)?.language ?? engine.language
        let texts = Dictionary(uniqueKeysWithValues: ["en", "zh"].map { ($0, text(in: $0, engine: engine)) })
        try transaction.postMessage(
            to: user, text: text(in: language, engine: engine), texts: texts, entity: entity.name, record: record.id)
    }
}
