/* turn.c -- see turn.h. */
#include "turn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convo_cache.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "serve.h"

#define MAX_ATTEMPTS 5

struct turn *turn_new(struct gateway *gw, struct http_req *req,
		      enum channel channel, const char *phone, const char *text)
{
	struct turn *t = xcalloc(1, sizeof(*t));
	t->gw = gw;
	t->req = req;
	t->flows = flow_set_ref(gw->flows);
	t->channel = channel;
	t->kind = channel_name(channel);
	snprintf(t->phone, sizeof(t->phone), "%s", phone);
	t->text = xstrdup(text ? text : "");
	t->now = (long)time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t->started);
	return t;
}

/* Forgets a decision, so that the turn can be decided again. */
static void turn_reset(struct turn *t)
{
	convo_release(t->convo);
	t->convo = NULL;
	buf_reset(&t->reply);
	t->ended = t->commit = t->stop = t->has_run = t->forget_reply = false;
	t->missed_stats = false;
	stored_run_release(&t->run);
	t->end_run = t->end_status = NULL;
	t->pointer = POINTER_KEEP;
	fields_release(&t->contact_set);
	t->ncontact_del = 0;
}

/* Leaves the state this turn wrote (or, writing nothing, loaded) in the
 * cache, when the next turn could start from it: a USSD session going on
 * (over SMPP and SMS, Kannel's message ids must be looked up each time). */
static void keep_convo(struct turn *t)
{
	struct convo *c = t->convo;
	t->convo = NULL;
	fields_release(&c->stats);
	c->recent = 0;
	if (t->commit) {
		/* What the commit script did, done to the copy. */
		contact_apply(&c->contact, &t->contact_set, t->contact_del, t->ncontact_del);
		if (t->pointer == POINTER_CLEAR) {
			stored_run_release(&c->run);
			c->has_run = false;
		} else if (t->has_run) {
			stored_run_release(&c->run);
			c->run = t->run; /* moved */
			memset(&t->run, 0, sizeof(t->run));
			c->run.version++;
			c->has_run = true;
		}
	}
	/* Kept when the next message of the same session could start from it. */
	struct convo_query next = {
		.msg_id = t->msg_id,
		.session = t->session,
		.limit = t->limited ? t->gw->cfg.limits.max_per_window : 0,
	};
	if (c->has_run && c->run.status == RUN_ACTIVE && convo_covers(c, &next)) {
		convo_cache_put(t->gw->convos, t->kind, t->phone, c, t->now);
	} else {
		convo_cache_drop(t->gw->convos, t->kind, t->phone);
		convo_release(c);
	}
}

