/* reminder.c -- see reminder.h. */
#include "reminder.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "engine.h"
#include "lane.h"

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

/* ARGV: holder, lease ms, now, most.  The lease, then what is due:
 * {id, run hash, contact hash, ...}, or false when another daemon holds
 * the lease.  A run whose hash is gone is dropped from the schedule. */
static const char take_script[] =
	"local h = redis.call('GET', 'sauti:remind:lease')\n"
	"if h and h ~= ARGV[1] then return false end\n"
	"redis.call('SET', 'sauti:remind:lease', ARGV[1], 'PX', ARGV[2])\n"
	"local ids = redis.call('ZRANGEBYSCORE', '" REMINDER_KEY "', '-inf', ARGV[3], 'LIMIT', 0, ARGV[4])\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  local k = 'sauti:r:' .. id\n"
	"  local ph = redis.call('HGET', k, 'ph')\n"
	"  if not ph then redis.call('ZREM', '" REMINDER_KEY "', id)\n"
	"  else\n"
	"    out[#out + 1] = id\n"
	"    out[#out + 1] = redis.call('HGETALL', k)\n"
	"    out[#out + 1] = redis.call('HGETALL', 'sauti:c:' .. ph)\n"
	"  end\n"
	"end\n"
	"return out\n";

/* ARGV: id, now, run version, times, text, ucs2, lane id, due ms.  Sends
 * one reminder if the run is as it was read (same version, still active,
 * not re-armed by an answer meanwhile), the number not opted out and the
 * count not spent; arms the next one or drops the entry.  1 sent, 0 not. */
static const char send_script[] =
	LANE_PUSH_FUNCTION
	"local R = '" REMINDER_KEY "'\n"
	"local id, now = ARGV[1], tonumber(ARGV[2])\n"
	"local score = redis.call('ZSCORE', R, id)\n"
	"if not score or tonumber(score) > now then return 0 end\n"
	"local k = 'sauti:r:' .. id\n"
	"local r = redis.call('HMGET', k, 'v', 'st', 'ph', 'rn', 'ra')\n"
	"local n = tonumber(r[4] or '0')\n"
	"if r[1] ~= ARGV[3] or r[2] ~= 'active' or n >= tonumber(ARGV[4]) or\n"
	"   redis.call('HGET', 'sauti:c:' .. r[3], '_optout') == '1' then\n"
	"  redis.call('ZREM', R, id)\n"
	"  return 0\n"
	"end\n"
	"redis.call('HSET', k, 'rn', n + 1, 'rt', now)\n"
	"lane_push(ARGV[7], r[3], ARGV[5], ARGV[6], '', '', '', ARGV[8])\n"
	"if n + 1 < tonumber(ARGV[4]) then redis.call('ZADD', R, now + tonumber(r[5] or '0'), id)\n"
	"else redis.call('ZREM', R, id) end\n"
	"return 1\n";

/* ARGV: id, when.  Moves a due entry later. */
static const char defer_script[] =
	"local s = redis.call('ZSCORE', '" REMINDER_KEY "', ARGV[1])\n"
	"if s and tonumber(s) < tonumber(ARGV[2]) then\n"
	"  redis.call('ZADD', '" REMINDER_KEY "', ARGV[2], ARGV[1])\n"
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
	db_args_add(&a, "EVAL");
	db_args_add(&a, take_script);
	db_args_add(&a, "0");
	db_args_add(&a, holder);
	db_args_addl(&a, lease_ms);
	db_args_addl(&a, now);
	db_args_addl(&a, most);
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
	db_args_add(&a, "EVAL");
	db_args_add(&a, send_script);
	db_args_add(&a, "0");
	db_args_add(&a, id);
	db_args_addl(&a, now);
	db_args_addl(&a, version);
	db_args_addl(&a, times);
	db_args_add(&a, text);
	lane_push_args(&a, text);
	db_args_addf(&a, "%lld", (long long)now * 1000);
	return db_command_integer(db, &a, fn, arg);
}

int reminder_defer(struct db *db, const char *id, long when, reminder_done_fn fn, void *arg)
{
	struct db_args a = {0};
	db_args_add(&a, "EVAL");
	db_args_add(&a, defer_script);
	db_args_add(&a, "0");
	db_args_add(&a, id);
	db_args_addl(&a, when);
	return db_command_integer(db, &a, fn, arg);
}
