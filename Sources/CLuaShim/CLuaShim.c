#include "CLuaShim.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const CLuaShim_budgetExceededMessage = "instruction budget exceeded";

static const char *const decimalType = "kith.decimal";
static const char *const rejectionType = "kith.rejection";

/// Instructions between two looks at the budget.
static const int budgetSlice = 1000;
/// What a refused allocation costs against the budget: Lua runs a full collection before it gives
/// up, so a script that keeps hitting the cap inside `pcall` must run out of budget soon.
static const int64_t refusedAllocationCost = 50000;
/// What one `kith.*` call costs against the budget: a rule cannot do unbounded database work
/// in a cheap loop.
static const int64_t hostCallCost = 1000;

/// Per-state bookkeeping, shared by all of the state's threads (it is the allocator's userdata).
typedef struct {
    size_t used;
    size_t limit;
    /// The cap applies only while Lua code runs (see the header).
    int capped;
    /// Instructions the outermost running call may still execute.
    int64_t remaining;
    int exhausted;
    int depth;
    CLuaShim_Host host;
    void *hostContext;
} CLuaShimShared;

static CLuaShimShared *shared(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/// Lua's allocator contract: when `ptr` is NULL, `osize` is a type tag, not a size.
static void *CLuaShim_allocate(void *ud, void *ptr, size_t osize, size_t nsize) {
    CLuaShimShared *state = ud;
    size_t oldSize = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        state->used -= oldSize;
        return NULL;
    }
    if (state->capped && state->limit != 0 && nsize > oldSize && state->used - oldSize + nsize > state->limit) {
        if (state->remaining != INT64_MAX) state->remaining -= refusedAllocationCost;
        return NULL;
    }
    void *grown = realloc(ptr, nsize);
    if (grown == NULL) return NULL;
    state->used = state->used - oldSize + nsize;
    return grown;
}

static int CLuaShim_panic(lua_State *L) {
    (void)L;
    abort();  // Unreachable by design: every raising call runs under a protected call.
}

lua_State *CLuaShim_newState(size_t memoryLimit) {
    CLuaShimShared *state = calloc(1, sizeof *state);
    if (state == NULL) return NULL;
    state->limit = memoryLimit;
    lua_State *L = lua_newstate(CLuaShim_allocate, state);
    if (L == NULL) {
        free(state);
        return NULL;
    }
    lua_atpanic(L, CLuaShim_panic);
    return L;
}

static void CLuaShim_budgetHook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    CLuaShimShared *state = shared(L);
    state->remaining -= lua_gethookcount(L);
    if (state->remaining <= 0 || state->exhausted) {
        state->exhausted = 1;
        // Every further instruction of this thread fails too, so `pcall` cannot swallow the stop.
        lua_sethook(L, CLuaShim_budgetHook, LUA_MASKCOUNT, 1);
        luaL_error(L, "%s", CLuaShim_budgetExceededMessage);
    }
}

void CLuaShim_close(lua_State *L) {
    CLuaShimShared *state = shared(L);
    // Finalizers left by a script run during close: each stops at its first instruction.
    state->exhausted = 1;
    state->remaining = 0;
    state->capped = 1;
    lua_sethook(L, CLuaShim_budgetHook, LUA_MASKCOUNT, 1);
    lua_close(L);
    free(state);
}

size_t CLuaShim_memoryUsed(lua_State *L) { return shared(L)->used; }

void CLuaShim_setHost(lua_State *L, CLuaShim_Host host, void *context) {
    CLuaShimShared *state = shared(L);
    state->host = host;
    state->hostContext = context;
}

int CLuaShim_budgetExhausted(lua_State *L) { return shared(L)->exhausted; }

void CLuaShim_refillBudget(lua_State *L, int64_t instructionBudget) {
    CLuaShimShared *state = shared(L);
    state->exhausted = 0;
    state->remaining = instructionBudget;
    int slice = instructionBudget < budgetSlice ? (int)instructionBudget : budgetSlice;
    lua_sethook(L, CLuaShim_budgetHook, LUA_MASKCOUNT, slice);
}

// MARK: - Calls

