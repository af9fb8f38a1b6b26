/* turn.c -- see turn.h. */
#include "turn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convo_cache.h"
#include "db.h"
#include "inbox.h"
#include "log.h"
#include "metrics.h"
#include "reminder.h"
#include "text.h"

#define MAX_ATTEMPTS 5

struct turn *turn_new(const struct turn_env *env, struct flow_set *flows,
		      struct http_req *req, enum channel channel,
		      const char *phone, const char *text)
{
	struct turn *t = xcalloc(1, sizeof(*t));
	t->env = env;
	t->req = req;
	t->flows = flow_set_ref(flows);
	t->kind = channel_name(channel);
	str_copy(t->phone, sizeof(t->phone), phone);
	t->text = xstrdup(text ? text : "");
	t->in.channel = channel;
	t->in.phone = t->phone;
	t->in.text = t->text;
	t->in.now = (long)time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t->started);
	decision_init(&t->d);
	return t;
}

/* Forgets a decision, so that the turn can be decided again. */
static void turn_reset(struct turn *t)
{
	convo_release(t->convo);
	t->convo = NULL;
	t->unknown = false;
	t->forget_reply = false;
	decision_release(&t->d);
}

/* Whether a kept copy can serve a turn of q without loading: it covers q,
 * or (SMS) the commit can make the checks the load would have. */
static bool kept_serves(const struct turn *t, const struct convo *c,
			const struct convo_query *q, bool *guarded)
{
	*guarded = false;
	if (convo_covers(c, q))
		return true;
	*guarded = t->in.channel == CHANNEL_SMS && convo_guard_covers(q);
	return *guarded;
}

/* Leaves the state this turn wrote (or, writing nothing, loaded) in the
 * cache, when the next turn could start from it: a USSD session going on,
 * or an SMS run (its next message's commit is guarded: it looks up Kannel's
 * message id and counts the message).  USSD over SMPP is neither: each of
 * its messages' ids must be looked up by the load. */
static void keep_convo(struct turn *t)
{
	struct convo *c = t->convo;
	struct decision *d = &t->d;
	t->convo = NULL;
	fields_release(&c->stats);
	c->recent = 0;
	if (d->commit) {
		/* What the commit script did, done to the copy. */
		contact_apply(&c->contact, &d->contact_set, d->contact_del, d->ncontact_del);
		if (d->pointer == POINTER_CLEAR) {
			stored_run_release(&c->run);
			c->has_run = false;
		} else if (d->has_run) {
			stored_run_release(&c->run);
			c->run = d->run; /* moved */
			memset(&d->run, 0, sizeof(d->run));
			c->run.version++;
			c->has_run = true;
		}
	}
	/* Kept when the next message of the same session could start from it. */
	struct convo_query next = {
		.msg_id = t->msg_id,
		.session = t->session,
		.limit = t->limited ? t->env->limit : 0,
	};
	bool guarded;
	if (c->has_run && c->run.status == RUN_ACTIVE && kept_serves(t, c, &next, &guarded)) {
		convo_cache_put(t->env->convos, t->kind, t->phone, c, t->in.now);
	} else {
		convo_cache_drop(t->env->convos, t->kind, t->phone);
		convo_release(c);
	}
}

