/* broadcast.c -- see broadcast.h.
 *
 *   create -> bc:due --claim--> plan + enqueue --> outbox --pace--> sendsms
 *                                                    ^  |
 *                          retry (backoff) ----------+  +--> DLR -> delivered
 */
#include "broadcast.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "engine.h"
#include "flow.h"
#include "log.h"
#include "metrics.h"
#include "phone.h"
#include "reminder.h"
#include "store.h"
#include "text.h"

#define BROADCAST_ID_LEN 12
#define CLAIM_LEASE 60          /* seconds a claimed broadcast is ours */
#define RECLAIM_IDLE_MS 15000   /* unacknowledged this long: orphaned (> SENDSMS_TIMEOUT) */
#define MAX_ATTEMPTS 10
#define MAX_BACKOFF 30
#define TICK_MS 100
#define SENDSMS_TIMEOUT 10

/* -- audiences --------------------------------------------------------------- */

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

int audience_check(const char *audience, const char *country, char *normalised,
		   size_t size, char *err, size_t errsize)
{
	if (strcmp(audience, "all") == 0) {
		snprintf(normalised, size, "all");
		return 0;
	}
	const char *colon = strchr(audience, ':');
	if (!colon) {
		snprintf(err, errsize, "audience '%s' must be group:NAME, respondents:FLOW, "
				       "phones:+255...,+233... or all", audience);
		return -1;
	}
	size_t kind = (size_t)(colon - audience);
	const char *arg = colon + 1;
	if ((kind == 5 && strncmp(audience, "group", 5) == 0) ||
	    (kind == 11 && strncmp(audience, "respondents", 11) == 0)) {
		if (!valid_name(arg)) {
			snprintf(err, errsize, "'%s' is not a group or flow name", arg);
			return -1;
		}
		snprintf(normalised, size, "%s", audience);
		return 0;
	}
	if (kind != 6 || strncmp(audience, "phones", 6) != 0) {
		snprintf(err, errsize, "unknown audience '%.*s': use group, respondents, phones or all",
			 (int)kind, audience);
		return -1;
	}
	struct buf out = BUF_INIT;
	buf_puts(&out, "phones:");
	int n = 0;
	for (const char *p = arg; *p;) {
		size_t len = strcspn(p, ",");
		char one[64], e164[PHONE_E164_SIZE];
		const char *why = NULL;
		snprintf(one, sizeof(one), "%.*s", (int)(len < 63 ? len : 63), p);
		if (phone_normalise(one, country, e164, sizeof(e164), &why) < 0) {
			snprintf(err, errsize, "phone '%s': %s", one, why ? why : "unreadable");
			buf_release(&out);
			return -1;
		}
		buf_printf(&out, "%s%s", n++ ? "," : "", e164);
		p += len;
		if (*p == ',')
			p++;
	}
	if (!n || out.len >= size) {
		snprintf(err, errsize, n ? "too many phones" : "phones: names no number");
		buf_release(&out);
		return -1;
	}
	snprintf(normalised, size, "%s", out.data);
	buf_release(&out);
	return 0;
}

/* ARGV: kind, argument, then the flows whose stats to return.
 * Returns {{phone, contact hash, ...}, {flow, stats hash, ...}}. */
static const char audience_script[] =
	"local kind, arg = ARGV[1], ARGV[2]\n"
	"local phones = {}\n"
	"if kind == 'group' then phones = redis.call('SMEMBERS', 'sauti:g:' .. arg)\n"
	"elseif kind == 'all' then phones = redis.call('SMEMBERS', 'sauti:contacts')\n"
	"elseif kind == 'phones' then\n"
	"  for p in string.gmatch(arg, '[^,]+') do phones[#phones + 1] = p end\n"
	"elseif kind == 'respondents' then\n"
	"  local seen = {}\n"
	"  for _, id in ipairs(redis.call('ZRANGE', 'sauti:runs:' .. arg, 0, -1)) do\n"
	"    local v = redis.call('HMGET', 'sauti:r:' .. id, 'st', 'ph')\n"
	"    if v[1] == 'completed' and v[2] and not seen[v[2]] then\n"
	"      seen[v[2]] = true; phones[#phones + 1] = v[2]\n"
	"    end\n"
	"  end\n"
	"end\n"
	"table.sort(phones)\n"
	"local out, seen = {}, {}\n"
	"for _, p in ipairs(phones) do\n"
	"  if not seen[p] then\n"
	"    seen[p] = true\n"
	"    out[#out + 1] = p; out[#out + 1] = redis.call('HGETALL', 'sauti:c:' .. p)\n"
	"  end\n"
	"end\n"
	"local stats = {}\n"
	"for i = 3, #ARGV do\n"
	"  stats[#stats + 1] = ARGV[i]\n"
	"  stats[#stats + 1] = redis.call('HGETALL', 'sauti:stats:' .. ARGV[i])\n"
	"end\n"
	"return {out, stats}\n";

/* -- planning: what each recipient gets -------------------------------------- */

struct recipient {
	struct contact contact;
	struct run run;
	char *text;
	struct sms_cost cost;
};

struct plan {
	struct db *db;
	struct flow_set *flows;       /* a reference */
	const struct flow *flow;
	char *id;                     /* broadcast id; NULL for a dry run */
	struct recipient *r;
	size_t n;
	const redisReply *stats;      /* {flow, hash, ...}: valid while planning */
	void (*done)(int rc, struct plan *p);
	void *arg;
	long now;
	long waiting;                 /* enqueue replies still to come */
	bool failed;
};

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		contact_release(&p->r[i].contact);
		run_release(&p->r[i].run);
		free(p->r[i].text);
	}
	free(p->r);
	free(p->id);
	flow_set_unref(p->flows);
	free(p);
}

static const redisReply *stats_of(const struct plan *p, const char *flow, size_t len)
{
	for (size_t i = 0; p->stats && i + 1 < p->stats->elements; i += 2) {
		const redisReply *name = p->stats->element[i];
		if (name->len == len && memcmp(name->str, flow, len) == 0)
			return p->stats->element[i + 1];
	}
	return NULL;
}

static long stat_count(void *data, const char *flow, size_t flow_len, const char *field)
{
	const redisReply *hash = stats_of(data, flow, flow_len);
	for (size_t i = 0; hash && i + 1 < hash->elements; i += 2)
		if (strcmp(hash->element[i]->str, field) == 0)
			return strtol(hash->element[i + 1]->str, NULL, 10);
	return 0;
}

