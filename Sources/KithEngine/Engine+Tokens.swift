import Foundation
import HummingbirdBcrypt
public import KithStore

/// API tokens: `kith_<id>_<secret>`, shown once; the secret is stored as a bcrypt hash. Tokens are
/// random (190 bits), so a low work factor suffices; a verified token is remembered by the
/// process so that each request does not pay for bcrypt.
extension Engine {
    /// Creates a token for the user with this login and returns it: the only time it is shown.
    public func createToken(for login: String, name: String = "", by actor: DirectoryUser? = nil, source: String = "cli") throws(RecordError)
        -> String
    {
        let secret = Self.randomSecret()
        let hash = Bcrypt.hash(secret, cost: Self.tokenCost)
        let id = try write(as: .system) { transaction in
            guard let user = try transaction.user(login: login), user.isActive else {
                throw RecordError(.invalid, entity: "token", "there is no active user '\(login)'")
            }
            let id = try transaction.addToken(user: user.id, name: name, secretHash: hash)
            try transaction.logEvent(
                "token-created", user: actor?.id ?? user.id, login: actor?.login ?? user.login, source: source, detail: "token #\(id) for \(user.login)")
            return id
        }
        return "kith_\(id)_\(secret)"
    }

    /// The active user a token belongs to, or nil (unknown, revoked, or a wrong secret). Uses are
    /// stamped and logged at most once a minute per token, so reads stay reads.
    public func authenticate(token: String, source: String? = nil) throws(RecordError) -> DirectoryUser? {
        if let user = tokenCache.recentUser(token, now: Date()) { return user }
        let parts = token.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0] == "kith", let id = Int64(parts[1]) else { return nil }
        let secret = String(parts[2])
        let found = try read(as: .system) { transaction -> (stored: (user: Int64, secretHash: String), user: DirectoryUser?)? in
            guard let stored = try transaction.token(id: id) else { return nil }
            return (stored, try transaction.user(id: stored.user))
        }
        guard let found, let user = found.user, user.isActive else { return nil }
        let verified = tokenCache.verified(token) || Bcrypt.verify(secret, hash: found.stored.secretHash)
        guard verified else { return nil }
        if tokenCache.remember(token, user: user, now: Date()) {
            try write(as: .system) { transaction in
                try transaction.markTokenUsed(id)
                try transaction.logEvent("token-used", user: user.id, login: user.login, source: source, detail: "token #\(id)")
            }
        }
        return user
    }

    /// Revokes a token: it stops working at once.
    public func revokeToken(_ id: Int64, by actor: DirectoryUser? = nil) throws(RecordError) {
        try write(as: .system) { transaction in
            try transaction.revokeToken(id)
            try transaction.logEvent("token-revoked", user: actor?.id, login: actor?.login ?? "kith", detail: "token #\(id)")
        }
        tokenCache.forgetAll()
    }

    static let tokenCost: UInt8 = 6

    static func randomSecret() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

/// Tokens this process has verified (revocation here empties it), with their user for a few
/// seconds (so most requests read nothing to authenticate; a revocation or a disabled user in
/// another process takes effect within `userLifetime`) and when each use was last logged.
final class TokenCache: @unchecked Sendable {
    static let userLifetime: TimeInterval = 5
    private let lock = NSLock()
    private var known: [String: (logged: Date, user: DirectoryUser, read: Date)] = [:]

    func verified(_ token: String) -> Bool { lock.withLock { known[token] != nil } }

    /// The token's user if it was read from the database less than `userLifetime` ago.
    func recentUser(_ token: String, now: Date) -> DirectoryUser? {
        lock.withLock {
            guard let entry = known[token], now.timeIntervalSince(entry.read) < Self.userLifetime else { return nil }
            return entry.user
        }
    }

    /// Remembers a verified token and its user; true when its use should be stamped and logged
    /// (the first time, then once a minute).
    func remember(_ token: String, user: DirectoryUser, now: Date) -> Bool {
        lock.withLock {
            if known.count > 10_000 { known = [:] }
            if let last = known[token], now.timeIntervalSince(last.logged) < 60 {
                known[token] = (last.logged, user, now)
                return false
            }
            known[token] = (now, user, now)
            return true
        }
    }

    func forgetAll() { lock.withLock { known = [:] } }
}
