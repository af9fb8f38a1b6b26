/* commands.h -- the subcommands of `sauti`, each a main() of its own.
 *
 * argv[0] is the subcommand's name; each returns the process exit status:
 * 0 ok, 1 failed, 2 bad usage. */
#ifndef SAUTI_COMMANDS_H
#define SAUTI_COMMANDS_H

int cmd_serve(int argc, char **argv);
int cmd_flows(int argc, char **argv);         /* flows check */
int cmd_contacts(int argc, char **argv);      /* contacts import */
/* contacts list|show|forget (cmd_people.c) */
int cmd_contacts_people(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_broadcast(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_phone(int argc, char **argv);
int cmd_inbox(int argc, char **argv);         /* inbox [reply|close] */
int cmd_migrate_keys(int argc, char **argv);  /* migrate-keys */

#endif
