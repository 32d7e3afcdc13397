internal import CLua
internal import CLuaShim

/// Moves `ScriptValue`s on and off one Lua thread's stack.
///
/// Only used outside running Lua code (see CLuaShim.h): the memory cap is lifted there, so none of
/// these calls can raise. Tables are read raw, without metamethods.
struct LuaStack {
    let thread: OpaquePointer

    static let maximumDepth = 32

    var top: Int32 { lua_gettop(thread) }

    func pop(_ count: Int32 = 1) { CLuaShim_pop(thread, count) }

    func push(_ value: ScriptValue, depth: Int = 0) {
        _ = lua_checkstack(thread, 4)
        switch value {
        case .null: lua_pushnil(thread)
        case .boolean(let flag): lua_pushboolean(thread, flag ? 1 : 0)
        case .integer(let integer): lua_pushinteger(thread, integer)
        case .number(let number): lua_pushnumber(thread, number)
        case .text(let text): push(text)
        case .decimal(let units, let scale): CLuaShim_pushDecimal(thread, units, Int32(scale))
        case .list(let items):
            CLuaShim_newTable(thread, Int32(items.count), 0)
            for (index, item) in items.enumerated() {
                push(item, depth: depth + 1)
                lua_rawseti(thread, -2, lua_Integer(index + 1))
            }
        case .table(let fields):
            CLuaShim_newTable(thread, 0, Int32(fields.count))
            for (key, item) in fields {
                push(key)
                push(item, depth: depth + 1)
                lua_rawset(thread, -3)
            }
        case .function(let function): CLuaShim_pushRef(thread, function.reference)
        }
    }

    func push(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            _ = lua_pushlstring(thread, buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buffer.count)
        }
    }

    /// Why a Lua value cannot become a `ScriptValue`.
    struct Unreadable: Error {
        let message: String
    }

    /// The value at `index`; functions become references (released by the caller) when `functions` is set.
    func read(_ index: Int32, depth: Int = 0, functions: Bool = false, references: inout [Int32]) throws(Unreadable) -> ScriptValue {
        let index = lua_absindex(thread, index)
        switch lua_type(thread, index) {
        case LUA_TNIL, LUA_TNONE: return .null
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(thread, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(thread, index) != 0 { return .integer(lua_tointegerx(thread, index, nil)) }
            return .number(lua_tonumberx(thread, index, nil))
        case LUA_TSTRING: return .text(string(at: index) ?? "")
        case LUA_TUSERDATA:
            var units: Int64 = 0
            var scale: Int32 = 0
            guard CLuaShim_toDecimal(thread, index, &units, &scale) != 0 else { throw Unreadable(message: "a userdata value cannot be stored") }
            return .decimal(units: units, scale: Int(scale))
        case LUA_TTABLE:
            guard depth < Self.maximumDepth else { throw Unreadable(message: "the table is nested too deeply (more than \(Self.maximumDepth) levels)") }
            return try readTable(index, depth: depth, functions: functions, references: &references)
        case LUA_TFUNCTION where functions:
            lua_pushvalue(thread, index)
            let reference = CLuaShim_ref(thread)
            references.append(reference)
            return .function(ScriptFunction(reference: reference))
        default:
            throw Unreadable(message: "a \(String(cString: lua_typename(thread, lua_type(thread, index)))) value cannot be passed to Kith")
        }
    }

    private func readTable(_ index: Int32, depth: Int, functions: Bool, references: inout [Int32]) throws(Unreadable) -> ScriptValue {
        let length = Int(lua_rawlen(thread, index))
        var items: [ScriptValue] = []
        var fields: [String: ScriptValue] = [:]
        var count = 0
        _ = lua_checkstack(thread, 4)
        lua_pushnil(thread)
        while lua_next(thread, index) != 0 {
            count += 1
            defer { pop() }
            let value: ScriptValue
            do {
                value = try read(-1, depth: depth + 1, functions: functions, references: &references)
            } catch {
                pop()
                throw error
            }
            switch lua_type(thread, -2) {
            case LUA_TSTRING: fields[string(at: -2) ?? ""] = value
            case LUA_TNUMBER where lua_isinteger(thread, -2) != 0:
                let key = lua_tointegerx(thread, -2, nil)
                if key >= 1 && key <= length {
                    if items.count < length { items = Array(repeating: .null, count: length) }
                    items[Int(key) - 1] = value
                } else {
                    fields[String(key)] = value
                }
            default:
                pop()
                throw Unreadable(message: "table keys must be strings or integers")
            }
        }
        if fields.isEmpty { return .list(items) }
        for (position, item) in items.enumerated() { fields[String(position + 1)] = item }
        return .table(fields)
    }

    func string(at index: Int32) -> String? {
        var length = 0
        guard let pointer = CLuaShim_toString(thread, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
