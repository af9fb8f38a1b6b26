/* cmd_broadcast.c -- `sauti broadcast` and `sauti report`: the convenors'
 * command line.  A broadcast is created here and sent by the running
 * daemons (broadcast.h), so it survives this command and any one daemon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "broadcast.h"
#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "progress.h"
#include "report.h"
#include "timeutil.h"
#include "usage.h"

static void on_counts(int rc, const struct broadcast_counts *c, void *arg)
{
	struct cli *cli = arg;
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed\n");
		cli_done(cli, 1);
		return;
	}
	if (!c->found) {
		fprintf(stderr, "sauti: no such broadcast\n");
		cli_done(cli, 1);
		return;
	}
	struct buf out = BUF_INIT;
	broadcast_counts_text(c, &out);
	fputs(buf_str(&out), stdout);
	buf_release(&out);
	cli_done(cli, 0);
}

static void on_list(int rc, const struct broadcast_counts *all, size_t n, void *arg)
{
	struct cli *cli = arg;
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed\n");
		cli_done(cli, 1);
		return;
	}
	struct buf out = BUF_INIT;
	broadcast_list_text(all, n, &out);
	fputs(buf_str(&out), stdout);
	buf_release(&out);
	cli_done(cli, 0);
}

static void on_audited(int rc, void *arg)
{
	(void)rc; /* audit_record logged a failure already */
	cli_done(arg, 0);
}

struct cancel_cli {
	struct cli *cli;
	const char *id;
};

static void on_cancel(int rc, void *arg)
{
	struct cancel_cli *cc = arg;
	if (rc < 0)
		fprintf(stderr, "sauti: redis failed; nothing was cancelled\n");
	else if (rc == 0)
		fprintf(stderr, "sauti: no such broadcast\n");
	else if (rc == 2)
		fprintf(stderr, "sauti: that broadcast has ended already; nothing to cancel\n");
	if (rc != 1) {
		cli_done(cc->cli, 1);
		return;
	}
	fprintf(stderr, "broadcast %s cancelled: nobody not yet handed to Kannel gets it\n", cc->id);
	if (audit_record(cc->cli->db, AUDIT_WHO_CLI, AUDIT_CANCEL, cc->id, 1, on_audited,
			 cc->cli) < 0)
		cli_done(cc->cli, 0);
}

struct dry_cli {
	struct cli *cli;
	struct progress progress;
};

static void on_dry_progress(long members, void *arg)
{
	struct dry_cli *d = arg;
	progress_update(&d->progress, 0, members);
}

static void on_dry_run(int rc, const struct broadcast_plan_summary *s, void *arg)
{
	struct dry_cli *d = arg;
	progress_end(&d->progress);
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed\n");
		cli_done(d->cli, 1);
		return;
	}
	struct buf out = BUF_INIT;
	broadcast_plan_text(s, &out);
	fputs(buf_str(&out), stdout);
	buf_release(&out);
	cli_done(d->cli, 0);
}

struct create_cli {
	struct cli *cli;
	const char *flow, *audience;
};

static void on_created(int rc, const char *id, long size, const char *why, void *arg)
{
	struct create_cli *cc = arg;
	struct cli *cli = cc->cli;
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "sauti: redis failed; nothing was created\n");
		else
			fprintf(stderr, "sauti: %s\n", why);
		cli_done(cli, 1);
		return;
	}
	printf("%s\n", id);
	fprintf(stderr, "broadcast %s created; the running sauti daemons send it.\n"
			"progress: sauti broadcast status %s\n", id, id);
	struct buf what = BUF_INIT;
	buf_printf(&what, "%s to %s", cc->flow, cc->audience);
	if (audit_record(cli->db, AUDIT_WHO_CLI, AUDIT_BROADCAST, buf_str(&what), size,
			 on_audited, cli) < 0)
		cli_done(cli, 0);
	buf_release(&what);
}

/* status ID, list, cancel ID; -2 for bad usage. */
static int broadcast_manage(struct cli *c, int argc, char **argv)
{
	int rc = -2;
	const char *name = strcmp(argv[1], "status") == 0 ? "broadcast status"
			   : strcmp(argv[1], "list") == 0 ? "broadcast list"
							  : "broadcast cancel";
	struct cancel_cli cc = {.cli = c, .id = argc == 3 ? argv[2] : NULL};
	if (argc == 3 && strcmp(argv[1], "status") == 0)
		rc = broadcast_status(c->db, argv[2], on_counts, c);
	else if (argc == 2 && strcmp(argv[1], "list") == 0)
		rc = broadcast_list(c->db, on_list, c);
	else if (argc == 3 && strcmp(argv[1], "cancel") == 0)
		rc = broadcast_cancel(c->db, argv[2], on_cancel, &cc);
	if (rc == -2)
		return usage_print(name, 2);
	if (rc < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		return 1;
	}
	cli_run(c);
	return c->status;
}

