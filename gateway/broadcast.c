/* broadcast.c -- see broadcast.h.
 *
 *   create -> bc:due --claim--> plan (page by page) --> outbox --pace--> sendsms
 *                                                        ^  |
 *              retry (backoff), waiting (in a run) ------+  +--> DLR -> delivered
 *
 * Every change of a recipient's state goes through recipient_move() in Lua, which also
 * keeps the broadcast's per-state counters (n:STATE in bc:ID) and the totals
 * over all broadcasts (bc:totals): so status and /metrics cost O(1). */
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

#include "db.h"
#include "engine.h"
#include "flow.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "phone.h"
#include "reminder.h"
#include "config.h"
#include "script.h"
#include "store.h"
#include "text.h"
#include "timeutil.h"

#define BROADCAST_ID_LEN 12
#define CLAIM_LEASE "60"        /* seconds a claimed broadcast is ours */
#define RECLAIM_IDLE_MS (BROADCAST_TAKE_OVER_SECONDS * 1000) /* > SENDSMS_TIMEOUT */
#define MAX_ATTEMPTS 10
#define MAX_BACKOFF 30
#define TICK_MS 100
#define SENDSMS_TIMEOUT 10
#define WAIT_POLL_MS 3000       /* how often a waiting recipient is looked at again */
#define PAGE_SIZE 50           /* audience members read per command */
#define PLAN_WINDOW 2           /* enqueue commands in flight while planning */
#define LIST_MAX 1000           /* broadcasts `broadcast list` shows */

/* The recipient states, in the order of struct broadcast_counts. */
static const char *const state_names[BC_NSTATES] = {
	"queued", "waiting", "sending", "sent", "delivered", "failed", "skipped", "cancelled",
};

/* recipient_move(bk, rk, ph, from, to): the one way a recipient changes
 * state (from is false for a new one): bk the broadcast's hash, rk its
 * recipients; keeps the counters of bk and of k_totals (bc:totals), which
 * the script declares before it. */
#define RECIPIENT_MOVE_FUNCTION \
	"local function recipient_move(bk, rk, ph, from, to)\n" \
	"  redis.call('HSET', rk, ph, to)\n" \
	"  if from then\n" \
	"    redis.call('HINCRBY', bk, 'n:' .. from, -1)\n" \
	"    redis.call('HINCRBY', k_totals, from, -1)\n" \
	"  end\n" \
	"  redis.call('HINCRBY', bk, 'n:' .. to, 1)\n" \
	"  redis.call('HINCRBY', k_totals, to, 1)\n" \
	"end\n"

/* present(bk, ck, ph): whether ph is still someone to send to: their
 * contact hash ck exists, or the broadcast's phones: audience names them
 * (a number may be sent to without being a contact).  `contacts forget`
 * deletes the one and edits the other, so a forgotten person is neither,
 * even when a page of the audience was read before the forget
 * (docs/keys.md, "One person's keys"). */
#define PRESENT_FUNCTION \
	"local listed\n" \
	"local function present(bk, ck, ph)\n" \
	"  if redis.call('EXISTS', ck) == 1 then return true end\n" \
	"  if not listed then\n" \
	"    local to = redis.call('HGET', bk, 'to') or ''\n" \
	"    listed = string.sub(to, 1, 7) == 'phones:' and (',' .. string.sub(to, 8) .. ',') or ''\n" \
	"  end\n" \
	"  return string.find(listed, ',' .. ph .. ',', 1, true) ~= nil\n" \
	"end\n"

/* unrecipient(bk, rk, ph): takes ph out of a broadcast as forget does:
 * out of the recipients and out of the per-state counters. */
#define UNRECIPIENT_FUNCTION \
	"local function unrecipient(bk, rk, ph)\n" \
	"  local st = redis.call('HGET', rk, ph)\n" \
	"  if not st then return end\n" \
	"  redis.call('HDEL', rk, ph)\n" \
	"  if redis.call('HEXISTS', bk, 'n:' .. st) == 1 then\n" \
	"    redis.call('HINCRBY', bk, 'n:' .. st, -1)\n" \
	"    redis.call('HINCRBY', k_totals, st, -1)\n" \
	"  end\n" \
	"end\n"

/* -- audiences --------------------------------------------------------------- */

