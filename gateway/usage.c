/* usage.c -- see usage.h. */
#include "usage.h"

#include <string.h>

struct usage {
	const char *command;    /* "contacts import": the words after `sauti` */
	const char *summary;    /* one line for `sauti --help`; NULL: not listed */
	const char *text;       /* from "usage:" to the end, '\n'-terminated */
};

/* The text every command shares, after its own. */
#define COMMON                                                                 \
	"\n-c FILE reads that configuration instead of $SAUTI_CONFIG, run/sauti.yaml\n" \
	"(while `make run` runs) or config/sauti.yaml.  Exit status: 0 ok, 1 failed,\n" \
	"2 bad usage.  More: docs/commands.md.\n"

static const struct usage usages[] = {
	{"serve", "run the gateway daemon",
	 "usage: sauti serve [-c FILE]\n\n"
	 "Runs the gateway: Kannel's SMS, USSD, the API and broadcasts.  Prints the\n"
	 "warnings of `flows check` at start.  SIGHUP reloads the flows; SIGTERM\n"
	 "finishes the requests in flight and exits.\n" COMMON},
	{"flows", "check flow files",
	 "usage: sauti flows check [-c FILE] [PATH...]\n" COMMON},
	{"flows check", NULL,
	 "usage: sauti flows check [-c FILE] [PATH...]\n\n"
	 "Checks flow files (each PATH a file or a directory; default: the\n"
	 "configured flows directory).  Errors and warnings go to stderr as\n"
	 "file:line:column: sentence; an error makes the exit status 1.  The\n"
	 "message catalogue (config messages:) is checked first.  For every step\n"
	 "of every good flow, stdout shows per language how many SMS its message\n"
	 "and its retry cost, and each character that forces UCS-2 with its GSM-7\n"
	 "substitute where one exists.\n" COMMON},
	{"contacts", "import, list, show or forget contacts",
	 "usage: sauti contacts import [-c FILE] [--country CC] CONTACTS.csv\n"
	 "       sauti contacts list [-c FILE] [--group NAME] [--format csv|jsonl] [--raw-phone]\n"
	 "       sauti contacts show [-c FILE] PHONE\n"
	 "       sauti contacts forget [-c FILE] PHONE...\n" COMMON},
	{"contacts import", NULL,
	 "usage: sauti contacts import [-c FILE] [--country CC] CONTACTS.csv\n\n"
	 "Adds or updates contacts (CONTACTS.csv '-' reads stdin).  Columns: phone\n"
	 "(required), country, name, language, groups (';'-separated); any other\n"
	 "column becomes a field.  A number without '+' or 00 is read in the row's\n"
	 "country, else --country CC, else the config's country; only mobile\n"
	 "numbers are accepted.  A language the person chose themselves is kept.\n"
	 "Bad rows are reported by line and left out; the good rows are stored.\n"
	 "Exit 1 when any row was bad.\n" COMMON},
	{"contacts list", NULL,
	 "usage: sauti contacts list [-c FILE] [--group NAME] [--format csv|jsonl] [--raw-phone]\n\n"
	 "Every contact (of group NAME), as CSV (default) or JSON lines: contact\n"
	 "(the pseudonym, as in exports; the number only with --raw-phone, which\n"
	 "goes to the audit trail), language, country, groups, opted_out, then one\n"
	 "column per field.\n" COMMON},
	{"contacts show", NULL,
	 "usage: sauti contacts show [-c FILE] PHONE\n\n"
	 "Everything stored about one person, as JSON on stdout (a subject-access\n"
	 "request): the contact's fields, groups and opt-out, every run with its\n"
	 "answers, the replies kept for repeats, pointers, limits, broadcast\n"
	 "state, inbox messages.  Exit 1 when nothing is stored about PHONE.\n" COMMON},
	{"contacts forget", NULL,
	 "usage: sauti contacts forget [-c FILE] PHONE...\n\n"
	 "Erases each person: contact, group memberships, runs and answers, inbox\n"
	 "messages, replies kept for repeats, pointers, limits, broadcast state;\n"
	 "reports and {stats...} stop counting them.  Prints what was erased per\n"
	 "person; exit 1 when a number was never seen.  Written to the audit trail.\n" COMMON},
	{"audit", "who exported, imported, erased or sent what",
	 "usage: sauti audit [-c FILE] [--since TIME]\n\n"
	 "Prints the audit trail, oldest first, one JSON object per line: at, who\n"
	 "(a token's name, admin, or cli), action (export, raw_phone, import,\n"
	 "forget, broadcast, cancel, inbox_reply), what and count.  TIME is ISO\n"
	 "8601 with an offset.\n" COMMON},
	{"broadcast", "send a flow to an audience; list, cancel or follow broadcasts",
	 "usage: sauti broadcast [-c FILE] FLOW --to AUDIENCE [--at TIME] [--dry-run] [--force]\n"
	 "       sauti broadcast status [-c FILE] ID\n"
	 "       sauti broadcast list [-c FILE]\n"
	 "       sauti broadcast cancel [-c FILE] ID\n\n"
	 "Starts FLOW by SMS for every contact in AUDIENCE: group:NAME,\n"
	 "respondents:FLOW (completed runs of FLOW), answer:FLOW.NAME=KEY (whose\n"
	 "latest completed run of FLOW saved NAME as KEY), phones:+255...,+233...\n"
	 "or all.  Opted-out numbers are skipped; someone in the middle of another\n"
	 "flow's run gets it when that run ends (counted waiting).  TIME is ISO\n"
	 "8601 with an offset; the running `sauti serve` daemons send it then, at\n"
	 "most kannel.rate SMS a second.  Prints the broadcast id alone on stdout.\n"
	 "An empty audience, one whose every member opted out, or a TIME in the\n"
	 "past is refused (exit 1) unless --force.  --dry-run prints the\n"
	 "recipients, per language (SMS per message), per country, how many are\n"
	 "in a run now and the total SMS, and sends nothing.\n" COMMON},
	{"broadcast status", NULL,
	 "usage: sauti broadcast status [-c FILE] ID\n\n"
	 "Prints the state (scheduled, planning, sending, done, cancelled), the\n"
	 "time, the audience's size while scheduled, the total, queued, waiting,\n"
	 "sent, delivered, failed and skipped counts of broadcast ID, and its reply\n"
	 "rate (recipients who answered, per message sent).\n" COMMON},
	{"broadcast list", NULL,
	 "usage: sauti broadcast list [-c FILE]\n\n"
	 "One line per broadcast, newest first: id, flow, audience, state, at,\n"
	 "total, queued, waiting, sent, delivered, failed, skipped.\n" COMMON},
	{"broadcast cancel", NULL,
	 "usage: sauti broadcast cancel [-c FILE] ID\n\n"
	 "Stops a scheduled or sending broadcast: no recipient not yet handed to\n"
	 "Kannel is sent to; its state becomes cancelled.  Exit 1 when there is\n"
	 "no such broadcast or it has ended.\n" COMMON},
	{"inbox", "what people sent that no flow took as an answer; reply, close",
	 "usage: sauti inbox [-c FILE] [--all] [--since TIME] [--format text|csv|jsonl]\n"
	 "                   [--raw-phone]\n"
	 "       sauti inbox reply [-c FILE] ID TEXT\n"
	 "       sauti inbox close [-c FILE] ID\n\n"
	 "Lists what people sent that no flow took as a valid answer: text matching\n"
	 "no keyword, an answer given up as invalid, text after a run ended, the\n"
	 "words after HELP.  Open items by default; --all includes closed ones;\n"
	 "--since takes ISO 8601 with an offset.  CSV columns: id, at, contact,\n"
	 "language, channel, flow, status, text; contact is the pseudonym unless\n"
	 "--raw-phone.  JSON lines add why, thread and the replies.\n" COMMON},
	{"inbox reply", NULL,
	 "usage: sauti inbox reply [-c FILE] ID TEXT\n\n"
	 "Sends TEXT (at most 918 bytes) by SMS to item ID's sender through Kannel,\n"
	 "ahead of any broadcast, and keeps it with the item with its delivery\n"
	 "state.  The person's answer comes back to the inbox in the same thread.\n"
	 "An opted-out number is not sent to (the reply shows skipped).\n" COMMON},
	{"inbox close", NULL,
	 "usage: sauti inbox close [-c FILE] ID\n\n"
	 "Marks item ID handled: it leaves the open list, and is erased\n"
	 "inbox_keep_days (default 365) later.\n" COMMON},
	{"export", "write the runs of a flow as CSV or JSON lines",
	 "usage: sauti export [-c FILE] FLOW [--format csv|jsonl] [--since TIME]\n"
	 "                    [--until TIME] [--fields F1,F2] [--raw-phone]\n"
	 "       sauti export [-c FILE] FLOW --codebook\n\n"
	 "Writes one row per run of FLOW to stdout.  Contacts are pseudonyms\n"
	 "(HMAC-SHA-256 of the number with pseudonym_key) unless --raw-phone.\n"
	 "TIME is ISO 8601 with an offset, e.g. 2026-11-22T09:00:00+03:00, and\n"
	 "bounds the runs' start times.  --fields adds those contact fields as\n"
	 "columns after completed_at (never name or phone).  In JSON lines a\n"
	 "number answer is a JSON number.  --codebook prints instead the flow's\n"
	 "variables, types, keys, questions and labels in each language, as CSV.\n"
	 "Every export is written to the audit trail.\n" COMMON},
	{"report", "completion and answer counts of a flow",
	 "usage: sauti report [-c FILE] FLOW [--format text|json|csv] [--json]\n\n"
	 "Completion, drop-off per step and, per question, the answers of people\n"
	 "(each contact's latest completed run) beside the count of runs, over\n"
	 "all and per language and channel; a number question gives count, sum,\n"
	 "mean, median, min and max, a choice every key with count and share.\n"
	 "--json (--format json) prints the JSON the API gives; --format csv one\n"
	 "row per question, group and value, for a spreadsheet.\n" COMMON},
	{"migrate-keys", "move a store to this version's key layout (daemons stopped)",
	 "usage: sauti migrate-keys [-c FILE]\n\n"
	 "Renames the keys of a store written before a person's keys carried their\n"
	 "Redis Cluster hash tag ({PHONE}), and the run ids in every index, a SCAN\n"
	 "page at a time; then records the layout, without which `sauti serve` and\n"
	 "the other commands refuse a store holding old data.  Stop every daemon\n"
	 "first.  Progress on stderr; a second run changes nothing.  Exit 1 when a\n"
	 "key could not be moved (its new name exists).\n" COMMON},
	{"phone", "an interactive phone that talks to a running gateway",
	 "usage: sauti phone [-c FILE] NUMBER [--ussd CODE] [--url HOST:PORT] [--to SHORTCODE]\n\n"
	 "An interactive phone that talks to a running gateway (default: the\n"
	 "config's listen address).  Type a message and Enter to send it as SMS,\n"
	 "or with --ussd, dial CODE and answer each screen.  Ctrl-D quits.\n"
	 "Reads one input per line when stdin is not a terminal.\n" COMMON},
};

