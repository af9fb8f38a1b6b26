/* script.h -- how a Lua script is given its keys and arguments
 * (docs/keys.md "The scripts and their keys").
 *
 * A script's KEYS and ARGV orders are each stated once, as an X-macro list:
 *
 *   #define TAKE_KEYS(X) X(k_lane) X(k_item)
 *   #define TAKE_ARGS(X) X(now) X(count)
 *   enum { TAKE_KEYS(TK) TK_COUNT };        -- with #define TK(n) SCRIPT_ENUM(TK_, n)
 *   static const char take_script[] =
 *           SCRIPT_LOCALS(TAKE_KEYS, "KEYS") SCRIPT_LOCALS(TAKE_ARGS, "ARGV") ...;
 *
 * C fills each position by its enum name (script_begin, then db_args_set at
 * first + TK_k_item), and the script's first lines, generated from the same
 * list, make each position a Lua local of that name. */
#ifndef SAUTI_SCRIPT_H
#define SAUTI_SCRIPT_H

#include <stddef.h>

struct db_args;

#define SCRIPT_ENUM(prefix, n) prefix##n,
#define SCRIPT_LUA_NAME(n) #n ","
#define SCRIPT_LUA_ONE(n) "+1"
#define SCRIPT_NAME_STR(n) #n,
/* "local a,b,c,_ = unpack(KEYS, 1, 0+1+1+1)": the last name takes the nil
 * after the list, so that the generated list may end with a comma. */
#define SCRIPT_LOCALS(LIST, TABLE) \
	SCRIPT_LOCALS_SPAN(LIST, TABLE, "1", "0" LIST(SCRIPT_LUA_ONE))
/* The same for the positions FIRST to LAST of TABLE (Lua expressions): a
 * counted list that may leave out its tail, whose names after LAST are nil. */
#define SCRIPT_LOCALS_SPAN(LIST, TABLE, FIRST, LAST) \
	"local " LIST(SCRIPT_LUA_NAME) "_ = unpack(" TABLE ", " FIRST ", " LAST ")\n"
/* "local NAME = 0+1+1": how many positions a list has. */
#define SCRIPT_COUNT(NAME, LIST) "local " NAME " = 0" LIST(SCRIPT_LUA_ONE) "\n"

/* Adds "EVAL script nkeys" to a, then nkeys empty keys to be set by
 * position; returns the first key's index (the ARGV follow at that + nkeys). */
int script_begin(struct db_args *a, const char *script, int nkeys);

/* Adds n empty arguments to a, to be set by position; returns the first's index. */
int script_reserve(struct db_args *a, int n);

/* For tests: the position in "EVAL script numkeys KEYS... ARGV..." of the
 * argument called name, among names (nkeys keys', then the ARGV's), when
 * extra keys follow the named ones; -1 when no name is that. */
int script_position(const char *const *names, size_t n, int nkeys, int extra,
		    const char *name);

#endif
