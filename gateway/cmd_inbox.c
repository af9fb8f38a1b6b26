/* cmd_inbox.c -- `sauti inbox`: what people sent that no flow took as an
 * answer, for convenors to read, answer and close (inbox.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "inbox.h"
#include "timeutil.h"
#include "usage.h"

struct inbox_cli {
	struct cli *cli;
	enum inbox_format format;
	bool raw_phone;
	const char *what;
	const char *reply_id;       /* the item replied to, for the audit trail */
};

static void on_audited(int rc, void *arg)
{
	struct inbox_cli *ic = arg;
	if (rc < 0)
		fprintf(stderr, "sauti: the audit trail could not be written\n");
	cli_done(ic->cli, rc < 0 ? 1 : 0);
}

static void on_listed(int rc, const struct inbox_list *l, void *arg)
{
	struct inbox_cli *ic = arg;
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed\n");
		cli_done(ic->cli, 1);
		return;
	}
	struct buf out = BUF_INIT;
	inbox_list_write(l, ic->format, ic->raw_phone ? NULL : config_pseudonym_key(&ic->cli->cfg),
			 &out);
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	buf_release(&out);
	if (ic->format == INBOX_TEXT)
		fprintf(stderr, "%zu items\n", l->n);
	if (!ic->raw_phone)
		cli_done(ic->cli, 0);
	else if (audit_record(ic->cli->db, AUDIT_WHO_CLI, AUDIT_RAW_PHONE, "inbox", (long)l->n,
			      on_audited, ic) < 0)
		on_audited(-1, ic);
}

static void on_done(long rc, void *arg)
{
	struct inbox_cli *ic = arg;
	if (rc < 0)
		fprintf(stderr, "sauti: redis failed\n");
	else if (rc == 0)
		fprintf(stderr, "sauti: no inbox item with that id\n");
	else
		fprintf(stderr, "%s\n", ic->what);
	if (rc != 1 || !ic->reply_id)
		cli_done(ic->cli, rc == 1 ? 0 : 1);
	else if (audit_record(ic->cli->db, AUDIT_WHO_CLI, AUDIT_INBOX_REPLY, ic->reply_id, 1,
			      on_audited, ic) < 0)
		on_audited(-1, ic);
}

static int list_cmd(struct inbox_cli *ic, int argc, char **argv)
{
	long since = 0;
	bool all = false;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--all") == 0) {
			all = true;
		} else if (strcmp(argv[i], "--raw-phone") == 0) {
			ic->raw_phone = true;
		} else if (strcmp(argv[i], "--since") == 0 && v) {
			if (time_parse_iso8601(argv[++i], &since) < 0) {
				fprintf(stderr, "sauti: --since needs ISO 8601 with an offset\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--format") == 0 && v) {
			if (inbox_format_parse(argv[++i], &ic->format) < 0) {
				fprintf(stderr, "sauti: --format is text, csv or jsonl\n");
				return 2;
			}
		} else {
			return usage_print("inbox", 2);
		}
	}
	if (inbox_list(ic->cli->db, since, all, on_listed, ic) < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		return 1;
	}
	cli_run(ic->cli);
	return ic->cli->status;
}

int cmd_inbox(int argc, char **argv)
{
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_DB) < 0)
		return 1;
	struct inbox_cli ic = {.cli = &c, .format = INBOX_TEXT};
	long now = (long)time(NULL);
	int status, rc = 0;
	if (argc >= 2 && strcmp(argv[1], "close") == 0) {
		if (argc != 3) {
			status = usage_print("inbox close", 2);
			goto out;
		}
		ic.what = "closed";
		rc = inbox_close(c.db, argv[2], now, c.cfg.inbox_keep_days, on_done, &ic);
	} else if (argc >= 2 && strcmp(argv[1], "reply") == 0) {
		if (argc != 4 || !*argv[3]) {
			status = usage_print("inbox reply", 2);
			goto out;
		}
		const char *why = inbox_reply_check(argv[3]);
		if (why) {
			fprintf(stderr, "sauti: %s\n", why);
			status = 2;
			goto out;
		}
		ic.what = "reply queued; the running sauti daemons send it";
		ic.reply_id = argv[2];
		rc = inbox_reply(c.db, argv[2], argv[3], now, on_done, &ic);
	} else {
		status = list_cmd(&ic, argc, argv);
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		status = 1;
		goto out;
	}
	if (!c.done) /* a malformed id is answered at once */
		cli_run(&c);
	status = c.status;
out:
	cli_close(&c);
	return status;
}
