internal import CLuaShim

/// One sandboxed Lua 5.4 state with a memory cap. Not thread-safe: one user at a time.
///
///     let state = try LuaState(memoryLimit: 64 << 20)
///     try state.run("return 1 + 1", chunkName: "example")
public final class LuaState {
    /// Why a chunk could not be compiled or run.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable { case syntax, runtime, memory, budget }
        public let kind: Kind
        /// Lua's message, starting with `chunk:line:` when Lua knows the place.
        public let message: String
        public var description: String { message }
    }

    private let state: OpaquePointer

    /// A state with the sandbox's libraries; `memoryLimit` in bytes (0: none).
    public init(memoryLimit: Int) throws(Failure) {
        guard let state = CLuaShim_newState(memoryLimit) else {
            throw Failure(kind: .memory, message: "cannot create a Lua state")
        }
        self.state = state
        guard CLuaShim_openSandbox(state) == 0 else {
            CLuaShim_close(state)
            throw Failure(kind: .memory, message: "the memory limit is too small to open the Lua libraries")
        }
    }

    deinit { CLuaShim_close(state) }

    /// Bytes the state holds.
    public var memoryUsed: Int { CLuaShim_memoryUsed(state) }

    /// Compiles `text` (never binary) without running it.
    public func compile(_ text: String, chunkName: String) throws(Failure) {
        try load(text, chunkName: chunkName)
        CLuaShim_pop(state, 1)
    }

    /// Compiles and runs `text`, stopping after `instructionBudget` instructions (0: no budget).
    /// Returns the first result converted to a string, if it is one.
    @discardableResult
    public func run(_ text: String, chunkName: String, instructionBudget: Int = 0) throws(Failure) -> String? {
        try load(text, chunkName: chunkName)
        let status = CLuaShim_call(state, 0, 1, Int64(instructionBudget))
        defer { CLuaShim_pop(state, 1) }
        guard status == 0 else {
            let message = topString() ?? "unknown Lua error"
            let kind: Failure.Kind =
                message.contains(String(cString: CLuaShim_budgetExceededMessage)) ? .budget : status == 4 ? .memory : .runtime
            throw Failure(kind: kind, message: kind == .memory ? "not enough memory (the rules' memory limit was reached)" : message)
        }
        return topString()
    }

    private func load(_ text: String, chunkName: String) throws(Failure) {
        let status = text.utf8CString.withUnsafeBufferPointer { buffer in
            CLuaShim_loadText(state, buffer.baseAddress, buffer.count - 1, "@" + chunkName)
        }
        guard status == 0 else {
            let message = topString() ?? "cannot compile"
            CLuaShim_pop(state, 1)
            throw Failure(kind: status == 4 ? .memory : .syntax, message: message)
        }
    }

    private func topString() -> String? {
        var length = 0
        guard let pointer = CLuaShim_toString(state, -1, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