static int isRejection(lua_State *L, int index) {
    if (lua_type(L, index) != LUA_TTABLE || !lua_getmetatable(L, index)) return 0;
    luaL_getmetatable(L, rejectionType);
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

static int CLuaShim_traceback(lua_State *L) {
    if (isRejection(L, 1)) {
        lua_settop(L, 1);
        return 1;  // a rejection is a message for the user, not a fault: no traceback
    }
    const char *message = lua_tostring(L, 1);
    if (message == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            message = lua_tostring(L, -1);
        } else {
            message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        }
    }
    luaL_traceback(L, L, message, 1);
    return 1;
}

int CLuaShim_call(lua_State *L, int nargs, int nresults, int64_t instructionBudget) {
    CLuaShimShared *state = shared(L);
    int functionIndex = lua_gettop(L) - nargs;
    lua_pushcfunction(L, CLuaShim_traceback);
    lua_insert(L, functionIndex);
    int outermost = state->depth == 0;
    int wasCapped = state->capped;
    if (outermost) {
        state->exhausted = 0;
        state->remaining = instructionBudget > 0 ? instructionBudget : INT64_MAX;
        if (instructionBudget > 0) {
            int slice = instructionBudget < budgetSlice ? (int)instructionBudget : budgetSlice;
            lua_sethook(L, CLuaShim_budgetHook, LUA_MASKCOUNT, slice);
        }
    }
    state->depth++;
    state->capped = 1;
    int status = lua_pcall(L, nargs, nresults, functionIndex);
    state->capped = wasCapped;
    state->depth--;
    if (outermost) lua_sethook(L, NULL, 0, 0);
    lua_remove(L, functionIndex);
    return status;
}

static int CLuaShim_hostTrampoline(lua_State *L) {
    CLuaShimShared *state = shared(L);
    int operation = (int)lua_tointeger(L, lua_upvalueindex(1));
    if (state->host == NULL) return luaL_error(L, "the kith API is not available here");
    if (state->remaining != INT64_MAX) {
        state->remaining -= hostCallCost;
        if (state->remaining <= 0 || state->exhausted) {
            state->exhausted = 1;
            lua_sethook(L, CLuaShim_budgetHook, LUA_MASKCOUNT, 1);
            return luaL_error(L, "%s", CLuaShim_budgetExceededMessage);
        }
    }
    state->capped = 0;
    int results = state->host(state->hostContext, L, operation);
    state->capped = 1;
    if (results >= 0) return results;
    if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    } else if (lua_type(L, -1) == LUA_TTABLE) {
        luaL_where(L, 1);
        lua_setfield(L, -2, "where");
    }
    return lua_error(L);
}

void CLuaShim_pushHostFunction(lua_State *L, int operation) {
    lua_pushinteger(L, operation);
    lua_pushcclosure(L, CLuaShim_hostTrampoline, 1);
}

void CLuaShim_pushRejection(lua_State *L, const char *field, const char *message) {
    lua_createtable(L, 0, 3);
    lua_pushstring(L, message);
    lua_setfield(L, -2, "message");
    if (field != NULL) {
        lua_pushstring(L, field);
        lua_setfield(L, -2, "field");
    }
    luaL_setmetatable(L, rejectionType);
}

int CLuaShim_pushRejectionParts(lua_State *L, int index) {
    index = lua_absindex(L, index);
    if (!isRejection(L, index)) return 0;
    const char *keys[] = {"field", "message", "where"};
    for (int i = 0; i < 3; i++) {
        lua_pushstring(L, keys[i]);
        lua_rawget(L, index);
    }
    return 1;
}

static int CLuaShim_rejectionToString(lua_State *L) {
    lua_getfield(L, 1, "message");
    return 1;
}

// MARK: - Exact decimals

typedef struct {
    int64_t units;
    int scale;
} CLuaShimDecimal;

static const int maximumScale = 18;

static __int128 power10(int exponent) {
    __int128 result = 1;
    for (int i = 0; i < exponent; i++) result *= 10;
    return result;
}

void CLuaShim_pushDecimal(lua_State *L, int64_t units, int scale) {
    CLuaShimDecimal *decimal = lua_newuserdatauv(L, sizeof *decimal, 0);
    decimal->units = units;
    decimal->scale = scale;
    luaL_setmetatable(L, decimalType);
}

