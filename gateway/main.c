/* main.c -- `sauti SUBCOMMAND ...`: finds the subcommand and runs it.
 * --help anywhere on the line (before any "--") is answered here, from the
 * usage table (usage.h), before the command opens anything. */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv)
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
