// C helpers between Swift and Lua 5.4.
//
// Why this target exists: Lua's API relies on macros (lua_pcall, lua_pop, lua_tostring, ...) and on
// longjmp for errors. Swift sees neither safely, so every call that may raise runs here under a
// protected call, and Swift only ever receives status codes.
#ifndef CLUASHIM_H
#define CLUASHIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct lua_State lua_State;

/// A new Lua state whose allocator refuses to grow past `memoryLimit` bytes (0: no limit).
/// Returns NULL when the state cannot be created.
lua_State *CLuaShim_newState(size_t memoryLimit);

/// Closes a state made by `CLuaShim_newState` and frees its allocator bookkeeping.
void CLuaShim_close(lua_State *L);

/// Bytes currently allocated by the state.
size_t CLuaShim_memoryUsed(lua_State *L);

/// Opens the libraries the rules sandbox allows (base without dofile/loadfile, string, table,
/// math, utf8, and os reduced to time/date/clock), under a protected call. Returns a Lua status.
int CLuaShim_openSandbox(lua_State *L);

/// Compiles a text chunk (binary chunks are refused) and leaves the function, or the error
/// message, on the stack. Returns a Lua status code (LUA_OK, LUA_ERRSYNTAX, LUA_ERRMEM).
int CLuaShim_loadText(lua_State *L, const char *text, size_t length, const char *chunkName);

/// Calls the function below `nargs` arguments under a protected call whose message handler adds
/// a traceback. At most `instructionBudget` VM instructions run (0: no budget).
int CLuaShim_call(lua_State *L, int nargs, int nresults, int64_t instructionBudget);

/// The string at `index` (converted in place if a number), or NULL. Never raises.
const char *CLuaShim_toString(lua_State *L, int index, size_t *length);

/// Pops `count` values.
void CLuaShim_pop(lua_State *L, int count);

/// The message a call stopped by its instruction budget reports.
extern const char *const CLuaShim_budgetExceededMessage;

#endif