static bool is_manage(const char *word)
{
	return strcmp(word, "status") == 0 || strcmp(word, "list") == 0 ||
	       strcmp(word, "cancel") == 0;
}

int cmd_broadcast(int argc, char **argv)
{
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_DB | CLI_NEED_FLOWS) < 0)
		return 1;
	int status = 2;
	const char *flow = NULL, *to = NULL, *at_text = NULL;
	bool dry = false, force = false;
	if (argc >= 2 && is_manage(argv[1])) {
		status = broadcast_manage(&c, argc, argv);
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--to") == 0 && v)
			to = argv[++i];
		else if (strcmp(argv[i], "--at") == 0 && v)
			at_text = argv[++i];
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = true;
		else if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (argv[i][0] != '-' && !flow)
			flow = argv[i];
		else
			goto usage;
	}
	if (!flow || !to)
		goto usage;
	status = 1;
	if (!flow_set_find(c.flows, flow)) {
		fprintf(stderr, "sauti: no flow '%s' in %s\n", flow, c.cfg.flows);
		goto out;
	}
	char audience[8192], err[256];
	if (audience_check(to, c.cfg.country, c.flows, audience, sizeof(audience), err, sizeof(err)) < 0) {
		fprintf(stderr, "sauti: %s\n", err);
		status = 2;
		goto out;
	}
	long at = 0;
	if (at_text && time_parse_iso8601(at_text, &at) < 0) {
		fprintf(stderr, "sauti: --at needs ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+03:00\n");
		status = 2;
		goto out;
	}
	struct create_cli cc = {.cli = &c, .flow = flow, .audience = audience};
	struct dry_cli d = {.cli = &c};
	struct broadcast_request req = {.flow = flow, .audience = audience, .at = at, .force = force};
	int rc;
	if (dry) {
		progress_init(&d.progress, "planning", "audience members", -1);
		rc = broadcast_dry_run(c.db, c.flows, flow, audience, c.cfg.gsm7_substitute,
				       on_dry_progress, on_dry_run, &d);
	} else {
		rc = broadcast_create(c.db, c.flows, &req, on_created, &cc);
	}
	if (rc < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		goto out;
	}
	cli_run(&c);
	status = c.status;
	goto out;
usage:
	usage_print("broadcast", 2);
out:
	cli_close(&c);
	return status;
}

/* -- report ------------------------------------------------------------------ */

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV };

struct report_cli {
	struct cli *cli;
	enum report_format format;
};

static void on_report(int rc, const char *json, void *arg)
{
	struct report_cli *r = arg;
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed during the report\n");
		cli_done(r->cli, 1);
		return;
	}
	if (r->format == REPORT_JSON) {
		printf("%s\n", json);
	} else {
		struct buf out = BUF_INIT;
		if (r->format == REPORT_CSV)
			report_csv(json, &out);
		else
			report_text(json, &out);
		fwrite(out.data, 1, out.len, stdout);
		buf_release(&out);
	}
	cli_done(r->cli, 0);
}

#define REPORT_USAGE "usage: sauti report [-c FILE] FLOW [--format text|json|csv] [--json]\n"

int cmd_report(int argc, char **argv)
{
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_DB | CLI_NEED_FLOWS) < 0)
		return 1;
	struct report_cli r = {.cli = &c};
	const char *flow_id = NULL;
	int status = 2;
	bool bad = false;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--json") == 0) {
			r.format = REPORT_JSON;
		} else if (strcmp(argv[i], "--format") == 0 && v) {
			i++;
			if (strcmp(v, "json") == 0)
				r.format = REPORT_JSON;
			else if (strcmp(v, "csv") == 0)
				r.format = REPORT_CSV;
			else if (strcmp(v, "text") == 0)
				r.format = REPORT_TEXT;
			else
				bad = true;
		} else if (argv[i][0] != '-' && !flow_id) {
			flow_id = argv[i];
		} else {
			bad = true;
		}
	}
	if (!flow_id || bad) {
		usage_print("report", 2);
		goto out;
	}
	status = 1;
	const struct flow *flow = flow_set_find(c.flows, flow_id);
	if (!flow) {
		fprintf(stderr, "sauti: no flow '%s' in %s\n", flow_id, c.cfg.flows);
		goto out;
	}
	if (report_start(c.db, flow, on_report, &r) < 0) {
		fprintf(stderr, "sauti: redis not available\n");
		goto out;
	}
	cli_run(&c);
	status = c.status;
out:
	cli_close(&c);
	return status;
}