int CLuaShim_toDecimal(lua_State *L, int index, int64_t *units, int *scale) {
    CLuaShimDecimal *decimal = luaL_testudata(L, index, decimalType);
    if (decimal == NULL) return 0;
    *units = decimal->units;
    *scale = decimal->scale;
    return 1;
}

/// A decimal operand: a decimal, an integer, or a float holding a whole number.
static CLuaShimDecimal operand(lua_State *L, int index) {
    CLuaShimDecimal *decimal = luaL_testudata(L, index, decimalType);
    if (decimal != NULL) return *decimal;
    if (lua_isinteger(L, index)) return (CLuaShimDecimal){lua_tointeger(L, index), 0};
    if (lua_type(L, index) == LUA_TNUMBER) {
        lua_Number number = lua_tonumber(L, index);
        if (number == floor(number) && fabs(number) < 9.0e18) return (CLuaShimDecimal){(int64_t)number, 0};
        luaL_error(L, "cannot mix a decimal with the float %s; use kith.decimal(\"...\") for exact values", lua_tostring(L, index));
    }
    luaL_error(L, "cannot do arithmetic between a decimal and a %s value", luaL_typename(L, index));
    return (CLuaShimDecimal){0, 0};
}

/// Divides with half-even rounding.
static __int128 divideRounded(__int128 numerator, __int128 denominator) {
    __int128 quotient = numerator / denominator;
    __int128 remainder = numerator % denominator;
    if (remainder == 0) return quotient;
    __int128 twice = remainder < 0 ? -remainder * 2 : remainder * 2;
    __int128 magnitude = denominator < 0 ? -denominator : denominator;
    int negative = (numerator < 0) != (denominator < 0);
    if (twice > magnitude || (twice == magnitude && (quotient % 2 != 0))) quotient += negative ? -1 : 1;
    return quotient;
}

/// Pushes units/10^scale, dropping digits after the point (half-even) while the scale is over
/// the maximum or the units do not fit 64 bits.
static void pushResult(lua_State *L, __int128 units, int scale) {
    while (scale > maximumScale || (scale > 0 && (units > INT64_MAX || units < INT64_MIN))) {
        units = divideRounded(units, 10);
        scale--;
    }
    if (units > INT64_MAX || units < INT64_MIN) luaL_error(L, "decimal overflow: the result is too large");
    CLuaShim_pushDecimal(L, (int64_t)units, scale);
}

/// Both operands at the larger scale.
static int align(CLuaShimDecimal a, CLuaShimDecimal b, __int128 *x, __int128 *y) {
    int scale = a.scale > b.scale ? a.scale : b.scale;
    *x = (__int128)a.units * power10(scale - a.scale);
    *y = (__int128)b.units * power10(scale - b.scale);
    return scale;
}

static int decimalAdd(lua_State *L) {
    __int128 x, y;
    int scale = align(operand(L, 1), operand(L, 2), &x, &y);
    pushResult(L, x + y, scale);
    return 1;
}

static int decimalSubtract(lua_State *L) {
    __int128 x, y;
    int scale = align(operand(L, 1), operand(L, 2), &x, &y);
    pushResult(L, x - y, scale);
    return 1;
}

static int decimalMultiply(lua_State *L) {
    CLuaShimDecimal a = operand(L, 1), b = operand(L, 2);
    pushResult(L, (__int128)a.units * b.units, a.scale + b.scale);
    return 1;
}

/// The quotient at six more digits than the operands (at most 18), fewer when it would not fit.
static int decimalDivide(lua_State *L) {
    CLuaShimDecimal a = operand(L, 1), b = operand(L, 2);
    if (b.units == 0) return luaL_error(L, "decimal division by zero");
    int larger = a.scale > b.scale ? a.scale : b.scale;
    for (int scale = larger + 6 > maximumScale ? maximumScale : larger + 6; scale >= 0; scale--) {
        // a/b at `scale` = a.units * 10^(scale - a.scale + b.scale) / b.units
        int exponent = scale - a.scale + b.scale;
        __int128 numerator = a.units, denominator = b.units;
        if (exponent >= 0) {
            if (exponent > 36 || __builtin_mul_overflow(numerator, power10(exponent), &numerator)) continue;
        } else {
            denominator *= power10(-exponent);
        }
        __int128 quotient = divideRounded(numerator, denominator);
        if (quotient <= INT64_MAX && quotient >= INT64_MIN) {
            CLuaShim_pushDecimal(L, (int64_t)quotient, scale);
            return 1;
        }
    }
    return luaL_error(L, "decimal overflow: the quotient is too large");
}

