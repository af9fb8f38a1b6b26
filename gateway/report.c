/* report.c -- see report.h. */
#include "report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "csv.h"
#include "export.h"
#include "exportfmt.h"
#include "flow.h"
#include "store.h"

#define NO_ANSWER "(no valid answer)"

struct report {
	json_t *root;
	json_t *status;      /* status -> count */
	json_t *drop_off;    /* step id -> runs not completed that stopped there */
	json_t *questions;   /* name -> {type, keys, total, values, by_language, by_channel} */
	json_t *by_language; /* language -> {runs, completed} */
	json_t *by_channel;  /* channel -> {runs, completed} */
	json_t *latest;      /* phone -> {t, lang, ch, answers}: latest completed run */
	long runs;
	long reminded, answered_after_reminder;  /* reminder.h */
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

/* part of whole in whole percent, rounded; 0 of nothing is 0. */
static long percent(long part, long whole)
{
	return whole ? (part * 100 + whole / 2) / whole : 0;
}

/* {KEY: 0} for every key of a question, in the flow's order. */
static json_t *zero_counts(json_t *keys)
{
	json_t *counts = json_object();
	size_t i;
	json_t *k;
	json_array_foreach(keys, i, k)
		json_object_set_new(counts, json_string_value(k), json_integer(0));
	return counts;
}

/* The run counts of question q in group `value` of q's `by` (by_language,
 * by_channel), made with every key at 0 the first time. */
static json_t *group_counts(json_t *q, const char *by, const char *value)
{
	json_t *groups = child(q, by);
	json_t *counts = json_object_get(groups, value);
	if (!counts) {
		counts = zero_counts(json_object_get(q, "keys"));
		json_object_set_new(groups, value, counts);
	}
	return counts;
}

/* {GROUP: {"runs": 0, "completed": 0}}, to be counted by count_completion. */
static void add_completion_group(json_t *by, const char *group)
{
	if (!json_object_get(by, group))
		json_object_set_new(by, group, json_pack("{s:i,s:i}", "runs", 0, "completed", 0));
}

static void count_completion(json_t *by, const char *group, bool completed)
{
	add_completion_group(by, group);
	json_t *c = json_object_get(by, group);
	bump(c, "runs");
	if (completed)
		bump(c, "completed");
}

/* Each group's completion_pct, beside its runs and completed. */
static void finish_completion(json_t *by)
{
	const char *group;
	json_t *c;
	json_object_foreach(by, group, c) {
		long runs = (long)json_integer_value(json_object_get(c, "runs"));
		long done = (long)json_integer_value(json_object_get(c, "completed"));
		json_object_set_new(c, "completion_pct", json_integer(percent(done, runs)));
	}
}

static void keep_latest(struct report *rep, const struct stored_run *r)
{
	json_t *have = json_object_get(rep->latest, r->phone);
	long t = r->completed ? r->completed : r->started;
	if (have && json_integer_value(json_object_get(have, "t")) > t)
		return;
	json_t *answers = json_object();
	for (size_t i = 0; i < r->answers.n; i++)
		json_object_set_new(answers, r->answers.items[i].name,
				    json_string(r->answers.items[i].value));
	json_object_set_new(rep->latest, r->phone,
			    json_pack("{s:I,s:s,s:s,s:o}", "t", (json_int_t)t, "lang",
				      r->lang ? r->lang : "", "ch", channel_name(r->channel),
				      "answers", answers));
}

static void visit(const struct stored_run *r, void *arg)
{
	struct report *rep = arg;
	const char *lang = r->lang ? r->lang : "";
	rep->runs++;
	bump(rep->status, run_status_name(r->status));
	count_completion(rep->by_language, lang, r->status == RUN_COMPLETED);
	count_completion(rep->by_channel, channel_name(r->channel), r->status == RUN_COMPLETED);
	if (r->reminders > 0) {
		rep->reminded++;
		/* the person wrote after the last reminder (a STOP or an
		 * interruption is no answer); the same second is after, since
		 * a reminder goes only `after` seconds past the last message */
		if (r->updated >= r->reminded_at &&
		    (r->status == RUN_ACTIVE || r->status == RUN_COMPLETED))
			rep->answered_after_reminder++;
	}
	if (r->status != RUN_COMPLETED)
		bump(rep->drop_off, r->step ? r->step : "(end)");
	else if (r->phone)
		keep_latest(rep, r);
	for (size_t i = 0; i < r->answers.n; i++) {
		const char *value = r->answers.items[i].value;
		const char *key = *value ? value : NO_ANSWER;
		json_t *q = child(rep->questions, r->answers.items[i].name);
		bump(q, "total");
		bump(child(q, "values"), key);
		bump(group_counts(q, "by_language", lang), key);
		bump(group_counts(q, "by_channel", channel_name(r->channel)), key);
	}
}

/* -- figures over people ------------------------------------------------------- */

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void report_numbers(double *v, size_t n, struct report_numbers *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), by_value);
	out->count = n;
	for (size_t i = 0; i < n; i++)
		out->sum += v[i];
	out->mean = out->sum / (double)n;
	out->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	out->min = v[0];
	out->max = v[n - 1];
}

