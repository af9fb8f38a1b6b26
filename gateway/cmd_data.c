/* cmd_data.c -- `sauti contacts import` and `sauti export`: the researchers'
 * and convenors' way in and out of the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "export.h"
#include "import.h"
#include "phone.h"
#include "progress.h"
#include "exportfmt.h"
#include "timeutil.h"
#include "usage.h"

/* -- contacts import ---------------------------------------------------------- */

static void on_audited(int rc, void *arg)
{
	struct cli *c = arg;
	(void)rc; /* audit_record logged a failure already */
	cli_done(c, c->status);
}

/* The file's own name, for the audit trail: its directories may say more
 * than the trail needs. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

struct import_cli {
	struct cli *cli;
	const char *path;
	struct progress progress;
	bool bad;                    /* a row or the file was rejected */
};

static void on_import_problem(const char *message, void *arg)
{
	struct import_cli *x = arg;
	x->bad = true;
	/* Below a bar drawn in place, not on it. */
	fprintf(stderr, "%s%s: %s\n", x->progress.shown && x->progress.tty ? "\n" : "", x->path,
		message);
}

static void on_import_progress(const struct import_totals *t, void *arg)
{
	struct import_cli *x = arg;
	progress_update(&x->progress, t->bytes, t->stored);
}

static void on_import_done(int rc, const struct import_totals *t, void *arg)
{
	struct import_cli *x = arg;
	struct cli *c = x->cli;
	progress_end(&x->progress);
	if (rc < 0 && !x->bad)
		fprintf(stderr, "sauti: redis failed while storing contacts\n");
	fprintf(stderr, "%ld contacts stored\n%ld rows read, %ld rejected\n", t->stored, t->rows,
		t->rejected);
	c->status = rc < 0 || x->bad ? 1 : 0;
	if (t->stored == 0 || audit_record(c->db, AUDIT_WHO_CLI, AUDIT_IMPORT, base_name(x->path),
					    t->stored, on_audited, c) < 0)
		cli_done(c, c->status);
}

int cmd_contacts(int argc, char **argv)
{
	int sub = argc > 2 && strcmp(argv[1], "-c") == 0 ? 3 : 1; /* -c FILE first */
	if (sub < argc && (strcmp(argv[sub], "list") == 0 || strcmp(argv[sub], "show") == 0 ||
			   strcmp(argv[sub], "forget") == 0))
		return cmd_contacts_people(argc, argv);
	const char *country = NULL, *file = NULL;
	/* Options and operands are read before anything is opened, so bad
	 * usage says so (exit 2) whether or not Redis is up. */
	for (int i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "-c") == 0 && v)
			i++;
		else if (strcmp(argv[i], "--country") == 0 && v)
			country = argv[++i];
		else if (!file && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
			file = argv[i];
		else
			return usage_print("contacts import", 2);
	}
	if (argc < 2 || strcmp(argv[1], "import") != 0)
		return usage_print("contacts", 2);
	if (!file)
		return usage_print("contacts import", 2);
	if (country && !phone_country_known(country)) {
		fprintf(stderr, "sauti: --country %s: not a country sauti knows "
				"(ISO 3166 alpha-2, like TZ or GH)\n", country);
		return 2;
	}
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (!f) {
		fprintf(stderr, "sauti: cannot open %s: %m\n", file);
		return 1;
	}
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_DB) < 0) {
		if (f != stdin)
			fclose(f);
		return 1;
	}
	struct import_cli x = {.cli = &c, .path = file};
	struct stat st;
	progress_init(&x.progress, "contacts import", "contacts",
		      fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) ? (long)st.st_size : -1);
	struct import_cbs cbs = {on_import_problem, on_import_progress, on_import_done, &x};
	int status = 1;
	if (import_file(c.db, f, country ? country : c.cfg.country, &cbs) < 0) {
		fprintf(stderr, "sauti: redis not available\n");
	} else {
		cli_run(&c);
		status = c.status;
	}
	if (f != stdin)
		fclose(f);
	cli_close(&c);
	return status;
}

/* -- export ----------------------------------------------------------------- */

struct export_cli {
	struct cli *cli;
	struct exporter *exporter;
	int failed;
	const char *flow;
	bool raw_phone;
	long rows;
	struct progress progress;
};

static void on_export_emit(const char *data, size_t len, void *arg)
{
	struct export_cli *x = arg;
	if (fwrite(data, 1, len, stdout) != len) {
		x->failed = 1;
		export_cancel(x->exporter);
		cli_done(x->cli, 1);
		return;
	}
	long done, total;
	export_position(x->exporter, &done, &total);
	x->progress.total = total;
	progress_update(&x->progress, done, done);
	export_resume(x->exporter);
}