#define NUSAGES (sizeof(usages) / sizeof(usages[0]))

static const struct usage *usage_row(const char *command)
{
	for (size_t i = 0; command && i < NUSAGES; i++)
		if (strcmp(usages[i].command, command) == 0)
			return &usages[i];
	return NULL;
}

void usage_list(FILE *out)
{
	fprintf(out, "usage: sauti COMMAND [-c FILE] [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < NUSAGES; i++)
		if (usages[i].summary)
			fprintf(out, "  %-10s %s\n", usages[i].command, usages[i].summary);
	fprintf(out, "\n'sauti COMMAND --help' tells more.\n");
}

int usage_print(const char *command, int status)
{
	FILE *out = status ? stderr : stdout;
	const struct usage *u = usage_row(command);
	if (u)
		fputs(u->text, out);
	else
		usage_list(out);
	return status;
}

const char *usage_find(int argc, char **argv)
{
	if (argc < 1)
		return NULL;
	/* A subcommand is the first word after the command that is no option
	 * ("contacts -c F import --help" asks about contacts import). */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		for (size_t k = 0; k < NUSAGES; k++) {
			const char *name = usages[k].command;
			size_t n = strlen(argv[0]);
			if (strncmp(name, argv[0], n) == 0 && name[n] == ' ' &&
			    strcmp(name + n + 1, argv[i]) == 0)
				return name;
		}
		break;
	}
	const struct usage *u = usage_row(argv[0]);
	return u ? u->command : NULL;
}

int usage_help_asked(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}