/* A whole number as a JSON integer, else a real. */
static json_t *json_num(double d)
{
	if (d == floor(d) && fabs(d) < 9e15)
		return json_integer((json_int_t)d);
	return json_real(d);
}

/* The people figures of question q over the people of `group` (a key of
 * the latest run, "lang" or "ch", with value gvalue; NULL: everyone). */
static json_t *people_figures(struct report *rep, const char *name, json_t *q,
			      const char *group, const char *gvalue)
{
	const char *type = json_string_value(json_object_get(q, "type"));
	bool number = type && strcmp(type, "number") == 0;
	json_t *values = zero_counts(json_object_get(q, "keys"));
	double *nums = xcalloc(json_object_size(rep->latest) + 1, sizeof(*nums));
	size_t nnums = 0;
	long total = 0;
	const char *phone;
	json_t *run;
	json_object_foreach(rep->latest, phone, run) {
		if (group && strcmp(json_string_value(json_object_get(run, group)),
				    gvalue) != 0)
			continue;
		const char *v = json_string_value(json_object_get(json_object_get(run, "answers"), name));
		if (!v)
			continue;
		total++;
		char *end;
		double d = strtod(v, &end);
		if (number && *v && !*end)
			nums[nnums++] = d;
		bump(values, *v ? v : NO_ANSWER);
	}
	json_t *shares = json_object();
	const char *key;
	json_t *n;
	json_object_foreach(values, key, n) {
		long c = (long)json_integer_value(n);
		json_object_set_new(shares, key, json_pack("{s:I,s:f}", "count", (json_int_t)c,
							  "share", total ? (double)c / (double)total : 0.0));
	}
	json_decref(values);
	json_t *out = json_pack("{s:I}", "total", (json_int_t)total);
	if (number) {
		struct report_numbers f;
		report_numbers(nums, nnums, &f);
		json_t *fig = json_pack("{s:I}", "count", (json_int_t)f.count);
		json_object_set_new(fig, "sum", json_num(f.sum));
		json_object_set_new(fig, "mean", f.count ? json_num(f.mean) : json_null());
		json_object_set_new(fig, "median", f.count ? json_num(f.median) : json_null());
		json_object_set_new(fig, "min", f.count ? json_num(f.min) : json_null());
		json_object_set_new(fig, "max", f.count ? json_num(f.max) : json_null());
		json_object_set_new(out, "number", fig);
	}
	if (!number || json_object_size(shares) > 0)
		json_object_set_new(out, "values", shares);
	else
		json_decref(shares);
	free(nums);
	return out;
}

/* The groups ("lang" or "ch" values) the people fall in, sorted. */
static json_t *groups_of(struct report *rep, const char *group)
{
	json_t *set = json_object();
	const char *phone;
	json_t *run;
	json_object_foreach(rep->latest, phone, run)
		json_object_set(set, json_string_value(json_object_get(run, group)), json_true());
	return set;
}

