/// The Lua code every rules state runs once, before any script: the read-only shared globals,
/// per-module environments, `require` limited to the loaded scripts, the `kith` table, the
/// hook entry point and, for `kith test`, the `kith.test` module.
///
/// It receives the host functions (by `kith` name), the compiled scripts (module path →
/// chunk), the decimal constructor, `setenv` and whether tests are loaded; it returns `invoke`,
/// `require`, `defines` and the test runner's `run`.
enum Prelude {
    static let source = #"""
        local host, chunks, decimal, setenv, testing, status = ...
        local G_real = _G
        local error, type, pairs, next, select, tostring, rawget, rawset, setmetatable, getmetatable, pcall, ipairs, load =
          error, type, pairs, next, select, tostring, rawget, rawset, setmetatable, getmetatable, pcall, ipairs, load
        local string_find, string_format, table_concat = string.find, string.format, table.concat

        -- Read-only views. `frozen` knows them, so rawset cannot write through them either.
        local frozen = setmetatable({}, { __mode = "k" })
        local views = setmetatable({}, { __mode = "k" })
        local function freeze(t, what, deep)
          if views[t] then return views[t] end
          local index = t
          if deep then
            index = function(_, key)
              local value = t[key]
              if type(value) == "table" then return freeze(value, what, true) end
              return value
            end
          end
          local view = setmetatable({}, {
            __index = index,
            __newindex = function() error(what .. " is read-only: rules cannot change it", 2) end,
            __pairs = function()
              return function(_, key)
                local k, v = next(t, key)
                if deep and type(v) == "table" then v = freeze(v, what, true) end
                return k, v
              end, t, nil
            end,
            __len = function() return #t end,
            __metatable = "read-only",
          })
          frozen[view] = true
          views[t] = view
          return view
        end

        local function log(...)
          local parts = {}
          for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
          host.log(table_concat(parts, "\t"))
        end

        local kith = {}
        for name, fn in pairs(host) do
          if name:sub(1, 5) ~= "test_" and name:sub(1, 1) ~= "_" then kith[name] = fn end
        end
        kith.decimal = decimal