static int plan_stats(void *data, const char *path, struct buf *out)
{
	return engine_stats_value(path, stat_count, data, out);
}

static void plan_recipient(struct plan *p, struct recipient *r)
{
	const struct flow *flow = p->flow;
	int lang = r->contact.lang ? flow_lang_index(flow, r->contact.lang) : -1;
	run_init(&r->run, lang >= 0 ? lang : 0, CHANNEL_SMS);
	struct engine_ctx ctx = {
		.flow = flow,
		.contact = &r->contact.fields,
		.stats = plan_stats,
		.stats_data = p,
	};
	struct engine_out out = {0};
	engine_start(&ctx, &r->run, &out);
	r->text = buf_detach(&out.reply);
	sms_cost(r->text, strlen(r->text), &r->cost);
	engine_out_release(&out);
}

static void on_audience(redisReply *reply, void *data);

static int plan_start(struct plan *p, const char *audience)
{
	const char *colon = strchr(audience, ':');
	struct db_args a = {0};
	db_args_add(&a, "EVAL");
	db_args_add(&a, audience_script);
	db_args_add(&a, "0");
	if (colon) {
		db_args_addn(&a, audience, (size_t)(colon - audience));
		db_args_add(&a, colon + 1);
	} else {
		db_args_add(&a, audience);
		db_args_add(&a, "");
	}
	for (size_t i = 0; i < p->flows->nstats_flows; i++)
		db_args_add(&a, p->flows->stats_flows[i]);
	return db_command_args(p->db, on_audience, p, &a);
}

static void on_audience(redisReply *reply, void *data)
{
	struct plan *p = data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
		p->done(-1, p);
		return;
	}
	const redisReply *list = reply->element[0];
	p->stats = reply->element[1];
	p->n = list->elements / 2;
	p->r = xcalloc(p->n ? p->n : 1, sizeof(*p->r));
	for (size_t i = 0; i < p->n; i++) {
		contact_decode(&p->r[i].contact, list->element[2 * i]->str, list->element[2 * i + 1]);
		if (!p->r[i].contact.opted_out)
			plan_recipient(p, &p->r[i]);
	}
	p->stats = NULL; /* the reply is freed after this callback */
	p->done(0, p);
}

static struct plan *plan_new(struct db *db, const struct flow_set *flows, const struct flow *flow)
{
	struct plan *p = xcalloc(1, sizeof(*p));
	p->db = db;
	p->flows = flow_set_ref((struct flow_set *)flows);
	p->flow = flow;
	p->now = (long)time(NULL);
	return p;
}

/* -- dry runs ------------------------------------------------------------------- */

struct dry {
	broadcast_plan_fn fn;
	void *arg;
};

static void add_ucs2_char(char *chars, size_t size, const char *text, const struct sms_cost *c)
{
	if (!c->ucs2 || strlen(chars) + c->first_ucs2_len + 2 >= size)
		return;
	char one[8];
	snprintf(one, sizeof(one), "%.*s", (int)c->first_ucs2_len, text + c->first_ucs2);
	if (!strstr(chars, one))
		strcat(chars, one);
}

static void summarise(const struct plan *p, struct broadcast_plan_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < p->n; i++) {
		const struct recipient *r = &p->r[i];
		if (r->contact.opted_out) {
			s->skipped++;
			continue;
		}
		const char *lang = p->flow->langs[r->run.lang];
		int k = 0;
		while (k < s->nlangs && strcmp(s->langs[k].lang, lang) != 0)
			k++;
		if (k == s->nlangs && s->nlangs < 8)
			snprintf(s->langs[s->nlangs++].lang, sizeof(s->langs[0].lang), "%s", lang);
		if (k >= 8)
			continue;
		s->recipients++;
		s->sms_total += (long)r->cost.segments;
		s->langs[k].recipients++;
		s->langs[k].sms += (long)r->cost.segments;
		if (r->cost.segments > s->langs[k].segments)
			s->langs[k].segments = r->cost.segments;
		s->langs[k].ucs2 |= r->cost.ucs2;
		add_ucs2_char(s->langs[k].ucs2_chars, sizeof(s->langs[k].ucs2_chars), r->text, &r->cost);
	}
}

static void on_dry_planned(int rc, struct plan *p)
{
	struct dry *d = p->arg;
	struct broadcast_plan_summary s;
	if (rc == 0)
		summarise(p, &s);
	d->fn(rc, rc == 0 ? &s : NULL, d->arg);
	free(d);
	plan_free(p);
}

int broadcast_dry_run(struct db *db, const struct flow_set *flows, const char *flow_id,
		      const char *audience, broadcast_plan_fn done, void *arg)
{
	const struct flow *flow = flow_set_find(flows, flow_id);
	if (!flow)
		return -1;
	struct plan *p = plan_new(db, flows, flow);
	struct dry *d = xcalloc(1, sizeof(*d));
	d->fn = done;
	d->arg = arg;
	p->arg = d;
	p->done = on_dry_planned;
	if (plan_start(p, audience) < 0) {
		free(d);
		plan_free(p);
		return -1;
	}
	return 0;
}

void broadcast_plan_text(const struct broadcast_plan_summary *s, struct buf *out)
{
	buf_printf(out, "recipients: %ld (and %ld opted out, skipped)\n", s->recipients, s->skipped);
	for (int k = 0; k < s->nlangs; k++) {
		buf_printf(out, "  %s: %ld recipients, %zu SMS per message (%s)",
			   s->langs[k].lang, s->langs[k].recipients, s->langs[k].segments,
			   s->langs[k].ucs2 ? "UCS-2" : "GSM-7");
		if (s->langs[k].ucs2)
			buf_printf(out, ", forced by: %s", s->langs[k].ucs2_chars);
		buf_printf(out, ", %ld SMS\n", s->langs[k].sms);
	}
	buf_printf(out, "total: %ld SMS\n", s->sms_total);
}

void broadcast_plan_json(const struct broadcast_plan_summary *s, struct buf *out)
{
	json_t *langs = json_object();
	for (int k = 0; k < s->nlangs; k++)
		json_object_set_new(langs, s->langs[k].lang,
				    json_pack("{s:I,s:I,s:I,s:b,s:s}",
					      "recipients", (json_int_t)s->langs[k].recipients,
					      "segments", (json_int_t)s->langs[k].segments,
					      "sms", (json_int_t)s->langs[k].sms,
					      "ucs2", s->langs[k].ucs2,
					      "ucs2_chars", s->langs[k].ucs2_chars));
	json_t *root = json_pack("{s:I,s:I,s:I,s:o}", "recipients", (json_int_t)s->recipients,
				 "skipped", (json_int_t)s->skipped, "sms_total",
				 (json_int_t)s->sms_total, "languages", langs);
	char *text = json_dumps(root, JSON_COMPACT);
	buf_puts(out, text);
	free(text);
	json_decref(root);
}

