public import Foundation
public import KithScript

/// The latest faults of rules in this process (not refusals: a `kith.reject` is the rule working),
/// newest first, so that an admin sees what broke without reading the server's log.
public final class RuleFaults: @unchecked Sendable {
    public struct Fault: Sendable {
        public let at: Date
        public let entity: String
        /// `credit.check_limit`, when known.
        public let function: String?
        /// `scripts/credit.lua:12`, when known.
        public let location: String?
        public let kind: RuleFailure.Kind
        public let message: String
    }

    /// How many faults are kept.
    public static let limit = 20
    private let lock = NSLock()
    private var faults: [Fault] = []

    public init() {}

    public var latest: [Fault] { lock.withLock { faults } }

    func record(_ failure: RuleFailure, function: String?, entity: String) {
        let fault = Fault(at: Date(), entity: entity, function: function, location: failure.location, kind: failure.kind, message: failure.message)
        lock.withLock {
            faults.insert(fault, at: 0)
            if faults.count > Self.limit { faults.removeLast() }
        }
    }
}
