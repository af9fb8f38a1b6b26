/* cli.c -- see cli.h. */
#include "cli.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "catalogue.h"
#include "db.h"
#include "log.h"
#include "migrate.h"

#define CONNECT_TIMEOUT_MS 3000

struct layout_wait {
	bool answered;
	enum migrate_layout layout;
};

static void on_layout(enum migrate_layout layout, void *arg)
{
	struct layout_wait *w = arg;
	w->answered = true;
	w->layout = layout;
}

/* 0 when the store's key layout is this version's, else -1 having said why. */
static int check_layout(struct cli *c)
{
	struct layout_wait w = {0};
	if (migrate_check(c->db, on_layout, &w) < 0)
		w.layout = MIGRATE_FAILED;
	else
		while (!w.answered)
			event_base_loop(c->base, EVLOOP_ONCE);
	if (w.layout == MIGRATE_CURRENT)
		return 0;
	fprintf(stderr, "sauti: %s\n", migrate_refusal(w.layout));
	return -1;
}

/* The path after -c, or NULL. */
static const char *take_config_path(int *argc, char **argv)
{
	const char *path = NULL;
	int out = 0;
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < *argc) {
			path = argv[++i];
			continue;
		}
		argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
	return path;
}

/* Errors only: a warning is news for whoever edits flows (flows check,
 * serve), noise in a convenor's broadcast. */
static void report_errors(const struct flow_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		char line[1024];
		if (diags->items[i].warning)
			continue;
		flow_diags_format(&diags->items[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
}

int cli_open(struct cli *c, int *argc, char **argv, int need)
{
	memset(c, 0, sizeof(*c));
	const char *path = config_choose_path(take_config_path(argc, argv),
					      &c->config_why);
	char err[1024];
	if (config_load(path, &c->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "sauti: %s (config file %s)\n", err, c->config_why);
		return -1;
	}
	log_set_level(LOG_WARN);
	if (need & CLI_NEED_FLOWS) {
		/* The flows speak with the deployment's catalogue, as the
		 * daemon's do (a broadcast's first message, a language menu). */
		struct flow_diags diags = {0};
		struct catalogue *cat = catalogue_load(c->cfg.messages, c->cfg.fallback_language,
						       &diags);
		struct flow_load_opts opts = {.ussd_max_chars = (size_t)c->cfg.ussd.max_chars,
					      .catalogue = cat};
		const char *paths[] = {c->cfg.flows};
		c->flows = flow_set_load(paths, 1, &opts, &diags);
		catalogue_unref(cat); /* the set holds its own reference */
		report_errors(&diags);
		flow_diags_release(&diags);
	}
	if (need & CLI_NEED_DB) {
		c->base = event_base_new();
		c->db = db_new(c->base, c->cfg.redis, c->cfg.redis_timeout_ms, err, sizeof(err));
		if (!c->db) {
			fprintf(stderr, "sauti: %s (redis from %s)\n", err, c->cfg.path);
			cli_close(c);
			return -1;
		}
		/* Each failed attempt would log a warning; the one sentence
		 * below says it all for a person at the command line. */
		log_set_level(LOG_ERROR);
		int ready = db_wait_ready(c->db, CONNECT_TIMEOUT_MS);
		log_set_level(LOG_WARN);
		if (ready < 0) {
			fprintf(stderr,
				"sauti: cannot reach redis at %s, named by %s (%s); "
				"is it running?\n",
				c->cfg.redis, c->cfg.path, c->config_why);
			cli_close(c);
			return -1;
		}
		if (!(need & CLI_ANY_LAYOUT) && check_layout(c) < 0) {
			cli_close(c);
			return -1;
		}
	}
	return 0;
}

void cli_run(struct cli *c)
{
	/* The work may have finished without waiting (a refusal). */
	if (!c->done)
		event_base_dispatch(c->base);
	if (!c->done) {
		fprintf(stderr, "sauti: stopped before the work was done\n");
		c->status = 1;
	}
}

void cli_done(struct cli *c, int status)
{
	c->done = true;
	c->status = status;
	event_base_loopbreak(c->base);
}

void cli_close(struct cli *c)
{
	db_free(c->db);
	c->db = NULL;
	if (c->base)
		event_base_free(c->base);
	c->base = NULL;
	if (c->flows)
		flow_set_unref(c->flows);
	c->flows = NULL;
	config_release(&c->cfg);
}