/* -- creating and claiming -------------------------------------------------------- */

struct created {
	broadcast_created_fn fn;
	void *arg;
	char id[BROADCAST_ID_LEN + 1];
};

static void on_created(redisReply *reply, void *data)
{
	struct created *c = data;
	c->fn(reply && reply->type != REDIS_REPLY_ERROR ? c->id : NULL, c->arg);
	free(c);
}

static const char create_script[] =
	"redis.call('HSET', 'sauti:bc:' .. ARGV[1], 'flow', ARGV[2], 'to', ARGV[3],\n"
	"  'at', ARGV[4], 'created', ARGV[5], 'state', 'scheduled')\n"
	"redis.call('ZADD', 'sauti:bc:due', ARGV[4], ARGV[1])\n"
	"return 1\n";

int broadcast_create(struct db *db, const char *flow, const char *audience,
		     long at, broadcast_created_fn done, void *arg)
{
	struct created *c = xcalloc(1, sizeof(*c));
	unsigned char raw[BROADCAST_ID_LEN / 2];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(c->id, sizeof(c->id), raw, sizeof(raw));
	c->fn = done;
	c->arg = arg;
	long now = (long)time(NULL);
	struct db_args a = {0};
	db_args_add(&a, "EVAL");
	db_args_add(&a, create_script);
	db_args_add(&a, "0");
	db_args_add(&a, c->id);
	db_args_add(&a, flow);
	db_args_add(&a, audience);
	db_args_addl(&a, at > 0 ? at : now);
	db_args_addl(&a, now);
	if (db_command_args(db, on_created, c, &a) < 0) {
		free(c);
		return -1;
	}
	return 0;
}

/* ARGV: now.  Claims the earliest due broadcast for CLAIM_LEASE seconds:
 * {id, its hash} or false. */
static const char claim_script[] =
	"local due = redis.call('ZRANGEBYSCORE', 'sauti:bc:due', '-inf', ARGV[1], 'LIMIT', 0, 1)\n"
	"if #due == 0 then return false end\n"
	"redis.call('ZADD', 'sauti:bc:due', ARGV[1] + " "60" ", due[1])\n"
	"redis.call('HSET', 'sauti:bc:' .. due[1], 'state', 'planning')\n"
	"return {due[1], redis.call('HGETALL', 'sauti:bc:' .. due[1])}\n";

/* ARGV: broadcast, phone, opted out, flow, ucs2, text, then the run fields
 * (count first) of the run to start, and its id.  Enqueues one recipient
 * once: a second expansion of the same broadcast changes nothing. */
static const char enqueue_script[] =
	"local bc, ph = ARGV[1], ARGV[2]\n"
	"local rk = 'sauti:bc:' .. bc .. ':r'\n"
	"if redis.call('HEXISTS', rk, ph) == 1 then return 0 end\n"
	"if ARGV[3] == '1' then redis.call('HSET', rk, ph, 'skipped') return 2 end\n"
	"local n = tonumber(ARGV[7])\n"
	"local fields = {}\n"
	"for i = 1, n do fields[i] = ARGV[7 + i] end\n"
	"local id = ARGV[8 + n]\n"
	"local done = ARGV[9 + n] == '1'\n"
	"local ptr = 'sauti:cur:sms:' .. ph\n"
	"local cur = redis.call('GET', ptr)\n"
	"if cur and redis.call('HGET', 'sauti:r:' .. cur, 'st') == 'active' then\n"
	"  redis.call('HSET', 'sauti:r:' .. cur, 'st', 'expired')\n"
	"  redis.call('HINCRBY', 'sauti:r:' .. cur, 'v', 1)\n"
	"end\n"
	"redis.call('HSET', 'sauti:r:' .. id, 'v', 1, unpack(fields))\n"
	"redis.call('ZADD', 'sauti:runs:' .. ARGV[4], ARGV[10 + n], id)\n"
	"redis.call('ZADD', 'sauti:pr:' .. ph, ARGV[10 + n], id)\n"
	"if done then redis.call('DEL', ptr) else redis.call('SET', ptr, id) end\n"
	"redis.call('HSET', rk, ph, 'queued')\n"
	"redis.call('XADD', 'sauti:outbox', '*', 'bc', bc, 'ph', ph, 'ucs', ARGV[5], 'txt', ARGV[6], 'n', 0)\n"
	"return 1\n";

struct broadcaster {
	struct broadcast_env env;
	struct event *tick;
	bool claiming;
	bool reading;
	bool granting;
	long ticks;
	/* sendsms connections: an admitted message goes out at once on an idle
	 * one, never queued behind a slow answer to another (which would bunch
	 * hand-offs and break the one-second window). */
	struct evhttp_connection **kannel;
	bool *kannel_busy;
	int nkannel;
	char kannel_host[128];
	int kannel_port;
	char kannel_path[256];
	struct outgoing *queue;       /* read from the outbox, not yet slotted */
	LIST_HEAD(, outgoing) all;    /* every outgoing alive */
	size_t in_hand;               /* read and not yet finished */
};

/* One enqueue answered (or the planner's own hold released). */
static void enqueue_settle(struct plan *p)
{
	if (--p->waiting > 0)
		return;
	if (!p->failed) {
		char key[64];
		snprintf(key, sizeof(key), "sauti:bc:%s", p->id);
		const char *state[] = {"HSET", key, "state", "sending"};
		const char *undue[] = {"ZREM", "sauti:bc:due", p->id};
		db_command(p->db, NULL, NULL, 4, state, NULL);
		db_command(p->db, NULL, NULL, 3, undue, NULL);
		log_info("broadcast %s: %zu recipients enqueued", p->id, p->n);
	} else {
		log_warn("broadcast %s: enqueueing failed; retried when its claim lapses", p->id);
	}
	plan_free(p);
}

static void on_enqueued(redisReply *reply, void *data)
{
	struct plan *p = data;
	if (!reply || reply->type != REDIS_REPLY_INTEGER)
		p->failed = true;
	enqueue_settle(p);
}

