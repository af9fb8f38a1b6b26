/* reminder.c -- see reminder.h. */
#include "reminder.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "engine.h"
#include "keys.h"
#include "lane.h"
#include "script.h"

long reminder_due_at(const struct stored_run *r, long now)
{
	if (r->remind_after <= 0)
		return 0;
	if (r->channel == CHANNEL_SMS && r->status == RUN_ACTIVE && r->step)
		return now + r->remind_after;
	return -1;
}

int reminder_render(const struct flow *flow, const struct stored_run *sr,
		    const struct contact *c, struct buf *out)
{
	int step = sr->step ? flow_step_index(flow, sr->step) : -1;
	int lang = flow_lang_index(flow, sr->lang);
	if (step < 0 || !flow->remind.after)
		return -1;
	struct engine_ctx ctx = {.flow = flow, .contact = &c->fields};
	struct run run;
	run_init(&run, lang >= 0 ? lang : 0, CHANNEL_SMS);
	run.step = step;
	run.retries = sr->retries;
	fields_copy(&run.answers, &sr->answers);
	engine_expand(&ctx, &run, flow_text_get(flow, &flow->remind.text, run.lang), out);
	struct engine_out screen = {0};
	engine_screen(&ctx, &run, &screen);
	buf_putc(out, '\n');
	buf_append(out, screen.reply.data ? screen.reply.data : "", screen.reply.len);
	engine_out_release(&screen);
	run_release(&run);
	return 0;
}

/* The take: the lease (k_lease) for holder, then what is due in the
 * schedule (k_remind): {id, run hash, contact hash, ...}, or false when
 * another daemon holds the lease.  A run whose hash is gone is dropped
 * from the schedule.  The runs and their contacts are found by the ids
 * read (docs/keys.md). */
#define TAKE_KEYS(X) X(k_lease) X(k_remind)
#define TAKE_ARGS(X) X(holder) X(lease) X(now) X(most)
#define TK(n) SCRIPT_ENUM(TK_, n)
#define TA(n) SCRIPT_ENUM(TA_, n)
enum { TAKE_KEYS(TK) TK_COUNT };
enum { TAKE_ARGS(TA) TA_COUNT };

static const char take_script[] =
	SCRIPT_LOCALS(TAKE_KEYS, "KEYS")
	SCRIPT_LOCALS(TAKE_ARGS, "ARGV")
	"local h = redis.call('GET', k_lease)\n"
	"if h and h ~= holder then return false end\n"
	"redis.call('SET', k_lease, holder, 'PX', lease)\n"
	"local ids = redis.call('ZRANGEBYSCORE', k_remind, '-inf', now, 'LIMIT', 0, most)\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  local k = " KEYS_LUA(KEYS_RUN_PREFIX, "id") "\n"
	"  local ph = redis.call('HGET', k, 'ph')\n"
	"  if not ph then redis.call('ZREM', k_remind, id)\n"
	"  else\n"
	"    out[#out + 1] = id\n"
	"    out[#out + 1] = redis.call('HGETALL', k)\n"
	"    out[#out + 1] = redis.call('HGETALL', " KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "ph") ")\n"
	"  end\n"
	"end\n"
	"return out\n";

/* The send: one reminder of run id (k_run) if the run is as it was read
 * (the same version, still active, not re-armed by an answer meanwhile),
 * the number not opted out and the count (times) not spent; arms the next
 * one in the schedule (k_remind) or drops the entry.  The message goes
 * into the priority lane (k_lane, k_lane_item: lane.h).  The contact is
 * found by the number in the run.  1 sent, 0 not. */
#define SEND_KEYS(X) X(k_remind) X(k_run) X(k_lane) X(k_lane_item)
#define SEND_ARGS(X) X(id) X(now) X(version) X(times) X(text) X(ucs) X(lane_id) X(due)
#define NK(n) SCRIPT_ENUM(NK_, n)
#define NA(n) SCRIPT_ENUM(NA_, n)
enum { SEND_KEYS(NK) NK_COUNT };
enum { SEND_ARGS(NA) NA_COUNT };

static const char send_script[] =
	LANE_PUSH_FUNCTION
	SCRIPT_LOCALS(SEND_KEYS, "KEYS")
	SCRIPT_LOCALS(SEND_ARGS, "ARGV")
	"local t = tonumber(now)\n"
	"local score = redis.call('ZSCORE', k_remind, id)\n"
	"if not score or tonumber(score) > t then return 0 end\n"
	"local r = redis.call('HMGET', k_run, 'v', 'st', 'ph', 'rn', 'ra')\n"
	"local n = tonumber(r[4] or '0')\n"
	"if r[1] ~= version or r[2] ~= 'active' or n >= tonumber(times) or\n"
	"   redis.call('HGET', " KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "r[3]") ", '_optout') == '1' then\n"
	"  redis.call('ZREM', k_remind, id)\n"
	"  return 0\n"
	"end\n"
	"redis.call('HSET', k_run, 'rn', n + 1, 'rt', t)\n"
	"lane_push(k_lane, k_lane_item, lane_id, r[3], text, ucs, '', '', '', due)\n"
	"if n + 1 < tonumber(times) then redis.call('ZADD', k_remind, t + tonumber(r[5] or '0'), id)\n"
	"else redis.call('ZREM', k_remind, id) end\n"
	"return 1\n";