void turn_free(struct turn *t)
{
	if (t->keep && t->gw->convos)
		keep_convo(t);
	turn_reset(t);
	buf_release(&t->reply);
	flow_set_unref(t->flows);
	free(t->text);
	free(t->msg_id);
	free(t->session);
	free(t);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void turn_finish(struct turn *t, int rc)
{
	/* Not after a STOP, a refusal or a repeat: their state is not the
	 * decision's. */
	t->keep = rc == 0 && t->convo && !t->stop && !t->over_limit &&
		  !t->convo->dup_reply;
	if (rc == 0) {
		metrics_observe_step(seconds_since(&t->started));
		if (t->has_run && t->run.version == 0)
			metrics_inc(M_SESSIONS_STARTED, t->channel);
		if (t->has_run && t->run.status == RUN_COMPLETED)
			metrics_inc(M_SESSIONS_COMPLETED, t->channel);
	}
	t->answer(t, rc);
}

static void load(struct turn *t);

static void on_loaded(int rc, struct convo *c, void *data);

static void on_committed(int rc, struct convo *fresh, void *data)
{
	struct turn *t = data;
	if (rc == 0 && ++t->attempts < MAX_ATTEMPTS) {
		metrics_inc(M_CONFLICTS, t->channel);
		turn_reset(t);
		/* The commit brought the state as it is now, without the
		 * counters a report-back shows. */
		if (fresh && !t->with_stats) {
			on_loaded(0, fresh, t);
			return;
		}
		convo_release(fresh);
		load(t);
		return;
	}
	convo_release(fresh);
	if (rc == 0)
		log_warn("gave up serving a message after %d conflicting writes", t->attempts);
	turn_finish(t, rc == 1 ? 0 : -1);
}

/* The stats counters a run bumps when it completes: once, on the commit
 * that completes it. */
static int completion_stats(const struct turn *t, struct buf *names, const char ***list)
{
	bool was_done = t->convo->has_run && t->run.version &&
			t->convo->run.status == RUN_COMPLETED;
	if (!t->has_run || t->run.status != RUN_COMPLETED || was_done)
		return 0;
	size_t n = t->run.answers.n;
	*list = xcalloc(n + 1, sizeof(**list));
	/* All strings first, then the pointers: names may move while it grows. */
	size_t *offsets = xcalloc(n + 1, sizeof(*offsets));
	buf_append(names, "count", 6);
	for (size_t i = 0; i < n; i++) {
		offsets[i + 1] = names->len;
		buf_printf(names, "a:%s:%s", t->run.answers.items[i].name,
			   t->run.answers.items[i].value);
		buf_putc(names, '\0');
	}
	for (size_t i = 0; i <= n; i++)
		(*list)[i] = names->data + offsets[i];
	free(offsets);
	return (int)n + 1;
}

static void commit(struct turn *t)
{
	int rc;
	if (t->stop) {
		rc = store_stop_runs(t->gw->db, t->phone, t->now, on_committed, t);
	} else {
		struct buf stat_names = BUF_INIT;
		const char **stats = NULL;
		int nstats = completion_stats(t, &stat_names, &stats);
		struct commit c = {
			.phone = t->phone,
			.kind = t->kind,
			.msg_id = t->forget_reply ? NULL : t->msg_id,
			.msg_ttl = t->msg_ttl,
			.reply = buf_str(&t->reply),
			.expect_pointer = t->convo->has_run ? t->convo->run.id : "",
			.contact_version = t->convo->contact.version,
			.pointer = t->pointer,
			.run = t->has_run ? &t->run : NULL,
			.stored = t->convo->has_run ? &t->convo->run : NULL,
			.end_run = t->end_run,
			.end_status = t->end_status,
			.contact_set = &t->contact_set,
			.contact_del = t->contact_del,
			.ncontact_del = t->ncontact_del,
			.stats = stats,
			.nstats = nstats,
			.now = t->now,
			.load_msg_id = t->msg_id,
			.session = t->session,
		};
		rc = store_commit(t->gw->db, &c, on_committed, t);
		free(stats);
		buf_release(&stat_names);
	}
	if (rc < 0)
		turn_finish(t, -1);
}

static void on_loaded(int rc, struct convo *c, void *data)
{
	struct turn *t = data;
	if (rc < 0) {
		turn_finish(t, -1);
		return;
	}
	t->convo = c;
	t->counted = true;
	int limit = t->gw->cfg.limits.max_per_window;
	if (t->limited && limit > 0 && c->recent > limit) {
		/* SMS pumping, or two auto-responders talking to each other:
		 * say nothing until the window passes. */
		if (c->recent == limit + 1)
			log_warn("a number exceeded %d messages in %d s; ignoring it for a while",
				 limit, t->gw->cfg.limits.window);
		metrics_inc(M_RATE_LIMITED, t->channel);
		t->over_limit = true;
		turn_finish(t, 0);
		return;
	}
	if (c->dup_reply) {
		/* Kannel retried a message we already answered. */
		buf_puts(&t->reply, c->dup_reply);
		turn_finish(t, 0);
		return;
	}
	t->decide(t);
	if (t->missed_stats && !t->with_stats) {
		/* Decided without the counters a text shows: once more with
		 * them (a report-back; most turns never need them). */
		t->with_stats = true;
		turn_reset(t);
		load(t);
		return;
	}
	if (t->commit || t->stop)
		commit(t);
	else
		turn_finish(t, 0);
}

static void load(struct turn *t)
{
	struct convo_query q = {
		.kind = t->kind,
		.phone = t->phone,
		.msg_id = t->msg_id,
		.session = t->session,
		/* Counted once, however often the turn loads again. */
		.limit = t->limited && !t->counted ? t->gw->cfg.limits.max_per_window : 0,
		.window = t->gw->cfg.limits.window,
		.stats_flows = t->with_stats ? t->flows->stats_flows : NULL,
		.nstats = t->with_stats ? t->flows->nstats_flows : 0,
	};
	if (t->attempts == 0 && !t->with_stats && t->gw->convos) {
		/* Taken out whether it serves or not: once this turn is served
		 * its own state replaces it. */
		struct convo *kept = convo_cache_take(t->gw->convos, t->kind, t->phone, t->now);
		if (kept && convo_covers(kept, &q)) {
			on_loaded(0, kept, t);
			return;
		}
		convo_release(kept);
	}
	if (store_load_convo(t->gw->db, &q, on_loaded, t) < 0)
		turn_finish(t, -1);
}

void turn_run(struct turn *t) { load(t); }

int turn_lang_for(const struct turn *t, const struct flow *flow)
{
	const char *lang = t->convo->contact.lang;
	int i = lang ? flow_lang_index(flow, lang) : -1;
	return i >= 0 ? i : 0;
}

const char *turn_contact_lang(const struct turn *t)
{
	const char *lang = t->convo ? t->convo->contact.lang : NULL;
	return lang ? lang : t->gw->default_lang;
}

const struct flow *turn_active_flow(const struct turn *t)
{
	const struct stored_run *r = &t->convo->run;
	if (!t->convo->has_run || r->status != RUN_ACTIVE || r->expires <= t->now ||
	    !r->step)
		return NULL;
	const struct flow *flow = flow_set_find(t->flows, r->flow);
	/* A flow edited since the run began may have lost the step. */
	if (!flow || flow_step_index(flow, r->step) < 0)
		return NULL;
	return flow;
}

static long stat_count(void *data, const char *flow, size_t flow_len, const char *field)
{
	struct turn *t = data;
	const struct convo *c = t->convo;
	if (!t->with_stats)
		t->missed_stats = true;
	char name[256];
	snprintf(name, sizeof(name), "%.*s:%s", (int)flow_len, flow, field);
	const char *v = fields_get(&c->stats, name);
	return v ? strtol(v, NULL, 10) : 0;
}

static int turn_stats(void *data, const char *path, struct buf *out)
{
	return engine_stats_value(path, stat_count, data, out);
}

static void engine_ctx_init(struct turn *t, struct engine_ctx *ctx,
			    const struct flow *flow, size_t ussd_max)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->flow = flow;
	ctx->contact = &t->convo->contact.fields;
	ctx->stats = turn_stats;
	ctx->stats_data = t;
	ctx->ussd_max_chars = ussd_max;
}

