// Lua 5.4's public headers, as Debian's liblua5.4-dev installs them (pkg-config `lua5.4`).
// Lua's macros and variadic functions are not visible to Swift: CLuaShim wraps the ones Kith uses.
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
