/* script_check.h -- for the unit tests of scripts' commands (included
 * after cmocka.h): reading a command under construction and the Lua locals
 * a script declares for its KEYS and ARGV (gateway/script.h). */
#ifndef SAUTI_TEST_SCRIPT_CHECK_H
#define SAUTI_TEST_SCRIPT_CHECK_H

#include <stdio.h>
#include <string.h>

#include "db.h"

/* Argument i of a, as a string. */
static inline const char *arg(const struct db_args *a, int i)
{
	assert_true(i >= 0 && i < a->n);
	return a->own[i] >= 0 ? a->text.data + a->own[i] : a->v[i];
}

/* The names of "local a,b,c,_ = unpack(TABLE, FIRST, ...)" in script, in
 * order, into names (at most max); returns how many (0: the script has
 * none).  lua_locals: FIRST is 1. */
static inline int lua_locals_from(const char *script, const char *table, const char *first,
				  char names[][32], int max)
{
	char pattern[64];
	snprintf(pattern, sizeof(pattern), "_ = unpack(%s, %s,", table, first);
	const char *end = strstr(script, pattern);
	if (!end)
		return 0;
	const char *start = end;
	while (start > script && start[-1] != '\n')
		start--;
	assert_memory_equal(start, "local ", 6);
	start += 6;
	int n = 0;
	while (start < end) {
		const char *comma = strchr(start, ',');
		assert_true(comma && comma < end && n < max);
		snprintf(names[n], 32, "%.*s", (int)(comma - start), start);
		n++;
		start = comma + 1;
	}
	return n;
}

static inline int lua_locals(const char *script, const char *table, char names[][32], int max)
{
	return lua_locals_from(script, table, "1", names, max);
}

#endif