/* Copies the engine's view of a run into the stored one; the answers move
 * (run keeps none). */
static void run_store(struct stored_run *dst, const struct flow *flow,
		      struct run *run, long now)
{
	free(dst->lang);
	dst->lang = xstrdup(flow->langs[run->lang]);
	free(dst->step);
	dst->step = run->step >= 0 ? xstrdup(flow->steps[run->step].id) : NULL;
	dst->channel = run->channel;
	dst->status = run->status;
	dst->retries = run->retries;
	dst->page = run->page;
	dst->updated = now;
	if (run->status == RUN_COMPLETED && !dst->completed)
		dst->completed = now;
	fields_release(&dst->answers);
	dst->answers = run->answers;
	run->answers = (struct fields)FIELDS_INIT;
}

/* The engine's view of a stored run. */
static void run_load(struct run *run, const struct flow *flow,
		     const struct stored_run *src)
{
	int lang = flow_lang_index(flow, src->lang);
	run_init(run, lang >= 0 ? lang : 0, src->channel);
	run->status = src->status;
	run->step = src->step ? flow_step_index(flow, src->step) : -1;
	run->retries = src->retries;
	run->page = src->page;
	fields_copy(&run->answers, &src->answers);
}

/* What every engine call leaves behind, whichever way it was made. */
static void take_engine_out(struct turn *t, const struct flow *flow,
			    struct run *run, struct engine_out *out)
{
	run_store(&t->run, flow, run, t->now);
	t->has_run = true;
	t->commit = true;
	buf_append(&t->reply, out->reply.data ? out->reply.data : "", out->reply.len);
	if (out->ended) {
		t->ended = true;
		t->pointer = POINTER_CLEAR;
	}
	if (out->lang_changed)
		fields_set(&t->contact_set, "_lang", flow->langs[run->lang]);
	engine_out_release(out);
}