        local shared = {}
        for _, name in ipairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
          "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type", "xpcall", "_VERSION", "collectgarbage" }) do
          shared[name] = G_real[name]
        end
        shared.rawset = function(t, key, value)
          if frozen[t] then error("this table is read-only: rules cannot change it", 2) end
          return rawset(t, key, value)
        end
        -- Lua runs __gc finalizers with hooks off, so a looping finalizer could never be stopped.
        shared.setmetatable = function(t, mt)
          if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
            error("__gc metamethods are not available to rules", 2)
          end
          return setmetatable(t, mt)
        end
        shared.print = kith.log
        for _, name in ipairs({ "string", "table", "math", "utf8", "os", "coroutine" }) do
          shared[name] = freeze(G_real[name], name)
        end
        shared.kith = freeze(kith, "kith")

        local function environment()
          local env = setmetatable({}, { __index = shared, __metatable = "read-only" })
          env._G = env
          env.load = function(chunk, name, mode, custom)
            return load(chunk, name, "t", custom == nil and env or custom)
          end
          return env
        end

        local loaded, loading = {}, {}
        local test_module

        local function require(name)
          if type(name) ~= "string" then error("require needs a module name, such as require(\"credit\")", 2) end
          if name == "kith.test" then
            if test_module then return test_module end
            error("module 'kith.test' is only available to rule tests (kith test)", 2)
          end
          local path = name:gsub("%.", "/")
          local entry = loaded[path]
          if entry then return entry.view end
          local chunk = chunks[path]
          if not chunk then
            error("module '" .. name .. "' not found: rules may require only the modules of the scripts folders", 2)
          end
          if loading[path] then error("module '" .. name .. "' requires itself (a require cycle)", 2) end
          loading[path] = true
          setenv(chunk, environment())
          local ok, result = pcall(chunk, name)
          loading[path] = nil
          if not ok then error(result, 0) end
          if type(result) ~= "table" then
            error("module '" .. name .. "' must return a table of functions (it returned " .. type(result) .. ")", 2)
          end
          loaded[path] = { table = result, view = freeze(result, "module '" .. name .. "'", true) }
          return loaded[path].view
        end
        shared.require = require

        local function find_function(module, name)
          if not loaded[module] then
            if not chunks[module] then error("module '" .. module .. "' not found", 0) end
            require(module)
          end
          local fn = loaded[module].table[name]
          if type(fn) ~= "function" then
            error("function '" .. name .. "' not found in module '" .. module .. "'", 0)
          end
          return fn
        end

        -- A hook, guard, route or schedule: fn(ctx); returns its result, ctx.record and ctx.lines.
        local function same(a, b)
          if a == b then return true end
          if type(a) == "table" and type(b) == "table" then
            if #a ~= #b then return false end
            for i = 1, #a do if a[i] ~= b[i] then return false end end
            return true
          end
          return false
        end

        -- A shallow copy of a record, lists copied too, to see afterwards what a hook changed.
        local function snapshot(record)
          local copy = {}
          for key, value in next, record do
            if type(value) == "table" then
              local list = {}
              for i = 1, #value do list[i] = value[i] end
              value = list
            end
            copy[key] = value
          end
          return copy
        end

        -- The fields of `record` that differ from `before`, and those it no longer has.
        local function difference(before, record)
          local changes, removed = {}, {}
          if type(record) ~= "table" then return changes, removed end
          for key, value in next, record do
            if not same(value, before[key]) then changes[key] = value end
          end
          for key in next, before do
            if record[key] == nil then removed[#removed + 1] = key end
          end
          return changes, removed
        end

        -- The functions of a chain "credit.check_limit totals.order", looked up once.
        local chains = {}
        local function chain(names)
          local list = chains[names]
          if list then return list end
          list = {}
          for full in names:gmatch("%S+") do
            local module, name = full:match("^(.*)%.([^.]+)$")
            list[#list + 1] = { full = full, fn = find_function(module:gsub("%.", "/"), name) }
          end
          chains[names] = list
          return list
        end

        -- changed(field): the field differs between ctx.record and ctx.old (a new record's set fields).
        local function changed_in(ctx)
          return function(a, b)
            if type(a) == "table" then a = b end
            local record, old = ctx.record, ctx.old
            if record == nil then return false end
            if old == nil then return record[a] ~= nil end
            return not same(record[a], old[a])
          end
        end

        -- The big parts of a context (record, old, lines, user) come from Swift only when a rule
        -- reads them: a hook that never looks at the record costs no marshalling.
        local context_field = host._context
        local lazy = { record = true, old = true, lines = true, user = true }
        -- Private keys (tables no rule can name) hold the context's token and record snapshot.
        local TOKEN, SNAPSHOT, LINES = {}, {}, {}
        local context_meta = {
          __index = function(ctx, key)
            if key == "changed" then
              local changed = changed_in(ctx)
              rawset(ctx, "changed", changed)
              return changed
            end
            local token = rawget(ctx, TOKEN)
            if token == nil or not lazy[key] then return nil end
            local value = context_field(token, key)
            rawset(ctx, key, value)
            if key == "record" and type(value) == "table" then
              if rawget(ctx, SNAPSHOT) == false then rawset(ctx, SNAPSHOT, snapshot(value)) end
              -- In before-save, the line items are in the record too, as the API sends them:
              -- ctx.record.order_line is ctx.lines.order_line.
              local lines = ctx.lines
              if type(lines) == "table" then
                local aliased = {}
                for detail, rows in pairs(lines) do
                  if rawget(value, detail) == nil then
                    rawset(value, detail, rows)
                    aliased[detail] = true
                  end
                end
                rawset(ctx, LINES, aliased)
              end
            end
            return value
          end,
          __metatable = "context",
        }

        -- Calls each function of the chain with ctx, in order (a before-save chain sees the
        -- record as the previous function left it). Returns the last result and, when `track` is
        -- set, the fields changed in ctx.record (a table), those removed (a list), and ctx.lines.
        -- `status.current` names the function running, for the error report. `token` names the
        -- context's lazy parts on the Swift side (none for contexts built in Lua).
        local function invoke(names, ctx, track, token)
          local list = chain(names)
          if token then
            rawset(ctx, TOKEN, token)
            setmetatable(ctx, context_meta)
          end
          if track then rawset(ctx, SNAPSHOT, false) end
          if token then rawset(ctx, "changed", nil) else ctx.changed = changed_in(ctx) end
          local result
          for i = 1, #list do
            status.current = list[i].full
            result = list[i].fn(ctx)
          end
          status.current = nil
          if not track then return result end
          local record = rawget(ctx, "record")
          if record == nil then return result end
          -- Line items given through the record (ctx.record.DETAIL = {...}) are lines, not fields.
          local lines, aliased = rawget(ctx, "lines"), rawget(ctx, LINES)
          if type(lines) == "table" and aliased then
            for detail in pairs(aliased) do
              local given = rawget(record, detail)
              if given ~= nil and given ~= lines[detail] then lines[detail] = given end
              rawset(record, detail, nil)
            end
          end
          local before = rawget(ctx, SNAPSHOT)
          if not before then before = snapshot(token and context_field(token, "record") or {}) end
          local changes, removed = difference(before, record)
          return result, changes, removed, rawget(ctx, "lines")
        end

        -- A rule test file: run for its t.case calls; it returns nothing.
        local function run(path)
          local chunk = chunks[path]
          if not chunk then error("no test file '" .. path .. "'", 0) end
          setenv(chunk, environment())
          chunk(path)
        end

        -- Does the module define the function? (kith check)
        local function defines(names)
          return (pcall(chain, names))
        end

        if testing then
          local t = {}
          local function is_decimal(v) return getmetatable(v) == "decimal" end
          local function show(v)
            if type(v) == "string" then return string_format("%q", v) end
            if type(v) == "table" and not frozen[v] then
              local parts = {}
              for k, item in pairs(v) do parts[#parts + 1] = tostring(k) .. " = " .. show(item) end
              table.sort(parts)
              return "{" .. table_concat(parts, ", ") .. "}"
            end
            return tostring(v)
          end
          local function same(a, b)
            if a == b then return true end
            if is_decimal(a) or is_decimal(b) then
              if type(a) == "string" then a = decimal(a) end
              if type(b) == "string" then b = decimal(b) end
              local ok, equal = pcall(function() return a <= b and b <= a end)
              return ok and equal
            end
            if type(a) == "table" and type(b) == "table" then
              for k, v in pairs(a) do if not same(v, b[k]) then return false end end
              for k in pairs(b) do if a[k] == nil then return false end end
              return true
            end
            return false
          end
          function t.eq(actual, expected, message)
            if not same(actual, expected) then
              error((message and (message .. ": ") or "") .. "expected " .. show(expected) .. ", got " .. show(actual), 2)
            end
          end
          function t.ok(value, message)
            if not value then error(message or ("expected a true value, got " .. show(value)), 2) end
          end
          function t.raises(fn, pattern)
            local ok, failure = pcall(fn)
            if ok then error("expected an error" .. (pattern and (" matching '" .. pattern .. "'") or ""), 2) end
            local text = tostring(failure)
            if pattern and not string_find(text, pattern, 1, true) and not string_find(text, pattern) then
              error("expected an error matching '" .. pattern .. "', got: " .. text, 2)
            end
            return text
          end
          t.case = host.test_case
          t.clock = host.test_clock
          t.as = host.test_as
          t.transition = host.test_transition
          t.approve = host.test_approve
          t.reject = host.test_reject
          t.run_schedule = host.test_run_schedule
          t.inbox = host.test_inbox
          t.user = host.test_user
          t.department = host.test_department
          t.set_state = host.test_set_state
          t.convert = host.test_convert
          test_module = freeze(t, "kith.test")
        end

        -- Nothing reaches the real globals any more: chunks loaded without an environment see none.
        for key in pairs(G_real) do G_real[key] = nil end

        return invoke, require, defines, run
        """#
}
