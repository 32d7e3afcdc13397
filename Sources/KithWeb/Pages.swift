import Hummingbird
import KithEngine

/// The HTML UI.
struct Pages: Sendable {
    let engine: Engine
    let sessions: SessionStore
    let authenticator: Authenticator

    func register(on router: Router<WebContext>) {}
}