static void add_people(struct report *rep)
{
	static const struct { const char *field, *key; } groups[] = {
		{"lang", "people_by_language"}, {"ch", "people_by_channel"},
	};
	const char *name;
	json_t *q;
	json_object_foreach(rep->questions, name, q) {
		json_object_set_new(q, "people", people_figures(rep, name, q, NULL, NULL));
		for (size_t g = 0; g < 2; g++) {
			json_t *set = groups_of(rep, groups[g].field), *by = json_object();
			const char *value;
			json_t *unused;
			json_object_foreach(set, value, unused)
				json_object_set_new(by, value,
						    people_figures(rep, name, q, groups[g].field, value));
			json_object_set_new(q, groups[g].key, by);
			json_decref(set);
		}
		json_object_del(q, "keys");
	}
}

/* -- the walk ------------------------------------------------------------------ */

static void on_emit(const char *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	(void)arg; /* never called: the walk visits */
}

static void report_free(struct report *rep)
{
	json_decref(rep->root);
	json_decref(rep->status);
	json_decref(rep->drop_off);
	json_decref(rep->questions);
	json_decref(rep->latest);
	json_decref(rep->by_language);
	json_decref(rep->by_channel);
	free(rep);
}

static void on_done(int rc, void *arg)
{
	struct report *rep = arg;
	if (rc == 0) {
		json_t *completed = json_object_get(rep->status, "completed");
		long done = completed ? (long)json_integer_value(completed) : 0;
		add_people(rep);
		json_object_set_new(rep->root, "runs", json_integer(rep->runs));
		json_object_set_new(rep->root, "completed", json_integer(done));
		json_object_set_new(rep->root, "people",
				    json_integer((json_int_t)json_object_size(rep->latest)));
		json_object_set_new(rep->root, "completion_pct", json_integer(percent(done, rep->runs)));
		finish_completion(rep->by_language);
		finish_completion(rep->by_channel);
		json_object_set(rep->root, "completion_by_language", rep->by_language);
		json_object_set(rep->root, "completion_by_channel", rep->by_channel);
		json_object_set_new(rep->root, "reminded", json_integer(rep->reminded));
		json_object_set_new(rep->root, "answered_after_reminder",
				    json_integer(rep->answered_after_reminder));
		json_object_set(rep->root, "status", rep->status);
		json_object_set(rep->root, "drop_off", rep->drop_off);
		json_object_set(rep->root, "questions", rep->questions);
		char *text = json_dumps(rep->root, JSON_COMPACT | JSON_PRESERVE_ORDER);
		rep->done(0, text, rep->arg);
		free(text);
	} else {
		rep->done(-1, NULL, rep->arg);
	}
	report_free(rep);
}

int report_start(struct db *db, const struct flow *flow, report_done_fn done, void *arg)
{
	struct report *rep = xcalloc(1, sizeof(*rep));
	rep->root = json_pack("{s:s}", "flow", flow->id);
	rep->status = json_object();
	rep->drop_off = json_object();
	rep->questions = json_object();
	rep->latest = json_object();
	rep->by_language = json_object();
	rep->by_channel = json_object();
	/* every language of the flow and both channels, even with no run */
	for (size_t l = 0; l < flow->nlangs; l++)
		add_completion_group(rep->by_language, flow->langs[l]);
	add_completion_group(rep->by_channel, channel_name(CHANNEL_SMS));
	add_completion_group(rep->by_channel, channel_name(CHANNEL_USSD));
	/* Questions in step order, so that the report reads like the flow;
	 * their types and keys copied, as a reload may free the flow. */
	for (size_t i = 0; i < flow->nsteps; i++) {
		const struct flow_step *s = &flow->steps[i];
		if (!s->save || json_object_get(rep->questions, s->save))
			continue;
		json_t *keys = json_array();
		for (size_t c = 0; c < s->nchoices; c++)
			json_array_append_new(keys, json_string(s->choices[c].key));
		for (size_t l = 0; s->type == STEP_LANGUAGE && l < flow->nlangs; l++)
			json_array_append_new(keys, json_string(flow->langs[l]));
		json_object_set_new(rep->questions, s->save,
				    json_pack("{s:s,s:o,s:i,s:o}", "type", export_variable_type(s),
					      "keys", keys, "total", 0, "values", zero_counts(keys)));
	}
	rep->done = done;
	rep->arg = arg;
	struct export_opts opts = {
		.flow = flow,
		.raw_phone = true,
		.now = (long)time(NULL),
		.visit = visit,
	};
	if (!export_start(db, &opts, on_emit, on_done, rep)) {
		report_free(rep);
		return -1;
	}
	return 0;
}