static int decimalNegate(lua_State *L) {
    CLuaShimDecimal a = operand(L, 1);
    pushResult(L, -(__int128)a.units, a.scale);
    return 1;
}

static int compare(lua_State *L) {
    __int128 x, y;
    align(operand(L, 1), operand(L, 2), &x, &y);
    return x < y ? -1 : x > y ? 1 : 0;
}

static int decimalEqual(lua_State *L) {
    lua_pushboolean(L, compare(L) == 0);
    return 1;
}

static int decimalLess(lua_State *L) {
    lua_pushboolean(L, compare(L) < 0);
    return 1;
}

static int decimalLessOrEqual(lua_State *L) {
    lua_pushboolean(L, compare(L) <= 0);
    return 1;
}

static void pushDecimalText(lua_State *L, CLuaShimDecimal decimal) {
    char digits[48];
    uint64_t magnitude = decimal.units < 0 ? (uint64_t)(-(decimal.units + 1)) + 1 : (uint64_t)decimal.units;
    int length = snprintf(digits, sizeof digits, "%llu", (unsigned long long)magnitude);
    char text[64];
    int at = 0;
    if (decimal.units < 0) text[at++] = '-';
    if (decimal.scale == 0) {
        memcpy(text + at, digits, (size_t)length);
        at += length;
    } else {
        int whole = length - decimal.scale;
        if (whole <= 0) {
            text[at++] = '0';
            text[at++] = '.';
            for (int i = 0; i < -whole; i++) text[at++] = '0';
            memcpy(text + at, digits, (size_t)length);
            at += length;
        } else {
            memcpy(text + at, digits, (size_t)whole);
            at += whole;
            text[at++] = '.';
            memcpy(text + at, digits + whole, (size_t)decimal.scale);
            at += decimal.scale;
        }
    }
    lua_pushlstring(L, text, (size_t)at);
}

static int decimalToString(lua_State *L) {
    pushDecimalText(L, *(CLuaShimDecimal *)luaL_checkudata(L, 1, decimalType));
    return 1;
}

static int decimalConcat(lua_State *L) {
    for (int i = 1; i <= 2; i++) {
        CLuaShimDecimal *decimal = luaL_testudata(L, i, decimalType);
        if (decimal != NULL) {
            pushDecimalText(L, *decimal);
        } else if (lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER) {
            lua_pushvalue(L, i);
        } else {
            return luaL_error(L, "cannot concatenate a decimal and a %s value", luaL_typename(L, i));
        }
    }
    lua_concat(L, 2);
    return 1;
}

/// `d:round(scale)`: half-even to `scale` digits.
static int decimalRound(lua_State *L) {
    CLuaShimDecimal decimal = *(CLuaShimDecimal *)luaL_checkudata(L, 1, decimalType);
    lua_Integer scale = luaL_optinteger(L, 2, 0);
    luaL_argcheck(L, scale >= 0 && scale <= maximumScale, 2, "scale must be between 0 and 18");
    __int128 units = decimal.units;
    if (scale >= decimal.scale) {
        pushResult(L, units * power10((int)scale - decimal.scale), (int)scale);
    } else {
        pushResult(L, divideRounded(units, power10(decimal.scale - (int)scale)), (int)scale);
    }
    return 1;
}

