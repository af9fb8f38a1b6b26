/* cmd_data.c -- `sauti contacts import` and `sauti export`: the researchers'
 * and convenors' way in and out of the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "contacts.h"
#include "export.h"
#include "phone.h"
#include "timeutil.h"
#include "usage.h"

/* -- contacts import ---------------------------------------------------------- */

static int read_file(const char *path, struct buf *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "sauti: cannot open %s: %m\n", path);
		return -1;
	}
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(out, chunk, n);
	int failed = ferror(f);
	if (f != stdin)
		fclose(f);
	if (failed) {
		fprintf(stderr, "sauti: cannot read %s\n", path);
		return -1;
	}
	return 0;
}

static void on_contacts_stored(long stored, void *arg)
{
	struct cli *c = arg;
	if (stored < 0) {
		fprintf(stderr, "sauti: redis failed while storing contacts\n");
		cli_done(c, 1);
		return;
	}
	fprintf(stderr, "%ld contacts stored\n", stored);
	cli_done(c, c->status);
}

int cmd_contacts(int argc, char **argv)
{
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
	struct buf data = BUF_INIT;
	if (read_file(file, &data) < 0) {
		buf_release(&data);
		return 1;
	}
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_DB) < 0) {
		buf_release(&data);
		return 1;
	}
	struct contacts_import imp = CONTACTS_IMPORT_INIT;
	char err[512];
	int status = 1;
	if (contacts_parse(buf_str(&data), data.len, country ? country : c.cfg.country,
			   &imp, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", file, err);
		goto out;
	}
	for (size_t i = 0; i < imp.nerrors; i++)
		fprintf(stderr, "%s: %s\n", file, imp.errors[i].message);
	c.status = imp.nerrors ? 1 : 0;
	contacts_store(c.db, &imp, on_contacts_stored, &c);
	cli_run(&c);
	fprintf(stderr, "%zu rows read, %zu rejected\n", imp.nrows + imp.nerrors, imp.nerrors);
	status = c.status;
out:
	contacts_import_release(&imp);
	buf_release(&data);
	cli_close(&c);
	return status;
}

/* -- export ----------------------------------------------------------------- */

struct export_cli {
	struct cli *cli;
	struct exporter *exporter;
	int failed;
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
	export_resume(x->exporter);
}

static void on_export_done(int rc, void *arg)
{
	struct export_cli *x = arg;
	if (rc < 0)
		fprintf(stderr, "sauti: redis failed during the export\n");
	cli_done(x->cli, rc < 0 ? 1 : 0);
}

static int parse_time_arg(const char *opt, const char *value, long *out)
{
	if (!value || time_parse_iso8601(value, out) < 0) {
		fprintf(stderr, "sauti: %s needs an ISO 8601 time, e.g. 2026-11-22T09:00:00Z\n", opt);
		return -1;
	}
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct export_opts opts = {0};
	const char *flow_id = NULL;
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
	opts.pseudonym_key = cli_pseudonym_key(&c.cfg);
	opts.now = (long)time(NULL);

	struct export_cli x = {.cli = &c};
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
	cli_close(&c);
	return status;
}