static bool valid_name(const char *s, size_t len)
{
	if (!len || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* answer:FLOW.NAME=KEY: the three parts, or -1. */
static int answer_parts(const char *arg, struct buf *flow, struct buf *name, struct buf *key)
{
	const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
	if (!dot || !eq || eq < dot || !valid_name(arg, (size_t)(dot - arg)) ||
	    !valid_name(dot + 1, (size_t)(eq - dot - 1)) || !eq[1] || strlen(eq + 1) > 64)
		return -1;
	buf_append(flow, arg, (size_t)(dot - arg));
	buf_append(name, dot + 1, (size_t)(eq - dot - 1));
	buf_puts(key, eq + 1);
	return 0;
}

/* Why FLOW (a respondents: or answer: audience's) is none of the flows:
 * the sentence names those there are, so that a typo is seen at once. */
static int unknown_flow(const struct flow_set *flows, const char *flow, char *err,
			size_t errsize)
{
	struct buf ids = BUF_INIT;
	for (size_t i = 0; i < flows->n; i++)
		buf_printf(&ids, "%s%s", i ? ", " : "", flows->flows[i]->id);
	snprintf(err, errsize, "no flow '%s' (the flows: %s)", flow, flows->n ? buf_str(&ids) : "none");
	buf_release(&ids);
	return -1;
}

/* An audience that names a flow, an answer or a key no flow has would be
 * nobody, and say nothing of why: it is refused, saying what is wrong. */
static int audience_flows_check(const struct flow_set *flows, const char *flow,
				const char *name, const char *key, char *err, size_t errsize)
{
	if (!flows)
		return 0;
	const struct flow *f = flow_set_find(flows, flow);
	if (!f)
		return unknown_flow(flows, flow, err, errsize);
	return flow_answer_problem(f, name, key, err, errsize) ? -1 : 0;
}

static const char audience_kinds[] =
	"group:NAME, respondents:FLOW, answer:FLOW.NAME=KEY, phones:+255...,+233... or all";

int audience_check(const char *audience, const char *country, const struct flow_set *flows,
		   char *normalised, size_t size, char *err, size_t errsize)
{
	if (strcmp(audience, "all") == 0) {
		snprintf(normalised, size, "all");
		return 0;
	}
	const char *colon = strchr(audience, ':');
	if (!colon) {
		snprintf(err, errsize, "audience '%s' must be %s", audience, audience_kinds);
		return -1;
	}
	size_t kind = (size_t)(colon - audience);
	const char *arg = colon + 1;
	if ((kind == 5 && strncmp(audience, "group", 5) == 0) ||
	    (kind == 11 && strncmp(audience, "respondents", 11) == 0)) {
		if (!valid_name(arg, strlen(arg))) {
			snprintf(err, errsize, "'%s' is not a group or flow name", arg);
			return -1;
		}
		if (kind == 11 && audience_flows_check(flows, arg, NULL, NULL, err, errsize) < 0)
			return -1;
		str_copy(normalised, size, audience);
		return 0;
	}
	if (kind == 6 && strncmp(audience, "answer", 6) == 0) {
		struct buf f = BUF_INIT, n = BUF_INIT, k = BUF_INIT;
		int rc = answer_parts(arg, &f, &n, &k);
		if (rc < 0)
			snprintf(err, errsize, "'%s' must be answer:FLOW.NAME=KEY, e.g. answer:mkutano.rsvp=ndiyo",
				 audience);
		else
			rc = audience_flows_check(flows, buf_str(&f), buf_str(&n), buf_str(&k), err,
						  errsize);
		buf_release(&f);
		buf_release(&n);
		buf_release(&k);
		if (rc < 0)
			return -1;
		str_copy(normalised, size, audience);
		return 0;
	}
	if (kind != 6 || strncmp(audience, "phones", 6) != 0) {
		snprintf(err, errsize, "unknown audience '%.*s': use %s", (int)kind, audience,
			 audience_kinds);
		return -1;
	}
	struct buf out = BUF_INIT;
	buf_puts(&out, "phones:");
	int n = 0, count = 1;
	for (const char *p = arg; *p; p++)
		count += *p == ',';
	for (const char *p = arg; *p;) {
		size_t len = strcspn(p, ",");
		char one[64], e164[PHONE_E164_SIZE];
		const char *why = NULL;
		size_t lead = strspn(p, " "), keep = len > lead ? len - lead : 0;
		while (keep && p[lead + keep - 1] == ' ')
			keep--;
		snprintf(one, sizeof(one), "%.*s", (int)(keep < 63 ? keep : 63), p + lead);
		/* The contacts' rule (an SMS goes to a mobile), as an import
		 * applies it: a landline is refused, saying so.  The number
		 * is named by its place too: the API and the console show
		 * the sentence with numbers masked (docs/http.md). */
		if (phone_normalise_mobile(one, country, e164, sizeof(e164), NULL, &why) < 0) {
			snprintf(err, errsize, "phone %d of %d ('%s'): %s", n + 1, count, one,
				 why ? why : "unreadable");
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
	str_copy(normalised, size, out.data);
	buf_release(&out);
	return 0;
}

/* -- reading an audience, a page at a time ------------------------------------ */

/* One page of an audience, by mode:
 *   set:    SSCAN of a set of phones (k_source: a group, all)
 *   runs:   respondents: completed runs of k_source (runs:FLOW), each
 *           phone once (k_seen)
 *   answer: latest completed run per phone (newest first, k_seen) whose
 *           answer `field` is `value`
 *   phones: the list `phones` itself (k_source is not read)
 * Returns {next cursor ('0' at the end), {phone, contact hash (NUL-joined),
 * busy (in a run of another flow than `flow`), ...}, state of the
 * broadcast or ''}.  Renews the claim of a broadcast being planned (bc;
 * '' for a dry run, whose k_bc is not read).  k_seen expires in an hour
 * and is listed in k_plans till then, so that forget finds it.  The keys
 * of the people and runs a page names are found by reading the page
 * (KEYS_CONTACT_PREFIX, KEYS_POINTER_PREFIX, KEYS_RUN_PREFIX).  One page
 * costs O(count). */
#define PAGE_KEYS(X) X(k_source) X(k_seen) X(k_plans) X(k_bc) X(k_due)
#define PAGE_ARGS(X) X(mode) X(phones) X(cursor) X(count) X(field) X(value) X(flow) X(bc) X(now)
#define GK(n) SCRIPT_ENUM(GK_, n)
#define GA(n) SCRIPT_ENUM(GA_, n)
enum { PAGE_KEYS(GK) GK_COUNT };
enum { PAGE_ARGS(GA) GA_COUNT };
#define PLAN_TTL "3600"
static const char page_script[] =
	SCRIPT_LOCALS(PAGE_KEYS, "KEYS")
	SCRIPT_LOCALS(PAGE_ARGS, "ARGV")
	"count, now = tonumber(count), tonumber(now)\n"
	"local list, nxt = {}, '0'\n"
	"if mode == 'set' then\n"
	"  local r = redis.call('SSCAN', k_source, cursor, 'COUNT', count)\n"
	"  nxt, list = r[1], r[2]\n"
	"elseif mode == 'phones' then\n"
	"  for p in string.gmatch(phones, '[^,]+') do list[#list + 1] = p end\n"
	"else\n"
	"  local first = tonumber(cursor)\n"
	"  local ids\n"
	"  if mode == 'runs' then ids = redis.call('ZRANGE', k_source, first, first + count - 1)\n"
	"  else ids = redis.call('ZREVRANGE', k_source, first, first + count - 1) end\n"
	"  if #ids == count then nxt = tostring(first + count) end\n"
	"  for _, id in ipairs(ids) do\n"
	"    local v = redis.call('HMGET', " KEYS_LUA(KEYS_RUN_PREFIX, "id") ", 'st', 'ph', 'a:' .. field)\n"
	"    if v[1] == 'completed' and v[2] and redis.call('SADD', k_seen, v[2]) == 1 then\n"
	"      if mode == 'runs' or v[3] == value then list[#list + 1] = v[2] end\n"
	"    end\n"
	"  end\n"
	"  local t = tonumber(redis.call('TIME')[1])\n"
	"  redis.call('EXPIRE', k_seen, " PLAN_TTL ")\n"
	"  redis.call('ZREMRANGEBYSCORE', k_plans, '-inf', t)\n"
	"  redis.call('ZADD', k_plans, t + " PLAN_TTL ", k_seen)\n"
	"end\n"
	"local out = {}\n"
	"for _, p in ipairs(list) do\n"
	"  local busy = 0\n"
	"  for _, kind in ipairs({'sms', 'ussd'}) do\n"
	"    local id = redis.call('GET', " KEYS_LUA_POINTER("kind", "p") ")\n"
	"    if id then\n"
	"      local v = redis.call('HMGET', " KEYS_LUA(KEYS_RUN_PREFIX, "id") ", 'st', 'flow', 'exp')\n"
	"      if v[1] == 'active' and v[2] ~= flow and tonumber(v[3] or '0') > now then busy = 1 end\n"
	"    end\n"
	"  end\n"
	"  out[#out + 1] = p\n"
	"  out[#out + 1] = table.concat(redis.call('HGETALL', " KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "p") "), '\\0')\n"
	"  out[#out + 1] = busy\n"
	"end\n"
	"local state = ''\n"
	"if bc ~= '' then\n"
	"  state = redis.call('HGET', k_bc, 'state') or ''\n"
	"  if state == 'planning' then\n"
	"    redis.call('ZADD', k_due, 'XX', now + " CLAIM_LEASE ", bc)\n"
	"  end\n"
	"end\n"
	"return {nxt, out, state}\n";

/* Where an audience's members come from. */
struct source {
	const char *mode;             /* page_script's */
	struct buf name;              /* the group's or the flow's */
	struct buf phones;            /* phones: only */
	struct buf field, value;      /* answer: only */
};

static void source_release(struct source *s)
{
	buf_release(&s->name);
	buf_release(&s->phones);
	buf_release(&s->field);
	buf_release(&s->value);
}

/* audience is normalised (audience_check). */
static void source_init(struct source *s, const char *audience)
{
	memset(s, 0, sizeof(*s));
	const char *colon = strchr(audience, ':');
	const char *arg = colon ? colon + 1 : "";
	if (strcmp(audience, "all") == 0) {
		s->mode = "set";
	} else if (strncmp(audience, "group:", 6) == 0) {
		s->mode = "set";
		buf_puts(&s->name, arg);
	} else if (strncmp(audience, "respondents:", 12) == 0) {
		s->mode = "runs";
		buf_puts(&s->name, arg);
	} else if (strncmp(audience, "answer:", 7) == 0) {
		s->mode = "answer";
		answer_parts(arg, &s->name, &s->field, &s->value);
	} else {
		s->mode = "phones";
		buf_puts(&s->phones, arg);
	}
}

/* Sets argument i to the key the members come from (contacts for a
 * phones: list, which reads none). */
static void source_key(const struct source *s, struct db_args *a, int i)
{
	if (strcmp(s->mode, "set") == 0 && s->name.len)
		keys_group(a, i, buf_str(&s->name));
	else if (strcmp(s->mode, "runs") == 0 || strcmp(s->mode, "answer") == 0)
		keys_flow_runs(a, i, buf_str(&s->name));
	else
		keys_contacts(a, i);
}

/* -- planning: what each recipient gets, a page at a time ----------------------- */

/* Enqueues each recipient of a page once (a second planning of the same
 * broadcast changes nothing); -1 when the broadcast was cancelled
 * meanwhile.  After the named keys, each recipient's contact key; after
 * the named arguments, per recipient: phone, opted out, ucs2, text,
 * language, first step ('' once ended), run done.  One no longer present
 * (forgotten since the page was read: PRESENT_FUNCTION) is left out, as if
 * never in the audience: no state, no counter, nothing queued.  The run is
 * not created here but when the message is handed to Kannel
 * (begin_script): a queued recipient costs a stream entry and a hash
 * field. */
#define ENQUEUE_KEYS(X) X(k_bc) X(k_recipients) X(k_totals) X(k_outbox)
#define ENQUEUE_ARGS(X) X(bc) X(flow)
#define EK(n) SCRIPT_ENUM(EK_, n)
#define EA(n) SCRIPT_ENUM(EA_, n)
enum { ENQUEUE_KEYS(EK) EK_COUNT };
enum { ENQUEUE_ARGS(EA) EA_COUNT };
#define ENQUEUE_PER_RECIPIENT 7
static const char enqueue_script[] =
	SCRIPT_LOCALS(ENQUEUE_KEYS, "KEYS")
	SCRIPT_LOCALS(ENQUEUE_ARGS, "ARGV")
	SCRIPT_COUNT("NKEYS", ENQUEUE_KEYS)
	SCRIPT_COUNT("NARGS", ENQUEUE_ARGS)
	RECIPIENT_MOVE_FUNCTION
	PRESENT_FUNCTION
	"if redis.call('HGET', k_bc, 'state') == 'cancelled' then return -1 end\n"
	"local n = 0\n"
	"for j = 0, #KEYS - NKEYS - 1 do\n"
	"  local i = NARGS + 1 + 7 * j\n"
	"  local ph = ARGV[i]\n"
	"  if redis.call('HEXISTS', k_recipients, ph) == 0 and present(k_bc, KEYS[NKEYS + 1 + j], ph) then\n"
	"    if ARGV[i + 1] == '1' then recipient_move(k_bc, k_recipients, ph, false, 'skipped')\n"
	"    else\n"
	"      recipient_move(k_bc, k_recipients, ph, false, 'queued')\n"
	"      redis.call('XADD', k_outbox, '*', 'bc', bc, 'ph', ph, 'fl', flow,\n"
	"        'ucs', ARGV[i + 2], 'txt', ARGV[i + 3], 'lg', ARGV[i + 4], 'sp', ARGV[i + 5],\n"
	"        'd', ARGV[i + 6], 'n', 0)\n"
	"      n = n + 1\n"
	"    end\n"
	"  end\n"
	"end\n"
	"return n\n";

/* Starts the enqueue of a page of n recipients for broadcast bc; returns
 * the index of the first recipient's contact key (broadcast_enqueue_add
 * fills it). */
int broadcast_enqueue_command(struct db_args *a, const char *bc, const char *flow, int n)
{
	int k = script_begin(a, enqueue_script, EK_COUNT + n);
	keys_broadcast(a, k + EK_k_bc, bc);
	keys_broadcast_recipients(a, k + EK_k_recipients, bc);
	keys_broadcast_totals(a, k + EK_k_totals);
	keys_outbox(a, k + EK_k_outbox);
	int v = script_reserve(a, EA_COUNT);
	db_args_set(a, v + EA_bc, bc);
	db_args_set(a, v + EA_flow, flow);
	return k + EK_COUNT;
}

/* Adds recipient j (from 0) of the page begun at first. */
void broadcast_enqueue_add(struct db_args *a, int first, int j, const char *phone,
			   bool opted_out, bool ucs2, const char *text, const char *lang,
			   const char *step, bool done)
{
	/* Copied (setf, addf): the caller's strings are gone before it is sent. */
	keys_contact(a, first + j, phone);
	db_args_addf(a, "%s", phone);
	db_args_add(a, opted_out ? "1" : "0");
	db_args_add(a, ucs2 ? "1" : "0");
	db_args_addf(a, "%s", text);
	db_args_add(a, lang);
	db_args_add(a, step);
	db_args_add(a, done ? "1" : "0");
}

/* KEYS: the stats:FLOW of each flow whose stats texts show; ARGV: those
 * flows, in the same order.  {flow, stats hash, ...} */
static const char stats_script[] =
	"local out = {}\n"
	"for i, f in ipairs(ARGV) do\n"
	"  out[#out + 1] = f\n"
	"  out[#out + 1] = redis.call('HGETALL', KEYS[i])\n"
	"end\n"
	"return out\n";

struct plan {
	struct db *db;
	struct flow_set *flows;       /* a reference */
	const struct flow *flow;
	char *id;                     /* broadcast id; NULL for a dry run */
	struct source src;
	char cursor[32];
	char seen[16];                /* the id of this plan's set of phones seen (plan:ID) */
	bool at_end;
	bool fetching;                /* a page command is pending */
	int in_flight;                /* enqueue commands pending */
	bool failed, cancelled;
	struct fields stats;          /* "FLOW:FIELD" -> count, for {stats...} */
	struct broadcast_plan_summary sum;
	long members, queued;
	void (*done)(int rc, struct plan *p);
	broadcast_progress_fn progress;
	void *progress_arg;
	void *arg;
	long now;
	bool gsm7_substitute;         /* config gsm7_substitute (text.h) */
	bool until_reachable;         /* a dry run that stops at someone to send to */
};

static void plan_free(struct plan *p)
{
	if (p->seen[0]) {
		struct db_args del = {0}, zrem = {0};
		db_args_add(&del, "DEL");
		db_args_add(&del, "");
		keys_plan(&del, 1, p->seen);
		db_command_args(p->db, NULL, NULL, &del);
		db_args_add(&zrem, "ZREM");
		db_args_add(&zrem, "");
		db_args_add(&zrem, "");
		keys_plans(&zrem, 1);
		keys_plan(&zrem, 2, p->seen);
		db_command_args(p->db, NULL, NULL, &zrem);
	}
	source_release(&p->src);
	fields_release(&p->stats);
	free(p->id);
	flow_set_unref(p->flows);
	free(p);
}

static long stat_count(void *data, const char *flow, size_t flow_len, const char *field)
{
	const struct plan *p = data;
	char name[256];
	snprintf(name, sizeof(name), "%.*s:%s", (int)flow_len, flow, field);
	const char *v = fields_get(&p->stats, name);
	return v ? strtol(v, NULL, 10) : 0;
}

static int plan_stats(void *data, const char *path, const struct run *own,
		       struct buf *out)
{
	return engine_stats_value(path, own, stat_count, data, out);
}

/* What one recipient gets: the flow started for them. */
struct recipient {
	struct run run;
	char *text;
	struct sms_cost cost;
};

static void recipient_plan(struct plan *p, const struct contact *c, struct recipient *r)
{
	const struct flow *flow = p->flow;
	int lang = c->lang ? flow_lang_index(flow, c->lang) : -1;
	run_init(&r->run, lang >= 0 ? lang : 0, CHANNEL_SMS);
	struct engine_ctx ctx = {
		.flow = flow,
		.contact = &c->fields,
		.stats = plan_stats,
		.stats_data = p,
		.catalogue = p->flows->catalogue,
	};
	struct engine_out out = {0};
	engine_start(&ctx, &r->run, &out);
	if (p->gsm7_substitute) { /* what is sent, and so what it costs */
		struct buf plain = BUF_INIT;
		gsm7_substitute(buf_str(&out.reply), out.reply.len, &plain);
		r->text = buf_detach(&plain);
	} else {
		r->text = buf_detach(&out.reply);
	}
	sms_cost(r->text, strlen(r->text), &r->cost);
	engine_out_release(&out);
}

static void recipient_release(struct recipient *r)
{
	run_release(&r->run);
	free(r->text);
}

static void add_ucs2_char(char *chars, size_t size, const char *text, const struct sms_cost *c)
{
	if (!c->ucs2 || strlen(chars) + c->first_ucs2_len + 2 >= size)
		return;
	char one[8];
	snprintf(one, sizeof(one), "%.*s", (int)c->first_ucs2_len, text + c->first_ucs2);
	if (!strstr(chars, one))
		strcat(chars, one);
}

/* The country a contact is counted under: its `country` field, else its
 * number's region, else "?". */
static void contact_country(const struct contact *c, char *out, size_t size)
{
	const char *cc = fields_get(&c->fields, "country");
	char region[PHONE_REGION_SIZE];
	if (cc && *cc)
		str_copy(out, size, cc);
	else if (phone_region(c->phone, region) == 0)
		str_copy(out, size, region);
	else
		snprintf(out, size, "?");
}

static void summary_add(struct broadcast_plan_summary *s, const struct flow *flow,
			const struct contact *c, const struct recipient *r, bool busy)
{
	if (c->opted_out) {
		s->skipped++;
		return;
	}
	s->recipients++;
	s->sms_total += (long)r->cost.segments;
	if (busy)
		s->in_run++;
	const char *lang = flow->langs[r->run.lang];
	int k = 0;
	while (k < s->nlangs && strcmp(s->langs[k].lang, lang) != 0)
		k++;
	if (k == s->nlangs && s->nlangs < BC_MAX_LANGS)
		str_copy(s->langs[s->nlangs++].lang, sizeof(s->langs[0].lang), lang);
	if (k < BC_MAX_LANGS) {
		s->langs[k].recipients++;
		s->langs[k].sms += (long)r->cost.segments;
		if (r->cost.segments > s->langs[k].segments)
			s->langs[k].segments = r->cost.segments;
		s->langs[k].ucs2 |= r->cost.ucs2;
		add_ucs2_char(s->langs[k].ucs2_chars, sizeof(s->langs[k].ucs2_chars), r->text,
			      &r->cost);
	}
	char cc[8];
	contact_country(c, cc, sizeof(cc));
	k = 0;
	while (k < s->ncountries && strcmp(s->countries[k].country, cc) != 0)
		k++;
	if (k == s->ncountries && s->ncountries < BC_MAX_COUNTRIES)
		str_copy(s->countries[s->ncountries++].country, sizeof(s->countries[0].country), cc);
	if (k < BC_MAX_COUNTRIES)
		s->countries[k].recipients++;
}

static void plan_next(struct plan *p);

static void plan_finish(struct plan *p)
{
	p->done(p->failed ? -1 : 0, p);
	plan_free(p);
}

static void on_enqueued(redisReply *reply, void *data)
{
	struct plan *p = data;
	p->in_flight--;
	if (!reply || reply->type != REDIS_REPLY_INTEGER)
		p->failed = true;
	else if (reply->integer < 0)
		p->cancelled = true;
	else
		p->queued += reply->integer;
	plan_next(p);
}

static void on_page(redisReply *reply, void *data)
{
	struct plan *p = data;
	p->fetching = false;
	if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
	    reply->element[1]->type != REDIS_REPLY_ARRAY) {
		p->failed = true;
		plan_next(p);
		return;
	}
	const redisReply *list = reply->element[1];
	str_copy(p->cursor, sizeof(p->cursor), reply->element[0]->str);
	p->at_end = strcmp(p->cursor, "0") == 0;
	if (p->id && strcmp(reply->element[2]->str, "cancelled") == 0)
		p->cancelled = true;
	struct db_args a = {0};
	int first = -1, j = 0;
	if (p->id && !p->cancelled)
		first = broadcast_enqueue_command(&a, p->id, p->flow->id, (int)(list->elements / 3));
	for (size_t i = 0; i + 2 < list->elements && !p->cancelled; i += 3) {
		struct contact c = {0};
		struct recipient r = {0};
		contact_decode(&c, list->element[i]->str, list->element[i + 1]);
		p->members++;
		if (!c.opted_out)
			recipient_plan(p, &c, &r);
		if (!p->id)
			summary_add(&p->sum, p->flow, &c, &r, list->element[i + 2]->integer == 1);
		else
			broadcast_enqueue_add(&a, first, j++, c.phone, c.opted_out, r.cost.ucs2,
					      r.text ? r.text : "", p->flow->langs[r.run.lang],
					      r.run.step >= 0 ? p->flow->steps[r.run.step].id : "",
					      r.run.status == RUN_COMPLETED);
		recipient_release(&r);
		contact_release(&c);
	}
	if (j > 0) {
		p->in_flight++;
		if (db_command_args(p->db, on_enqueued, p, &a) < 0) {
			p->in_flight--;
			p->failed = true;
		}
	} else {
		db_args_release(&a);
	}
	if (p->progress)
		p->progress(p->members, p->progress_arg);
	plan_next(p);
}

static void page_command(struct db_args *a, const struct source *src, const char *plan_id,
			 const char *id, const char *cursor, const char *flow, long now)
{
	int k = script_begin(a, page_script, GK_COUNT);
	source_key(src, a, k + GK_k_source);
	keys_plan(a, k + GK_k_seen, plan_id);
	keys_plans(a, k + GK_k_plans);
	if (id)
		keys_broadcast(a, k + GK_k_bc, id);
	else
		keys_plan(a, k + GK_k_bc, plan_id); /* a dry run's: not read */
	keys_broadcasts_due(a, k + GK_k_due);
	int v = script_reserve(a, GA_COUNT);
	db_args_set(a, v + GA_mode, src->mode);
	db_args_setf(a, v + GA_phones, "%s", buf_str(&src->phones));
	db_args_setf(a, v + GA_cursor, "%s", cursor);
	db_args_setl(a, v + GA_count, PAGE_SIZE);
	db_args_setf(a, v + GA_field, "%s", buf_str(&src->field));
	db_args_setf(a, v + GA_value, "%s", buf_str(&src->value));
	db_args_setf(a, v + GA_flow, "%s", flow);
	db_args_setf(a, v + GA_bc, "%s", id ? id : "");
	db_args_setl(a, v + GA_now, now);
}

void broadcast_page_command(struct db_args *a, const char *audience, const char *plan_id,
			    const char *id, const char *cursor, const char *flow, long now)
{
	struct source src;
	source_init(&src, audience);
	page_command(a, &src, plan_id, id, cursor, flow, now);
	source_release(&src);
}

static void plan_fetch(struct plan *p)
{
	struct db_args a = {0};
	page_command(&a, &p->src, p->seen, p->id, p->cursor, p->flow->id, p->now);
	p->fetching = db_command_args(p->db, on_page, p, &a) == 0;
	if (!p->fetching)
		p->failed = true;
}

/* Fetches the next page while fewer than PLAN_WINDOW enqueues are in flight,
 * and finishes once all is read and written. */
static void plan_next(struct plan *p)
{
	if (p->fetching)
		return;
	bool stop = p->failed || p->cancelled || p->at_end ||
		    (p->until_reachable && p->sum.recipients > 0);
	if (!stop && p->in_flight < PLAN_WINDOW)
		plan_fetch(p);
	if (!p->fetching && p->in_flight == 0 && (stop || p->failed))
		plan_finish(p);
}

static void on_stats(redisReply *reply, void *data)
{
	struct plan *p = data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY) {
		p->failed = true;
		plan_next(p);
		return;
	}
	for (size_t i = 0; i + 1 < reply->elements; i += 2) {
		const redisReply *h = reply->element[i + 1];
		for (size_t k = 0; k + 1 < h->elements; k += 2) {
			char name[256];
			snprintf(name, sizeof(name), "%s:%s", reply->element[i]->str, h->element[k]->str);
			fields_set(&p->stats, name, h->element[k + 1]->str);
		}
	}
	plan_next(p);
}

static int plan_start(struct plan *p, const char *audience)
{
	source_init(&p->src, audience);
	snprintf(p->cursor, sizeof(p->cursor), "0");
	unsigned char raw[6];
	char hex[13];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	str_copy(p->seen, sizeof(p->seen), hex);
	if (p->flows->nstats_flows == 0) {
		plan_fetch(p);
		return p->fetching ? 0 : -1;
	}
	struct db_args a = {0};
	size_t n = p->flows->nstats_flows;
	int k = script_begin(&a, stats_script, (int)n);
	for (size_t i = 0; i < n; i++)
		keys_stats(&a, k + (int)i, p->flows->stats_flows[i]);
	for (size_t i = 0; i < n; i++)
		db_args_add(&a, p->flows->stats_flows[i]);
	return db_command_args(p->db, on_stats, p, &a);
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

static void on_dry_planned(int rc, struct plan *p)
{
	struct dry *d = p->arg;
	d->fn(rc, rc == 0 ? &p->sum : NULL, d->arg);
	free(d);
}

/* until_reachable: the walk stops after the first page that holds someone
 * not opted out (creating a broadcast only asks whether there is one). */
static int dry_run_start(struct db *db, const struct flow_set *flows, const char *flow_id,
			 const char *audience, bool gsm7_substitute, bool until_reachable,
			 broadcast_progress_fn progress, broadcast_plan_fn done, void *arg)
{
	const struct flow *flow = flow_set_find(flows, flow_id);
	if (!flow)
		return -1;
	struct plan *p = plan_new(db, flows, flow);
	p->gsm7_substitute = gsm7_substitute;
	p->until_reachable = until_reachable;
	struct dry *d = xcalloc(1, sizeof(*d));
	d->fn = done;
	d->arg = arg;
	p->arg = d;
	p->done = on_dry_planned;
	p->progress = progress;
	p->progress_arg = arg;
	if (plan_start(p, audience) < 0) {
		free(d);
		p->seen[0] = '\0';
		plan_free(p);
		return -1;
	}
	return 0;
}

int broadcast_dry_run(struct db *db, const struct flow_set *flows, const char *flow_id,
		      const char *audience, bool gsm7_substitute,
		      broadcast_progress_fn progress, broadcast_plan_fn done, void *arg)
{
	return dry_run_start(db, flows, flow_id, audience, gsm7_substitute, false,
			     progress, done, arg);
}

/* -- creating, claiming, listing, cancelling ------------------------------------- */

/* A new broadcast, due at `at`; size is its audience's. */
#define CREATE_KEYS(X) X(k_bc) X(k_due) X(k_all)
#define CREATE_ARGS(X) X(id) X(flow) X(to) X(at) X(created) X(size)
#define CK(n) SCRIPT_ENUM(CK_, n)
#define CA(n) SCRIPT_ENUM(CA_, n)
enum { CREATE_KEYS(CK) CK_COUNT };
enum { CREATE_ARGS(CA) CA_COUNT };
static const char create_script[] =
	SCRIPT_LOCALS(CREATE_KEYS, "KEYS")
	SCRIPT_LOCALS(CREATE_ARGS, "ARGV")
	"redis.call('HSET', k_bc, 'flow', flow, 'to', to, 'at', at, 'created', created,\n"
	"  'size', size, 'state', 'scheduled')\n"
	"redis.call('ZADD', k_due, at, id)\n"
	"redis.call('ZADD', k_all, created, id)\n"
	"return 1\n";

/* The audience's size: the members of a set (opted-out ones included),
 * else -1 (it takes a walk).  k_source and mode as page_script's. */
#define SIZE_KEYS(X) X(k_source)
#define SIZE_ARGS(X) X(mode)
static const char size_script[] =
	SCRIPT_LOCALS(SIZE_KEYS, "KEYS")
	SCRIPT_LOCALS(SIZE_ARGS, "ARGV")
	"if mode == 'set' then return redis.call('SCARD', k_source) end\n"
	"return -1\n";

struct created {
	struct broadcast_request req;   /* strings owned */
	broadcast_created_fn fn;
	void *arg;
	char id[BROADCAST_ID_LEN + 1];
	struct db *db;
	struct flow_set *flows;         /* a reference */
	long size;
};

static void created_free(struct created *c)
{
	free((char *)c->req.flow);
	free((char *)c->req.audience);
	flow_set_unref(c->flows);
	free(c);
}

static void fail(struct created *c)
{
	c->fn(-1, NULL, 0, NULL, c->arg);
	created_free(c);
}

static void on_created(redisReply *reply, void *data)
{
	struct created *c = data;
	c->fn(reply && reply->type != REDIS_REPLY_ERROR ? 0 : -1, c->id, c->size, NULL, c->arg);
	created_free(c);
}

void broadcast_create_command(struct db_args *a, const char *id, const char *flow,
			      const char *to, long at, long created, long size)
{
	int k = script_begin(a, create_script, CK_COUNT);
	keys_broadcast(a, k + CK_k_bc, id);
	keys_broadcasts_due(a, k + CK_k_due);
	keys_broadcasts(a, k + CK_k_all);
	int v = script_reserve(a, CA_COUNT);
	db_args_setf(a, v + CA_id, "%s", id);
	db_args_setf(a, v + CA_flow, "%s", flow);
	db_args_setf(a, v + CA_to, "%s", to);
	db_args_setl(a, v + CA_at, at);
	db_args_setl(a, v + CA_created, created);
	db_args_setl(a, v + CA_size, size);
}

static void create_now(struct created *c)
{
	long now = (long)time(NULL);
	struct db_args a = {0};
	broadcast_create_command(&a, c->id, c->req.flow, c->req.audience,
				 c->req.at > 0 ? c->req.at : now, now, c->size);
	if (db_command_args(c->db, on_created, c, &a) < 0)
		fail(c);
}

static void refuse(struct created *c, const char *why)
{
	c->fn(1, NULL, 0, why, c->arg);
	created_free(c);
}

static void on_reached(int rc, const struct broadcast_plan_summary *s, void *arg);

/* Creates the broadcast unless nobody would get it: size people in its
 * audience, reachable of them not opted out (-1: not known yet, and a walk
 * finds out, stopping at the first).  --force creates it all the same. */
static void decide(struct created *c, long size, long reachable)
{
	char why[512];
	c->size = size;
	if (c->req.force) {
		create_now(c);
	} else if (size == 0) {
		snprintf(why, sizeof(why), "the audience %s is empty: nobody would get this broadcast "
					   "(--force creates it anyway)", c->req.audience);
		refuse(c, why);
	} else if (reachable == 0) {
		snprintf(why, sizeof(why), "everyone in the audience %s (%ld) has opted out (STOP): "
					   "nobody would get this broadcast (--force creates it anyway)",
			 c->req.audience, size);
		refuse(c, why);
	} else if (reachable > 0) {
		create_now(c);
	} else if (dry_run_start(c->db, c->flows, c->req.flow, c->req.audience, false, true,
				 NULL, on_reached, c) < 0) {
		fail(c);
	}
}

static void on_reached(int rc, const struct broadcast_plan_summary *s, void *arg)
{
	struct created *c = arg;
	if (rc < 0) {
		fail(c);
		return;
	}
	decide(c, c->size, s->recipients);
}

static void on_walked(int rc, const struct broadcast_plan_summary *s, void *arg)
{
	struct created *c = arg;
	if (rc < 0) {
		fail(c);
		return;
	}
	decide(c, s->recipients + s->skipped, s->recipients);
}

static void on_size(redisReply *reply, void *data)
{
	struct created *c = data;
	if (!reply || reply->type != REDIS_REPLY_INTEGER) {
		fail(c);
	} else if (reply->integer >= 0) {
		decide(c, reply->integer, -1);
	} else if (broadcast_dry_run(c->db, c->flows, c->req.flow, c->req.audience, false,
				     NULL, on_walked, c) < 0) {
		fail(c);
	}
}

int broadcast_create(struct db *db, const struct flow_set *flows,
		     const struct broadcast_request *req, broadcast_created_fn done, void *arg)
{
	long now = (long)time(NULL);
	if (req->at > 0 && req->at < now && !req->force) {
		char why[256], when[TIME_ISO8601_SIZE];
		time_iso8601(req->at, when);
		snprintf(why, sizeof(why), "--at %s is in the past (--force sends it now)", when);
		done(1, NULL, 0, why, arg);
		return 0;
	}
	struct created *c = xcalloc(1, sizeof(*c));
	c->req = *req;
	c->req.flow = xstrdup(req->flow);
	c->req.audience = xstrdup(req->audience);
	c->fn = done;
	c->arg = arg;
	c->db = db;
	c->flows = flow_set_ref((struct flow_set *)flows);
	unsigned char raw[BROADCAST_ID_LEN / 2];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(c->id, sizeof(c->id), raw, sizeof(raw));
	struct source s;
	source_init(&s, req->audience);
	struct db_args a = {0};
	source_key(&s, &a, script_begin(&a, size_script, 1));
	db_args_add(&a, s.mode);
	int rc = db_command_args(db, on_size, c, &a);
	source_release(&s);
	if (rc < 0)
		created_free(c);
	return rc;
}

/* Claims the earliest broadcast due by now for CLAIM_LEASE seconds: {id,
 * its hash} or false.  A broadcast being planned renews its claim with
 * every page, so only one abandoned by its daemon is claimed again.  The
 * broadcast's hash is found by the id read from k_due (KEYS_BROADCAST_PREFIX). */
#define CLAIM_KEYS(X) X(k_due)
#define CLAIM_ARGS(X) X(now)
static const char claim_script[] =
	SCRIPT_LOCALS(CLAIM_KEYS, "KEYS")
	SCRIPT_LOCALS(CLAIM_ARGS, "ARGV")
	"local due = redis.call('ZRANGEBYSCORE', k_due, '-inf', now, 'LIMIT', 0, 1)\n"
	"if #due == 0 then return false end\n"
	"local k = " KEYS_LUA(KEYS_BROADCAST_PREFIX, "due[1]") "\n"
	"if redis.call('HGET', k, 'state') == 'cancelled' then\n"
	"  redis.call('ZREM', k_due, due[1])\n"
	"  return false\n"
	"end\n"
	"redis.call('ZADD', k_due, now + " CLAIM_LEASE ", due[1])\n"
	"redis.call('HSET', k, 'state', 'planning')\n"
	"return {due[1], redis.call('HGETALL', k)}\n";

/* The keys of a script about one broadcast (planned, cancel). */
#define ONE_BC_KEYS(X) X(k_bc) X(k_due)
#define ONE_BC_ARGS(X) X(bc)

/* Planning is over: the broadcast sends (unless cancelled). */
static const char planned_script[] =
	SCRIPT_LOCALS(ONE_BC_KEYS, "KEYS")
	SCRIPT_LOCALS(ONE_BC_ARGS, "ARGV")
	"if redis.call('HGET', k_bc, 'state') == 'planning' then redis.call('HSET', k_bc, 'state', 'sending') end\n"
	"redis.call('ZREM', k_due, bc)\n"
	"return 1\n";

/* "EVAL script 2 bc:ID bc:due ID" */
static void one_bc_command(struct db_args *a, const char *script, const char *id)
{
	int k = script_begin(a, script, 2);
	keys_broadcast(a, k, id);
	keys_broadcasts_due(a, k + 1);
	db_args_addf(a, "%s", id);
}

static void on_planned(int rc, struct plan *p)
{
	if (rc < 0) {
		log_warn("broadcast %s: planning failed after %ld recipients; retried when its claim lapses",
			 p->id, p->members);
		return;
	}
	struct db_args a = {0};
	one_bc_command(&a, planned_script, p->id);
	db_command_args(p->db, NULL, NULL, &a);
	log_info("broadcast %s: %ld audience members, %ld enqueued%s", p->id, p->members, p->queued,
		 p->cancelled ? " (cancelled meanwhile)" : "");
}

static const char *hash_get(const redisReply *h, const char *name)
{
	for (size_t i = 0; i + 1 < h->elements; i += 2)
		if (strcmp(h->element[i]->str, name) == 0)
			return h->element[i + 1]->str;
	return NULL;
}

/* 1 cancelled now; 0 no such broadcast; 2 it had ended. */
static const char cancel_script[] =
	SCRIPT_LOCALS(ONE_BC_KEYS, "KEYS")
	SCRIPT_LOCALS(ONE_BC_ARGS, "ARGV")
	"local k = k_bc\n"
	"local st = redis.call('HGET', k, 'state')\n"
	"if not st then return 0 end\n"
	"if st == 'cancelled' then return 2 end\n"
	"local left = 0\n"
	"for _, s in ipairs({'n:queued', 'n:waiting', 'n:sending'}) do\n"
	"  left = left + tonumber(redis.call('HGET', k, s) or '0')\n"
	"end\n"
	"if st == 'sending' and left == 0 then return 2 end\n"
	"redis.call('HSET', k, 'state', 'cancelled')\n"
	"redis.call('ZREM', k_due, bc)\n"
	"return 1\n";

struct cancel_call {
	broadcast_cancel_fn fn;
	void *arg;
};

static void on_cancelled(redisReply *reply, void *data)
{
	struct cancel_call *c = data;
	c->fn(reply && reply->type == REDIS_REPLY_INTEGER ? (int)reply->integer : -1, c->arg);
	free(c);
}

int broadcast_cancel(struct db *db, const char *id, broadcast_cancel_fn done, void *arg)
{
	struct cancel_call *c = xcalloc(1, sizeof(*c));
	c->fn = done;
	c->arg = arg;
	struct db_args a = {0};
	one_bc_command(&a, cancel_script, id);
	if (db_command_args(db, on_cancelled, c, &a) < 0) {
		free(c);
		return -1;
	}
	return 0;
}

/* -- status and list -------------------------------------------------------------- */

static long hash_long(const redisReply *h, const char *name)
{
	const char *v = hash_get(h, name);
	return v ? strtol(v, NULL, 10) : 0;
}

/* Fills c from a broadcast's hash (its counters included). */
static void counts_decode(struct broadcast_counts *c, const char *id, const redisReply *h)
{
	memset(c, 0, sizeof(*c));
	c->found = true;
	str_copy(c->id, sizeof(c->id), id);
	const char *flow = hash_get(h, "flow"), *to = hash_get(h, "to"), *state = hash_get(h, "state");
	str_copy(c->flow, sizeof(c->flow), flow ? flow : "");
	/* Status and list are shown outside the host (the API, the console),
	 * and no answer there carries a number: a phones: audience is
	 * "phones:#,#" on the command line too (docs/commands.md). */
	phone_scrub(to, c->audience, sizeof(c->audience));
	c->at = hash_long(h, "at");
	c->size = hash_long(h, "size");
	long n[BC_NSTATES];
	for (int i = 0; i < BC_NSTATES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "n:%s", state_names[i]);
		n[i] = hash_long(h, name);
	}
	c->queued = n[BC_QUEUED] + n[BC_SENDING];
	c->waiting = n[BC_WAITING];
	/* "sent" counts every message Kannel accepted, delivered or not. */
	c->sent = n[BC_SENT] + n[BC_DELIVERED];
	c->delivered = n[BC_DELIVERED];
	c->failed = n[BC_FAILED];
	c->skipped = n[BC_SKIPPED];
	c->cancelled = n[BC_CANCELLED];
	c->answered = hash_long(h, "n:answered");
	c->total = c->queued + c->waiting + c->sent + c->failed + c->skipped + c->cancelled;
	bool finished = state && strcmp(state, "sending") == 0 && c->queued + c->waiting == 0;
	str_copy(c->state, sizeof(c->state), finished ? "done" : state ? state : "?");
}

struct status_call {
	broadcast_counts_fn fn;
	void *arg;
	char id[BROADCAST_ID_LEN + 8];
};

static void on_status(redisReply *reply, void *data)
{
	struct status_call *s = data;
	struct broadcast_counts c = {0};
	int rc = -1;
	if (reply && reply->type == REDIS_REPLY_ARRAY) {
		rc = 0;
		if (reply->elements)
			counts_decode(&c, s->id, reply);
	}
	s->fn(rc, rc == 0 ? &c : NULL, s->arg);
	free(s);
}

int broadcast_status(struct db *db, const char *id, broadcast_counts_fn done, void *arg)
{
	if (strlen(id) > BROADCAST_ID_LEN) {
		struct broadcast_counts none = {0};
		done(0, &none, arg);
		return 0;
	}
	struct status_call *s = xcalloc(1, sizeof(*s));
	s->fn = done;
	s->arg = arg;
	str_copy(s->id, sizeof(s->id), id);
	struct db_args a = {0};
	db_args_add(&a, "HGETALL");
	db_args_add(&a, "");
	keys_broadcast(&a, 1, id);
	if (db_command_args(db, on_status, s, &a) < 0) {
		free(s);
		return -1;
	}
	return 0;
}

/* {id, hash, id, hash, ...}, newest first, of the ids in k_all (bcs); the
 * hashes are found by those ids (KEYS_BROADCAST_PREFIX). */
#define LIST_KEYS(X) X(k_all)
static const char list_script[] =
	SCRIPT_LOCALS(LIST_KEYS, "KEYS")
	"local out = {}\n"
	"for _, id in ipairs(redis.call('ZREVRANGE', k_all, 0, " "999" ")) do\n"
	"  out[#out + 1] = id\n"
	"  out[#out + 1] = redis.call('HGETALL', " KEYS_LUA(KEYS_BROADCAST_PREFIX, "id") ")\n"
	"end\n"
	"return out\n";

struct list_call {
	broadcast_list_fn fn;
	void *arg;
};

static void on_list(redisReply *reply, void *data)
{
	struct list_call *l = data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY) {
		l->fn(-1, NULL, 0, l->arg);
		free(l);
		return;
	}
	size_t n = 0;
	struct broadcast_counts *all = xcalloc(reply->elements / 2 + 1, sizeof(*all));
	for (size_t i = 0; i + 1 < reply->elements; i += 2)
		if (reply->element[i + 1]->elements)
			counts_decode(&all[n++], reply->element[i]->str, reply->element[i + 1]);
	l->fn(0, all, n, l->arg);
	free(all);
	free(l);
}

