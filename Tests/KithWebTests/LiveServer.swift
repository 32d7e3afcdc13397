import Foundation
import KithEngine
import KithSchema
import KithStore
import KithWeb
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh workspace in a temporary folder and its engine: the demo workspace (core CRM), or a
/// workspace of the given modules and scripts only.
struct TestWorkspace: Sendable {
    let folder: URL
    /// The workspace as served, reloadable from its files.
    let served: ServedWorkspace
    /// The engine in force.
    var engine: Engine { served.engine }
    /// The folder holding `workspace.xml`, its modules and scripts.
    var files: URL { folder.appendingPathComponent("workspace") }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    init(modules: [String: String] = [:], scripts: [String: String] = [:]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kith-web-\(UUID().uuidString)")
        let workspace = folder.appendingPathComponent("workspace")
        try WorkspaceTemplate.createDemo(at: workspace)
        if !modules.isEmpty {
            let xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <workspace xmlns="urn:kith:1" name="fixture" timezone="Asia/Shanghai" language="en">
                  <modules path="modules"/>
                  <scripts path="scripts"/>
                  <database path="data/kith.sqlite"/>
                </workspace>
                """
            try Data(xml.utf8).write(to: workspace.appendingPathComponent("workspace.xml"))
        }
        for (name, text) in modules { try Data(text.utf8).write(to: workspace.appendingPathComponent("modules/\(name).xml")) }
        for (name, text) in scripts { try Data(text.utf8).write(to: workspace.appendingPathComponent("scripts/\(name).lua")) }
        let loader = WorkspaceLoader(installation: Installation(root: Self.repository))
        let loaded = try loader.load(workspaceAt: workspace)
        served = ServedWorkspace(engine: try Engine.open(loaded, logger: Self.quietLogger), folder: workspace, loader: loader)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "kith-test")
        logger.logLevel = .critical
        return logger
    }

    /// A user with roles (and a password for the UI) and an API token of theirs.
    func user(_ login: String, roles: [String], department: String? = nil, manager: String? = nil, password: String? = nil) throws -> String {
        if let department, try engine.read(as: .system, { try $0.department(named: department) }) == nil {
            try engine.addDepartment(name: department)
        }
        try engine.addUser(login: login, roles: roles, department: department, manager: manager, password: password)
        return try engine.createToken(for: login)
    }

    func close() {
        try? engine.store.close()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A real Kith server on a free port of 127.0.0.1, over a fresh workspace, for end-to-end tests.
final class LiveServer: @unchecked Sendable {
    let workspace: TestWorkspace
    let port: Int
    private let task: Task<Void, any Error>

    var engine: Engine { workspace.engine }
    static var repository: URL { TestWorkspace.repository }

    /// The demo workspace (core CRM), or a workspace of the given modules and scripts only.
    init(modules: [String: String] = [:], scripts: [String: String] = [:], apiRate: Double = 1000) async throws {
        let workspace = try TestWorkspace(modules: modules, scripts: scripts)
        self.workspace = workspace
        let server = WebServer(workspace: workspace.served, language: "en", apiRate: apiRate, logger: TestWorkspace.quietLogger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        task = Task {
            defer { continuation.finish() }
            try await server.run(host: "127.0.0.1", port: 0) { continuation.yield($0) }
        }
        var bound = 0
        for await port in ports {
            bound = port
            break
        }
        port = bound
        if bound == 0 {
            let failure = await task.result
            throw HTTPFailure(description: "the server did not start: \(failure)")
        }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        workspace.close()
    }

    /// A user with roles (and a password for the UI) and an API token of theirs.
    func user(_ login: String, roles: [String], department: String? = nil, manager: String? = nil, password: String? = nil) throws -> String {
        try workspace.user(login, roles: roles, department: department, manager: manager, password: password)
    }

    // MARK: HTTP

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
        /// Set-Cookie values by cookie name.
        var cookies: [String: String] {
            var found: [String: String] = [:]
            for line in body.isEmpty ? setCookies : setCookies {
                let pair = line.split(separator: ";").first.map(String.init) ?? ""
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { found[parts[0]] = parts[1] }
            }
            return found
        }
        let setCookies: [String]
    }

    /// One HTTP/1.1 request over a fresh connection, on a thread of its own: a blocking client on
    /// Swift's cooperative pool would starve the server sharing it.
    func request(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, form: [(String, String)]? = nil,
        headers: [String: String] = [:], cookies: [String: String] = [:]
    ) async throws -> Reply {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        try self.blockingRequest(method, path, token: token, json: json, form: form, headers: headers, cookies: cookies)
                    })
            }
        }
    }

    private func blockingRequest(
        _ method: String, _ path: String, token: String?, json: String?, form: [(String, String)]?, headers: [String: String],
        cookies: [String: String]
    ) throws -> Reply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !cookies.isEmpty { head += "Cookie: " + cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") + "\r\n" }
        var body = Data()
        if let json, let type = headers["Content-Type"] {
            body = Data(json.utf8)  // a body of another type, given as text
            _ = type
        } else if let json {
            body = Data(json.utf8)
            head += "Content-Type: application/json\r\n"
        } else if let form {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            body = Data(
                form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&").utf8)
            head += "Content-Type: application/x-www-form-urlencoded\r\n"
        }
        head += "Content-Length: \(body.count)\r\n\r\n"
        let raw = try exchange(Data(head.utf8) + body)
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else { throw HTTPFailure(description: "no response header") }
        let headerText = String(decoding: raw[..<split.lowerBound], as: UTF8.self)
        var lines = headerText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var fields: [String: String] = [:]
        var setCookies: [String] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "set-cookie" { setCookies.append(value) }
            fields[name] = value
        }
        var payload = Data(raw[split.upperBound...])
        if fields["transfer-encoding"]?.lowercased() == "chunked" { payload = Self.dechunk(payload) }
        return Reply(
            status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, headers: fields, body: String(decoding: payload, as: UTF8.self),
            setCookies: setCookies)
    }

    struct HTTPFailure: Error, CustomStringConvertible { let description: String }

    private func exchange(_ request: Data) throws -> Data {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw HTTPFailure(description: "socket failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HTTPFailure(description: "connect failed") }
        try request.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let written = send(socket, bytes.baseAddress! + sent, bytes.count - sent, 0)
                guard written > 0 else { throw HTTPFailure(description: "send failed") }
                sent += written
            }
        }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        return response
    }

    static func dechunk(_ data: Data) -> Data {
        var output = Data()
        var rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let end = rest.index(start, offsetBy: size)
            output.append(rest[start..<end])
            rest = rest[rest.index(end, offsetBy: 2)...]
        }
        return output
    }
}
