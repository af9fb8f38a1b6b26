/* main.c -- `sauti SUBCOMMAND ...`: finds the subcommand and runs it.
 * --help anywhere on the line (before any "--") is answered here, from the
 * usage table (usage.h), before the command opens anything. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "commands.h"
#include "usage.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{"serve", cmd_serve},
	{"flows", cmd_flows},
	{"contacts", cmd_contacts},
	{"broadcast", cmd_broadcast},
	{"export", cmd_export},
	{"report", cmd_report},
	{"audit", cmd_audit},
	{"phone", cmd_phone},
	{"inbox", cmd_inbox},
	{"migrate-keys", cmd_migrate_keys},
};

/* The arguments as the subcommands read them, as people type them too:
 * `--name=value` as `--name value`, `--config` as `-c`, and a `-c FILE`
 * given before the command moved after it (every subcommand takes -c
 * anywhere after its own words).  The array is new (free()); its strings
 * are argv's, a '=' cut in place. */
static char **normalised_args(int argc, char **argv, int *out_argc)
{
	char **out = xcalloc((size_t)argc * 2 + 1, sizeof(*out));
	bool verbatim = false; /* after "--" */
	int n = 0;
	out[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *value = NULL;
		char *eq = !verbatim && strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
		verbatim |= strcmp(a, "--") == 0;
		if (eq && eq > a + 2) {
			*eq = '\0';
			value = eq + 1;
		}
		out[n++] = !verbatim && strcmp(a, "--config") == 0 ? "-c" : a;
		if (value)
			out[n++] = value;
	}
	if (n > 3 && strcmp(out[1], "-c") == 0) { /* sauti -c FILE COMMAND ... */
		char *config = out[2];
		memmove(out + 1, out + 3, (size_t)(n - 3) * sizeof(*out));
		out[n - 2] = "-c";
		out[n - 1] = config;
	}
	out[n] = NULL;
	*out_argc = n;
	return out;
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		usage_list(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage_list(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (usage_help_asked(argc - 1, argv + 1))
			return usage_print(usage_find(argc - 1, argv + 1), 0);
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "sauti: unknown command '%s'\n", argv[1]);
	usage_list(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int n;
	char **args = normalised_args(argc, argv, &n);
	int rc = run(n, args);
	free(args);
	return rc;
}
