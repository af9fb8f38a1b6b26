/* report.c -- see report.h. */
#include "report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "export.h"
#include "flow.h"
#include "store.h"

struct report {
	json_t *root;
	json_t *status;      /* status -> count */
	json_t *drop_off;    /* step id -> runs not completed that stopped there */
	json_t *questions;   /* name -> {total, values, by_language, by_channel} */
	long runs;
	report_done_fn done;
	void *arg;
};

static void bump(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	json_object_set_new(obj, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

static json_t *child(json_t *obj, const char *key)
{
	json_t *c = json_object_get(obj, key);
	if (!c) {
		c = json_object();
		json_object_set_new(obj, key, c);
	}
	return c;
}

static void visit(const struct stored_run *r, void *arg)
{
	struct report *rep = arg;
	rep->runs++;
	bump(rep->status, run_status_name(r->status));
	if (r->status != RUN_COMPLETED)
		bump(rep->drop_off, r->step ? r->step : "(end)");
	for (size_t i = 0; i < r->answers.n; i++) {
		const char *value = r->answers.items[i].value;
		const char *key = *value ? value : "(no valid answer)";
		json_t *q = child(rep->questions, r->answers.items[i].name);
		bump(q, "total");
		bump(child(q, "values"), key);
		bump(child(child(q, "by_language"), r->lang), key);
		bump(child(child(q, "by_channel"), channel_name(r->channel)), key);
	}
}

static void on_emit(const char *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	(void)arg; /* never called: the walk visits */
}

static void on_done(int rc, void *arg)
{
	struct report *rep = arg;
	if (rc == 0) {
		json_t *completed = json_object_get(rep->status, "completed");
		long done = completed ? (long)json_integer_value(completed) : 0;
		json_object_set_new(rep->root, "runs", json_integer(rep->runs));
		json_object_set_new(rep->root, "completed", json_integer(done));
		json_object_set_new(rep->root, "completion_pct",
				    json_integer(rep->runs ? (done * 100 + rep->runs / 2) / rep->runs : 0));
		json_object_set(rep->root, "status", rep->status);
		json_object_set(rep->root, "drop_off", rep->drop_off);
		json_object_set(rep->root, "questions", rep->questions);
		char *text = json_dumps(rep->root, JSON_COMPACT | JSON_PRESERVE_ORDER);
		rep->done(0, text, rep->arg);
		free(text);
	} else {
		rep->done(-1, NULL, rep->arg);
	}
	json_decref(rep->root);
	json_decref(rep->status);
	json_decref(rep->drop_off);
	json_decref(rep->questions);
	free(rep);
}

int report_start(struct db *db, const struct flow *flow, report_done_fn done, void *arg)
{
	struct report *rep = xcalloc(1, sizeof(*rep));
	rep->root = json_pack("{s:s}", "flow", flow->id);
	rep->status = json_object();
	rep->drop_off = json_object();
	rep->questions = json_object();
	/* Questions in step order, so that the report reads like the flow. */
	for (size_t i = 0; i < flow->nsteps; i++)
		if (flow->steps[i].save && !json_object_get(rep->questions, flow->steps[i].save))
			json_object_set_new(rep->questions, flow->steps[i].save,
					    json_pack("{s:i}", "total", 0));
	rep->done = done;
	rep->arg = arg;
	struct export_opts opts = {
		.flow = flow,
		.raw_phone = true,
		.now = (long)time(NULL),
		.visit = visit,
	};
	if (!export_start(db, &opts, on_emit, on_done, rep)) {
		json_decref(rep->root);
		json_decref(rep->status);
		json_decref(rep->drop_off);
		json_decref(rep->questions);
		free(rep);
		return -1;
	}
	return 0;
}

static void counts_line(struct buf *out, const char *label, json_t *counts, long total)
{
	const char *key;
	json_t *v;
	buf_printf(out, "    %-12s", label);
	json_object_foreach(counts, key, v) {
		long n = (long)json_integer_value(v);
		buf_printf(out, " %s %ld (%ld%%)", key, n, total ? (n * 100 + total / 2) / total : 0);
	}
	buf_putc(out, '\n');
}

void report_text(const char *json, struct buf *out)
{
	json_t *root = json_loads(json, 0, NULL);
	if (!root)
		return;
	buf_printf(out, "flow %s: %lld runs, %lld completed (%lld%%)\n",
		   json_string_value(json_object_get(root, "flow")),
		   json_integer_value(json_object_get(root, "runs")),
		   json_integer_value(json_object_get(root, "completed")),
		   json_integer_value(json_object_get(root, "completion_pct")));
	const char *key;
	json_t *v;
	buf_puts(out, "status:");
	json_object_foreach(json_object_get(root, "status"), key, v)
		buf_printf(out, " %s %lld", key, json_integer_value(v));
	buf_puts(out, "\ndrop-off (runs not completed, by the step they stopped at):");
	json_object_foreach(json_object_get(root, "drop_off"), key, v)
		buf_printf(out, " %s %lld", key, json_integer_value(v));
	buf_puts(out, "\nanswers:\n");
	json_object_foreach(json_object_get(root, "questions"), key, v) {
		long total = (long)json_integer_value(json_object_get(v, "total"));
		buf_printf(out, "  %s (%ld answers)\n", key, total);
		json_t *values = json_object_get(v, "values");
		if (values)
			counts_line(out, "all", values, total);
		const char *group;
		json_t *g;
		json_object_foreach(json_object_get(v, "by_language"), group, g) {
			char label[32];
			snprintf(label, sizeof(label), "lang %s", group);
			long n = 0;
			const char *k2;
			json_t *c;
			json_object_foreach(g, k2, c) n += (long)json_integer_value(c);
			counts_line(out, label, g, n);
		}
		json_object_foreach(json_object_get(v, "by_channel"), group, g) {
			long n = 0;
			const char *k2;
			json_t *c;
			json_object_foreach(g, k2, c) n += (long)json_integer_value(c);
			counts_line(out, group, g, n);
		}
	}
	json_decref(root);
}