/* -- text ------------------------------------------------------------------------ */

/* "; by answer KEY: N (P%), KEY: N (P%)..." (nothing for no key); counts
 * are {KEY: N} or {KEY: {"count": N}}. */
static void key_counts_text(struct buf *out, json_t *counts, long total)
{
	const char *key;
	json_t *v;
	const char *sep = "; by answer ";
	json_object_foreach(counts, key, v) {
		long n = json_is_object(v) ? (long)json_integer_value(json_object_get(v, "count"))
					   : (long)json_integer_value(v);
		buf_printf(out, "%s%s: %ld (%ld%%)", sep, key, n, percent(n, total));
		sep = ", ";
	}
}

static long sum_counts(json_t *counts)
{
	long n = 0;
	const char *k;
	json_t *c;
	json_object_foreach(counts, k, c) n += (long)json_integer_value(c);
	return n;
}

/* A line of runs: how many answered, then each key's count and share. */
static void runs_line(struct buf *out, const char *label, json_t *counts)
{
	long total = sum_counts(counts);
	buf_printf(out, "    %-12s %ld %s answered", label, total, total == 1 ? "run" : "runs");
	key_counts_text(out, counts, total);
	buf_putc(out, '\n');
}

/* A line of people (FIGURES, report.h): how many answered, a number's
 * figures, then each answer's count and share. */
static void people_line(struct buf *out, const char *label, json_t *fig)
{
	static const char *const names[] = {"count", "sum", "mean", "median", "min", "max"};
	long total = (long)json_integer_value(json_object_get(fig, "total"));
	buf_printf(out, "    %-12s %ld %s answered", label, total, total == 1 ? "person" : "people");
	json_t *num = json_object_get(fig, "number");
	for (size_t i = 0; num && i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *v = json_object_get(num, names[i]);
		if (json_is_number(v))
			buf_printf(out, "%s %s %.15g", i ? "," : "; numbers:", names[i],
				   json_number_value(v));
	}
	key_counts_text(out, json_object_get(fig, "values"), total);
	buf_putc(out, '\n');
}

/* One line per group of by ({GROUP: counts}), labelled "PREFIX GROUP". */
static void group_lines(struct buf *out, const char *prefix, json_t *by,
			void (*line)(struct buf *, const char *, json_t *))
{
	const char *group;
	json_t *g;
	json_object_foreach(by, group, g) {
		char label[48];
		snprintf(label, sizeof(label), "%s %s", prefix, group);
		line(out, label, g);
	}
}

static void completion_line(struct buf *out, const char *label, json_t *by)
{
	const char *group;
	json_t *c;
	const char *sep = " ";
	buf_printf(out, "completion by %s:", label);
	json_object_foreach(by, group, c) {
		buf_printf(out, "%s%s %lld of %lld runs completed (%lld%%)", sep, group,
			   json_integer_value(json_object_get(c, "completed")),
			   json_integer_value(json_object_get(c, "runs")),
			   json_integer_value(json_object_get(c, "completion_pct")));
		sep = ", ";
	}
	buf_putc(out, '\n');
}

void report_text(const char *json, struct buf *out)
{
	json_t *root = json_loads(json, 0, NULL);
	if (!root)
		return;
	buf_printf(out, "flow %s: %lld runs, %lld completed (%lld%%), %lld people\n",
		   json_string_value(json_object_get(root, "flow")),
		   json_integer_value(json_object_get(root, "runs")),
		   json_integer_value(json_object_get(root, "completed")),
		   json_integer_value(json_object_get(root, "completion_pct")),
		   json_integer_value(json_object_get(root, "people")));
	completion_line(out, "language", json_object_get(root, "completion_by_language"));
	completion_line(out, "channel", json_object_get(root, "completion_by_channel"));
	const char *key;
	json_t *v;
	buf_puts(out, "status:");
	json_object_foreach(json_object_get(root, "status"), key, v)
		buf_printf(out, " %s %lld", key, json_integer_value(v));
	buf_printf(out, "\nreminded: %lld runs, %lld answered after a reminder",
		   json_integer_value(json_object_get(root, "reminded")),
		   json_integer_value(json_object_get(root, "answered_after_reminder")));
	buf_puts(out, "\ndrop-off (runs not completed, by the step they stopped at):");
	json_object_foreach(json_object_get(root, "drop_off"), key, v)
		buf_printf(out, " %s %lld", key, json_integer_value(v));
	buf_puts(out, "\nanswers (people: each contact's latest completed run; runs: every run):\n");
	json_object_foreach(json_object_get(root, "questions"), key, v) {
		buf_printf(out, "  %s (%lld answers in runs)\n", key,
			   json_integer_value(json_object_get(v, "total")));
		people_line(out, "people", json_object_get(v, "people"));
		group_lines(out, "people", json_object_get(v, "people_by_language"), people_line);
		group_lines(out, "people", json_object_get(v, "people_by_channel"), people_line);
		runs_line(out, "runs", json_object_get(v, "values"));
		group_lines(out, "runs", json_object_get(v, "by_language"), runs_line);
		group_lines(out, "runs", json_object_get(v, "by_channel"), runs_line);
	}
	json_decref(root);
}

