/* retention.c -- see retention.h. */
#include "retention.h"

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "flow.h"
#include "inbox.h"
#include "keys.h"
#include "log.h"
#include "person.h"
#include "script.h"
#include "store.h"

/* Erases up to a batch of the oldest runs of a flow (its runs:FLOW is
 * k_flow_runs) that started before the cutoff; returns how many.  Each
 * run's key, and its person's index (the run's field of their contact,
 * store.h) and pointers, are found by reading:
 * the ids in the index, the number in the run (docs/keys.md). */
#define SWEEP_KEYS(X) X(k_flow_runs)
#define SWEEP_ARGS(X) X(cutoff) X(batch)
#define WK(n) SCRIPT_ENUM(WK_, n)
#define WA(n) SCRIPT_ENUM(WA_, n)
enum { SWEEP_KEYS(WK) WK_COUNT };
enum { SWEEP_ARGS(WA) WA_COUNT };

static const char sweep_script[] =
	SCRIPT_LOCALS(SWEEP_KEYS, "KEYS")
	SCRIPT_LOCALS(SWEEP_ARGS, "ARGV")
	"local ids = redis.call('ZRANGEBYSCORE', k_flow_runs, '-inf', '(' .. cutoff, 'LIMIT', 0, tonumber(batch))\n"
	"for _, id in ipairs(ids) do\n"
	"  local rk = " KEYS_LUA(KEYS_RUN_PREFIX, "id") "\n"
	"  local ph = redis.call('HGET', rk, 'ph')\n"
	"  if ph then\n"
	"    redis.call('HDEL', " KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "ph") ", " LUA_CONTACT_RUN("id") ")\n"
	"    for _, kind in ipairs({'sms', 'ussd'}) do\n"
	"      local pk = " KEYS_LUA_POINTER("kind", "ph") "\n"
	"      if redis.call('GET', pk) == id then redis.call('DEL', pk) end\n"
	"    end\n"
	"  end\n"
	"  redis.call('DEL', rk)\n"
	"  redis.call('ZREM', k_flow_runs, id)\n"
	"end\n"
	"return #ids\n";

struct retention {
	struct event_base *base;
	struct db *db;
	struct flow_set *const *flows;
	int days;
	int inbox_keep_days;
	char consumer[64];
	struct event *timer;
	bool stopped;
	bool indexed;            /* person_index_upgrade() has finished */
	bool indexing;
	bool busy;               /* a command is pending: freed after it */
	bool free_asked;
	/* the sweep under way */
	char **flow_ids;
	size_t nflows, next;
	long cutoff, erased;
};

static void arm(struct retention *r, int seconds)
{
	struct timeval tv = {seconds, 0};
	if (!r->stopped)
		evtimer_add(r->timer, &tv);
}

static void sweep_end(struct retention *r)
{
	if (r->flow_ids)
		log_info("retention: erased %ld runs older than %d days", r->erased, r->days);
	for (size_t i = 0; i < r->nflows; i++)
		free(r->flow_ids[i]);
	free(r->flow_ids);
	r->flow_ids = NULL;
	r->nflows = r->next = 0;
	arm(r, RETENTION_CHECK_S);
}

static int sweep_next(struct retention *r);

/* A pending reply arrived: the caller may go on unless freeing was asked. */
static bool reply_settled(struct retention *r)
{
	r->busy = false;
	if (r->free_asked) {
		retention_free(r);
		return false;
	}
	return !r->stopped;
}

static void on_batch(redisReply *reply, void *data)
{
	struct retention *r = data;
	if (!reply_settled(r))
		return;
	if (!reply || reply->type != REDIS_REPLY_INTEGER) {
		log_warn("retention: a sweep batch failed; the next sweep goes on from there");
		sweep_end(r);
		return;
	}
	r->erased += (long)reply->integer;
	if (reply->integer < RETENTION_BATCH)
		r->next++;
	if (sweep_next(r) < 0)
		sweep_end(r);
}

