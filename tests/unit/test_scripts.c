/* test_scripts.c -- the protocol of the inbox's, the lane's, the
 * reminders', the people's and the contact import's scripts as data: each
 * key at the position its name says, in C and in the Lua locals the script
 * declares (script.h), and every key built by keys.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contacts.h"
#include "db.h"
#include "script_check.h"
#include "store.h"

#define PHONE "+255712345601"
#define PHONE2 "+255712345602"



/* Every local the script of command a declares for KEYS and ARGV sits
 * where the C side (position) puts the argument of that name; extra keys
 * follow the named ones.  Returns how many names were checked. */
static int locals_match_positions(const struct db_args *a, int extra,
				  int (*position)(const char *))
{
	char names[64][32];
	int nkeys = atoi(arg(a, 2));
	int n = lua_locals(arg(a, 1), "KEYS", names, 64);
	assert_true(n > 0 && n <= nkeys);
	for (int i = 0; i < n; i++)
		assert_int_equal(position(names[i]), 3 + i);
	int m = lua_locals(arg(a, 1), "ARGV", names, 64);
	for (int i = 0; i < m; i++)
		assert_int_equal(position(names[i]), 3 + nkeys - extra + i + extra);
	return n + m;
}

/* -- the contact import ----------------------------------------------------------- */

static int import_position(const char *name)
{
	return strcmp(name, "k_contacts") == 0 ? 3 : -1;
}

static void import_gives_each_contact_and_group_key(void **state)
{
	(void)state;
	const char *csv = "phone,name,groups,language\n"
			  PHONE ",Asha,wachimbaji;wakulima,sw\n"
			  PHONE2 ",Juma,,en\n";
	struct contacts_import imp;
	char err[256] = "";
	assert_int_equal(contacts_parse(csv, strlen(csv), "TZ", &imp, err, sizeof(err)), 0);
	assert_int_equal(imp.nrows, 2);
	struct db_args a = {0};
	store_contacts_command(&a, imp.rows, imp.nrows);
	assert_string_equal(arg(&a, 0), "EVAL");
	assert_string_equal(arg(&a, 2), "5");
	locals_match_positions(&a, 4, import_position);
	const char *want[] = {
		/* KEYS */
		"sauti:contacts", "sauti:c:{" PHONE "}", "sauti:g:wachimbaji", "sauti:g:wakulima",
		"sauti:c:{" PHONE2 "}",
		/* ARGV: phone, groups, fields */
		PHONE, "2", "wachimbaji", "wakulima", "3", "country", "TZ", "name", "Asha", "_lang", "sw",
		PHONE2, "0", "3", "country", "TZ", "name", "Juma", "_lang", "en",
	};
	size_t nwant = sizeof(want) / sizeof(want[0]);
	assert_int_equal(a.n, 3 + (int)nwant);
	for (size_t i = 0; i < nwant; i++)
		assert_string_equal(arg(&a, 3 + (int)i), want[i]);
	db_args_release(&a);
	contacts_import_release(&imp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(import_gives_each_contact_and_group_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