int broadcast_list(struct db *db, broadcast_list_fn done, void *arg)
{
	struct list_call *l = xcalloc(1, sizeof(*l));
	l->fn = done;
	l->arg = arg;
	struct db_args a = {0};
	keys_broadcasts(&a, script_begin(&a, list_script, 1));
	if (db_command_args(db, on_list, l, &a) < 0) {
		free(l);
		return -1;
	}
	return 0;
}

static json_t *counts_object(const struct broadcast_counts *c)
{
	char at[TIME_ISO8601_SIZE];
	time_iso8601(c->at, at);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			      "id", c->id, "flow", c->flow, "audience", c->audience, "state", c->state,
			      "at", at, "size", (json_int_t)c->size, "total", (json_int_t)c->total,
			      "queued", (json_int_t)c->queued, "waiting", (json_int_t)c->waiting,
			      "sent", (json_int_t)c->sent, "delivered", (json_int_t)c->delivered,
			      "failed", (json_int_t)c->failed, "skipped", (json_int_t)c->skipped,
			      "cancelled", (json_int_t)c->cancelled,
			      "answered", (json_int_t)c->answered);
	json_object_set_new(o, "reply_rate", json_real(broadcast_reply_rate(c)));
	return o;
}

static void json_out(json_t *o, struct buf *out)
{
	char *text = json_dumps(o, JSON_COMPACT);
	buf_puts(out, text);
	free(text);
	json_decref(o);
}

