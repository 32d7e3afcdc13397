import Foundation
import HTTPTypes
import Hummingbird

/// Cookies are `Secure` when the request reached Kith over TLS. Kith speaks plain HTTP, so TLS
/// ends at a proxy in front of it, which says so with `X-Forwarded-Proto: https` or
/// `Forwarded: proto=https`. (A client that sends those headers over plain HTTP only loses its
/// own cookies.)
struct SecureCookiesMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard Self.overTLS(request.headers), response.headers.contains(where: { $0.name == .setCookie }) else { return response }
        var headers = HTTPFields()
        for field in response.headers {
            if field.name == .setCookie, !field.value.lowercased().contains("; secure") {
                headers.append(HTTPField(name: .setCookie, value: field.value + "; Secure"))
            } else {
                headers.append(field)
            }
        }
        response.headers = headers
        return response
    }

    static func overTLS(_ headers: HTTPFields) -> Bool {
        if let proto = headers[HTTPField.Name("X-Forwarded-Proto")!] {
            return proto.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
        }
        if let forwarded = headers[HTTPField.Name("Forwarded")!] {
            let first = forwarded.split(separator: ",").first ?? ""
            return first.split(separator: ";").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "proto=https" }
        }
        return false
    }
}
