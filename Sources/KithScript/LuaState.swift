internal import CLua
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

    let pointer: OpaquePointer
    public let memoryLimit: Int

    /// A state with the sandbox's libraries; `memoryLimit` in bytes (0: none).
    public init(memoryLimit: Int) throws(Failure) {
        guard let state = CLuaShim_newState(memoryLimit) else {
            throw Failure(kind: .memory, message: "cannot create a Lua state")
        }
        self.pointer = state
        self.memoryLimit = memoryLimit
        guard CLuaShim_openSandbox(state) == LUA_OK else {
            CLuaShim_close(state)
            throw Failure(kind: .memory, message: "the memory limit is too small to open the Lua libraries")
        }
    }

    deinit { CLuaShim_close(pointer) }

    /// Bytes the state holds.
    public var memoryUsed: Int { CLuaShim_memoryUsed(pointer) }

    var stack: LuaStack { LuaStack(thread: pointer) }

    /// Compiles `text` (never binary) without running it.
    public func compile(_ text: String, chunkName: String) throws(Failure) {
        try load(text, chunkName: chunkName)
        stack.pop()
    }

    /// Compiles and runs `text`, stopping after `instructionBudget` instructions (0: no budget).
    /// Returns the first result converted to a string, if it is one.
    @discardableResult
    public func run(_ text: String, chunkName: String, instructionBudget: Int = 0) throws(Failure) -> String? {
        try load(text, chunkName: chunkName)
        let status = CLuaShim_call(pointer, 0, 1, Int64(instructionBudget))
        defer { stack.pop() }
        guard status == LUA_OK else {
            let message = stack.string(at: -1) ?? "unknown Lua error"
            let kind: Failure.Kind = CLuaShim_budgetExhausted(pointer) != 0 ? .budget : status == LUA_ERRMEM ? .memory : .runtime
            throw Failure(kind: kind, message: kind == .memory ? "not enough memory (the rules' memory limit was reached)" : message)
        }
        return stack.string(at: -1)
    }

    /// Compiles `text` and leaves the chunk on the stack.
    func load(_ text: String, chunkName: String) throws(Failure) {
        let status = text.utf8CString.withUnsafeBufferPointer { buffer in
            CLuaShim_loadText(pointer, buffer.baseAddress, buffer.count - 1, "@" + chunkName)
        }
        guard status == LUA_OK else {
            let message = stack.string(at: -1) ?? "cannot compile"
            stack.pop()
            throw Failure(kind: status == LUA_ERRMEM ? .memory : .syntax, message: message)
        }
    }
}