double broadcast_reply_rate(const struct broadcast_counts *c)
{
	return c->sent ? (double)c->answered / (double)c->sent : 0.0;
}

void broadcast_counts_json(const struct broadcast_counts *c, struct buf *out)
{
	json_out(counts_object(c), out);
}

void broadcast_list_json(const struct broadcast_counts *all, size_t n, struct buf *out)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, counts_object(&all[i]));
	json_out(json_pack("{s:o}", "broadcasts", a), out);
}

void broadcast_counts_text(const struct broadcast_counts *c, struct buf *out)
{
	char at[TIME_ISO8601_SIZE];
	time_iso8601(c->at, at);
	buf_printf(out, "flow: %s\naudience: %s\nstate: %s\nat: %s\n", c->flow, c->audience,
		   c->state, at);
	if (strcmp(c->state, "scheduled") == 0)
		buf_printf(out, "audience size: %ld\n", c->size);
	buf_printf(out, "total: %ld\nqueued: %ld\nwaiting: %ld\nsent: %ld\ndelivered: %ld\n"
			"failed: %ld\nskipped: %ld\n",
		   c->total, c->queued, c->waiting, c->sent, c->delivered, c->failed, c->skipped);
	if (c->cancelled)
		buf_printf(out, "cancelled: %ld\n", c->cancelled);
	buf_printf(out, "answered: %ld\nreply rate: %.0f%%\n", c->answered,
		   100.0 * broadcast_reply_rate(c));
}

