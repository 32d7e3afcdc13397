-- Hostile rules: each attack runs as the before-save hook of a ticket whose subject names it.
-- The tests assert that every one is contained and that the next save works.
local M = {}

local attacks = {}
local function attack(name, fn) attacks[name] = fn end

-- Files and processes
attack("io_open", function() return io.open("/etc/passwd"):read("a") end)
attack("os_execute", function() return os.execute("touch /tmp/kith-hostile-pwned") end)
attack("os_remove", function() return os.remove("/tmp/kith-hostile-target") end)
attack("os_rename", function() return os.rename("/tmp/a", "/tmp/b") end)
attack("os_getenv", function() return os.getenv("HOME") end)
attack("os_exit", function() return os.exit(1) end)
attack("package_loadlib", function() return package.loadlib("libc.so.6", "system") end)
attack("require_outside", function() return require("../../../../etc/passwd") end)
attack("require_absolute", function() return require("/etc/passwd") end)
attack("dofile", function() return dofile("/etc/passwd") end)
attack("loadfile", function() return loadfile("/etc/passwd") end)
-- Binary chunks and debug
attack("string_dump", function() return load(string.dump(function() return 1 end)) end)
attack("binary_chunk", function() return assert(load("\27Lua\84\0\25\147\13\10\26\10", "bin", "b"))() end)
attack("debug_library", function() return debug.getregistry() end)
attack("collectgarbage_stop", function() return collectgarbage("stop") end)
-- Shared tables and other scripts
attack("string_metatable", function() getmetatable("").__index.upper = function() return "pwned" end end)
attack("string_library", function() string.upper = function() return "pwned" end end)
attack("rawset_string", function() rawset(string, "upper", function() return "pwned" end) end)
attack("setmetatable_shared", function() setmetatable(string, { __index = function() return "pwned" end }) end)
attack("kith_table", function() kith.get = function() return { pwned = true } end end)
attack("other_module", function() require("victim").check = function() return "pwned" end end)
attack("other_module_data", function() require("victim").data.secret = "pwned" end)
attack("load_real_globals", function() local g = load("return string")() ; g.upper = function() return "pwned" end end)
attack("global_pollution", function() tostring = function() return "pwned" end ; _G.type = nil end)
-- Runaway code
attack("infinite_loop", function() while true do end end)
attack("loop_in_pcall", function() while true do pcall(function() while true do end end) end end)
attack("loop_in_coroutine", function() coroutine.wrap(function() while true do end end)() end)
attack("coroutine_factory", function()
  while true do pcall(coroutine.wrap(function() while true do end end)) end
end)
attack("deep_recursion", function() local function f(n) return 1 + f(n + 1) end return f(1) end)
attack("load_loop", function() load("while true do end")() end)
attack("database_loop", function() for i = 1, 1e9 do kith.count("ticket", {}) end end)
attack("recursive_saves", function() kith.create("ticket", { subject = "recursive_saves" }) end)
-- Memory
attack("string_rep", function() return #string.rep("x", 1 << 30) end)
attack("growing_table", function() local t = {} for i = 1, 1e9 do t[i] = i end end)
attack("doubling_string", function() local s = "xx" while true do s = s .. s end end)
attack("memory_in_pcall", function()
  local keep = {}
  while true do pcall(function() keep[#keep + 1] = string.rep("y", 1e6) end) end
end)
attack("keep_memory", function() M.kept = {} for i = 1, 200 do M.kept[i] = string.rep("z", 1e5) .. i end end)
-- Patterns
attack("pattern_find", function() return string.find(string.rep("a", 5000), ".-.-.-.-.-b") end)
attack("pattern_gsub", function() return (string.rep("a", 3000)):gsub("(a*)a*b", "") end)
attack("pattern_match", function() return string.rep("ab", 4000):match("(.*)(.*)(.*)x") end)
attack("pattern_loop", function() local s = string.rep("a", 3000) for i = 1, 1e6 do s:find("a*b") end end)
-- Errors of every shape
attack("error_table", function() error({ code = 42 }) end)
attack("error_nil", function() error() end)
attack("error_tostring_loop", function() error(setmetatable({}, { __tostring = function() while true do end end })) end)
attack("error_userdata", function() error(kith.decimal("1")) end)
attack("finalizer_loop", function() setmetatable({}, { __gc = function() while true do end end }) end)
attack("yield_outside", function() coroutine.yield() end)
attack("format_bomb", function() return string.format("%099999d", 1) end)
attack("cyclic_argument", function() local t = { subject = "x" } t.self = t kith.create("ticket", t) end)
attack("huge_argument", function() return kith.get(string.rep("e", 1e6), 1) end)

function M.run(ctx)
  local fn = attacks[ctx.record.subject]
  if fn then fn() end
  ctx.record.checked = true
end

function M.names()
  local names = {}
  for name in pairs(attacks) do names[#names + 1] = name end
  table.sort(names)
  return names
end

return M
