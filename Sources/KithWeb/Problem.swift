import Hummingbird
import KithStore
import NIOCore

/// An error answered as `application/problem+json` (RFC 9457): for the API, or as a page.
struct Problem: Error {
    var status: HTTPResponse.Status
    var title: String
    var detail: String
    var errors: [FieldProblem] = []
    var extra: [(String, JSON)] = []

    init(_ status: HTTPResponse.Status, _ detail: String, title: String? = nil, errors: [FieldProblem] = []) {
        self.status = status
        self.detail = detail
        self.title = title ?? status.reasonPhrase
        self.errors = errors
    }

    /// A record operation's failure with the status `http.md` gives its kind.
    init(_ error: RecordError) {
        let status: HTTPResponse.Status =
            switch error.code {
            case .invalid, .invalidQuery: .badRequest
            case .notFound: .notFound
            case .forbidden: .forbidden
            case .stale: .preconditionFailed
            case .duplicate, .referenced, .locked, .wrongState: .conflict
            case .rejected, .rule: .unprocessableContent
            case .storage: .internalServerError
            }
        self.init(status, error.message, errors: error.problems)
        self.title =
            switch error.code {
            case .invalid: "Invalid values"
            case .invalidQuery: "Bad request"
            case .notFound: "Not found"
            case .forbidden: "Forbidden"
            case .stale: "The record changed meanwhile"
            case .duplicate: "Duplicate"
            case .referenced: "Still referenced"
            case .locked: "Locked"
            case .wrongState: "Not in that state"
            case .rejected: "Refused by a rule"
            case .rule: "A rule failed"
            case .storage: "Internal error"
            }
        if error.code == .storage { detail = "the server could not complete the request; it has been logged" }
        if let version = error.currentVersion { extra.append(("current_version", .integer(version))) }
        extra.append(("code", .string(error.code.rawValue)))
    }

    var json: JSON {
        var members: [(String, JSON)] = [
            ("type", .string("about:blank")), ("title", .string(title)), ("status", .integer(Int(status.code))),
            ("detail", .string(detail)),
        ]
        if !errors.isEmpty {
            members.append(
                ("errors", .array(errors.map { .object([("field", .string($0.field)), ("message", .string($0.message)), ("code", .string($0.code))]) })))
        }
        members += extra
        return .object(members)
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"kith\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}

extension Response {
    static func json(_ json: JSON, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}