void broadcast_list_text(const struct broadcast_counts *all, size_t n, struct buf *out)
{
	buf_printf(out, "%-12s %-12s %-24s %-9s %-20s %7s %7s %7s %7s %9s %6s %7s\n", "id", "flow",
		   "audience", "state", "at", "total", "queued", "waiting", "sent", "delivered",
		   "failed", "skipped");
	for (size_t i = 0; i < n; i++) {
		const struct broadcast_counts *c = &all[i];
		char at[TIME_ISO8601_SIZE];
		time_iso8601(c->at, at);
		/* A scheduled broadcast's total is its audience's size. */
		long total = strcmp(c->state, "scheduled") == 0 ? c->size : c->total;
		buf_printf(out, "%-12s %-12s %-24s %-9s %-20s %7ld %7ld %7ld %7ld %9ld %6ld %7ld\n",
			   c->id, c->flow, c->audience, c->state, at, total, c->queued, c->waiting,
			   c->sent, c->delivered, c->failed, c->skipped);
	}
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
	/* Countries by recipients, most first, then by name. */
	int order[BC_MAX_COUNTRIES];
	for (int k = 0; k < s->ncountries; k++) {
		int j = k;
		for (; j > 0; j--) {
			long a = s->countries[order[j - 1]].recipients, b = s->countries[k].recipients;
			if (a > b || (a == b && strcmp(s->countries[order[j - 1]].country,
						       s->countries[k].country) < 0))
				break;
			order[j] = order[j - 1];
		}
		order[j] = k;
	}
	buf_puts(out, "countries:");
	for (int k = 0; k < s->ncountries; k++)
		buf_printf(out, " %s %ld", s->countries[order[k]].country,
			   s->countries[order[k]].recipients);
	buf_printf(out, "\nin a run of another flow now: %ld (they get it when that run ends)\n",
		   s->in_run);
	buf_printf(out, "total: %ld SMS\n", s->sms_total);
}

void broadcast_plan_json(const struct broadcast_plan_summary *s, struct buf *out)
{
	json_t *langs = json_object(), *countries = json_object();
	for (int k = 0; k < s->nlangs; k++)
		json_object_set_new(langs, s->langs[k].lang,
				    json_pack("{s:I,s:I,s:I,s:b,s:s}",
					      "recipients", (json_int_t)s->langs[k].recipients,
					      "segments", (json_int_t)s->langs[k].segments,
					      "sms", (json_int_t)s->langs[k].sms,
					      "ucs2", s->langs[k].ucs2,
					      "ucs2_chars", s->langs[k].ucs2_chars));
	for (int k = 0; k < s->ncountries; k++)
		json_object_set_new(countries, s->countries[k].country,
				    json_integer((json_int_t)s->countries[k].recipients));
	json_out(json_pack("{s:I,s:I,s:I,s:I,s:o,s:o}", "recipients", (json_int_t)s->recipients,
			   "skipped", (json_int_t)s->skipped, "sms_total", (json_int_t)s->sms_total,
			   "in_run", (json_int_t)s->in_run, "languages", langs,
			   "countries", countries),
		 out);
}

/* -- sending ---------------------------------------------------------------------- */

/* Hands out the next free sending slots (`count` wanted), spaced by
 * `interval` microseconds, up to a second ahead, by Redis' clock: {now,
 * slot, slot, ...}.  One schedule (k_rate) shared by every daemon. */
#define GRANT_KEYS(X) X(k_rate)
#define GRANT_ARGS(X) X(interval) X(count)
static const char grant_script[] =
	SCRIPT_LOCALS(GRANT_KEYS, "KEYS")
	SCRIPT_LOCALS(GRANT_ARGS, "ARGV")
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000000 + t[2]\n"
	"local nxt = tonumber(redis.call('GET', k_rate) or '0')\n"
	"if nxt < now then nxt = now end\n"
	"local out = {now}\n"
	"for i = 1, tonumber(count) do\n"
	"  if nxt > now + 1000000 then break end\n"
	"  out[#out + 1] = nxt\n"
	"  nxt = nxt + tonumber(interval)\n"
	"end\n"
	"redis.call('SET', k_rate, string.format('%.0f', nxt), 'PX', 10000)\n"
	"return out\n";

/* admit(log, rate, member): whether one more message fits the last
 * second's `rate` in log (rate:log): true, and it is counted, or false.
 * The window is 1.02 s: 20 ms of guard for the time between this admission
 * and the hand-off.  Every message handed to Kannel, broadcast or priority,
 * passes here. */
#define ADMIT_FUNCTION \
	"local function admit(log, rate, member)\n" \
	"  local t = redis.call('TIME')\n" \
	"  local now = t[1] * 1000000 + t[2]\n" \
	"  redis.call('ZREMRANGEBYSCORE', log, '-inf', now - 1020000)\n" \
	"  if redis.call('ZCARD', log) >= tonumber(rate) then return false end\n" \
	"  redis.call('ZADD', log, now, member .. ':' .. now)\n" \
	"  redis.call('PEXPIRE', log, 2000)\n" \
	"  return true\n" \
	"end\n"

/* Right before handing a message to Kannel; after the named arguments, the
 * run's fields (count first):
 *   0  it must not go (sent already, cancelled, the person said STOP or was
 *      forgotten meanwhile: PRESENT_FUNCTION, then taken out of the
 *      broadcast as forget does), or the person is answering this very
 *      flow already (an active run of it with an answer in it: skipped,
 *      never restarted),
 *  -2  the person is in an active run of another flow, on either channel:
 *      the recipient waits (never interrupted),
 *  -1  the last second already holds `rate` messages (try again soon),
 *   1  it may go now: the run is created (once: its id is the recipient's)
 *      and the SMS pointer set, as a keyword would.  A run of this
 *      broadcast already under way on the SMS pointer is the recipient's
 *      run too, whatever its id: begun before pseudonym_key changed (the
 *      id is keyed by it, recipient_run_id), it is not begun again.
 * The runs the pointers name are found by reading them (KEYS_RUN_PREFIX). */