static int enqueue(struct plan *p, struct recipient *r)
{
	struct db_args a = {0};
	db_args_add(&a, "EVAL");
	db_args_add(&a, enqueue_script);
	db_args_add(&a, "0");
	db_args_add(&a, p->id);
	db_args_add(&a, r->contact.phone);
	db_args_add(&a, r->contact.opted_out ? "1" : "0");
	db_args_add(&a, p->flow->id);
	db_args_add(&a, r->cost.ucs2 ? "1" : "0");
	db_args_add(&a, r->text ? r->text : "");
	struct stored_run run = {0};
	if (!r->contact.opted_out) {
		run_id_new(run.id);
		run.flow = p->flow->id;
		run.phone = r->contact.phone;
		run.lang = p->flow->langs[r->run.lang];
		run.step = r->run.step >= 0 ? p->flow->steps[r->run.step].id : NULL;
		run.channel = CHANNEL_SMS;
		run.status = r->run.status;
		run.started = run.updated = p->now;
		run.completed = r->run.status == RUN_COMPLETED ? p->now : 0;
		run.expires = p->now + p->flow->expire;
		run.remind_after = p->flow->remind.after;
		run.answers = r->run.answers;
		store_run_fields(&a, &run);
	} else {
		db_args_add(&a, "0");
	}
	db_args_add(&a, run.id);
	db_args_add(&a, r->run.status == RUN_COMPLETED ? "1" : "0");
	db_args_addl(&a, p->now);
	return db_command_args(p->db, on_enqueued, p, &a);
}

static void on_planned(int rc, struct plan *p)
{
	if (rc < 0) {
		log_warn("broadcast %s: could not read its audience; retried later", p->id);
		plan_free(p);
		return;
	}
	p->waiting = 1;
	for (size_t i = 0; i < p->n; i++) {
		if (enqueue(p, &p->r[i]) < 0) {
			p->failed = true;
			break;
		}
		p->waiting++;
	}
	enqueue_settle(p); /* drops the hold taken above */
}

static const char *hash_get(const redisReply *h, const char *name)
{
	for (size_t i = 0; i + 1 < h->elements; i += 2)
		if (strcmp(h->element[i]->str, name) == 0)
			return h->element[i + 1]->str;
	return NULL;
}

/* The audience as the log may name it: a phones: list is numbers, which
 * no log at info shows (README.md, "Privacy"), so it is counted. */
static void audience_for_log(const char *audience, char *out, size_t size)
{
	if (strncmp(audience, "phones:", 7) != 0) {
		snprintf(out, size, "%s", audience);
		return;
	}
	size_t n = 1;
	for (const char *p = audience + 7; *p; p++)
		n += *p == ',';
	snprintf(out, size, "phones (%zu listed)", n);
}

static void on_claimed(redisReply *reply, void *data)
{
	struct broadcaster *b = data;
	b->claiming = false;
	if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
		return;
	const char *id = reply->element[0]->str;
	const char *flow_id = hash_get(reply->element[1], "flow");
	const char *audience = hash_get(reply->element[1], "to");
	const struct flow *flow = flow_id ? flow_set_find(*b->env.flows, flow_id) : NULL;
	if (!flow || !audience) {
		log_error("broadcast %s: flow '%s' is not loaded; it waits", id, flow_id ? flow_id : "?");
		return;
	}
	char shown[256];
	audience_for_log(audience, shown, sizeof(shown));
	log_info("broadcast %s: planning %s to %s", id, flow_id, shown);
	struct plan *p = plan_new(b->env.db, *b->env.flows, flow);
	p->id = xstrdup(id);
	p->done = on_planned;
	if (plan_start(p, audience) < 0)
		plan_free(p);
}

/* -- sending ---------------------------------------------------------------------- */

/* ARGV: interval in microseconds, slots wanted.  Hands out the next free
 * sending slots, spaced by interval, up to a second ahead, by Redis' clock:
 * {now, slot, slot, ...}.  One schedule shared by every daemon. */
static const char grant_script[] =
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000000 + t[2]\n"
	"local nxt = tonumber(redis.call('GET', 'sauti:rate') or '0')\n"
	"if nxt < now then nxt = now end\n"
	"local out = {now}\n"
	"for i = 1, tonumber(ARGV[2]) do\n"
	"  if nxt > now + 1000000 then break end\n"
	"  out[#out + 1] = nxt\n"
	"  nxt = nxt + tonumber(ARGV[1])\n"
	"end\n"
	"redis.call('SET', 'sauti:rate', string.format('%.0f', nxt), 'PX', 10000)\n"
	"return out\n";

/* admit(rate, member): whether one more message fits the last second's
 * `rate` (true, and it is counted) or not.  The window is 1.02 s: 20 ms of
 * guard for the time between this admission and the hand-off.  Every
 * message handed to Kannel, broadcast or priority, passes here. */
#define ADMIT_FUNCTION \
	"local function admit(rate, member)\n" \
	"  local t = redis.call('TIME')\n" \
	"  local now = t[1] * 1000000 + t[2]\n" \
	"  redis.call('ZREMRANGEBYSCORE', 'sauti:rate:log', '-inf', now - 1020000)\n" \
	"  if redis.call('ZCARD', 'sauti:rate:log') >= tonumber(rate) then return false end\n" \
	"  redis.call('ZADD', 'sauti:rate:log', now, member .. ':' .. now)\n" \
	"  redis.call('PEXPIRE', 'sauti:rate:log', 2000)\n" \
	"  return true\n" \
	"end\n"

/* ARGV: broadcast, phone, rate.  Right before handing a message to Kannel:
 * 0 when it must not go (sent already, or the person said STOP meanwhile),
 * -1 when the last second already holds `rate` messages (try again soon),
 * 1 when it may go now. */
static const char begin_script[] =
	ADMIT_FUNCTION
	"local rk = 'sauti:bc:' .. ARGV[1] .. ':r'\n"
	"local st = redis.call('HGET', rk, ARGV[2])\n"
	"if st ~= 'queued' and st ~= 'sending' then return 0 end\n"
	"if redis.call('HGET', 'sauti:c:' .. ARGV[2], '_optout') == '1' then\n"
	"  redis.call('HSET', rk, ARGV[2], 'skipped')\n"
	"  return 0\n"
	"end\n"
	"if not admit(ARGV[3], ARGV[1] .. ':' .. ARGV[2]) then return -1 end\n"
	"redis.call('HSET', rk, ARGV[2], 'sending')\n"
	"return 1\n";

/* ARGV: phone, rate.  begin_script for a priority message: 0 opted out. */
static const char priority_begin_script[] =
	ADMIT_FUNCTION
	"if redis.call('HGET', 'sauti:c:' .. ARGV[1], '_optout') == '1' then return 0 end\n"
	"if not admit(ARGV[2], 'p:' .. ARGV[1]) then return -1 end\n"
	"return 1\n";