/// `kith.decimal(value)`: from a string like "-12.50", an integer, or another decimal.
static int decimalNew(lua_State *L) {
    if (luaL_testudata(L, 1, decimalType) != NULL) {
        lua_settop(L, 1);
        return 1;
    }
    if (lua_isinteger(L, 1)) {
        CLuaShim_pushDecimal(L, lua_tointeger(L, 1), 0);
        return 1;
    }
    if (lua_type(L, 1) != LUA_TSTRING) {
        return luaL_error(L, "kith.decimal needs a string such as \"12.50\" or an integer, not a %s", luaL_typename(L, 1));
    }
    size_t length = 0;
    const char *text = lua_tolstring(L, 1, &length);
    size_t at = 0;
    while (at < length && (text[at] == ' ')) at++;
    int negative = 0;
    if (at < length && (text[at] == '-' || text[at] == '+')) negative = text[at++] == '-';
    __int128 units = 0;
    int scale = -1, digits = 0;
    for (; at < length && text[at] != ' '; at++) {
        char c = text[at];
        if (c == '.' && scale < 0) {
            scale = 0;
            continue;
        }
        if (c < '0' || c > '9') return luaL_error(L, "'%s' is not a decimal number", text);
        units = units * 10 + (c - '0');
        digits++;
        if (scale >= 0) scale++;
        if (units > INT64_MAX || scale > maximumScale) return luaL_error(L, "'%s' is too large or too precise", text);
    }
    while (at < length && text[at] == ' ') at++;
    if (digits == 0 || at != length) return luaL_error(L, "'%s' is not a decimal number", text);
    CLuaShim_pushDecimal(L, (int64_t)(negative ? -units : units), scale < 0 ? 0 : scale);
    return 1;
}

static void registerDecimal(lua_State *L) {
    static const luaL_Reg metamethods[] = {
        {"__add", decimalAdd}, {"__sub", decimalSubtract}, {"__mul", decimalMultiply}, {"__div", decimalDivide},
        {"__unm", decimalNegate}, {"__eq", decimalEqual}, {"__lt", decimalLess}, {"__le", decimalLessOrEqual},
        {"__tostring", decimalToString}, {"__concat", decimalConcat}, {NULL, NULL},
    };
    luaL_newmetatable(L, decimalType);
    luaL_setfuncs(L, metamethods, 0);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, decimalRound);
    lua_setfield(L, -2, "round");
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "decimal");
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "decimal");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    lua_pushcfunction(L, decimalNew);
    lua_setfield(L, LUA_REGISTRYINDEX, "kith.decimal.new");
}

// MARK: - Pattern matching with a cost ceiling

/// Lua's matcher backtracks without counting instructions, so a pattern with several repetitions
/// over a long text could run for hours. Before matching, the worst case is estimated and, over
/// the ceiling, the call is refused; under it, it is charged against the instruction budget.
///
/// The estimate: start positions (1 when anchored with '^', else the text's length) × for each
/// repetition (`*`, `+`, `-` after a single-character class) the text's length when what follows
/// it could match the same characters (the matcher may try every split between them) × (1 + the
/// text's length for each other repetition: it expands once and each shorter try fails at once;
/// one that ends the pattern expands only when all before it matched) × the pattern's length.
/// So `^(%d+)-(%d+)` and `%a+` are linear, while `a*a*b` or `.-.-x` multiply.
static const double patternCeiling = 2.0e8;
/// Estimated matching steps per instruction charged: a call near the ceiling costs 2 million.
static const double patternStepsPerInstruction = 100;

/// Where the single-character class starting at `p` ends (Lua's `classEnd`), or NULL at a
/// malformed end (Lua itself then raises the error).
static const char *patternClassEnd(const char *p, const char *end) {
    if (*p == '%') return p + 2 <= end ? p + 2 : NULL;
    if (*p == '[') {
        p++;
        if (p < end && *p == '^') p++;
        do {
            if (p >= end) return NULL;
            if (*p++ == '%' && p < end) p++;
        } while (p < end && *p != ']');
        return p < end ? p + 1 : NULL;
    }
    return p + 1;
}

static int patternClassMatches(int c, char cl) {
    int result;
    switch (cl | 0x20) {
    case 'a': result = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); break;
    case 'c': result = c < 32 || c == 127; break;
    case 'd': result = c >= '0' && c <= '9'; break;
    case 'g': result = c > 32 && c < 127; break;
    case 'l': result = c >= 'a' && c <= 'z'; break;
    case 'p': result = c > 32 && c < 127 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')); break;
    case 's': result = c == ' ' || (c >= 9 && c <= 13); break;
    case 'u': result = c >= 'A' && c <= 'Z'; break;
    case 'w': result = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); break;
    case 'x': result = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); break;
    default: return cl == c;
    }
    return (cl >= 'A' && cl <= 'Z') ? !result : result;
}