#define BEGIN_KEYS(X) \
	X(k_bc) X(k_recipients) X(k_totals) X(k_contact) X(k_sms) X(k_ussd) X(k_run) \
	X(k_flow_runs) X(k_rate_log)
#define BEGIN_ARGS(X) X(bc) X(phone) X(rate) X(flow) X(run_id) X(now)
#define BK(n) SCRIPT_ENUM(BK_, n)
#define BA(n) SCRIPT_ENUM(BA_, n)
enum { BEGIN_KEYS(BK) BK_COUNT };
enum { BEGIN_ARGS(BA) BA_COUNT };
static const char begin_script[] =
	SCRIPT_LOCALS(BEGIN_KEYS, "KEYS")
	SCRIPT_LOCALS(BEGIN_ARGS, "ARGV")
	SCRIPT_COUNT("NARGS", BEGIN_ARGS)
	RECIPIENT_MOVE_FUNCTION
	PRESENT_FUNCTION
	UNRECIPIENT_FUNCTION
	ADMIT_FUNCTION
	"now = tonumber(now)\n"
	"local st = redis.call('HGET', k_recipients, phone)\n"
	"if st ~= 'queued' and st ~= 'sending' and st ~= 'waiting' then return 0 end\n"
	"if not present(k_bc, k_contact, phone) then\n"
	"  unrecipient(k_bc, k_recipients, phone)\n"
	"  return 0\n"
	"end\n"
	"if redis.call('HGET', k_bc, 'state') == 'cancelled' then\n"
	"  recipient_move(k_bc, k_recipients, phone, st, 'cancelled')\n"
	"  return 0\n"
	"end\n"
	"if redis.call('HGET', k_contact, '_optout') == '1' then\n"
	"  recipient_move(k_bc, k_recipients, phone, st, 'skipped')\n"
	"  return 0\n"
	"end\n"
	"local begun = false\n"
	"for _, ptr in ipairs({k_sms, k_ussd}) do\n"
	"  local cur = redis.call('GET', ptr)\n"
	"  if cur and cur ~= run_id then\n"
	"    local ck = " KEYS_LUA(KEYS_RUN_PREFIX, "cur") "\n"
	"    local v = redis.call('HMGET', ck, 'st', 'flow', 'exp', 'bc')\n"
	"    if v[1] == 'active' and tonumber(v[3] or '0') > now then\n"
	"      if ptr == k_sms and v[4] == bc then\n"
	"        begun = true\n"
	"      elseif v[2] ~= flow then\n"
	"        if st ~= 'waiting' then recipient_move(k_bc, k_recipients, phone, st, 'waiting') end\n"
	"        return -2\n"
	"      else\n"
	"        for _, f in ipairs(redis.call('HKEYS', ck)) do\n"
	"          if string.sub(f, 1, 2) == 'a:' then\n"
	"            recipient_move(k_bc, k_recipients, phone, st, 'skipped')\n"
	"            return 0\n"
	"          end\n"
	"        end\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"if not admit(k_rate_log, rate, bc .. ':' .. phone) then return -1 end\n"
	"if not begun and redis.call('EXISTS', k_run) == 0 then\n"
	"  local cur = redis.call('GET', k_sms)\n"
	"  if cur and redis.call('HGET', " KEYS_LUA(KEYS_RUN_PREFIX, "cur") ", 'st') == 'active' then\n"
	"    redis.call('HSET', " KEYS_LUA(KEYS_RUN_PREFIX, "cur") ", 'st', 'expired')\n"
	"    redis.call('HINCRBY', " KEYS_LUA(KEYS_RUN_PREFIX, "cur") ", 'v', 1)\n"
	"  end\n"
	"  local n = tonumber(ARGV[NARGS + 1])\n"
	"  redis.call('HSET', k_run, 'v', 1, 'bc', bc, unpack(ARGV, NARGS + 2, NARGS + 1 + n))\n"
	"  redis.call('ZADD', k_flow_runs, now, run_id)\n"
	"  redis.call('HSET', k_contact, " LUA_CONTACT_RUN("run_id") ", now)\n"
	"  if redis.call('HGET', k_run, 'st') == 'active' then redis.call('SET', k_sms, run_id)\n"
	"  else redis.call('DEL', k_sms) end\n"
	"end\n"
	"if st ~= 'sending' then recipient_move(k_bc, k_recipients, phone, st, 'sending') end\n"
	"return 1\n";

/* begin_script for a priority message: 0 opted out. */
#define PRIORITY_KEYS(X) X(k_contact) X(k_rate_log)
#define PRIORITY_ARGS(X) X(phone) X(rate)
#define PK(n) SCRIPT_ENUM(PK_, n)
#define PA(n) SCRIPT_ENUM(PA_, n)
enum { PRIORITY_KEYS(PK) PK_COUNT };
enum { PRIORITY_ARGS(PA) PA_COUNT };
static const char priority_begin_script[] =
	SCRIPT_LOCALS(PRIORITY_KEYS, "KEYS")
	SCRIPT_LOCALS(PRIORITY_ARGS, "ARGV")
	ADMIT_FUNCTION
	"if redis.call('HGET', k_contact, '_optout') == '1' then return 0 end\n"
	"if not admit(k_rate_log, rate, 'p:' .. phone) then return -1 end\n"
	"return 1\n";

/* Settles one send of entry (of broadcast bc to phone): outcome 1
 * accepted, 0 refused, 2 held back by quiet hours, 3 waiting for a run to
 * end, 4 nothing to send (begin_script's 0); attempt, retry time (ms) and
 * max attempts, then the entry's other fields (name, value, ...) to queue
 * it again with.  Returns 1 sent, 2 failed for good, 3 queued again for
 * later.  remind_arm (reminder.h) is given k_sms and k_remind, and finds
 * the run through the pointer. */
#define DONE_KEYS(X) \
	X(k_outbox) X(k_bc) X(k_recipients) X(k_totals) X(k_retry) X(k_sms) X(k_remind)
#define DONE_ARGS(X) X(entry) X(bc) X(phone) X(outcome) X(attempt) X(retry_at) X(max_attempts)
#define DK(n) SCRIPT_ENUM(DK_, n)
#define DA(n) SCRIPT_ENUM(DA_, n)
enum { DONE_KEYS(DK) DK_COUNT };
enum { DONE_ARGS(DA) DA_COUNT };
static const char done_script[] =
	SCRIPT_LOCALS(DONE_KEYS, "KEYS")
	SCRIPT_LOCALS(DONE_ARGS, "ARGV")
	SCRIPT_COUNT("NARGS", DONE_ARGS)
	RECIPIENT_MOVE_FUNCTION
	REMINDER_ARM_FUNCTION
	"redis.call('XACK', k_outbox, '" KEYS_OUTBOX_GROUP "', entry)\n"
	"redis.call('XDEL', k_outbox, entry)\n"
	"if outcome == '4' then return 0 end\n"
	"local st = redis.call('HGET', k_recipients, phone)\n"
	"if outcome == '1' then\n"
	"  if st == 'sending' or st == 'queued' then recipient_move(k_bc, k_recipients, phone, st, 'sent') end\n"
	/* the silence starts now; also when the delivery report got here
	 * before sendsms's answer (st already delivered) */
	"  if st == 'sending' or st == 'queued' or st == 'delivered' then\n"
	"    remind_arm(k_sms, k_remind, tonumber(redis.call('TIME')[1]))\n"
	"  end\n"
	"  return 1\n"
	"end\n"
	"if st ~= 'sending' and st ~= 'queued' and st ~= 'waiting' then return 0 end\n"
	"local n = tonumber(attempt)\n"
	"if outcome == '0' then n = n + 1 end\n"
	"if n >= tonumber(max_attempts) then recipient_move(k_bc, k_recipients, phone, st, 'failed') return 2 end\n"
	"local to = outcome == '3' and 'waiting' or 'queued'\n"
	"if st ~= to then recipient_move(k_bc, k_recipients, phone, st, to) end\n"
	"local e = {'bc', bc, 'ph', phone, unpack(ARGV, NARGS + 1)}\n"
	"e[#e + 1] = 'n'; e[#e + 1] = tostring(n)\n"
	"redis.call('ZADD', k_retry, retry_at, cjson.encode(e))\n"
	"return 3\n";

/* Moves retries that are due back into the outbox. */
#define RETRY_KEYS(X) X(k_retry) X(k_outbox)
static const char retry_script[] =
	SCRIPT_LOCALS(RETRY_KEYS, "KEYS")
	"local t = redis.call('TIME')\n"
	"local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
	"local due = redis.call('ZRANGEBYSCORE', k_retry, '-inf', now, 'LIMIT', 0, 200)\n"
	"for _, m in ipairs(due) do\n"
	"  redis.call('XADD', k_outbox, '*', unpack(cjson.decode(m)))\n"
	"  redis.call('ZREM', k_retry, m)\n"
	"end\n"
	"return #due\n";

/* Reads up to `count` new outbox entries for this daemon (`consumer`),
 * and settles on the way those of cancelled broadcasts (at most 1000 a
 * call), so that a cancelled broadcast is not paced out at kannel.rate.
 * Entries begin with bc and ph; each broadcast's keys are found by the id
 * read from its entries (KEYS_BROADCAST_PREFIX). */
#define READ_KEYS(X) X(k_outbox) X(k_totals)
#define READ_ARGS(X) X(consumer) X(count)
static const char read_script[] =
	SCRIPT_LOCALS(READ_KEYS, "KEYS")
	SCRIPT_LOCALS(READ_ARGS, "ARGV")
	RECIPIENT_MOVE_FUNCTION
	"local want = tonumber(count)\n"
	"local out, seen, states = {}, 0, {}\n"
	"while #out < want and seen < 1000 do\n"
	"  local r = redis.call('XREADGROUP', 'GROUP', '" KEYS_OUTBOX_GROUP "', consumer, 'COUNT', want - #out,\n"
	"    'STREAMS', k_outbox, '>')\n"
	"  if not r or #r[1][2] == 0 then break end\n"
	"  for _, e in ipairs(r[1][2]) do\n"
	"    seen = seen + 1\n"
	"    local bc, ph = e[2][2], e[2][4]\n"
	"    local bk = " KEYS_LUA(KEYS_BROADCAST_PREFIX, "bc") "\n"
	"    if states[bc] == nil then states[bc] = redis.call('HGET', bk, 'state') or '' end\n"
	"    if states[bc] == 'cancelled' then\n"
	"      redis.call('XACK', k_outbox, '" KEYS_OUTBOX_GROUP "', e[1])\n"
	"      redis.call('XDEL', k_outbox, e[1])\n"
	"      local rk = " KEYS_LUA(KEYS_BROADCAST_PREFIX, "bc .. '" KEYS_RECIPIENTS_SUFFIX "'") "\n"
	"      local st = redis.call('HGET', rk, ph)\n"
	"      if st == 'queued' or st == 'waiting' then recipient_move(bk, rk, ph, st, 'cancelled') end\n"
	"    else\n"
	"      out[#out + 1] = e\n"
	"    end\n"
	"  end\n"
	"end\n"
	"return out\n";

