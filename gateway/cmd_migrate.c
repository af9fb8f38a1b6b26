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
	m->progress.total = MIGRATE_PASSES * (t->keys > 0 ? t->keys : 1);
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

/* Only with every daemon stopped (migrate.h, migrate_busy). */
static void on_busy(int clients, const char *first, void *arg)
{
	struct migrate_cli *m = arg;
	if (clients < 0) {
		fprintf(stderr, "sauti: redis failed before migrate-keys began; nothing was changed\n");
		cli_done(m->cli, 1);
		return;
	}
	if (clients > 0) {
		fprintf(stderr, "sauti: %d other client%s of this Redis sent commands in the last "
				"%d s (%s): stop every sauti daemon and command first, then run "
				"migrate-keys (docs/operations.md); nothing was changed\n",
			clients, clients == 1 ? "" : "s", MIGRATE_BUSY_SECONDS, first);
		cli_done(m->cli, 1);
		return;
	}
	progress_init(&m->progress, "migrate-keys", "keys renamed", -1);
	migrate_keys(m->cli->db, on_progress, on_migrated, m);
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
	if (migrate_busy(c.db, on_busy, &m) < 0) {
		fprintf(stderr, "sauti: redis is not connected; nothing was changed\n");
		cli_close(&c);
		return 1;
	}
	cli_run(&c);
	int status = c.status;
	cli_close(&c);
	return status;
}