/* ARGV: entry id, broadcast, phone, outcome (1 accepted, 0 refused, 2 held
 * back by quiet hours), attempt, ucs2, text, retry time (ms), max attempts.
 * Settles one send: 1 sent, 2 failed for good, 3 queued again for later. */
static const char done_script[] =
	REMINDER_ARM_FUNCTION
	"redis.call('XACK', 'sauti:outbox', 'senders', ARGV[1])\n"
	"redis.call('XDEL', 'sauti:outbox', ARGV[1])\n"
	"local rk = 'sauti:bc:' .. ARGV[2] .. ':r'\n"
	"local st = redis.call('HGET', rk, ARGV[3])\n"
	"if ARGV[4] == '1' then\n"
	"  if st == 'sending' or st == 'queued' then\n"
	"    redis.call('HSET', rk, ARGV[3], 'sent')\n"
	"    remind_arm(ARGV[3], tonumber(redis.call('TIME')[1]))\n" /* the silence starts now */
	"  end\n"
	"  return 1\n"
	"end\n"
	"if st ~= 'sending' and st ~= 'queued' then return 0 end\n"
	"local n = tonumber(ARGV[5])\n"
	"if ARGV[4] == '0' then n = n + 1 end\n"
	"if n >= tonumber(ARGV[9]) then redis.call('HSET', rk, ARGV[3], 'failed') return 2 end\n"
	"redis.call('HSET', rk, ARGV[3], 'queued')\n"
	"redis.call('ZADD', 'sauti:outbox:retry', ARGV[8], cjson.encode({bc = ARGV[2],\n"
	"  ph = ARGV[3], ucs = ARGV[6], txt = ARGV[7], n = n}))\n"
	"return 3\n";

/* Moves retries that are due back into the outbox. */
static const char retry_script[] =
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
	"local due = redis.call('ZRANGEBYSCORE', 'sauti:outbox:retry', '-inf', now, 'LIMIT', 0, 100)\n"
	"for _, m in ipairs(due) do\n"
	"  local e = cjson.decode(m)\n"
	"  redis.call('XADD', 'sauti:outbox', '*', 'bc', e.bc, 'ph', e.ph, 'ucs', e.ucs, 'txt', e.txt, 'n', e.n)\n"
	"  redis.call('ZREM', 'sauti:outbox:retry', m)\n"
	"end\n"
	"return #due\n";

struct outgoing {
	struct broadcaster *b;
	char entry[48];
	char bc[BROADCAST_ID_LEN + 1];
	char phone[PHONE_E164_SIZE];
	char *text;
	bool ucs2;
	int attempt;
	struct event *timer;
	int conn;                       /* sendsms connection held, or -1 */
	/* A priority message (broadcast_send_priority) has no broadcast: its
	 * outcome goes to priority_done instead of the outbox. */
	void (*priority_done)(int rc, void *arg);
	void *priority_arg;
	char *dlr_id;
	struct outgoing *next;          /* in b->queue, while not yet slotted */
	LIST_ENTRY(outgoing) alive;     /* in b->all */
};

static void release_conn(struct outgoing *o)
{
	if (o->conn >= 0)
		o->b->kannel_busy[o->conn] = false;
	o->conn = -1;
}

static void outgoing_free(struct outgoing *o)
{
	struct broadcaster *b = o->b;
	release_conn(o);
	b->in_hand--;
	LIST_REMOVE(o, alive);
	if (o->timer)
		event_free(o->timer);
	free(o->text);
	free(o->dlr_id);
	free(o);
}

/* A priority message is over: rc as broadcast_send_priority's done. */
static void priority_finish(struct outgoing *o, int rc)
{
	o->priority_done(rc, o->priority_arg);
	outgoing_free(o);
}

static int kannel_rate(const struct broadcaster *b)
{
	return b->env.cfg->kannel.rate > 0 ? b->env.cfg->kannel.rate : 1;
}

static void on_done(redisReply *reply, void *data)
{
	struct outgoing *o = data;
	if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 2)
		log_warn("broadcast %s: gave up on a recipient after %d attempts", o->bc, MAX_ATTEMPTS);
	outgoing_free(o);
}

enum outcome { REFUSED, ACCEPTED, HELD };

static void settle_at(struct outgoing *o, enum outcome outcome, long long retry_ms)
{
	bool accepted = outcome == ACCEPTED;
	struct db_args a = {0};
	db_args_add(&a, "EVAL");
	db_args_add(&a, done_script);
	db_args_add(&a, "0");
	db_args_add(&a, o->entry);
	db_args_add(&a, o->bc);
	db_args_add(&a, o->phone);
	db_args_add(&a, outcome == ACCEPTED ? "1" : outcome == HELD ? "2" : "0");
	db_args_addl(&a, o->attempt);
	db_args_add(&a, o->ucs2 ? "1" : "0");
	db_args_add(&a, o->text);
	db_args_addl(&a, retry_ms);
	db_args_addl(&a, MAX_ATTEMPTS);
	if (accepted)
		metrics_inc(M_MESSAGES_OUT, CHANNEL_SMS);
	/* When Redis is away the entry stays pending in the stream and is
	 * claimed again later: nothing is lost, at worst sent twice. */
	if (db_command_args(o->b->env.db, on_done, o, &a) < 0)
		outgoing_free(o);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void settle(struct outgoing *o, bool accepted)
{
	int backoff = 1 << (o->attempt < 5 ? o->attempt : 5);
	if (backoff > MAX_BACKOFF)
		backoff = MAX_BACKOFF;
	settle_at(o, accepted ? ACCEPTED : REFUSED, now_ms() + backoff * 1000LL);
}

long long broadcast_quiet_ms(const struct config *cfg, const char *phone, long long now)
{
	int start = cfg->quiet_hours.start, end = cfg->quiet_hours.end, offset;
	if (start < 0 || end < 0 || start == end || phone_utc_offset(phone, &offset) < 0)
		return 0;
	long long day = 24LL * 3600 * 1000;
	long long local = ((now + offset * 60000LL) % day + day) % day;
	long long s = start * 3600000LL, e = end * 3600000LL;
	bool quiet = s < e ? (local >= s && local < e) : (local >= s || local < e);
	if (!quiet)
		return 0;
	return ((e - local) % day + day) % day;
}

static void on_kannel_answer(struct evhttp_request *req, void *arg)
{
	struct outgoing *o = arg;
	release_conn(o);
	int code = req ? evhttp_request_get_response_code(req) : 0;
	bool accepted = false;
	if (code >= 200 && code < 300) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		char head[4] = {0};
		evbuffer_copyout(in, head, 2);
		/* "0: Accepted for delivery", "3: Queued for later delivery" */
		accepted = head[0] == '0' || head[0] == '3';
	}
	if (!accepted)
		log_warn("%s %s: kannel answered %d; will retry", o->priority_done ? "priority message" : "broadcast",
			 o->priority_done ? o->dlr_id : o->bc, code);
	if (o->priority_done)
		priority_finish(o, accepted ? 1 : 0);
	else
		settle(o, accepted);
}