struct outgoing {
	struct broadcaster *b;
	char entry[48];
	char bc[BROADCAST_ID_LEN + 1];
	char phone[PHONE_E164_SIZE];
	char flow[64];
	char lang[16];
	char *step;                     /* the run's first step; "" once ended */
	bool done;                      /* the run ends with this message */
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
	/* Its outcome (settle_at), kept while Redis cannot take it. */
	int outcome;
	long long retry_ms;
	bool unsettled;                 /* to be written again (settle_again) */
	int settle_tries;
	struct outgoing *next;          /* in b->queue, while not yet slotted */
	LIST_ENTRY(outgoing) alive;     /* in b->all */
};

struct broadcaster {
	struct broadcast_env env;
	struct event *tick;
	bool claiming;
	bool reading;
	bool granting;
	bool draining;                /* broadcast_drain(): finish, take nothing */
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
	/* the connection (db_connections) the outbox's group was last made on:
	 * a new master may not have it (a failover that lost the last writes,
	 * a Redis restarted empty), nor a store someone emptied (NOGROUP) */
	unsigned long group_made;
	struct outgoing *queue;       /* read from the outbox, not yet slotted */
	LIST_HEAD(, outgoing) all;    /* every outgoing alive */
	size_t in_hand;               /* read and not yet finished */
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
	free(o->step);
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

enum outcome { REFUSED, ACCEPTED, HELD, WAITING, NOTHING };

/* An outcome Redis did not take (it went away, or answered an error) is
 * kept and written again on the next ticks Redis is there, this many times
 * at most: an entry whose outcome is not written is taken over after
 * RECLAIM_IDLE_MS and sent again, though Kannel may have taken it already
 * (a person messaged twice).  Writing an outcome twice changes nothing
 * (done_script). */
#define SETTLE_TRIES_MAX 50

static void keep_unsettled(struct outgoing *o)
{
	release_conn(o);
	o->unsettled = true;
}

static void on_done(redisReply *reply, void *data)
{
	struct outgoing *o = data;
	bool written = reply && reply->type != REDIS_REPLY_ERROR;
	if (!written && ++o->settle_tries < SETTLE_TRIES_MAX) {
		keep_unsettled(o);
		return;
	}
	if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 2)
		log_warn("broadcast %s: gave up on a recipient after %d attempts", o->bc, MAX_ATTEMPTS);
	outgoing_free(o);
}

void broadcast_done_command(struct db_args *a, const char *entry, const char *bc,
			    const char *phone, const char *outcome, int attempt,
			    long long retry_ms, const char *const *fields, size_t nfields)
{
	int k = script_begin(a, done_script, DK_COUNT);
	keys_outbox(a, k + DK_k_outbox);
	keys_broadcast(a, k + DK_k_bc, bc);
	keys_broadcast_recipients(a, k + DK_k_recipients, bc);
	keys_broadcast_totals(a, k + DK_k_totals);
	keys_outbox_retry(a, k + DK_k_retry);
	keys_pointer(a, k + DK_k_sms, "sms", phone);
	keys_remind(a, k + DK_k_remind);
	int v = script_reserve(a, DA_COUNT);
	db_args_setf(a, v + DA_entry, "%s", entry);
	db_args_setf(a, v + DA_bc, "%s", bc);
	db_args_setf(a, v + DA_phone, "%s", phone);
	db_args_set(a, v + DA_outcome, outcome);
	db_args_setl(a, v + DA_attempt, attempt);
	db_args_setf(a, v + DA_retry_at, "%lld", retry_ms);
	db_args_setl(a, v + DA_max_attempts, MAX_ATTEMPTS);
	for (size_t i = 0; i < nfields; i++)
		db_args_addf(a, "%s", fields[i]);
}

/* Writes o's outcome; returns -1 when it could not be sent (o is then
 * kept, to be written again). */
static int send_outcome(struct outgoing *o)
{
	static const char *const codes[] = {[REFUSED] = "0", [ACCEPTED] = "1", [HELD] = "2",
					    [WAITING] = "3", [NOTHING] = "4"};
	const char *fields[] = {"fl", o->flow, "ucs", o->ucs2 ? "1" : "0", "txt", o->text,
				"lg", o->lang, "sp", o->step, "d", o->done ? "1" : "0"};
	struct db_args a = {0};
	broadcast_done_command(&a, o->entry, o->bc, o->phone, codes[o->outcome], o->attempt,
			       o->retry_ms, fields, sizeof(fields) / sizeof(fields[0]));
	if (db_command_args(o->b->env.db, on_done, o, &a) < 0) {
		keep_unsettled(o);
		return -1;
	}
	return 0;
}

static void settle_at(struct outgoing *o, enum outcome outcome, long long retry_ms)
{
	o->outcome = outcome;
	o->retry_ms = retry_ms;
	if (outcome == ACCEPTED)
		metrics_inc(M_MESSAGES_OUT, CHANNEL_SMS);
	send_outcome(o);
}

/* The outcomes kept while Redis was away, written now: before the tick
 * reads or takes over entries, so none of them is taken over.  A daemon
 * stopping waits for them too (broadcast_drain); if Redis does not come
 * back within that wait, its entries are taken over after RECLAIM_IDLE_MS. */
static void settle_again(struct broadcaster *b)
{
	struct outgoing *o;
	LIST_FOREACH(o, &b->all, alive) {
		if (!o->unsettled)
			continue;
		o->unsettled = false;
		if (send_outcome(o) < 0)
			break; /* Redis went again: the next tick */
	}
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

/* Why a message Kannel did not take waits: sendsms away (no answer, code
 * 0), an HTTP error, or an answer that is not "accepted". */
static void log_sendsms_refusal(const struct outgoing *o, int code)
{
	const char *what = o->priority_done ? "priority message" : "broadcast";
	const char *id = o->priority_done ? o->dlr_id : o->bc;
	if (code == 0)
		log_warn("%s %s: kannel's sendsms did not answer (unreachable or timed "
			 "out); will retry", what, id);
	else if (code >= 200 && code < 300)
		log_warn("%s %s: kannel's sendsms answered %d without accepting the "
			 "message; will retry", what, id, code);
	else
		log_warn("%s %s: kannel's sendsms answered HTTP %d; will retry", what, id, code);
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
	if (!accepted) {
		metrics_sendsms_error(code == 0			   ? SENDSMS_UNREACHABLE
				      : code >= 200 && code < 300 ? SENDSMS_REFUSED
								  : SENDSMS_HTTP);
		log_sendsms_refusal(o, code);
	}
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
		metrics_sendsms_error(SENDSMS_UNREACHABLE);
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
		return;
	}
	release_conn(o);
	if (reply->integer == -1)
		schedule(o, 50 * 1000);
	else if (o->priority_done)
		priority_finish(o, 2);
	else if (reply->integer == -2)
		settle_at(o, WAITING, now_ms() + WAIT_POLL_MS);
	else
		settle_at(o, NOTHING, 0); /* nothing to send: acknowledge the entry */
}

/* The key of recipient_run_id: the deployment's pseudonym_key, hashed with
 * a context of its own so that a run id is never a pseudonym. */
static void run_id_key(const struct broadcaster *b, unsigned char key[crypto_generichash_KEYBYTES])
{
	static const char context[] = "sauti: the run ids of broadcasts";
	const char *secret = config_pseudonym_key(b->env.cfg);
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, crypto_generichash_KEYBYTES);
	crypto_generichash_update(&st, (const unsigned char *)context, sizeof(context));
	crypto_generichash_update(&st, (const unsigned char *)secret, strlen(secret));
	crypto_generichash_final(&st, key, crypto_generichash_KEYBYTES);
}

/* The id of the run a recipient's message starts: the same however often
 * its entry is retried or reclaimed, by whichever daemon, so the run is
 * created once.  Keyed (docs/keys.md): the id's HEX is shown beside a
 * pseudonymised contact in exports, and a plain hash of the broadcast's id
 * and the number would give the number away to anyone trying every number
 * of a country. */
static void recipient_run_id(const struct outgoing *o, char out[RUN_ID_LEN + 1])
{
	unsigned char key[crypto_generichash_KEYBYTES], hash[RUN_ID_HEX_LEN / 2];
	char in[BROADCAST_ID_LEN + PHONE_E164_SIZE + 2], hex[RUN_ID_HEX_LEN + 1];
	int n = snprintf(in, sizeof(in), "%s.%s", o->bc, o->phone);
	run_id_key(o->b, key);
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)in, (size_t)n, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	run_id_make(out, o->phone, hex);
}

void broadcast_begin_command(struct db_args *a, const char *bc, const char *phone, int rate,
			     const char *flow, const char *run_id, long now)
{
	int k = script_begin(a, begin_script, BK_COUNT);
	keys_broadcast(a, k + BK_k_bc, bc);
	keys_broadcast_recipients(a, k + BK_k_recipients, bc);
	keys_broadcast_totals(a, k + BK_k_totals);
	keys_contact(a, k + BK_k_contact, phone);
	keys_pointer(a, k + BK_k_sms, "sms", phone);
	keys_pointer(a, k + BK_k_ussd, "ussd", phone);
	keys_run(a, k + BK_k_run, run_id);
	keys_flow_runs(a, k + BK_k_flow_runs, flow);
	keys_rate_log(a, k + BK_k_rate_log);
	int v = script_reserve(a, BA_COUNT);
	db_args_setf(a, v + BA_bc, "%s", bc);
	db_args_setf(a, v + BA_phone, "%s", phone);
	db_args_setl(a, v + BA_rate, rate);
	db_args_setf(a, v + BA_flow, "%s", flow);
	db_args_setf(a, v + BA_run_id, "%s", run_id);
	db_args_setl(a, v + BA_now, now);
}

static void begin(struct outgoing *o)
{
	struct broadcaster *b = o->b;
	const struct flow *flow = flow_set_find(*b->env.flows, o->flow);
	long now = (long)time(NULL);
	struct stored_run run = {
		.flow = o->flow,
		.phone = o->phone,
		.lang = o->lang,
		.step = o->step[0] ? o->step : NULL,
		.channel = CHANNEL_SMS,
		.status = o->done ? RUN_COMPLETED : RUN_ACTIVE,
		.started = now,
		.updated = now,
		.completed = o->done ? now : 0,
		.expires = now + (flow ? flow->expire : 24 * 3600),
		.remind_after = flow ? flow->remind.after : 0,
	};
	recipient_run_id(o, run.id);
	struct db_args a = {0};
	broadcast_begin_command(&a, o->bc, o->phone, kannel_rate(b), o->flow, run.id, now);
	store_run_fields(&a, &run);
	if (db_command_args(b->env.db, on_begin, o, &a) < 0)
		outgoing_free(o);
}

/* An outgoing not begun, let go: a priority message back to its lane
 * (its lease lapses), a broadcast's entry pending in the outbox, taken
 * over by another daemon after RECLAIM_IDLE_MS. */
static void let_go(struct outgoing *o)
{
	if (o->priority_done)
		priority_finish(o, -1);
	else
		outgoing_free(o);
}

