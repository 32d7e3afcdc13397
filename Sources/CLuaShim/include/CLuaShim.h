// C helpers between Swift and Lua 5.4.
//
// Why this target exists: Lua's API relies on macros (lua_pcall, lua_pop, lua_tostring, ...) and on
// longjmp for errors. Swift sees neither safely, so every call that may raise runs here under a
// protected call, and Swift only ever receives status codes.
//
// The rules of the road, which the Swift side relies on:
// - Lua code only runs inside `CLuaShim_call`. There the memory cap is enforced and the
//   instruction budget counts.
// - Outside it (Swift building arguments, reading results) the cap is lifted, so no API call Swift
//   makes can raise. Rules cannot install `__gc` finalizers (the prelude refuses them), so a
//   collection step triggered by Swift runs no Lua code.
// - Lua calls Swift through `CLuaShim_pushHostFunction` closures: the trampoline lifts the cap,
//   calls the host, and raises the host's error only after Swift has returned.
#ifndef CLUASHIM_H
#define CLUASHIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct lua_State lua_State;

/// The host's side of a `kith.*` call: reads its arguments from `L`, pushes its results and
/// returns how many; or pushes an error value (a string, or a table made by
/// `CLuaShim_pushRejection`) and returns -1. It must not raise.
typedef int (*CLuaShim_Host)(void *context, lua_State *L, int operation);

/// A new Lua state whose allocator refuses to grow past `memoryLimit` bytes while Lua code runs
/// (0: no limit). Returns NULL when the state cannot be created.
lua_State *CLuaShim_newState(size_t memoryLimit);

/// Closes a state made by `CLuaShim_newState`. Finalizers a script left behind get no budget.
void CLuaShim_close(lua_State *L);

/// Bytes currently allocated by the state.
size_t CLuaShim_memoryUsed(lua_State *L);

/// The host every `CLuaShim_pushHostFunction` closure of this state calls.
void CLuaShim_setHost(lua_State *L, CLuaShim_Host host, void *context);

/// Opens the libraries the rules sandbox allows (base without dofile/loadfile, string without
/// dump, table, math, utf8, coroutine, os reduced to time/date/clock), locks the string
/// metatable, guards pattern matching, and registers the decimal type. Returns a Lua status.
int CLuaShim_openSandbox(lua_State *L);

/// Compiles a text chunk (binary chunks are refused) and leaves the function, or the error
/// message, on the stack. Returns a Lua status code (LUA_OK, LUA_ERRSYNTAX, LUA_ERRMEM).
int CLuaShim_loadText(lua_State *L, const char *text, size_t length, const char *chunkName);

/// Calls the function below `nargs` arguments under a protected call whose message handler adds
/// a traceback to string errors. An outermost call may run at most `instructionBudget` VM
/// instructions (0: no budget); calls made from inside it (through the host) share its budget.
int CLuaShim_call(lua_State *L, int nargs, int nresults, int64_t instructionBudget);

/// True when the last outermost call ran out of its instruction budget.
int CLuaShim_budgetExhausted(lua_State *L);
/// Gives the running call a fresh budget of instructions (each case of a rule test file).
void CLuaShim_refillBudget(lua_State *L, int64_t instructionBudget);

/// Pushes a closure calling the host with `operation`.
void CLuaShim_pushHostFunction(lua_State *L, int operation);

/// Pushes a rejection (`kith.reject`): a table with `message` and, when not NULL, `field`.
void CLuaShim_pushRejection(lua_State *L, const char *field, const char *message);

/// If the value at `index` is a rejection, pushes its field (or nil), message and place and returns 1.
int CLuaShim_pushRejectionParts(lua_State *L, int index);

/// Pushes an exact decimal value.
void CLuaShim_pushDecimal(lua_State *L, int64_t units, int scale);

/// Reads the decimal at `index`; returns 0 when the value is not a decimal.
int CLuaShim_toDecimal(lua_State *L, int index, int64_t *units, int *scale);

/// The string at `index` (never a converted number), or NULL. Never raises.
const char *CLuaShim_toString(lua_State *L, int index, size_t *length);

/// Pops `count` values.
void CLuaShim_pop(lua_State *L, int count);

/// Pushes a new empty table with room for `array` and `hash` entries.
void CLuaShim_newTable(lua_State *L, int array, int hash);

/// Pushes the registry value kept under `key` (nil when none).
void CLuaShim_getRegistry(lua_State *L, const char *key);

/// Pops the top value into the registry under `key`.
void CLuaShim_setRegistry(lua_State *L, const char *key);

/// Pops the top value into the registry and returns a reference to it.
int CLuaShim_ref(lua_State *L);

/// Pushes the value a reference points at.
void CLuaShim_pushRef(lua_State *L, int reference);

/// Frees a reference.
void CLuaShim_unref(lua_State *L, int reference);

/// Pushes "chunk:line: " of the function `level` levels up the call stack ("" when unknown).
void CLuaShim_where(lua_State *L, int level);

/// The message a call stopped by its instruction budget reports.
extern const char *const CLuaShim_budgetExceededMessage;

#endif