static void send_to_kannel(struct outgoing *o)
{
	struct broadcaster *b = o->b;
	const struct config *cfg = b->env.cfg;
	const char *host = strcmp(cfg->listen_host, "0.0.0.0") == 0 ? "127.0.0.1" : cfg->listen_host;
	struct buf dlr_id = BUF_INIT, dlr = BUF_INIT, uri = BUF_INIT;
	if (o->dlr_id)
		buf_puts(&dlr_id, o->dlr_id);
	else
		buf_printf(&dlr_id, "b.%s.%s", o->bc, o->phone);
	char *id_enc = evhttp_uriencode(dlr_id.data, -1, 0);
	buf_printf(&dlr, "http://%s:%d/kannel/dlr?id=%s&status=%%d", host, cfg->listen_port, id_enc);
	char *user = evhttp_uriencode(cfg->kannel.username ? cfg->kannel.username : "", -1, 0);
	char *pass = evhttp_uriencode(cfg->kannel.password ? cfg->kannel.password : "", -1, 0);
	char *from = evhttp_uriencode(cfg->kannel.from ? cfg->kannel.from : "", -1, 0);
	char *to = evhttp_uriencode(o->phone, -1, 0);
	/* Config gsm7_substitute: see text.h. */
	struct buf plain = BUF_INIT;
	bool ucs2 = o->ucs2;
	if (cfg->gsm7_substitute && ucs2) {
		struct sms_cost cost;
		gsm7_substitute(o->text, strlen(o->text), &plain);
		sms_cost(buf_str(&plain), plain.len, &cost);
		ucs2 = cost.ucs2;
	}
	char *text = evhttp_uriencode(plain.len ? buf_str(&plain) : o->text, -1, 0);
	buf_release(&plain);
	char *dlr_enc = evhttp_uriencode(dlr.data, -1, 0);
	buf_printf(&uri, "%s?username=%s&password=%s&from=%s&to=%s&text=%s&charset=UTF-8%s"
			 "&dlr-mask=3&dlr-url=%s",
		   b->kannel_path, user, pass, from, to, text, ucs2 ? "&coding=2" : "", dlr_enc);
	struct evhttp_request *req = evhttp_request_new(on_kannel_answer, o);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", b->kannel_host);
	if (evhttp_make_request(b->kannel[o->conn], req, EVHTTP_REQ_GET, uri.data) < 0) {
		release_conn(o);
		if (o->priority_done)
			priority_finish(o, 0);
		else
			settle(o, false);
	}
	free(id_enc);
	free(user);
	free(pass);
	free(from);
	free(to);
	free(text);
	free(dlr_enc);
	buf_release(&dlr_id);
	buf_release(&dlr);
	buf_release(&uri);
}

static void schedule(struct outgoing *o, long usec);

static void on_begin(redisReply *reply, void *data)
{
	struct outgoing *o = data;
	if (!reply || reply->type != REDIS_REPLY_INTEGER || !o->b->kannel) {
		if (o->priority_done)
			priority_finish(o, 0);
		else
			outgoing_free(o); /* stays pending in the stream: reclaimed later */
		return;
	}
	if (reply->integer == 1) {
		send_to_kannel(o);
	} else if (reply->integer == -1) {
		release_conn(o);
		schedule(o, 50 * 1000);
	} else if (o->priority_done) {
		release_conn(o);
		priority_finish(o, 2);
	} else {
		release_conn(o);
		settle(o, true); /* nothing to send: acknowledge the entry */
	}
}

static void on_slot(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct outgoing *o = arg;
	struct broadcaster *b = o->b;
	long long now = now_ms();
	/* A priority message's time was chosen when it was queued. */
	long long wait = o->priority_done ? 0 : broadcast_quiet_ms(b->env.cfg, o->phone, now);
	if (wait > 0) {
		settle_at(o, HELD, now + wait);
		return;
	}
	/* Admission (begin_script) only with a connection in hand, so that
	 * the window Redis keeps is the window of hand-offs. */
	for (int i = 0; i < b->nkannel && o->conn < 0; i++)
		if (!b->kannel_busy[i]) {
			b->kannel_busy[i] = true;
			o->conn = i;
		}
	if (o->conn < 0) {
		schedule(o, 5 * 1000);
		return;
	}
	char rate[16];
	snprintf(rate, sizeof(rate), "%d", kannel_rate(o->b));
	int rc;
	if (o->priority_done) {
		const char *argv[] = {"EVAL", priority_begin_script, "0", o->phone, rate};
		rc = db_command(b->env.db, on_begin, o, 5, argv, NULL);
	} else {
		const char *argv[] = {"EVAL", begin_script, "0", o->bc, o->phone, rate};
		rc = db_command(b->env.db, on_begin, o, 6, argv, NULL);
	}
	if (rc < 0 && o->priority_done)
		priority_finish(o, 0);
	else if (rc < 0)
		outgoing_free(o);
}

static void schedule(struct outgoing *o, long usec)
{
	if (!o->timer)
		o->timer = evtimer_new(o->b->env.base, on_slot, o);
	struct timeval tv = {usec / 1000000, usec % 1000000};
	evtimer_add(o->timer, &tv);
}

static void on_granted(redisReply *reply, void *data)
{
	struct broadcaster *b = data;
	b->granting = false;
	if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
		return;
	long long now = reply->element[0]->integer;
	for (size_t i = 1; i < reply->elements && b->queue; i++) {
		struct outgoing *o = b->queue;
		b->queue = o->next;
		long long wait = reply->element[i]->integer - now;
		schedule(o, wait > 0 ? (long)wait : 0);
	}
}