/// Whether the single-character class [p, classEnd) matches byte `c`.
static int patternSingleMatches(int c, const char *p, const char *classEnd) {
    if (*p == '.') return 1;
    if (*p == '%') return patternClassMatches(c, p[1]);
    if (*p != '[') return (unsigned char)*p == c;
    const char *last = classEnd - 1;  // the closing ']'
    int negate = 0;
    p++;
    if (*p == '^') {
        negate = 1;
        p++;
    }
    int found = 0;
    for (; p < last; p++) {
        if (*p == '%' && p + 1 < last) {
            p++;
            if (patternClassMatches(c, *p)) found = 1;
        } else if (p + 2 < last && p[1] == '-') {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) found = 1;
            p += 2;
        } else if ((unsigned char)*p == c) {
            found = 1;
        }
    }
    return negate ? !found : found;
}

/// Whether two single-character classes share a character.
static int patternClassesOverlap(const char *a, const char *aEnd, const char *b, const char *bEnd) {
    for (int c = 0; c < 256; c++) {
        if (patternSingleMatches(c, a, aEnd) && patternSingleMatches(c, b, bEnd)) return 1;
    }
    return 0;
}

/// Whether what follows a repetition of class [p, classEnd), from `next`, could match the same
/// characters, so that the matcher may try every split between them: 1 when it could, 0 when not
/// (each shorter try fails at once), 2 when nothing follows (the repetition ends the pattern), -1
/// for a malformed pattern. Classes that may match nothing (`*`, `-`, `?`) let the next compete too.
static int patternRepetitionCompetes(const char *p, const char *classEnd, const char *next, const char *end) {
    int first = 1;
    for (;;) {
        while (next < end && (*next == '(' || *next == ')')) next++;
        if (next >= end) return first ? 2 : 0;
        first = 0;
        if (*next == '$' && next + 1 == end) return 0;
        if (*next == '%' && next + 1 < end && next[1] == 'b') {
            return next + 2 < end && patternSingleMatches((unsigned char)next[2], p, classEnd);
        }
        if (*next == '%' && next + 1 < end && next[1] == 'f') return 1;
        const char *nextEnd = patternClassEnd(next, end);
        if (nextEnd == NULL) return -1;
        if (patternClassesOverlap(p, classEnd, next, nextEnd)) return 1;
        if (!(nextEnd < end && (*nextEnd == '*' || *nextEnd == '-' || *nextEnd == '?'))) return 0;
        next = nextEnd + 1;
    }
}

/// The worst-case estimate above, or -1 for a pattern Lua will refuse as malformed anyway.
static double patternCost(const char *pattern, size_t patternLength, size_t subjectLength) {
    const char *p = pattern, *end = pattern + patternLength;
    double n = (double)subjectLength + 1;
    double cost = (patternLength > 0 && *p == '^') ? 1 : n;
    if (patternLength > 0 && *p == '^') p++;
    double linear = 1;
    while (p < end) {
        if (*p == '(' || *p == ')') {
            p++;
            continue;
        }
        if (*p == '$' && p + 1 == end) break;
        if (*p == '%' && p + 1 < end && p[1] == 'b') {
            p += 4;
            continue;
        }
        if (*p == '%' && p + 1 < end && p[1] == 'f') {
            p += 2;
            if (p >= end || *p != '[') return -1;
            const char *next = patternClassEnd(p, end);
            if (next == NULL) return -1;
            p = next;
            continue;
        }
        const char *classEnd = patternClassEnd(p, end);
        if (classEnd == NULL) return -1;
        if (classEnd < end && (*classEnd == '*' || *classEnd == '+' || *classEnd == '-')) {
            int overlaps = patternRepetitionCompetes(p, classEnd, classEnd + 1, end);
            if (overlaps < 0) return -1;
            if (overlaps == 2) {  // the pattern's end: expanded once, when everything before matched
                p = classEnd + 1;
                continue;
            }
            if (overlaps) {
                cost *= n;
            } else {
                linear += n;
            }
            p = classEnd + 1;
        } else {
            p = classEnd + (classEnd < end && *classEnd == '?');
        }
    }
    return cost * linear * (double)(patternLength + 1);
}

