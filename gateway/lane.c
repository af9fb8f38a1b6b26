/* lane.c -- see lane.h. */
#include "lane.h"

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "keys.h"
#include "script.h"
#include "text.h"

#define MAX_ATTEMPTS 5

void lane_id_new(char out[LANE_ID_LEN + 1])
{
	unsigned char raw[LANE_ID_LEN / 2];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, LANE_ID_LEN + 1, raw, sizeof(raw));
}

void lane_push_args(struct db_args *a, int k_lane, int k_item, int id, int ucs,
		    const char *text)
{
	struct sms_cost cost;
	sms_cost(text, strlen(text), &cost);
	char fresh[LANE_ID_LEN + 1];
	lane_id_new(fresh);
	keys_lane(a, k_lane);
	keys_lane_item(a, k_item, fresh);
	db_args_setf(a, id, "%s", fresh); /* copied: fresh is gone when a is sent */
	db_args_set(a, ucs, cost.ucs2 ? "1" : "0");
}

/* The take: the due messages, for a lease: {id, hash, id, hash, ...}; a
 * message whose hash is gone is dropped.  A message's key is found by its
 * id in the lane (docs/keys.md). */
#define TAKE_KEYS(X) X(k_lane)
#define TAKE_ARGS(X) X(now) X(lease) X(most)
#define TK(n) SCRIPT_ENUM(TK_, n)
#define TA(n) SCRIPT_ENUM(TA_, n)
enum { TAKE_KEYS(TK) TK_COUNT };
enum { TAKE_ARGS(TA) TA_COUNT };

static const char take_script[] =
	SCRIPT_LOCALS(TAKE_KEYS, "KEYS")
	SCRIPT_LOCALS(TAKE_ARGS, "ARGV")
	"local ids = redis.call('ZRANGEBYSCORE', k_lane, '-inf', now, 'LIMIT', 0, most)\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  local h = redis.call('HGETALL', " KEYS_LUA(KEYS_LANE_ITEM_PREFIX, "id") ")\n"
	"  if #h == 0 then redis.call('ZREM', k_lane, id)\n"
	"  else\n"
	"    redis.call('ZADD', k_lane, now + lease, id)\n"
	"    out[#out + 1] = id\n"
	"    out[#out + 1] = h\n"
	"  end\n"
	"end\n"
	"return out\n";

/* The settling of message id (its key k_item): outcome is sent, skipped,
 * or "" for a failed attempt, retried at retry (ms) up to most attempts.
 * Writes the outcome into the record (if it is still "queued": a delivery
 * report may have come first, or the record may have been erased) and
 * drops the message, or puts it back for a retry.  The record's key is
 * the message's rk, as the recording script gave it. */
#define SETTLE_KEYS(X) X(k_lane) X(k_item)
#define SETTLE_ARGS(X) X(id) X(outcome) X(retry) X(most)
#define SK(n) SCRIPT_ENUM(SK_, n)
#define SA(n) SCRIPT_ENUM(SA_, n)
enum { SETTLE_KEYS(SK) SK_COUNT };
enum { SETTLE_ARGS(SA) SA_COUNT };

static const char settle_script[] =
	SCRIPT_LOCALS(SETTLE_KEYS, "KEYS")
	SCRIPT_LOCALS(SETTLE_ARGS, "ARGV")
	"local rk, rf = redis.call('HGET', k_item, 'rk'), redis.call('HGET', k_item, 'rf')\n"
	"if not rk then return 0 end\n"
	"if outcome == '' then\n"
	"  if redis.call('HINCRBY', k_item, 'n', 1) < tonumber(most) then\n"
	"    redis.call('ZADD', k_lane, retry, id)\n"
	"    return 0\n"
	"  end\n"
	"  outcome = 'failed'\n"
	"end\n"
	"if rk ~= '' and redis.call('HGET', rk, rf) == 'queued' then redis.call('HSET', rk, rf, outcome) end\n"
	"redis.call('DEL', k_item)\n"
	"redis.call('ZREM', k_lane, id)\n"
	"return 1\n";

struct take_call {
	lane_take_fn fn;
	void *arg;
};

static const char *hash_field(const redisReply *h, const char *name)
{
	for (size_t i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->str && strcmp(h->element[i]->str, name) == 0)
			return h->element[i + 1]->str;
	return NULL;
}

static void on_taken(redisReply *reply, void *data)
{
	struct take_call *call = data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY) {
		call->fn(-1, NULL, 0, call->arg);
		free(call);
		return;
	}
	struct lane_msg *msgs = xcalloc(reply->elements / 2 + 1, sizeof(*msgs));
	size_t n = 0;
	for (size_t i = 0; i + 1 < reply->elements; i += 2) {
		const redisReply *h = reply->element[i + 1];
		struct lane_msg *m = &msgs[n];
		m->id = reply->element[i]->str;
		m->phone = hash_field(h, "ph");
		m->text = hash_field(h, "txt");
		const char *ucs = hash_field(h, "ucs"), *dlr = hash_field(h, "dlr");
		m->ucs2 = ucs && strcmp(ucs, "1") == 0;
		m->dlr = dlr && *dlr ? dlr : NULL;
		if (m->id && m->phone && m->text)
			n++;
	}
	call->fn(0, msgs, n, call->arg);
	free(msgs);
	free(call);
}

int lane_take(struct db *db, long long now_ms, int lease_ms, int most, lane_take_fn fn,
	      void *arg)
{
	struct take_call *call = xcalloc(1, sizeof(*call));
	call->fn = fn;
	call->arg = arg;
	struct db_args a = {0};
	int k = script_begin(&a, take_script, TK_COUNT);
	keys_lane(&a, k + TK_k_lane);
	int v = script_reserve(&a, TA_COUNT);
	db_args_setf(&a, v + TA_now, "%lld", now_ms);
	db_args_setl(&a, v + TA_lease, lease_ms);
	db_args_setl(&a, v + TA_most, most);
	if (db_command_args(db, on_taken, call, &a) < 0) {
		free(call);
		return -1;
	}
	return 0;
}

void lane_settle(struct db *db, const char *id, enum lane_outcome outcome, long long retry_ms)
{
	struct db_args a = {0};
	int k = script_begin(&a, settle_script, SK_COUNT);
	keys_lane(&a, k + SK_k_lane);
	keys_lane_item(&a, k + SK_k_item, id);
	int v = script_reserve(&a, SA_COUNT);
	db_args_set(&a, v + SA_id, id);
	db_args_set(&a, v + SA_outcome,
		    outcome == LANE_SENT ? "sent" : outcome == LANE_SKIPPED ? "skipped" : "");
	db_args_setf(&a, v + SA_retry, "%lld", retry_ms);
	db_args_setl(&a, v + SA_most, MAX_ATTEMPTS);
	db_command_args(db, NULL, NULL, &a);
}
