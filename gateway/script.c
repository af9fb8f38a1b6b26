/* script.c -- see script.h. */
#include "script.h"

#include <string.h>

#include "db.h"

int script_reserve(struct db_args *a, int n)
{
	int first = a->n;
	for (int i = 0; i < n; i++)
		db_args_addn(a, "", 0);
	return first;
}

int script_begin(struct db_args *a, const char *script, int nkeys)
{
	db_args_add(a, "EVAL");
	db_args_add(a, script);
	db_args_addl(a, nkeys);
	return script_reserve(a, nkeys);
}

int script_position(const char *const *names, size_t n, int nkeys, int extra,
		    const char *name)
{
	for (int i = 0; i < (int)n; i++)
		if (strcmp(names[i], name) == 0)
			return 3 + i + (i >= nkeys ? extra : 0);
	return -1;
}
