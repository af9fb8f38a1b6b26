/* usage.h -- the usage text of every command and subcommand of `sauti`, in
 * one table: `sauti CMD [SUB] --help` prints it on stdout (exit 0), a command
 * given bad arguments prints it on stderr (exit 2).  docs/commands.md says
 * the same for people; a new command adds its row to the table in usage.c. */
#ifndef SAUTI_USAGE_H
#define SAUTI_USAGE_H

#include <stdio.h>

/* Prints the usage of command ("contacts import", "serve") on stdout when
 * status is 0, else on stderr, and returns status.  An unknown command
 * prints the list of commands. */
int usage_print(const char *command, int status);

/* The table's name for what argv (argv[0] the command, e.g. "contacts",
 * argv[1] perhaps its subcommand) asks about: "contacts import" when that is
 * a row, else "contacts".  A static string, or NULL when argv[0] is no
 * command. */
const char *usage_find(int argc, char **argv);

/* 1 when argv[1..] holds -h or --help before any "--", else 0. */
int usage_help_asked(int argc, char **argv);

/* The list of commands, one line each, for `sauti --help`. */
void usage_list(FILE *out);

#endif
