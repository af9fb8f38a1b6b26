/* cmd_migrate.c -- `sauti migrate-keys`: moves a store to the key layout
 * of this version (migrate.h; docs/operations.md "Upgrading the key
 * layout", docs/commands.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "keys.h"
#include "migrate.h"
#include "progress.h"
#include "usage.h"

struct migrate_cli {
	struct cli *cli;
	struct progress progress;
};

static void on_progress(const struct migrate_totals *t, void *arg)
{
	struct migrate_cli *m = arg;
	/* two passes over the keys */
	m->progress.total = 2 * (t->keys > 0 ? t->keys : 1);
	progress_update(&m->progress, t->scanned, t->renamed);
}

static void on_migrated(int rc, const struct migrate_totals *t, void *arg)
{
	struct migrate_cli *m = arg;
	progress_end(&m->progress);
	if (rc < 0) {
		fprintf(stderr, "sauti: redis failed during migrate-keys; nothing is lost, "
				"run it again\n");
		cli_done(m->cli, 1);
		return;
	}
	if (rc == 2) {
		fprintf(stderr, "sauti: %s; nothing was changed\n", migrate_refusal(MIGRATE_UNKNOWN));
		cli_done(m->cli, 1);
		return;
	}
	fprintf(stderr, "migrate-keys: %ld keys looked at, %ld renamed", t->scanned, t->renamed);
	if (t->dropped)
		fprintf(stderr, ", %ld replies kept for repeats dropped (no person named them)",
			t->dropped);
	if (rc == 1) {
		fprintf(stderr, "; %ld keys could not be moved: their new name exists already, "
				"or a run has no number; the store is not served until a "
				"migrate-keys moves every key (docs/operations.md)\n", t->conflicts);
		cli_done(m->cli, 1);
		return;
	}
	fprintf(stderr, "; the store is in key layout " KEYS_LAYOUT_VERSION "\n");
	cli_done(m->cli, 0);
}

int cmd_migrate_keys(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			i++;
		else
			return usage_print("migrate-keys", 2);
	}
	struct cli c;
	if (cli_open(&c, &argc, argv, CLI_NEED_DB | CLI_ANY_LAYOUT) < 0)
		return 1;
	struct migrate_cli m = {.cli = &c};
	progress_init(&m.progress, "migrate-keys", "keys renamed", -1);
	migrate_keys(c.db, on_progress, on_migrated, &m);
	cli_run(&c);
	int status = c.status;
	cli_close(&c);
	return status;
}
