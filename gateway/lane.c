/* lane.c -- see lane.h. */
#include "lane.h"

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "text.h"

#define MAX_ATTEMPTS 5

void lane_id_new(char out[LANE_ID_LEN + 1])
{
	unsigned char raw[LANE_ID_LEN / 2];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, LANE_ID_LEN + 1, raw, sizeof(raw));
}

void lane_push_args(struct db_args *a, const char *text)
{
	struct sms_cost cost;
	sms_cost(text, strlen(text), &cost);
	char id[LANE_ID_LEN + 1];
	lane_id_new(id);
	db_args_add(a, cost.ucs2 ? "1" : "0");
	db_args_addf(a, "%s", id); /* copied: id is gone when a is sent */
}

/* ARGV: now ms, lease ms, most.  Takes the due messages for a lease:
 * {id, hash, id, hash, ...}; a message whose hash is gone is dropped. */
static const char take_script[] =
	"local ids = redis.call('ZRANGEBYSCORE', 'sauti:lane', '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  local h = redis.call('HGETALL', 'sauti:lane:' .. id)\n"
	"  if #h == 0 then redis.call('ZREM', 'sauti:lane', id)\n"
	"  else\n"
	"    redis.call('ZADD', 'sauti:lane', ARGV[1] + ARGV[2], id)\n"
	"    out[#out + 1] = id\n"
	"    out[#out + 1] = h\n"
	"  end\n"
	"end\n"
	"return out\n";

/* ARGV: id, outcome (sent, skipped, or "" for a failed attempt), retry at
 * (ms), most attempts.  Writes the outcome into the record (if it is still
 * "queued": a delivery report may have come first, or the record may have
 * been erased) and drops the message, or puts it back for a retry. */
static const char settle_script[] =
	"local k = 'sauti:lane:' .. ARGV[1]\n"
	"local rk, rf = redis.call('HGET', k, 'rk'), redis.call('HGET', k, 'rf')\n"
	"if not rk then return 0 end\n"
	"local outcome = ARGV[2]\n"
	"if outcome == '' then\n"
	"  if redis.call('HINCRBY', k, 'n', 1) < tonumber(ARGV[4]) then\n"
	"    redis.call('ZADD', 'sauti:lane', ARGV[3], ARGV[1])\n"
	"    return 0\n"
	"  end\n"
	"  outcome = 'failed'\n"
	"end\n"
	"if rk ~= '' and redis.call('HGET', rk, rf) == 'queued' then redis.call('HSET', rk, rf, outcome) end\n"
	"redis.call('DEL', k)\n"
	"redis.call('ZREM', 'sauti:lane', ARGV[1])\n"
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
	db_args_add(&a, "EVAL");
	db_args_add(&a, take_script);
	db_args_add(&a, "0");
	db_args_addf(&a, "%lld", now_ms);
	db_args_addl(&a, lease_ms);
	db_args_addl(&a, most);
	if (db_command_args(db, on_taken, call, &a) < 0) {
		free(call);
		return -1;
	}
	return 0;
}

void lane_settle(struct db *db, const char *id, enum lane_outcome outcome, long long retry_ms)
{
	struct db_args a = {0};
	db_args_add(&a, "EVAL");
	db_args_add(&a, settle_script);
	db_args_add(&a, "0");
	db_args_add(&a, id);
	db_args_add(&a, outcome == LANE_SENT ? "sent" : outcome == LANE_SKIPPED ? "skipped" : "");
	db_args_addf(&a, "%lld", retry_ms);
	db_args_addl(&a, MAX_ATTEMPTS);
	db_command_args(db, NULL, NULL, &a);
}
