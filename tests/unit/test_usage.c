/* test_usage.c -- which usage text a command line asks for, and whether it
 * asks for help at all, as data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "usage.h"

#define MAX_ARGS 8

struct argv_case {
	const char *args[MAX_ARGS];   /* argv after "sauti", NULL-terminated */
	const char *command;          /* what usage_find() gives */
	int help;                     /* what usage_help_asked() gives */
};

static int count(const char *const *args)
{
	int n = 0;
	while (n < MAX_ARGS && args[n])
		n++;
	return n;
}

static void test_find_and_help(void **state)
{
	static const struct argv_case cases[] = {
		{{"contacts", "import", "--help"}, "contacts import", 1},
		{{"contacts", "--help"}, "contacts", 1},
		{{"contacts", "-c", "x.yaml", "import", "-h"}, "contacts import", 1},
		{{"contacts", "--country", "GH", "import", "--help"}, "contacts", 1},
		{{"contacts", "import", "people.csv"}, "contacts import", 0},
		{{"contacts", "bogus", "--help"}, "contacts", 1},
		{{"broadcast", "status", "abc", "--help"}, "broadcast status", 1},
		{{"broadcast", "invite", "--to", "group:x", "--help"}, "broadcast", 1},
		{{"flows", "check", "flows/", "--help"}, "flows check", 1},
		{{"serve", "-c", "--help"}, "serve", 1},
		{{"export", "--", "--help"}, "export", 0},
		{{"phone", "+255712345678"}, "phone", 0},
		{{"nosuch", "--help"}, NULL, 1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int argc = count(cases[i].args);
		char **argv = (char **)cases[i].args;
		const char *got = usage_find(argc, argv);
		if (cases[i].command)
			assert_non_null(got);
		if (cases[i].command && strcmp(got, cases[i].command) != 0)
			fail_msg("case %zu: '%s', expected '%s'", i, got, cases[i].command);
		if (!cases[i].command && got)
			fail_msg("case %zu: '%s', expected none", i, got);
		assert_int_equal(usage_help_asked(argc, argv), cases[i].help);
	}
}

/* Every usage text starts with the line naming its own command. */
static void test_every_text_names_its_command(void **state)
{
	static const char *const commands[] = {
		"serve", "flows check", "contacts import", "contacts list",
		"contacts show", "contacts forget", "broadcast", "broadcast status",
		"inbox", "inbox reply", "inbox close", "export", "report", "audit",
		"phone",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char text[4096] = "", want[64];
		FILE *f = fmemopen(text, sizeof(text) - 1, "w");
		assert_non_null(f);
		FILE *saved = stdout;
		stdout = f;
		int rc = usage_print(commands[i], 0);
		stdout = saved;
		fclose(f);
		assert_int_equal(rc, 0);
		snprintf(want, sizeof(want), "usage: sauti %s", commands[i]);
		if (strncmp(text, want, strlen(want)) != 0)
			fail_msg("'%s': its text starts '%.40s'", commands[i], text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_and_help),
		cmocka_unit_test(test_every_text_names_its_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