void turn_free(struct turn *t)
{
	if (t->keep && t->env->convos)
		keep_convo(t);
	turn_reset(t);
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

/* Config gsm7_substitute: ' for ’, - for –, ... for … in what is sent, so
 * that a stray curly quote does not make a message UCS-2 (twice the SMS).
 * A USSD screen keeps its original when the substitutes would not fit. */
static void substitute_gsm7(struct turn *t)
{
	struct buf *reply = &t->d.reply;
	const char *r = buf_str(reply);
	bool prefixed = t->in.channel == CHANNEL_USSD &&
			(!strncmp(r, "CON ", 4) || !strncmp(r, "END ", 4));
	struct buf b = BUF_INIT;
	gsm7_substitute(r, reply->len, &b);
	if (t->in.channel != CHANNEL_USSD ||
	    ussd_fits(buf_str(&b) + (prefixed ? 4 : 0), t->env->policy.ussd_max)) {
		buf_release(reply);
		*reply = b;
	} else {
		buf_release(&b);
	}
}

static void turn_finish(struct turn *t, int rc)
{
	/* Not after a STOP, a refusal or a repeat: their state is not the
	 * decision's. */
	const struct decision *d = &t->d;
	t->keep = rc == 0 && t->convo && !d->stop && !t->over_limit &&
		  !t->convo->dup_reply;
	if (rc == 0 && t->env->gsm7_substitute && t->d.reply.len)
		substitute_gsm7(t);
	if (rc == 0) {
		metrics_observe_step(seconds_since(&t->started));
		if (d->has_run && d->run.version == 0)
			metrics_inc(M_SESSIONS_STARTED, t->in.channel);
		if (d->has_run && d->run.status == RUN_COMPLETED)
			metrics_inc(M_SESSIONS_COMPLETED, t->in.channel);
		if (d->inbox != INBOX_NONE && d->commit && !d->stop)
			metrics_inc(M_INBOX_ITEMS, t->in.channel);
	}
	t->answer(t, rc);
}

static void load(struct turn *t);

static void on_loaded(int rc, struct convo *c, void *data);

static void on_committed(int rc, struct convo *fresh, void *data)
{
	struct turn *t = data;
	/* A person taken for unknown who was known is no conflict. */
	bool missed_unknown = t->unknown;
	if (t->guarded) {
		/* The commit made the load's checks: counted once, whatever
		 * follows, and a refusal is answered like a loaded one. */
		t->guarded = false;
		t->counted = true;
		if (rc == 0 && fresh && (fresh->dup_reply || fresh->recent > 0)) {
			turn_reset(t);
			on_loaded(0, fresh, t);
			return;
		}
	}
	if (rc == 0 && ++t->attempts < MAX_ATTEMPTS) {
		if (!missed_unknown)
			metrics_inc(M_CONFLICTS, t->in.channel);
		turn_reset(t);
		/* The commit brought the state as it is now, without the
		 * counters a report-back shows. */
		if (fresh && !t->in.with_stats) {
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
	const struct stored_run *run = &t->d.run;
	bool was_done = t->convo->has_run && run->version &&
			t->convo->run.status == RUN_COMPLETED;
	if (!t->d.has_run || run->status != RUN_COMPLETED || was_done)
		return 0;
	size_t n = run->answers.n;
	*list = xcalloc(n + 1, sizeof(**list));
	/* All strings first, then the pointers: names may move while it grows. */
	size_t *offsets = xcalloc(n + 1, sizeof(*offsets));
	buf_append(names, "count", 6);
	for (size_t i = 0; i < n; i++) {
		offsets[i + 1] = names->len;
		buf_puts(names, "a:");
		buf_puts(names, run->answers.items[i].name);
		buf_putc(names, ':');
		buf_puts(names, run->answers.items[i].value);
		buf_putc(names, '\0');
	}
	for (size_t i = 0; i <= n; i++)
		(*list)[i] = names->data + offsets[i];
	free(offsets);
	return (int)n + 1;
}

/* What an inbox item keeps of the message: on USSD, where the text holds
 * every input of the session joined by '*', the newest one. */
static const char *inbox_text(const struct turn *t)
{
	const char *star = t->in.channel == CHANNEL_USSD && !t->in.one_input ?
			   strrchr(t->text, '*') : NULL;
	return star ? star + 1 : t->text;
}

static void commit(struct turn *t)
{
	const struct decision *d = &t->d;
	int rc;
	if (d->stop) {
		rc = store_stop_runs(t->env->db, t->phone, t->in.now, on_committed, t);
	} else {
		struct buf stat_names = BUF_INIT;
		const char **stats = NULL;
		int nstats = completion_stats(t, &stat_names, &stats);
		struct inbox_new item = {
			.lang = d->has_run ? d->run.lang
				    : t->convo->contact.lang ? t->convo->contact.lang
							     : t->env->policy.default_lang,
			.channel = t->kind,
			.text = inbox_text(t),
			.flow = d->inbox_flow,
			.why = inbox_reason_name(d->inbox),
		};
		if (d->inbox != INBOX_NONE)
			inbox_id_new(item.id);
		struct commit c = {
			.phone = t->phone,
			.kind = t->kind,
			.msg_id = t->forget_reply ? NULL : t->msg_id,
			.msg_ttl = t->msg_ttl,
			.reply = buf_str(&d->reply),
			.expect_pointer = t->convo->has_run ? t->convo->run.id : "",
			.contact_version = t->convo->contact.version,
			.pointer = d->pointer,
			.run = d->has_run ? &d->run : NULL,
			.stored = t->convo->has_run ? &t->convo->run : NULL,
			.end_run = d->end_run,
			.end_status = run_status_name(d->end_status),
			.contact_set = &d->contact_set,
			.contact_del = d->contact_del,
			.ncontact_del = d->ncontact_del,
			.stats = stats,
			.nstats = nstats,
			.inbox = d->inbox != INBOX_NONE ? &item : NULL,
			.remind_at = d->has_run ? reminder_due_at(&d->run, t->in.now) : 0,
			.now = t->in.now,
			.guarded = t->guarded,
			.contact_absent = t->unknown,
			.limit = t->limited ? t->env->limit : 0,
			.window = t->env->window,
			.load_msg_id = t->msg_id,
			.session = t->session,
		};
		rc = store_commit(t->env->db, &c, on_committed, t);
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
	if (!t->guarded)
		t->counted = true;
	int limit = t->env->limit;
	if (t->limited && limit > 0 && c->recent > limit) {
		/* SMS pumping, or two auto-responders talking to each other:
		 * say nothing until the window passes. */
		if (c->recent == limit + 1)
			log_warn("a number exceeded %d messages in %d s; ignoring it for a while",
				 limit, t->env->window);
		metrics_inc(M_RATE_LIMITED, t->in.channel);
		t->over_limit = true;
		turn_finish(t, 0);
		return;
	}
	if (c->dup_reply) {
		/* Kannel retried a message we already answered. */
		buf_puts(&t->d.reply, c->dup_reply);
		turn_finish(t, 0);
		return;
	}
	policy_decide(&t->env->policy, t->flows, c, &t->in, &t->d);
	if (t->d.missed_stats && !t->in.with_stats) {
		/* Decided without the counters a text shows: once more with
		 * them (a report-back; most turns never need them). */
		t->in.with_stats = true;
		turn_reset(t);
		load(t);
		return;
	}
	if (t->guarded && (t->d.stop || !(t->d.commit || t->d.inbox != INBOX_NONE))) {
		/* Only a commit can make the load's checks: a STOP, or a turn
		 * that writes nothing, loads as any other. */
		turn_reset(t);
		load(t);
		return;
	}
	if (t->d.has_run && !t->d.run.id[0])
		run_id_new(t->d.run.id, t->phone); /* a new run */
	if (t->decided)
		t->decided(t);
	if (t->d.inbox != INBOX_NONE)
		t->d.commit = true; /* the item is written with the turn */
	if (t->d.commit || t->d.stop)
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
		.limit = t->limited && !t->counted ? t->env->limit : 0,
		.window = t->env->window,
		.stats_flows = t->in.with_stats ? t->flows->stats_flows : NULL,
		.nstats = t->in.with_stats ? t->flows->nstats_flows : 0,
	};
	t->guarded = false;
	if (t->attempts == 0 && !t->in.with_stats && t->env->convos) {
		/* Taken out whether it serves or not: once this turn is served
		 * its own state replaces it. */
		struct convo *kept = convo_cache_take(t->env->convos, t->kind, t->phone, t->in.now);
		if (kept && kept_serves(t, kept, &q, &t->guarded)) {
			on_loaded(0, kept, t);
			return;
		}
		convo_release(kept);
	}
	if (t->in.dial && !t->unknown_tried && t->attempts == 0 && unknown_guard_covers(&q)) {
		/* A new session, most often of someone never heard from
		 * (store.h, convo_new_unknown): one round trip instead of two. */
		t->unknown_tried = t->unknown = t->guarded = true;
		on_loaded(0, convo_new_unknown(t->phone), t);
		return;
	}
	if (store_load_convo(t->env->db, &q, on_loaded, t) < 0)
		turn_finish(t, -1);
}

void turn_run(struct turn *t) { load(t); }