static void request_slots(struct broadcaster *b)
{
	if (b->granting || !b->queue)
		return;
	size_t n = 0;
	for (struct outgoing *o = b->queue; o; o = o->next)
		n++;
	char interval[32], count[32];
	snprintf(interval, sizeof(interval), "%d", 1000000 / kannel_rate(b));
	snprintf(count, sizeof(count), "%zu", n);
	const char *argv[] = {"EVAL", grant_script, "0", interval, count};
	b->granting = db_command(b->env.db, on_granted, b, 5, argv, NULL) == 0;
}

static const char *entry_field(const redisReply *fields, const char *name)
{
	for (size_t i = 0; fields && i + 1 < fields->elements; i += 2)
		if (strcmp(fields->element[i]->str, name) == 0)
			return fields->element[i + 1]->str;
	return NULL;
}

/* Takes [[id, [field, value, ...]], ...] into the queue. */
static void take_entries(struct broadcaster *b, const redisReply *entries)
{
	struct outgoing **tail = &b->queue;
	while (*tail)
		tail = &(*tail)->next;
	for (size_t i = 0; entries && i < entries->elements; i++) {
		const redisReply *e = entries->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		const char *bc = entry_field(e->element[1], "bc");
		const char *ph = entry_field(e->element[1], "ph");
		const char *txt = entry_field(e->element[1], "txt");
		if (!bc || !ph || !txt)
			continue;
		struct outgoing *o = xcalloc(1, sizeof(*o));
		o->b = b;
		o->conn = -1;
		snprintf(o->entry, sizeof(o->entry), "%s", e->element[0]->str);
		snprintf(o->bc, sizeof(o->bc), "%s", bc);
		snprintf(o->phone, sizeof(o->phone), "%s", ph);
		o->text = xstrdup(txt);
		const char *ucs = entry_field(e->element[1], "ucs");
		const char *n = entry_field(e->element[1], "n");
		o->ucs2 = ucs && strcmp(ucs, "1") == 0;
		o->attempt = n ? atoi(n) : 0;
		b->in_hand++;
		LIST_INSERT_HEAD(&b->all, o, alive);
		*tail = o;
		tail = &o->next;
	}
	request_slots(b);
}

static void on_read(redisReply *reply, void *data)
{
	struct broadcaster *b = data;
	b->reading = false;
	/* [[stream, [[id, fields], ...]]], or nil when there is nothing. */
	if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
	    reply->element[0]->elements == 2)
		take_entries(b, reply->element[0]->element[1]);
}

static void on_autoclaim(redisReply *reply, void *data)
{
	struct broadcaster *b = data;
	b->reading = false;
	/* [next id, [[id, fields], ...], [deleted ids]] */
	if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2) {
		if (reply->element[1]->elements)
			log_info("outbox: took over %zu messages left by a stopped daemon",
				 reply->element[1]->elements);
		take_entries(b, reply->element[1]);
	}
}

static void read_outbox(struct broadcaster *b, bool reclaim)
{
	long room = 2L * kannel_rate(b) - (long)b->in_hand;
	if (b->reading || room <= 0 || !db_ready(b->env.db))
		return;
	char count[24];
	snprintf(count, sizeof(count), "%ld", room);
	if (reclaim) {
		char idle[16];
		snprintf(idle, sizeof(idle), "%d", RECLAIM_IDLE_MS);
		const char *argv[] = {"XAUTOCLAIM", "sauti:outbox", "senders", b->env.consumer,
				      idle, "0-0", "COUNT", count};
		b->reading = db_command(b->env.db, on_autoclaim, b, 8, argv, NULL) == 0;
	} else {
		const char *argv[] = {"XREADGROUP", "GROUP", "senders", b->env.consumer,
				      "COUNT", count, "STREAMS", "sauti:outbox", ">"};
		b->reading = db_command(b->env.db, on_read, b, 9, argv, NULL) == 0;
	}
}

static void claim_due(struct broadcaster *b)
{
	if (b->claiming)
		return;
	char now[32];
	snprintf(now, sizeof(now), "%ld", (long)time(NULL));
	const char *argv[] = {"EVAL", claim_script, "0", now};
	b->claiming = db_command(b->env.db, on_claimed, b, 4, argv, NULL) == 0;
}

/* pcall: the group exists already but for the very first start. */
static const char create_group_script[] =
	"redis.pcall('XGROUP', 'CREATE', 'sauti:outbox', 'senders', '0', 'MKSTREAM')\n"
	"return 1\n";

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct broadcaster *b = arg;
	if (!db_ready(b->env.db))
		return;
	if (b->ticks == 0) {
		const char *argv[] = {"EVAL", create_group_script, "0"};
		db_command(b->env.db, NULL, NULL, 3, argv, NULL);
	}
	b->ticks++;
	/* Reclaim first on start: a restarted daemon finds its own entries. */
	read_outbox(b, b->ticks % 50 == 2);
	request_slots(b);
	if (b->ticks % 10 == 1) {
		claim_due(b);
		const char *argv[] = {"EVAL", retry_script, "0"};
		db_command(b->env.db, NULL, NULL, 3, argv, NULL);
	}
}

struct broadcaster *broadcast_start(const struct broadcast_env *env)
{
	struct broadcaster *b = xcalloc(1, sizeof(*b));
	b->env = *env;
	LIST_INIT(&b->all);
	struct evhttp_uri *uri = evhttp_uri_parse(env->cfg->kannel.sendsms);
	if (!uri || !evhttp_uri_get_host(uri)) {
		log_error("kannel.sendsms '%s' is not a URL", env->cfg->kannel.sendsms);
		if (uri)
			evhttp_uri_free(uri);
		free(b);
		return NULL;
	}
	snprintf(b->kannel_host, sizeof(b->kannel_host), "%s", evhttp_uri_get_host(uri));
	b->kannel_port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
	const char *path = evhttp_uri_get_path(uri);
	snprintf(b->kannel_path, sizeof(b->kannel_path), "%s", path && *path ? path : "/");
	evhttp_uri_free(uri);
	b->nkannel = kannel_rate(b) / 20 + 2;
	b->kannel = xcalloc((size_t)b->nkannel, sizeof(*b->kannel));
	b->kannel_busy = xcalloc((size_t)b->nkannel, sizeof(*b->kannel_busy));
	for (int i = 0; i < b->nkannel; i++) {
		b->kannel[i] = evhttp_connection_base_new(env->base, NULL, b->kannel_host,
							  (ev_uint16_t)b->kannel_port);
		evhttp_connection_set_timeout(b->kannel[i], SENDSMS_TIMEOUT);
	}
	b->tick = event_new(env->base, -1, EV_PERSIST, on_tick, b);
	struct timeval tv = {0, TICK_MS * 1000};
	event_add(b->tick, &tv);
	return b;
}