static void on_export_audited(int rc, void *arg)
{
	struct export_cli *x = arg;
	(void)rc;
	if (x->raw_phone) {
		x->raw_phone = false; /* the second entry, then done */
		if (audit_record(x->cli->db, AUDIT_WHO_CLI, AUDIT_RAW_PHONE, x->flow, x->rows,
				 on_export_audited, x) == 0)
			return;
	}
	cli_done(x->cli, x->cli->status);
}

static void on_export_done(int rc, void *arg)
{
	struct export_cli *x = arg;
	progress_end(&x->progress);
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed during the export\n");
		cli_done(x->cli, 1);
		return;
	}
	x->cli->status = 0;
	if (audit_record(x->cli->db, AUDIT_WHO_CLI, AUDIT_EXPORT, x->flow, x->rows,
			 on_export_audited, x) < 0)
		cli_done(x->cli, 0);
}

static int parse_time_arg(const char *opt, const char *value, long *out)
{
	if (!value || time_parse_iso8601(value, out) < 0) {
		fprintf(stderr, "sauti: %s needs an ISO 8601 time, e.g. 2026-11-22T09:00:00Z\n", opt);
		return -1;
	}
	return 0;
}

/* Splits "a,b" into opts->fields (a list the caller frees with its
 * strings); -1 having said why for a refused field. */
static int parse_fields(const char *list, struct export_opts *opts, char ***owned)
{
	char *copy = xstrdup(list), *save = NULL;
	size_t cap = 1;
	for (const char *p = list; *p; p++)
		cap += *p == ',';
	*owned = xcalloc(cap + 1, sizeof(**owned));
	size_t n = 0;
	int rc = 0;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		const char *why = export_field_refused(f);
		if (why) {
			fprintf(stderr, "sauti: --fields: %s %s\n", f, why);
			rc = -1;
			break;
		}
		(*owned)[n++] = xstrdup(f);
	}
	free(copy);
	opts->fields = (const char *const *)*owned;
	opts->nfields = n;
	return rc;
}

static int print_codebook(const struct flow *flow)
{
	struct buf out = BUF_INIT;
	export_codebook_csv(&out, flow);
	int ok = fwrite(out.data, 1, out.len, stdout) == out.len;
	buf_release(&out);
	return ok ? 0 : 1;
}

int cmd_export(int argc, char **argv)
{
	struct export_opts opts = {0};
	const char *flow_id = NULL;
	char **fields = NULL;
	bool codebook = false;
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_FLOWS | CLI_NEED_DB) < 0)
		return 1;
	int status = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--format") == 0 && v) {
			if (strcmp(v, "jsonl") != 0 && strcmp(v, "csv") != 0)
				goto usage;
			opts.jsonl = strcmp(v, "jsonl") == 0;
			i++;
		} else if (strcmp(a, "--since") == 0) {
			if (parse_time_arg(a, v, &opts.since) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--until") == 0) {
			if (parse_time_arg(a, v, &opts.until) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--raw-phone") == 0) {
			opts.raw_phone = true;
		} else if (strcmp(a, "--codebook") == 0) {
			codebook = true;
		} else if (strcmp(a, "--fields") == 0 && v && !fields) {
			i++;
			if (parse_fields(v, &opts, &fields) < 0)
				goto out;
		} else if (a[0] != '-' && !flow_id) {
			flow_id = a;
		} else {
			goto usage;
		}
	}
	if (!flow_id)
		goto usage;
	opts.flow = flow_set_find(c.flows, flow_id);
	if (!opts.flow) {
		fprintf(stderr, "sauti: no flow '%s' in %s\n", flow_id, c.cfg.flows);
		status = 1;
		goto out;
	}
	if (codebook) {
		status = print_codebook(opts.flow);
		goto out;
	}
	opts.pseudonym_key = config_pseudonym_key(&c.cfg);
	opts.now = (long)time(NULL);

	struct export_cli x = {.cli = &c, .flow = flow_id, .raw_phone = opts.raw_phone};
	opts.rows = &x.rows;
	progress_init(&x.progress, "export", "runs", -1);
	x.exporter = export_start(c.db, &opts, on_export_emit, on_export_done, &x);
	if (!x.exporter) {
		fprintf(stderr, "sauti: redis not available\n");
		status = 1;
		goto out;
	}
	cli_run(&c);
	fflush(stdout);
	status = c.status;
	goto out;
usage:
	usage_print("export", 2);
out:
	for (size_t i = 0; fields && fields[i]; i++)
		free(fields[i]);
	free(fields);
	cli_close(&c);
	return status;
}