static void on_slot(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct outgoing *o = arg;
	struct broadcaster *b = o->b;
	if (b->draining) {
		let_go(o);
		return;
	}
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
	if (!o->priority_done) {
		begin(o);
		return;
	}
	struct db_args a = {0};
	int k = script_begin(&a, priority_begin_script, PK_COUNT);
	keys_contact(&a, k + PK_k_contact, o->phone);
	keys_rate_log(&a, k + PK_k_rate_log);
	int v = script_reserve(&a, PA_COUNT);
	db_args_set(&a, v + PA_phone, o->phone);
	db_args_setl(&a, v + PA_rate, kannel_rate(o->b));
	if (db_command_args(b->env.db, on_begin, o, &a) < 0)
		priority_finish(o, 0);
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
	struct db_args a = {0};
	keys_rate(&a, script_begin(&a, grant_script, 1));
	db_args_add(&a, interval);
	db_args_add(&a, count);
	b->granting = db_command_args(b->env.db, on_granted, b, &a) == 0;
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
		const redisReply *f = e->element[1];
		const char *bc = entry_field(f, "bc"), *ph = entry_field(f, "ph");
		const char *txt = entry_field(f, "txt"), *fl = entry_field(f, "fl");
		const char *lg = entry_field(f, "lg"), *sp = entry_field(f, "sp");
		if (!bc || !ph || !txt || !fl || !lg || !sp)
			continue;
		struct outgoing *o = xcalloc(1, sizeof(*o));
		o->b = b;
		o->conn = -1;
		str_copy(o->entry, sizeof(o->entry), e->element[0]->str);
		str_copy(o->bc, sizeof(o->bc), bc);
		str_copy(o->phone, sizeof(o->phone), ph);
		str_copy(o->flow, sizeof(o->flow), fl);
		str_copy(o->lang, sizeof(o->lang), lg);
		o->step = xstrdup(sp);
		o->text = xstrdup(txt);
		const char *ucs = entry_field(f, "ucs"), *n = entry_field(f, "n");
		const char *d = entry_field(f, "d");
		o->ucs2 = ucs && strcmp(ucs, "1") == 0;
		o->done = d && strcmp(d, "1") == 0;
		o->attempt = n ? atoi(n) : 0;
		b->in_hand++;
		LIST_INSERT_HEAD(&b->all, o, alive);
		*tail = o;
		tail = &o->next;
	}
	request_slots(b);
}

/* An outbox read refused for want of the group: made again next tick. */
static void check_group(struct broadcaster *b, const redisReply *reply)
{
	if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOGROUP", 7) == 0)
		b->group_made = 0;
}

static void on_read(redisReply *reply, void *data)
{
	struct broadcaster *b = data;
	b->reading = false;
	check_group(b, reply);
	/* [[id, fields], ...] */
	if (reply && reply->type == REDIS_REPLY_ARRAY)
		take_entries(b, reply);
}

static void on_autoclaim(redisReply *reply, void *data)
{
	struct broadcaster *b = data;
	b->reading = false;
	check_group(b, reply);
	/* [next id, [[id, fields], ...], [deleted ids]] */
	if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2) {
		if (reply->element[1]->elements)
			log_info("outbox: took over %zu messages unsettled for %d s (a "
				 "daemon stopped, or Redis went away before their outcome "
				 "was saved); sending them now",
				 reply->element[1]->elements, RECLAIM_IDLE_MS / 1000);
		take_entries(b, reply->element[1]);
	}
}

static void read_outbox(struct broadcaster *b, bool reclaim)
{
	long room = 2L * kannel_rate(b) - (long)b->in_hand;
	if (b->reading || room <= 0 || !db_ready_for_background(b->env.db))
		return;
	char count[24];
	snprintf(count, sizeof(count), "%ld", room);
	if (reclaim) {
		char idle[16];
		snprintf(idle, sizeof(idle), "%d", RECLAIM_IDLE_MS);
		struct db_args a = {0};
		db_args_add(&a, "XAUTOCLAIM");
		db_args_add(&a, "");
		keys_outbox(&a, 1);
		const char *rest[] = {KEYS_OUTBOX_GROUP, b->env.consumer, idle, "0-0", "COUNT", count};
		for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
			db_args_add(&a, rest[i]);
		b->reading = db_command_args(b->env.db, on_autoclaim, b, &a) == 0;
	} else {
		struct db_args a = {0};
		int k = script_begin(&a, read_script, 2);
		keys_outbox(&a, k);
		keys_broadcast_totals(&a, k + 1);
		db_args_add(&a, b->env.consumer);
		db_args_add(&a, count);
		b->reading = db_command_args(b->env.db, on_read, b, &a) == 0;
	}
}

/* The audience as the log may name it: a phones: list is numbers, which
 * no log at info shows (README.md, "Privacy"), so it is counted. */
static void audience_for_log(const char *audience, char *out, size_t size)
{
	if (strncmp(audience, "phones:", 7) != 0) {
		str_copy(out, size, audience);
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
	p->gsm7_substitute = b->env.cfg->gsm7_substitute;
	p->id = xstrdup(id);
	p->done = on_planned;
	if (plan_start(p, audience) < 0) {
		p->seen[0] = '\0';
		plan_free(p);
	}
}

static void claim_due(struct broadcaster *b)
{
	if (b->claiming)
		return;
	char now[32];
	snprintf(now, sizeof(now), "%ld", (long)time(NULL));
	struct db_args a = {0};
	keys_broadcasts_due(&a, script_begin(&a, claim_script, 1));
	db_args_add(&a, now);
	b->claiming = db_command_args(b->env.db, on_claimed, b, &a) == 0;
}

static void on_totals(redisReply *reply, void *data)
{
	(void)data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY)
		return;
	long n[BC_NSTATES];
	for (int i = 0; i < BC_NSTATES; i++)
		n[i] = hash_long(reply, state_names[i]);
	metrics_broadcast_recipients(state_names, n, BC_NSTATES);
}

/* pcall: the group exists already but for the very first start (and after
 * a failover or a restart that lost it). */
static const char create_group_script[] =
	"redis.pcall('XGROUP', 'CREATE', KEYS[1], '" KEYS_OUTBOX_GROUP "', '0', 'MKSTREAM')\n"
	"return 1\n";

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct broadcaster *b = arg;
	if (!db_ready_for_background(b->env.db))
		return;
	if (b->draining) {
		settle_again(b);
		return;
	}
	if (b->group_made != db_connections(b->env.db)) {
		struct db_args a = {0};
		keys_outbox(&a, script_begin(&a, create_group_script, 1));
		if (db_command_args(b->env.db, NULL, NULL, &a) == 0)
			b->group_made = db_connections(b->env.db);
	}
	b->ticks++;
	settle_again(b);
	/* Reclaim first on start: a restarted daemon finds its own entries. */
	read_outbox(b, b->ticks % 50 == 2);
	request_slots(b);
	if (b->ticks % 10 == 1) {
		claim_due(b);
		struct db_args retry = {0}, totals = {0};
		int k = script_begin(&retry, retry_script, 2);
		keys_outbox_retry(&retry, k);
		keys_outbox(&retry, k + 1);
		db_command_args(b->env.db, NULL, NULL, &retry);
		db_args_add(&totals, "HGETALL");
		db_args_add(&totals, "");
		keys_broadcast_totals(&totals, 1);
		db_command_args(b->env.db, on_totals, NULL, &totals);
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
	str_copy(b->kannel_host, sizeof(b->kannel_host), evhttp_uri_get_host(uri));
	b->kannel_port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80;
	const char *path = evhttp_uri_get_path(uri);
	str_copy(b->kannel_path, sizeof(b->kannel_path), path && *path ? path : "/");
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

void broadcast_drain(struct broadcaster *b)
{
	if (!b || b->draining)
		return;
	b->draining = true;
	while (b->queue) {
		struct outgoing *o = b->queue;
		b->queue = o->next;
		let_go(o);
	}
	/* Those waiting for their slot (on_slot lets them go as it comes) go
	 * now, so that the drain does not wait for their time. */
	struct outgoing *o, *next;
	for (o = LIST_FIRST(&b->all); o; o = next) {
		next = LIST_NEXT(o, alive);
		if (o->timer && evtimer_pending(o->timer, NULL))
			let_go(o);
	}
}

size_t broadcast_in_hand(const struct broadcaster *b)
{
	return b ? b->in_hand : 0;
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
	while (!LIST_EMPTY(&b->all))
		let_go(LIST_FIRST(&b->all));
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
	str_copy(o->phone, sizeof(o->phone), phone);
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

/* -- delivery reports ------------------------------------------------------------ */

/* A delivery report for broadcast bc's message to phone: status is
 * Kannel's DLR type (1 delivered, 2 failed, 16 rejected; 8 and 4 are
 * intermediate).  A message in several parts reports once per part; the
 * state moves once. */
#define DLR_KEYS(X) X(k_bc) X(k_recipients) X(k_totals)
#define DLR_ARGS(X) X(bc) X(phone) X(status)
#define LK(n) SCRIPT_ENUM(LK_, n)
#define LA(n) SCRIPT_ENUM(LA_, n)
enum { DLR_KEYS(LK) LK_COUNT };
enum { DLR_ARGS(LA) LA_COUNT };
static const char dlr_script[] =
	SCRIPT_LOCALS(DLR_KEYS, "KEYS")
	SCRIPT_LOCALS(DLR_ARGS, "ARGV")
	RECIPIENT_MOVE_FUNCTION
	"local st = redis.call('HGET', k_recipients, phone)\n"
	"if st ~= 'sent' and st ~= 'sending' then return 0 end\n"
	"local s = tonumber(status)\n"
	"if s == 1 then recipient_move(k_bc, k_recipients, phone, st, 'delivered')\n"
	"elseif s == 2 or s == 16 then recipient_move(k_bc, k_recipients, phone, st, 'failed') end\n"
	"return 1\n";

void broadcast_dlr_command(struct db_args *a, const char *bc, const char *phone,
			   const char *status)
{
	int k = script_begin(a, dlr_script, LK_COUNT);
	keys_broadcast(a, k + LK_k_bc, bc);
	keys_broadcast_recipients(a, k + LK_k_recipients, bc);
	keys_broadcast_totals(a, k + LK_k_totals);
	int v = script_reserve(a, LA_COUNT);
	db_args_setf(a, v + LA_bc, "%s", bc);
	db_args_setf(a, v + LA_phone, "%s", phone);
	db_args_setf(a, v + LA_status, "%s", status);
}

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
	struct db_args a = {0};
	broadcast_dlr_command(&a, bc, dot + 1, st);
	if (db_command_args(db, on_dlr, d, &a) < 0) {
		free(d);
		return -2;
	}
	return 0;
}

/* -- for tests: where each named key and argument is ------------------------------ */

#define NAMES(KEYS, ARGS) {KEYS(SCRIPT_NAME_STR) ARGS(SCRIPT_NAME_STR)}
static const char *const page_names[] = NAMES(PAGE_KEYS, PAGE_ARGS);
static const char *const enqueue_names[] = NAMES(ENQUEUE_KEYS, ENQUEUE_ARGS);
static const char *const create_names[] = NAMES(CREATE_KEYS, CREATE_ARGS);
static const char *const begin_names[] = NAMES(BEGIN_KEYS, BEGIN_ARGS);
static const char *const done_names[] = NAMES(DONE_KEYS, DONE_ARGS);
static const char *const dlr_names[] = NAMES(DLR_KEYS, DLR_ARGS);

static const struct {
	const char *script;
	const char *const *names;
	size_t n;
	int nkeys;
} script_names[] = {
#define SCRIPT(name, nkeys) {#name, name##_names, sizeof(name##_names) / sizeof(name##_names[0]), nkeys}
	SCRIPT(page, GK_COUNT), SCRIPT(enqueue, EK_COUNT), SCRIPT(create, CK_COUNT),
	SCRIPT(begin, BK_COUNT), SCRIPT(done, DK_COUNT),   SCRIPT(dlr, LK_COUNT),
#undef SCRIPT
};

int broadcast_script_position(const char *script, const char *name, int extra)
{
	for (size_t i = 0; i < sizeof(script_names) / sizeof(script_names[0]); i++)
		if (strcmp(script_names[i].script, script) == 0)
			return script_position(script_names[i].names, script_names[i].n,
					       script_names[i].nkeys, extra, name);
	return -1;
}