static int sweep_next(struct retention *r)
{
	if (r->next >= r->nflows) {
		sweep_end(r);
		return 0;
	}
	struct db_args a = {0};
	int k = script_begin(&a, sweep_script, WK_COUNT);
	keys_flow_runs(&a, k + WK_k_flow_runs, r->flow_ids[r->next]);
	int v = script_reserve(&a, WA_COUNT);
	db_args_setl(&a, v + WA_cutoff, r->cutoff);
	db_args_setl(&a, v + WA_batch, RETENTION_BATCH);
	if (db_command_args(r->db, on_batch, r, &a) < 0)
		return -1;
	r->busy = true;
	return 0;
}

static void on_lease(redisReply *reply, void *data)
{
	struct retention *r = data;
	if (!reply_settled(r))
		return;
	if (!reply || reply->type != REDIS_REPLY_STATUS) {
		if (reply && reply->type == REDIS_REPLY_NIL)
			log_info("retention: today's sweep is another daemon's (or done)");
		arm(r, RETENTION_CHECK_S); /* or Redis is away: try again later */
		return;
	}
	const struct flow_set *set = *r->flows;
	r->flow_ids = xcalloc(set->n + 1, sizeof(*r->flow_ids));
	for (size_t i = 0; i < set->n; i++)
		r->flow_ids[r->nflows++] = xstrdup(set->flows[i]->id);
	r->next = 0;
	r->erased = 0;
	r->cutoff = (long)time(NULL) - (long)r->days * 86400;
	if (sweep_next(r) < 0)
		sweep_end(r);
}

static void on_indexed(int rc, void *arg)
{
	struct retention *r = arg;
	r->indexing = false;
	if (r->free_asked) {
		retention_free(r);
		return;
	}
	if (rc == 0 && !r->indexed)
		log_info("people: the per-person index of runs is complete");
	r->indexed = rc == 0;
	if (!r->days)
		arm(r, RETENTION_CHECK_S);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct retention *r = arg;
	(void)fd;
	(void)what;
	if (!db_ready_for_background(r->db)) {
		if (!r->indexing)
			arm(r, RETENTION_CHECK_S);
		return;
	}
	if (!r->indexed && !r->indexing) {
		r->indexing = true;
		person_index_upgrade(r->db, on_indexed, r);
	}
	if (!r->days) {
		if (!r->indexing)
			arm(r, RETENTION_CHECK_S);
		return;
	}
	/* A closed item's score is its closing time plus inbox_keep_days
	 * (inbox.h): closed `days` ago is that score minus the difference. */
	if (r->days < r->inbox_keep_days)
		inbox_sweep(r->db, (long)time(NULL) + (long)(r->inbox_keep_days - r->days) * 86400);
	struct db_args a = {0};
	db_args_add(&a, "SET");
	keys_retention(&a, script_reserve(&a, 1));
	db_args_add(&a, r->consumer);
	db_args_add(&a, "NX");
	db_args_add(&a, "EX");
	db_args_addl(&a, RETENTION_LEASE_S);
	if (db_command_args(r->db, on_lease, r, &a) < 0)
		arm(r, RETENTION_CHECK_S);
	else
		r->busy = true;
}

struct retention *retention_start(struct event_base *base, struct db *db,
				  struct flow_set *const *flows, int days, int inbox_keep_days,
				  const char *consumer)
{
	struct retention *r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->db = db;
	r->flows = flows;
	r->days = days;
	r->inbox_keep_days = inbox_keep_days;
	str_copy(r->consumer, sizeof(r->consumer), consumer);
	r->timer = evtimer_new(base, on_tick, r);
	arm(r, 1); /* soon after the start: a daemon restarted daily still sweeps */
	return r;
}

void retention_stop(struct retention *r)
{
	if (!r)
		return;
	r->stopped = true;
	evtimer_del(r->timer);
}

void retention_free(struct retention *r)
{
	if (!r)
		return;
	if (r->busy || r->indexing) {
		r->free_asked = true; /* freed when the pending reply arrives */
		return;
	}
	for (size_t i = 0; i < r->nflows; i++)
		free(r->flow_ids[i]);
	free(r->flow_ids);
	event_free(r->timer);
	free(r);
}