void turn_switch_language(struct turn *t, const char *lang)
{
	stored_run_copy(&t->run, &t->convo->run);
	free(t->run.lang);
	t->run.lang = xstrdup(lang);
	t->run.updated = t->now;
	t->has_run = true;
	t->commit = true;
}

void turn_end_loaded(struct turn *t, const char *status)
{
	if (!t->convo->has_run)
		return;
	t->end_run = t->convo->run.id;
	t->end_status = status;
	t->pointer = POINTER_CLEAR;
	t->commit = true;
}

void turn_start_run(struct turn *t, const struct flow *flow, size_t ussd_max)
{
	if (t->convo->has_run && t->convo->run.status == RUN_ACTIVE) {
		t->end_run = t->convo->run.id;
		t->end_status = "expired";
	}
	struct engine_ctx ctx;
	engine_ctx_init(t, &ctx, flow, ussd_max);
	struct run run;
	run_init(&run, turn_lang_for(t, flow), t->channel);
	struct engine_out out = {0};
	engine_start(&ctx, &run, &out);

	run_id_new(t->run.id);
	t->run.flow = xstrdup(flow->id);
	t->run.phone = xstrdup(t->phone);
	t->run.started = t->now;
	t->run.expires = t->now + flow->expire;
	t->pointer = POINTER_SET;
	take_engine_out(t, flow, &run, &out);
	run_release(&run);
}

void turn_continue_run(struct turn *t, const struct flow *flow,
		       const char *input, size_t ussd_max)
{
	turn_continue_inputs(t, flow, &input, 1, ussd_max);
}

void turn_continue_inputs(struct turn *t, const struct flow *flow,
			  const char *const *inputs, size_t n, size_t ussd_max)
{
	struct engine_ctx ctx;
	engine_ctx_init(t, &ctx, flow, ussd_max);
	struct run run;
	run_load(&run, flow, &t->convo->run);
	struct engine_out out = {0};
	for (size_t i = 0; i < n; i++) {
		engine_out_release(&out);
		memset(&out, 0, sizeof(out));
		engine_input(&ctx, &run, inputs[i], &out);
		if (out.ended)
			break;
	}

	stored_run_copy(&t->run, &t->convo->run);
	t->run.expires = t->now + flow->expire;
	take_engine_out(t, flow, &run, &out);
	run_release(&run);
}

void turn_repeat_screen(struct turn *t, const struct flow *flow, size_t ussd_max)
{
	struct engine_ctx ctx;
	engine_ctx_init(t, &ctx, flow, ussd_max);
	struct run run;
	run_load(&run, flow, &t->convo->run);
	if (t->has_run) /* the language may have changed in this turn */
		run.lang = flow_lang_index(flow, t->run.lang) >= 0 ?
			   flow_lang_index(flow, t->run.lang) : run.lang;
	struct engine_out out = {0};
	engine_screen(&ctx, &run, &out);
	buf_append(&t->reply, out.reply.data ? out.reply.data : "", out.reply.len);
	engine_out_release(&out);
	run_release(&run);
}