static int patternGuard(lua_State *L) {
    size_t subjectLength = 0, patternLength = 0;
    const char *pattern = NULL;
    if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER) lua_tolstring(L, 1, &subjectLength);
    if (lua_type(L, 2) == LUA_TSTRING) pattern = lua_tolstring(L, 2, &patternLength);
    int plain = lua_toboolean(L, lua_upvalueindex(2)) && lua_toboolean(L, 4);
    if (pattern != NULL && !plain) {
        double cost = patternCost(pattern, patternLength, subjectLength);
        if (cost > patternCeiling) {
            return luaL_error(L,
                              "pattern '%s' is too complex for a text of %d characters (repetitions that can match the "
                              "same characters could run for very long); anchor it with '^', separate its repetitions "
                              "by characters they cannot match, or match a shorter text",
                              pattern, (int)subjectLength);
        }
        CLuaShimShared *state = shared(L);
        if (cost > 0 && state->remaining != INT64_MAX) {
            state->remaining -= (int64_t)(cost / patternStepsPerInstruction);
            if (state->remaining <= 0 || state->exhausted) {
                state->exhausted = 1;
                lua_sethook(L, CLuaShim_budgetHook, LUA_MASKCOUNT, 1);
                return luaL_error(L, "%s", CLuaShim_budgetExceededMessage);
            }
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static void guardPattern(lua_State *L, int stringTable, const char *name, int hasPlain) {
    lua_getfield(L, stringTable, name);
    lua_pushboolean(L, hasPlain);
    lua_pushcclosure(L, patternGuard, 2);
    lua_setfield(L, stringTable, name);
}

// MARK: - The sandbox

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

/// `setenv(chunk, env)` for the prelude: a module's chunk runs with its own globals.
static int CLuaShim_setChunkEnvironment(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_setupvalue(L, 1, 1) == NULL) lua_pop(L, 1);
    return 0;
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
    int string = lua_gettop(L);
    CLuaShim_removeField(L, string, "dump");
    guardPattern(L, string, "find", 1);
    guardPattern(L, string, "match", 0);
    guardPattern(L, string, "gmatch", 0);
    guardPattern(L, string, "gsub", 0);
    // The string metatable is shared by every string: nobody may reach or change it.
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 3);

    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
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

    registerDecimal(L);
    luaL_newmetatable(L, rejectionType);
    lua_pushcfunction(L, CLuaShim_rejectionToString);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "rejection");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    lua_pushcfunction(L, CLuaShim_setChunkEnvironment);
    lua_setfield(L, LUA_REGISTRYINDEX, "kith.setenv");
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

const char *CLuaShim_toString(lua_State *L, int index, size_t *length) {
    // Only real strings: converting a number in place changes the stack's value.
    if (lua_type(L, index) != LUA_TSTRING) return NULL;
    return lua_tolstring(L, index, length);
}

void CLuaShim_pop(lua_State *L, int count) { lua_pop(L, count); }

void CLuaShim_newTable(lua_State *L, int array, int hash) { lua_createtable(L, array, hash); }

void CLuaShim_getRegistry(lua_State *L, const char *key) { lua_getfield(L, LUA_REGISTRYINDEX, key); }

void CLuaShim_setRegistry(lua_State *L, const char *key) { lua_setfield(L, LUA_REGISTRYINDEX, key); }

int CLuaShim_ref(lua_State *L) { return luaL_ref(L, LUA_REGISTRYINDEX); }

void CLuaShim_pushRef(lua_State *L, int reference) { lua_rawgeti(L, LUA_REGISTRYINDEX, reference); }

void CLuaShim_unref(lua_State *L, int reference) { luaL_unref(L, LUA_REGISTRYINDEX, reference); }

void CLuaShim_where(lua_State *L, int level) { luaL_where(L, level); }
