import Foundation
import KithStore

/// A signed-in browser: the user, the CSRF token its forms carry, when it expires.
struct Session: Sendable {
    let id: String
    let userID: Int64
    let csrf: String
    var expires: Date
    /// The user as last read from the directory, and when (re-read every few seconds).
    var user: DirectoryUser?
    var userRead = Date.distantPast
}

/// Browser sessions, kept in memory (a restart signs everyone out), and the sign-in lock-out:
/// after `maxFailures` failed sign-ins a login is refused for `lockout`.
final class SessionStore: @unchecked Sendable {
    static let idleTimeout: TimeInterval = 8 * 3600
    static let maxFailures = 5
    static let lockout: TimeInterval = 15 * 60

    private let lock = NSLock()
    private var sessions: [String: Session] = [:]
    private var failures: [String: (count: Int, until: Date?)] = [:]

    func create(for userID: Int64, now: Date = Date()) -> Session {
        let session = Session(id: Self.random(), userID: userID, csrf: Self.random(), expires: now + Self.idleTimeout)
        lock.withLock {
            if sessions.count > 100_000 { sessions = sessions.filter { $0.value.expires > now } }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id, its expiry pushed back.
    func session(_ id: String, now: Date = Date()) -> Session? {
        lock.withLock {
            guard var session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions[id] = nil
                return nil
            }
            session.expires = now + Self.idleTimeout
            sessions[id] = session
            return session
        }
    }

    func end(_ id: String) { lock.withLock { sessions[id] = nil } }

    /// Keeps the session's user as just read.
    func remember(_ user: DirectoryUser, in id: String, now: Date = Date()) {
        lock.withLock {
            sessions[id]?.user = user
            sessions[id]?.userRead = now
        }
    }

    /// Ends every session of a user (disabled, password changed).
    func end(user: Int64) { lock.withLock { sessions = sessions.filter { $0.value.userID != user } } }

    /// Whether the login is locked out now.
    func isLockedOut(_ login: String, now: Date = Date()) -> Bool {
        lock.withLock {
            guard let until = failures[login.lowercased()]?.until else { return false }
            return until > now
        }
    }

    func recordFailure(_ login: String, now: Date = Date()) {
        lock.withLock {
            var entry = failures[login.lowercased()] ?? (0, nil)
            if let until = entry.until, until <= now { entry = (0, nil) }
            entry.count += 1
            if entry.count >= Self.maxFailures { entry.until = now + Self.lockout }
            failures[login.lowercased()] = entry
        }
    }

    func recordSuccess(_ login: String) { lock.withLock { failures[login.lowercased()] = nil } }

    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
    }
}

/// A per-caller request budget (token bucket): `rate` requests a second, bursts up to `burst`.
final class Throttle: @unchecked Sendable {
    let rate: Double
    let burst: Double
    private let lock = NSLock()
    private var buckets: [Int64: (tokens: Double, at: Date)] = [:]

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes one request from the caller's budget; false when it is spent (answer 429).
    func allow(_ caller: Int64, now: Date = Date()) -> Bool {
        lock.withLock {
            var bucket = buckets[caller] ?? (burst, now)
            bucket.tokens = min(burst, bucket.tokens + now.timeIntervalSince(bucket.at) * rate)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                buckets[caller] = bucket
                return false
            }
            bucket.tokens -= 1
            buckets[caller] = bucket
            return true
        }
    }
}
