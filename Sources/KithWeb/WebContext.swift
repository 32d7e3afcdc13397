import Hummingbird
import KithStore
import Logging

/// Per-request state: who is calling (set by the authentication middleware) and their session.
struct WebContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The signed-in user (session cookie or bearer token), nil for anonymous requests.
    var caller: DirectoryUser?
    /// The browser session, for pages and their CSRF token.
    var session: Session?
    /// The client's address, for the system log.
    var source: String?

    init(source: Source) {
        coreContext = .init(source: source)
        self.source = source.channel.remoteAddress?.ipAddress
    }
}
