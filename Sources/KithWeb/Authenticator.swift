import Foundation
import Hummingbird
import HTTPTypes
import KithEngine
import KithStore

/// Who is calling: a bearer token (programs) or a session cookie (browsers).
struct Authenticator: Sendable {
    static let sessionCookie = "kith_session"
    let engine: Engine
    let sessions: SessionStore

    /// The user of a bearer token, else of a session cookie; nil when neither is valid.
    func identify(_ request: Request, _ context: inout WebContext) throws -> DirectoryUser? {
        if let header = request.headers[.authorization] {
            // "Bearer <token>", the scheme in any case (Foundation's lowercasing and trimming cost
            // more than the rest of a cached token check).
            guard header.utf8.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
            let value = header.utf8.dropFirst(7)
            let start = value.firstIndex { $0 != UInt8(ascii: " ") } ?? value.endIndex
            let end = value.lastIndex { $0 != UInt8(ascii: " ") }.map { value.index(after: $0) } ?? start
            let token = String(header[start..<end])
            return try engine.authenticate(token: token, source: context.source)
        }
        guard let id = request.cookie(Self.sessionCookie), let session = sessions.session(id) else { return nil }
        context.session = session
        if let user = session.user, Date().timeIntervalSince(session.userRead) < 5 { return user }
        guard let user = try engine.read(as: .system, { try $0.user(id: session.userID) }), user.isActive else {
            sessions.end(id)
            context.session = nil
            return nil
        }
        sessions.remember(user, in: id)
        return user
    }

    /// The API's middleware: 401 without a caller, 429 past the caller's request budget, and for
    /// browser sessions, a CSRF header on anything that changes data.
    func api(throttle: Throttle) -> some RouterMiddleware<WebContext> {
        APIAuthentication(authenticator: self, throttle: throttle)
    }
}

struct APIAuthentication: RouterMiddleware {
    typealias Context = WebContext
    let authenticator: Authenticator
    let throttle: Throttle

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var context = context
        let user: DirectoryUser?
        do {
            user = try authenticator.identify(request, &context)
        } catch {
            context.logger.error("authentication failed: \(error)")
            return Problem(.internalServerError, "the server could not check the credentials").response
        }
        guard let user else { return Problem(.unauthorized, "send Authorization: Bearer <token> (kith token create USER)").response }
        if let session = context.session, request.method != .get, request.method != .head,
            request.headers[HTTPField.Name("X-CSRF-Token")!] != session.csrf
        {
            return Problem(.forbidden, "a browser session must send its CSRF token in X-CSRF-Token").response
        }
        guard throttle.allow(user.id) else {
            var response = Problem(.tooManyRequests, "too many requests; slow down and retry after a second").response
            response.headers[.retryAfter] = "1"
            return response
        }
        context.caller = user
        return try await next(request, context)
    }
}

extension Request {
    /// The value of the cookie `name`, as Hummingbird's `cookies[name]?.value` reads it, found
    /// without parsing every cookie of every `Cookie` header (that was a fiftieth of a page).
    func cookie(_ name: String) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.utf8.split(separator: UInt8(ascii: ";")) {
                let trimmed = pair.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                guard let equals = trimmed.firstIndex(of: UInt8(ascii: "=")), trimmed[..<equals].elementsEqual(name.utf8) else { continue }
                return String(Substring(trimmed[trimmed.index(after: equals)...]))
            }
        }
        return nil
    }
}
