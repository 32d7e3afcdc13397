public import KithSchema

/// What watches the saves of a transaction: the engine's rules (Lua hooks).
///
/// The store calls it at fixed points of every create, update and delete, inside the
/// transaction: a throw refuses the save and the transaction rolls back. It is only called for
/// entities that declare hooks for the event.
public protocol RecordHooks: AnyObject {
    /// Before validation: `record` is the whole record as it will be saved (`old` is nil on
    /// create), `lines` its line items by detail entity. Returns the fields the hooks changed and,
    /// when they changed line items, the new lines.
    func beforeSave(
        _ entity: Entity, record: [String: Value], lines: [String: [[String: Value]]], old: [String: Value]?,
        in transaction: RecordTransaction
    ) throws -> (changes: [String: Value], lines: [String: [[String: Value]]]?)

    /// After the row, its lines and its history are written.
    func afterSave(_ entity: Entity, record: [String: Value], old: [String: Value]?, in transaction: RecordTransaction)
        throws

    func beforeDelete(_ entity: Entity, record: [String: Value], in transaction: RecordTransaction) throws
    func afterDelete(_ entity: Entity, record: [String: Value], in transaction: RecordTransaction) throws

    /// What the transaction's user may read of `entity`: a reference a user's write sets must
    /// name a record they may read (one they may not is as good as missing).
    func readAccess(_ entity: String, in transaction: RecordTransaction) throws -> AccessFilter
}

extension RecordHooks {
    public func readAccess(_ entity: String, in transaction: RecordTransaction) throws -> AccessFilter { .unrestricted }
}

extension Entity {
    func hooks(_ event: Hook.Event) -> Bool { hooks.contains { $0.event == event } }
}