/* The defer: moves id's due entry in the schedule later, to when. */
#define DEFER_KEYS(X) X(k_remind)
#define DEFER_ARGS(X) X(id) X(when)
#define FK(n) SCRIPT_ENUM(FK_, n)
#define FA(n) SCRIPT_ENUM(FA_, n)
enum { DEFER_KEYS(FK) FK_COUNT };
enum { DEFER_ARGS(FA) FA_COUNT };

static const char defer_script[] =
	SCRIPT_LOCALS(DEFER_KEYS, "KEYS")
	SCRIPT_LOCALS(DEFER_ARGS, "ARGV")
	"local s = redis.call('ZSCORE', k_remind, id)\n"
	"if s and tonumber(s) < tonumber(when) then\n"
	"  redis.call('ZADD', k_remind, when, id)\n"
	"  return 1\n"
	"end\n"
	"return 0\n";

struct take_call {
	reminder_take_fn fn;
	void *arg;
};

static void on_taken(redisReply *reply, void *data)
{
	struct take_call *call = data;
	if (!reply || (reply->type != REDIS_REPLY_ARRAY && reply->type != REDIS_REPLY_NIL)) {
		call->fn(-1, NULL, 0, call->arg);
	} else if (reply->type == REDIS_REPLY_NIL) { /* false: not the holder */
		call->fn(0, NULL, 0, call->arg);
	} else {
		size_t max = reply->elements / 3, n = 0;
		struct stored_run *runs = xcalloc(max + 1, sizeof(*runs));
		struct contact *contacts = xcalloc(max + 1, sizeof(*contacts));
		struct reminder_due *due = xcalloc(max + 1, sizeof(*due));
		for (size_t i = 0; i + 2 < reply->elements; i += 3) {
			if (stored_run_decode(&runs[n], reply->element[i]->str,
					      reply->element[i + 1]) < 0)
				continue;
			contact_decode(&contacts[n], runs[n].phone, reply->element[i + 2]);
			due[n].run = &runs[n];
			due[n].contact = &contacts[n];
			n++;
		}
		call->fn(1, due, n, call->arg);
		for (size_t i = 0; i < n; i++) {
			stored_run_release(&runs[i]);
			contact_release(&contacts[i]);
		}
		free(runs);
		free(contacts);
		free(due);
	}
	free(call);
}

int reminder_take(struct db *db, const char *holder, int lease_ms, long now, int most,
		  reminder_take_fn fn, void *arg)
{
	struct take_call *call = xcalloc(1, sizeof(*call));
	call->fn = fn;
	call->arg = arg;
	struct db_args a = {0};
	int k = script_begin(&a, take_script, TK_COUNT);
	keys_remind_lease(&a, k + TK_k_lease);
	keys_remind(&a, k + TK_k_remind);
	int v = script_reserve(&a, TA_COUNT);
	db_args_set(&a, v + TA_holder, holder);
	db_args_setl(&a, v + TA_lease, lease_ms);
	db_args_setl(&a, v + TA_now, now);
	db_args_setl(&a, v + TA_most, most);
	if (db_command_args(db, on_taken, call, &a) < 0) {
		free(call);
		return -1;
	}
	return 0;
}

int reminder_send(struct db *db, const char *id, long now, long version, int times,
		  const char *text, reminder_done_fn fn, void *arg)
{
	struct db_args a = {0};
	int k = script_begin(&a, send_script, NK_COUNT);
	keys_remind(&a, k + NK_k_remind);
	keys_run(&a, k + NK_k_run, id);
	int v = script_reserve(&a, NA_COUNT);
	db_args_set(&a, v + NA_id, id);
	db_args_setl(&a, v + NA_now, now);
	db_args_setl(&a, v + NA_version, version);
	db_args_setl(&a, v + NA_times, times);
	db_args_set(&a, v + NA_text, text);
	lane_push_args(&a, k + NK_k_lane, k + NK_k_lane_item, v + NA_lane_id, v + NA_ucs, text);
	db_args_setf(&a, v + NA_due, "%lld", (long long)now * 1000);
	return db_command_integer(db, &a, fn, arg);
}

int reminder_defer(struct db *db, const char *id, long when, reminder_done_fn fn, void *arg)
{
	struct db_args a = {0};
	int k = script_begin(&a, defer_script, FK_COUNT);
	keys_remind(&a, k + FK_k_remind);
	int v = script_reserve(&a, FA_COUNT);
	db_args_set(&a, v + FA_id, id);
	db_args_setl(&a, v + FA_when, when);
	return db_command_integer(db, &a, fn, arg);
}