/* -- CSV ---------------------------------------------------------------------------- */

struct csv_ctx {
	struct buf *out;
	const char *question, *type;
};

static void csv_line(struct csv_ctx *c, const char *by, const char *group, const char *value,
		     const char *runs, const char *people, const char *share)
{
	const char *cells[] = {c->question, c->type, by, group, value, runs, people, share};
	csv_write_row(c->out, cells, sizeof(cells) / sizeof(cells[0]));
}

static void fmt_num(json_t *v, char *out, size_t size)
{
	if (json_is_integer(v))
		snprintf(out, size, "%lld", json_integer_value(v));
	else if (json_is_number(v))
		snprintf(out, size, "%.15g", json_number_value(v));
	else
		out[0] = '\0';
}

/* One group's rows: runs (counts by value, may be NULL) beside people. */
static void csv_group(struct csv_ctx *c, const char *by, const char *group, json_t *runs,
		      json_t *people)
{
	char r[32], p[32], s[32];
	json_t *num = json_object_get(people, "number");
	if (num) {
		static const char *const names[] = {"count", "sum", "mean", "median", "min", "max"};
		for (size_t i = 0; i < 6; i++) {
			fmt_num(json_object_get(num, names[i]), p, sizeof(p));
			csv_line(c, by, group, names[i], "", p, "");
		}
		return;
	}
	json_t *values = json_object_get(people, "values");
	const char *key;
	json_t *v;
	json_object_foreach(values, key, v) {
		fmt_num(json_object_get(runs, key), r, sizeof(r));
		if (!*r)
			snprintf(r, sizeof(r), "0");
		fmt_num(json_object_get(v, "count"), p, sizeof(p));
		snprintf(s, sizeof(s), "%.4f", json_number_value(json_object_get(v, "share")));
		csv_line(c, by, group, key, r, p, s);
	}
	/* a value only earlier runs gave (no person's latest): runs alone */
	json_object_foreach(runs, key, v) {
		if (json_object_get(values, key))
			continue;
		fmt_num(v, r, sizeof(r));
		csv_line(c, by, group, key, r, "0", "0.0000");
	}
}

void report_csv(const char *json, struct buf *out)
{
	static const char *const header[] = {"question", "type", "by", "group",
					     "value", "runs", "people", "share"};
	json_t *root = json_loads(json, 0, NULL);
	csv_write_row(out, header, sizeof(header) / sizeof(header[0]));
	if (!root)
		return;
	const char *name;
	json_t *q;
	json_object_foreach(json_object_get(root, "questions"), name, q) {
		struct csv_ctx c = {out, name, json_string_value(json_object_get(q, "type"))};
		csv_group(&c, "all", "", json_object_get(q, "values"), json_object_get(q, "people"));
		const char *group;
		json_t *g;
		json_object_foreach(json_object_get(q, "people_by_language"), group, g)
			csv_group(&c, "language", group,
				  json_object_get(json_object_get(q, "by_language"), group), g);
		json_object_foreach(json_object_get(q, "people_by_channel"), group, g)
			csv_group(&c, "channel", group,
				  json_object_get(json_object_get(q, "by_channel"), group), g);
	}
	json_decref(root);
}
