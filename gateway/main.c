/* main.c -- `sauti SUBCOMMAND ...`: finds the subcommand and runs it. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"serve", cmd_serve, "run the gateway daemon"},
	{"flows", cmd_flows, "check flow files (flows check [PATH...])"},
	{"contacts", cmd_contacts, "import contacts (contacts import FILE.csv)"},
	{"broadcast", cmd_broadcast, "send a flow to an audience, or show a broadcast's status"},
	{"export", cmd_export, "write the runs of a flow as CSV or JSON lines"},
	{"report", cmd_report, "completion and answer counts of a flow"},
	{"phone", cmd_phone, "an interactive phone that talks to a running gateway"},
};

static int usage(FILE *out)
{
	fprintf(out, "usage: sauti COMMAND [-c FILE] [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'sauti COMMAND --help' tells more.\n");
	return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage(stdout);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sauti: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
