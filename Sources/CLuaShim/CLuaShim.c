#include "CLuaShim.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

const char *const CLuaShim_budgetExceededMessage = "instruction budget exceeded";

/// Allocator bookkeeping, kept in the state's allocator userdata.
typedef struct {
    size_t used;
    size_t limit;
} CLuaShimAllocation;

/// Lua's allocator contract: when `ptr` is NULL, `osize` is a type tag, not a size.
static void *CLuaShim_allocate(void *ud, void *ptr, size_t osize, size_t nsize) {
    CLuaShimAllocation *allocation = ud;
    size_t oldSize = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        allocation->used -= oldSize;
        return NULL;
    }
    if (allocation->limit != 0 && nsize > oldSize && allocation->used - oldSize + nsize > allocation->limit) {
        return NULL;
    }
    void *grown = realloc(ptr, nsize);
    if (grown == NULL) return NULL;
    allocation->used = allocation->used - oldSize + nsize;
    return grown;
}

static int CLuaShim_panic(lua_State *L) {
    (void)L;
    abort();  // Unreachable by design: every raising call runs under a protected call.
}

lua_State *CLuaShim_newState(size_t memoryLimit) {
    CLuaShimAllocation *allocation = calloc(1, sizeof *allocation);
    if (allocation == NULL) return NULL;
    allocation->limit = memoryLimit;
    lua_State *L = lua_newstate(CLuaShim_allocate, allocation);
    if (L == NULL) {
        free(allocation);
        return NULL;
    }
    lua_atpanic(L, CLuaShim_panic);
    return L;
}

void CLuaShim_close(lua_State *L) {
    void *allocation = NULL;
    lua_getallocf(L, &allocation);
    lua_close(L);
    free(allocation);
}

size_t CLuaShim_memoryUsed(lua_State *L) {
    void *allocation = NULL;
    lua_getallocf(L, &allocation);
    return ((CLuaShimAllocation *)allocation)->used;
}

static void CLuaShim_removeField(lua_State *L, int table, const char *name) {
    lua_pushnil(L);
    lua_setfield(L, table, name);
}

/// `load` that only ever compiles text: the mode argument is forced to "t".
static int CLuaShim_loadTextOnly(lua_State *L) {
    int given = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));  // the base library's load
    lua_pushvalue(L, 1);
    if (given >= 2) lua_pushvalue(L, 2); else lua_pushnil(L);
    lua_pushliteral(L, "t");
    int arguments = 3;
    if (given >= 4) {  // an explicit env, even nil, is passed on; an absent one stays absent
        lua_pushvalue(L, 4);
        arguments = 4;
    }
    lua_call(L, arguments, LUA_MULTRET);
    return lua_gettop(L) - given;
}

/// `collectgarbage` reduced to "count": rules may look at their memory, not steer the collector.
static int CLuaShim_collectGarbageCount(lua_State *L) {
    const char *option = luaL_optstring(L, 1, "collect");
    if (strcmp(option, "count") != 0) {
        return luaL_error(L, "collectgarbage('%s') is not available to rules; only 'count' is", option);
    }
    lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) + (lua_Number)lua_gc(L, LUA_GCCOUNTB, 0) / 1024.0);
    return 1;
}

static int CLuaShim_openSandboxProtected(lua_State *L) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    int base = lua_gettop(L);
    CLuaShim_removeField(L, base, "dofile");
    CLuaShim_removeField(L, base, "loadfile");
    lua_getfield(L, base, "load");
    lua_pushcclosure(L, CLuaShim_loadTextOnly, 1);
    lua_setfield(L, base, "load");
    lua_pushcfunction(L, CLuaShim_collectGarbageCount);
    lua_setfield(L, base, "collectgarbage");
    lua_pop(L, 1);

    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(L, 4);

    // os: only time, date and clock survive.
    luaopen_os(L);
    int os = lua_gettop(L);
    lua_createtable(L, 0, 3);
    const char *kept[] = {"time", "date", "clock"};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, os, kept[i]);
        lua_setfield(L, -2, kept[i]);
    }
    lua_setglobal(L, "os");
    lua_pop(L, 1);
    return 0;
}

int CLuaShim_openSandbox(lua_State *L) {
    lua_pushcfunction(L, CLuaShim_openSandboxProtected);
    int status = lua_pcall(L, 0, 0, 0);
    if (status != LUA_OK) lua_pop(L, 1);
    return status;
}

int CLuaShim_loadText(lua_State *L, const char *text, size_t length, const char *chunkName) {
    return luaL_loadbufferx(L, text, length, chunkName, "t");
}

static int CLuaShim_traceback(lua_State *L) {
    const char *message = lua_tostring(L, 1);
    if (message == NULL) message = luaL_tolstring(L, 1, NULL);
    luaL_traceback(L, L, message, 1);
    return 1;
}

static void CLuaShim_budgetHook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    luaL_error(L, "%s", CLuaShim_budgetExceededMessage);
}

int CLuaShim_call(lua_State *L, int nargs, int nresults, int64_t instructionBudget) {
    int functionIndex = lua_gettop(L) - nargs;
    lua_pushcfunction(L, CLuaShim_traceback);
    lua_insert(L, functionIndex);
    if (instructionBudget > 0) {
        int count = instructionBudget > INT32_MAX ? INT32_MAX : (int)instructionBudget;
        lua_sethook(L, CLuaShim_budgetHook, LUA_MASKCOUNT, count);
    }
    int status = lua_pcall(L, nargs, nresults, functionIndex);
    lua_sethook(L, NULL, 0, 0);
    lua_remove(L, functionIndex);
    return status;
}

const char *CLuaShim_toString(lua_State *L, int index, size_t *length) {
    // Only real strings: converting a number in place allocates, and could raise under the cap.
    if (lua_type(L, index) != LUA_TSTRING) return NULL;
    return lua_tolstring(L, index, length);
}

void CLuaShim_pop(lua_State *L, int count) { lua_pop(L, count); }