void broadcast_stop(struct broadcaster *b)
{
	if (!b)
		return;
	event_free(b->tick);
	b->tick = NULL;
	for (int i = 0; i < b->nkannel; i++)
		evhttp_connection_free(b->kannel[i]);
	free(b->kannel);
	b->kannel = NULL;
}

void broadcast_free(struct broadcaster *b)
{
	if (!b)
		return;
	/* What is left stays pending in the stream (or the priority lane)
	 * for the next daemon. */
	b->queue = NULL;
	while (!LIST_EMPTY(&b->all)) {
		struct outgoing *o = LIST_FIRST(&b->all);
		if (o->priority_done)
			priority_finish(o, -1);
		else
			outgoing_free(o);
	}
	free(b->kannel_busy);
	free(b);
}

int broadcast_send_priority(struct broadcaster *b, const char *phone, const char *text,
			    bool ucs2, const char *dlr_id, void (*done)(int rc, void *arg),
			    void *arg)
{
	if (!b || !b->kannel)
		return -1;
	struct outgoing *o = xcalloc(1, sizeof(*o));
	o->b = b;
	o->conn = -1;
	snprintf(o->phone, sizeof(o->phone), "%s", phone);
	o->text = xstrdup(text);
	o->ucs2 = ucs2;
	o->dlr_id = dlr_id ? xstrdup(dlr_id) : NULL;
	o->priority_done = done;
	o->priority_arg = arg;
	b->in_hand++;
	LIST_INSERT_HEAD(&b->all, o, alive);
	/* First in the queue: the next slot granted is its. */
	o->next = b->queue;
	b->queue = o;
	request_slots(b);
	return 0;
}

/* -- status and delivery reports ------------------------------------------------- */

static const char status_script[] =
	"local h = redis.call('HGETALL', 'sauti:bc:' .. ARGV[1])\n"
	"if #h == 0 then return false end\n"
	"local c = {queued = 0, sending = 0, sent = 0, delivered = 0, failed = 0, skipped = 0}\n"
	"for _, v in ipairs(redis.call('HVALS', 'sauti:bc:' .. ARGV[1] .. ':r')) do\n"
	"  c[v] = (c[v] or 0) + 1\n"
	"end\n"
	"return {h, c.queued + c.sending, c.sent, c.delivered, c.failed, c.skipped}\n";

struct status_call {
	broadcast_counts_fn fn;
	void *arg;
};

static void on_status(redisReply *reply, void *data)
{
	struct status_call *s = data;
	struct broadcast_counts c = {0};
	int rc = -1;
	if (reply && reply->type == REDIS_REPLY_NIL) {
		rc = 0;
	} else if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 6) {
		rc = 0;
		c.found = true;
		const char *flow = hash_get(reply->element[0], "flow");
		const char *state = hash_get(reply->element[0], "state");
		snprintf(c.flow, sizeof(c.flow), "%s", flow ? flow : "");
		c.queued = reply->element[1]->integer;
		/* "sent" counts every message Kannel accepted, delivered or not. */
		c.sent = reply->element[2]->integer + reply->element[3]->integer;
		c.delivered = reply->element[3]->integer;
		c.failed = reply->element[4]->integer;
		c.skipped = reply->element[5]->integer;
		c.total = c.queued + c.sent + c.failed + c.skipped;
		bool finished = state && strcmp(state, "sending") == 0 && c.queued == 0;
		snprintf(c.state, sizeof(c.state), "%s", finished ? "done" : state ? state : "?");
	}
	s->fn(rc, rc == 0 ? &c : NULL, s->arg);
	free(s);
}

int broadcast_status(struct db *db, const char *id, broadcast_counts_fn done, void *arg)
{
	struct status_call *s = xcalloc(1, sizeof(*s));
	s->fn = done;
	s->arg = arg;
	const char *argv[] = {"EVAL", status_script, "0", id};
	if (db_command(db, on_status, s, 4, argv, NULL) < 0) {
		free(s);
		return -1;
	}
	return 0;
}

void broadcast_counts_json(const struct broadcast_counts *c, const char *id, struct buf *out)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "id", id, "flow", c->flow,
			      "state", c->state, "total", (json_int_t)c->total,
			      "queued", (json_int_t)c->queued, "sent", (json_int_t)c->sent,
			      "delivered", (json_int_t)c->delivered, "failed", (json_int_t)c->failed,
			      "skipped", (json_int_t)c->skipped);
	char *text = json_dumps(o, JSON_COMPACT);
	buf_puts(out, text);
	free(text);
	json_decref(o);
}

/* ARGV: broadcast, phone, Kannel's DLR type (1 delivered, 2 failed, 16
 * rejected; 8 and 4 are intermediate).  A message in several parts reports
 * once per part; the state moves once. */
static const char dlr_script[] =
	"local rk = 'sauti:bc:' .. ARGV[1] .. ':r'\n"
	"local st = redis.call('HGET', rk, ARGV[2])\n"
	"if st ~= 'sent' and st ~= 'sending' then return 0 end\n"
	"local s = tonumber(ARGV[3])\n"
	"if s == 1 then redis.call('HSET', rk, ARGV[2], 'delivered')\n"
	"elseif s == 2 or s == 16 then redis.call('HSET', rk, ARGV[2], 'failed') end\n"
	"return 1\n";

struct dlr_call {
	void (*fn)(int rc, void *arg);
	void *arg;
};

static void on_dlr(redisReply *reply, void *data)
{
	struct dlr_call *d = data;
	d->fn(reply && reply->type == REDIS_REPLY_INTEGER ? 0 : -1, d->arg);
	free(d);
}

int broadcast_dlr(struct db *db, const char *id, int status,
		  void (*done)(int rc, void *arg), void *arg)
{
	if (strncmp(id, "b.", 2) != 0)
		return -1;
	const char *dot = strchr(id + 2, '.');
	if (!dot || dot == id + 2)
		return -1;
	char bc[BROADCAST_ID_LEN + 8], st[8];
	snprintf(bc, sizeof(bc), "%.*s", (int)(dot - id - 2), id + 2);
	snprintf(st, sizeof(st), "%d", status);
	struct dlr_call *d = xcalloc(1, sizeof(*d));
	d->fn = done;
	d->arg = arg;
	const char *argv[] = {"EVAL", dlr_script, "0", bc, dot + 1, st};
	if (db_command(db, on_dlr, d, 6, argv, NULL) < 0) {
		free(d);
		return -2;
	}
	return 0;
}
