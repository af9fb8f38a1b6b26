/* store.c -- see store.h.  The two scripts below are the whole protocol
 * between a daemon and Redis for serving a message; keeping them in Lua makes
 * each a single round trip and each commit atomic. */
#include "store.h"

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "contacts.h"
#include "db.h"
#include "inbox.h"
#include "reminder.h"
#include "keys.h"
#include "script.h"

/* -- the scripts' protocol ------------------------------------------------------
 * Each script is given its keys as KEYS and its other arguments as ARGV, in
 * the orders of the lists below (script.h says how).  A key a command does
 * not need is given as the contact's key (always in the person's slot,
 * docs/keys.md) and left alone. */

/* The run the pointer names: the one key a script finds by reading, not by
 * being told (its id is in the pointer); it is the person's, in the
 * person's slot once run keys carry the person's tag (docs/keys.md). */
#define LUA_RUN_KEY(id) KEYS_LUA(KEYS_RUN_PREFIX, id)

/* seen_or_counted(km, kl, msg_id, limit, window): the reply already given to
 * msg_id (its key km), or, when there is none, the message counted in the
 * phone's limit counter kl (limit > 0: INCR, expiring after window s).
 * Returns that reply or false, and the count (0 when not counted).  The
 * load makes these checks before a decision, a guarded commit (store.h)
 * after one: the same function in both. */
#define SEEN_FUNCTION \
	"local function seen_or_counted(km, kl, msg_id, limit, window)\n" \
	"  local dup = msg_id ~= '' and redis.call('GET', km)\n" \
	"  local n = 0\n" \
	"  if tonumber(limit) > 0 and not dup then\n" \
	"    n = redis.call('INCR', kl)\n" \
	"    if n == 1 then redis.call('EXPIRE', kl, window) end\n" \
	"  end\n" \
	"  return dup, n\n" \
	"end\n"

/* load_convo(keys, msg_id, limit, window, session, stat_keys, flows): what
 * serving one message needs to know; keys holds the contact's, the
 * pointer's, the limit counter's and the reply's keys.  The reply given to
 * msg_id is looked up always when session is "", else only when the active
 * run is not that USSD session's (a repeat within a session is answered from
 * the run itself).  Returns {reply already given or false, contact hash, run
 * id or false, run hash (both hashes as names and values joined by NUL
 * bytes), messages from this phone in the current window (0 when
 * unlimited), {flow, stats hash, ...}}.  Both scripts below begin with it. */
#define LOAD_FUNCTION \
	SEEN_FUNCTION \
	"local function load_convo(kc, kp, kl, km, msg_id, limit, window, session, stat_keys, flows)\n" \
	"  local c = redis.call('HGETALL', kc)\n" \
	"  local id = redis.call('GET', kp)\n" \
	"  local r = {}\n" \
	"  if id then r = redis.call('HGETALL', " LUA_RUN_KEY("id") ") end\n" \
	"  local mine = false\n" \
	"  if msg_id ~= '' and session ~= '' then\n" \
	"    for i = 1, #r, 2 do\n" \
	"      if r[i] == 'us' then mine = r[i + 1] == session; break end\n" \
	"    end\n" \
	"  end\n" \
	"  local dup, n = seen_or_counted(km, kl, mine and '' or msg_id, limit, window)\n" \
	"  local stats = {}\n" \
	"  for i, f in ipairs(flows) do\n" \
	"    stats[#stats + 1] = f\n" \
	"    stats[#stats + 1] = redis.call('HGETALL', stat_keys[i])\n" \
	"  end\n" \
	"  return {dup, table.concat(c, '\\0'), id, table.concat(r, '\\0'), n, stats}\n" \
	"end\n"

/* The load: these KEYS, then stats:FLOW of each flow whose counters the
 * texts show; these ARGV, then those flows' names, in the same order. */
#define LOAD_KEYS(X) X(k_contact) X(k_pointer) X(k_limit) X(k_reply)
#define LOAD_ARGS(X) X(phone) X(msg_id) X(limit) X(window) X(session)
#define LK(n) SCRIPT_ENUM(LK_, n)
#define LA(n) SCRIPT_ENUM(LA_, n)
enum { LOAD_KEYS(LK) LK_COUNT };
enum { LOAD_ARGS(LA) LA_COUNT };

static const char load_script[] =
	LOAD_FUNCTION
	SCRIPT_LOCALS(LOAD_KEYS, "KEYS")
	SCRIPT_LOCALS(LOAD_ARGS, "ARGV")
	SCRIPT_COUNT("NKEYS", LOAD_KEYS)
	SCRIPT_COUNT("NARGS", LOAD_ARGS)
	"return load_convo(k_contact, k_pointer, k_limit, k_reply, msg_id, limit, window, session,\n"
	"                  {unpack(KEYS, NKEYS + 1)}, {unpack(ARGV, NARGS + 1)})\n";

/* The commit.  KEYS: the contact, the pointer, the run written (when there
 * is one), the reply remembered or looked up (when a message id is), the
 * contacts set, the flow's stats and runs, the reminder schedule, the
 * person's replies, the limit counter (when guarded), the run ended (when
 * there is one) and an inbox item's keys (inbox_add_keys): in that order,
 * from what nearly every commit needs to what few do.  A commit names the
 * keys up to the last one it needs, no more (the others are nil here), and
 * gives a slot before that which it does not need the contact's key again:
 * every key a script passes to Redis must be named, and each one named
 * costs Redis a string and a table slot (docs/performance.md).
 * guarded "1": the commit first makes the load's checks, the repeat and
 * the limit (struct commit's guarded).  contact_v "-" (CONTACT_ABSENT):
 * the contact was not there and must still not be.
 * ARGV: these, what every step of a run checks; then the options below,
 * what some commits need (the load's context, the contact written, the
 * pointer moved, a message id and its reply, a run begun, a guard, a run
 * ended), from the most often needed to the least, as a counted list
 * that ends with the last one this commit needs (the others are nil here,
 * msg_id and end_run then ""): a step in the middle of a survey names
 * the first two; then five counted lists: run field/value pairs (those that
 * changed), run fields to delete, contact field/value pairs, contact
 * fields to delete, stats fields to increment; then the reminder's due
 * time (see struct commit's remind_at) and an inbox item: its id ("" none)
 * and a counted list of its field/value pairs.  What follows the last list
 * that is not empty is left out, and reads as empty ("0", "").
 * expect_ptr "*": not read (see store_commit).  Returns 1, or (guarded) a
 * repeat's reply or the count over the limit, or, when the pointer, the
 * run or the contact changed since they were read, what load_convo() finds
 * now when the commit named the load's context (load_msg_id, session:
 * every turn's commit does), else 0: the caller loads again.
 * ("local A = ARGV" is how tests/integration/42-faults.t knows it.) */
#define CONTACT_ABSENT "-"
#define COMMIT_KEYS(X) \
	X(k_contact) X(k_pointer) X(k_run) X(k_reply) X(k_contacts) X(k_stats) \
	X(k_flow_runs) X(k_remind) X(k_person_replies) X(k_limit) X(k_end_run) \
	X(k_inbox_item) X(k_inbox) X(k_inbox_open) X(k_inbox_person) X(k_inbox_thread)
#define COMMIT_ARGS(X) \
	X(expect_ptr) X(run_id) X(run_v) X(run_next_v) X(contact_v)
#define COMMIT_OPTS(X) \
	X(load_msg_id) X(session) X(contact_next_v) X(phone) X(ptr_action) X(now) \
	X(started) X(msg_id) X(reply) X(reply_ttl) X(by_sms) X(guarded) X(limit) X(window) \
	X(end_run) X(end_status)
#define CK(n) SCRIPT_ENUM(CK_, n)
#define CA(n) SCRIPT_ENUM(CA_, n)
#define CO(n) SCRIPT_ENUM(CO_, n)
enum { COMMIT_KEYS(CK) CK_COUNT };
enum { COMMIT_ARGS(CA) CA_COUNT };
enum { COMMIT_OPTS(CO) CO_COUNT };
_Static_assert(CK_k_inbox_thread - CK_k_inbox_item + 1 == INBOX_ADD_NKEYS,
	       "the inbox's keys in inbox_add_keys()'s order");

/* A counted list whose count is at A[at]: its count's index c, and its
 * first and last index f and l (l < f when it is empty or left out).
 * Written out, not a function: a Lua call costs Redis about 1,600
 * instructions (docs/performance.md). */
#define LIST_SPAN(c, f, l, at) \
	"local " c " = " at "\n" \
	"local " f ", " l " = " c " + 1, A[" c "] and " c " + count(A[" c "]) or " c "\n"

/* The functions a commit rarely needs are made only where it needs them
 * (a conflict, a guard, an inbox item): each function made costs Redis a
 * closure and its garbage on every call (docs/performance.md). */
static const char commit_script[] =
	"local A = ARGV\n"
	SCRIPT_LOCALS(COMMIT_KEYS, "KEYS")
	SCRIPT_LOCALS(COMMIT_ARGS, "ARGV")
	SCRIPT_COUNT("NARGS", COMMIT_ARGS)
	/* A count as sent: "0" (or left out), and a count of one or two
	 * digits, read without tonumber(), whose strtod() costs Redis more
	 * than a whole argument; those digits are read from their bytes
	 * (docs/performance.md). */
	"local function count(s)\n"
	"  if s == nil or s == '0' then return 0 end\n"
	"  local a, b, c = s:byte(1, 3)\n"
	"  if not b then return a - 48 end\n"
	"  if not c then return a * 10 + b - 528 end\n"
	"  return tonumber(s)\n"
	"end\n"
	"local nopts = count(A[NARGS + 1])\n"
	SCRIPT_LOCALS_SPAN(COMMIT_OPTS, "A", "NARGS + 2", "NARGS + 1 + nopts")
	"msg_id, end_run = msg_id or '', end_run or ''\n"
	/* A guarded commit: what the load would have checked first.  A repeat
	 * or a message over the limit writes nothing and gets load_convo()'s
	 * shape with only the reply and the count: the turn answers from it. */
	"if guarded == '1' then\n"
	SEEN_FUNCTION
	"  local dup, n = seen_or_counted(k_reply, k_limit, load_msg_id, limit, window)\n"
	"  if dup or n > tonumber(limit) then return {dup, '', false, '', n, {}} end\n"
	"end\n"
	/* Stale: the pointer, the contact or the run changed since the load. */
	"local stale = expect_ptr ~= '*' and (redis.call('GET', k_pointer) or '') ~= expect_ptr\n"
	"if not stale then\n"
	"  if contact_v == '" CONTACT_ABSENT "' then stale = redis.call('EXISTS', k_contact) == 1\n"
	"  else stale = (redis.call('HGET', k_contact, '_v') or '0') ~= contact_v end\n"
	"end\n"
	"local v\n"
	"if not stale and run_id ~= '' then\n"
	"  v = redis.call('HGET', k_run, 'v') or '0'\n"
	"  stale = v ~= run_v\n"
	"end\n"
	/* Without the load's context, 0: the turn loads again. */
	"if stale then\n"
	"  if not load_msg_id then return 0 end\n"
	LOAD_FUNCTION
	"  return load_convo(k_contact, k_pointer, k_contact, k_reply, load_msg_id, '0', '0', session, {}, {})\n"
	"end\n"
	LIST_SPAN("rc", "rf", "rl", "NARGS + 2 + nopts")
	LIST_SPAN("dc", "df", "dl", "rl + 1")
	LIST_SPAN("cc", "cf", "cl", "dl + 1")
	LIST_SPAN("xc", "xf", "xl", "cl + 1")
	LIST_SPAN("sc", "sf", "sl", "xl + 1")
	"local q = sl + 1\n"
	"if run_id ~= '' then\n"
	"  redis.call('HSET', k_run, 'v', run_next_v, unpack(A, rf, rl))\n"
	"  if dl >= df then redis.call('HDEL', k_run, unpack(A, df, dl)) end\n"
	"  if v == '0' then\n"
	"    redis.call('ZADD', k_flow_runs, started, run_id)\n"
	/* the person's index of their runs (store.h, CONTACT_RUN_PREFIX) */
	"    redis.call('HSET', k_contact, " LUA_CONTACT_RUN("run_id") ", started)\n"
	"  end\n"
	"  if sl >= sf then redis.call('HSET', k_run, 'sc', '1') end\n"
	/* A reply to a broadcast's run counts once as its recipient's answer
	 * (broadcast.h: n:answered, the reply rate); the broadcast is found
	 * by its id in the run (docs/keys.md).  Only an SMS run can be a
	 * broadcast's (the hand-off makes SMS runs): a USSD step asks not. */
	"  local bc = v ~= '0' and by_sms == '1' and redis.call('HGET', k_run, 'bc')\n"
	"  if bc and redis.call('HSETNX', k_run, 'rp', '1') == 1 then\n"
	"    redis.call('HINCRBY', " KEYS_LUA(KEYS_BROADCAST_PREFIX, "bc") ", 'n:answered', '1')\n"
	"  end\n"
	"end\n"
	"if end_run ~= '' then\n"
	"  if redis.call('HGET', k_end_run, 'st') == 'active' then\n"
	"    redis.call('HSET', k_end_run, 'st', end_status, 'tu', now)\n"
	"    redis.call('HINCRBY', k_end_run, 'v', '1')\n"
	"  end\n"
	"end\n"
	"if cl >= cf or xl >= xf then\n"
	"  redis.call('HSET', k_contact, '_v', contact_next_v, unpack(A, cf, cl))\n"
	"  if cl >= cf then redis.call('SADD', k_contacts, phone) end\n"
	"end\n"
	"if xl >= xf then redis.call('HDEL', k_contact, unpack(A, xf, xl)) end\n"
	"for x = sf, sl do redis.call('HINCRBY', k_stats, A[x], '1') end\n"
	"if ptr_action == 'set' then redis.call('SET', k_pointer, run_id)\n"
	"elseif ptr_action == 'clear' then redis.call('DEL', k_pointer) end\n"
	"if msg_id ~= '' then\n"
	"  redis.call('SET', k_reply, reply, 'EX', reply_ttl)\n"
	/* the person's replies, for forget */
	"  redis.call('ZREMRANGEBYSCORE', k_person_replies, '-inf', now)\n"
	"  redis.call('ZADD', k_person_replies, now + reply_ttl, msg_id)\n"
	"  if redis.call('TTL', k_person_replies) < tonumber(reply_ttl) then\n"
	"    redis.call('EXPIRE', k_person_replies, reply_ttl)\n"
	"  end\n"
	"end\n"
	"local due = A[q] or '0'\n"
	"if due ~= '0' then\n"
	"  if tonumber(due) > 0 then redis.call('ZADD', k_remind, due, run_id)\n"
	"  else redis.call('ZREM', k_remind, run_id) end\n"
	"end\n"
	"if (A[q + 1] or '') ~= '' then\n"
	INBOX_ADD_FUNCTION
	LIST_SPAN("ic", "f", "l", "q + 2")
	"  inbox_add({item = k_inbox_item, all = k_inbox, open = k_inbox_open,\n"
	"             person = k_inbox_person, thread = k_inbox_thread},\n"
	"            A[q + 1], phone, now, {unpack(A, f, l)})\n"
	"end\n"
	"return 1\n";

/* STOP: opts the phone out and ends its active runs.  KEYS: the contact,
 * both pointers, the contacts set; ARGV: phone, now. */
#define STOP_KEYS(X) X(k_contact) X(k_sms) X(k_ussd) X(k_contacts)
#define STOP_ARGS(X) X(phone) X(now)
#define SK(n) SCRIPT_ENUM(SK_, n)
#define SA(n) SCRIPT_ENUM(SA_, n)
enum { STOP_KEYS(SK) SK_COUNT };
enum { STOP_ARGS(SA) SA_COUNT };

static const char stop_script[] =
	SCRIPT_LOCALS(STOP_KEYS, "KEYS")
	SCRIPT_LOCALS(STOP_ARGS, "ARGV")
	"for _, pk in ipairs({k_sms, k_ussd}) do\n"
	"  local id = redis.call('GET', pk)\n"
	"  if id then\n"
	"    local rk = " LUA_RUN_KEY("id") "\n"
	"    if redis.call('HGET', rk, 'st') == 'active' then\n"
	"      redis.call('HSET', rk, 'st', 'stopped', 'tu', now)\n"
	"      redis.call('HINCRBY', rk, 'v', 1)\n"
	"    end\n"
	"    redis.call('DEL', pk)\n"
	"  end\n"
	"end\n"
	"redis.call('HSET', k_contact, '_optout', '1')\n"
	"redis.call('HINCRBY', k_contact, '_v', 1)\n"
	"redis.call('SADD', k_contacts, phone)\n"
	"return 1\n";

void contact_release(struct contact *c)
{
	free(c->phone);
	free(c->lang);
	free(c->await);
	free(c->last_flow);
	fields_release(&c->fields);
	memset(c, 0, sizeof(*c));
}

void stored_run_release(struct stored_run *r)
{
	free(r->flow);
	free(r->phone);
	free(r->lang);
	free(r->step);
	free(r->ussd_session);
	free(r->ussd_text);
	fields_release(&r->answers);
	memset(r, 0, sizeof(*r));
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

void stored_run_copy(struct stored_run *dst, const struct stored_run *src)
{
	stored_run_copy_unanswered(dst, src);
	fields_copy(&dst->answers, &src->answers);
}

void stored_run_copy_unanswered(struct stored_run *dst, const struct stored_run *src)
{
	*dst = *src;
	dst->flow = dup_or_null(src->flow);
	dst->phone = dup_or_null(src->phone);
	dst->lang = dup_or_null(src->lang);
	dst->step = dup_or_null(src->step);
	dst->ussd_session = dup_or_null(src->ussd_session);
	dst->ussd_text = dup_or_null(src->ussd_text);
	memset(&dst->answers, 0, sizeof(dst->answers));
}

void convo_release(struct convo *c)
{
	if (!c)
		return;
	free(c->dup_reply);
	contact_release(&c->contact);
	stored_run_release(&c->run);
	fields_release(&c->stats);
	free(c);
}

void run_id_make(char out[RUN_ID_LEN + 1], const char *phone, const char *hex)
{
	snprintf(out, RUN_ID_LEN + 1, KEYS_TAG_OPEN "%.*s" KEYS_TAG_CLOSE ":%.*s",
		 PHONE_E164_SIZE - 1, phone, RUN_ID_HEX_LEN, hex);
}

void run_id_new(char out[RUN_ID_LEN + 1], const char *phone)
{
	unsigned char raw[RUN_ID_HEX_LEN / 2];
	char hex[RUN_ID_HEX_LEN + 1];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	run_id_make(out, phone, hex);
}

const char *run_id_public(const char *id)
{
	const char *close = strstr(id, KEYS_TAG_CLOSE ":");
	return close && id[0] == KEYS_TAG_OPEN[0] ? close + 2 : id;
}

static bool reply_is_flat(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_ARRAY && r->elements % 2 == 0;
}

/* A hash as Redis sent it: HGETALL's flat array, or (from the load script)
 * one string of names and values joined by NUL bytes, which costs both
 * sides one reply object instead of two per field.  sauti never stores a
 * NUL byte (requests holding one are refused). */
struct pairs {
	const redisReply *array;
	size_t i;
	const char *p, *end;
};

static bool is_hash_reply(const redisReply *r)
{
	return reply_is_flat(r) || (r && r->type == REDIS_REPLY_STRING);
}

static void pairs_init(struct pairs *it, const redisReply *r)
{
	memset(it, 0, sizeof(*it));
	if (r->type == REDIS_REPLY_STRING) {
		it->p = r->str;
		it->end = r->str + r->len;
	} else {
		it->array = r;
	}
}

static bool pairs_next(struct pairs *it, const char **name, const char **value,
		       size_t *value_len)
{
	if (it->array) {
		for (; it->i + 1 < it->array->elements; it->i += 2) {
			const redisReply *n = it->array->element[it->i];
			const redisReply *v = it->array->element[it->i + 1];
			if (n->str && v->str) {
				*name = n->str;
				*value = v->str;
				*value_len = v->len;
				it->i += 2;
				return true;
			}
		}
		return false;
	}
	if (!it->p || it->p >= it->end)
		return false;
	const char *name_end = memchr(it->p, '\0', (size_t)(it->end - it->p));
	if (!name_end)
		return false; /* a name without its value */
	const char *v = name_end + 1;
	const char *v_end = memchr(v, '\0', (size_t)(it->end - v));
	if (!v_end)
		v_end = it->end; /* the last value: hiredis ends it with a NUL */
	*name = it->p;
	*value = v;
	*value_len = (size_t)(v_end - v);
	it->p = v_end + 1;
	return true;
}

static long to_long(const char *s) { return strtol(s, NULL, 10); }

/* _last: "TIME FLOW". */
static void contact_last(struct contact *c, const char *v, size_t len)
{
	free(c->last_flow);
	c->last_flow = NULL;
	c->last_ended = 0;
	const char *sp = v ? memchr(v, ' ', len) : NULL;
	if (!sp)
		return;
	c->last_ended = strtol(v, NULL, 10);
	c->last_flow = xstrndup(sp + 1, len - (size_t)(sp + 1 - v));
}

/* One field of a contact's hash, as read (value) or deleted (value NULL). */
static void contact_field(struct contact *c, const char *name, const char *v,
			  size_t len)
{
	if (strcmp(name, "_v") == 0) {
		c->version = v ? to_long(v) : 0;
		return; /* a version alone does not make a contact known */
	}
	if (strncmp(name, CONTACT_RUN_PREFIX, sizeof(CONTACT_RUN_PREFIX) - 1) == 0)
		return; /* the person's index of runs (store.h) */
	if (v)
		c->known = true;
	if (strcmp(name, "_lang") == 0) {
		free(c->lang);
		c->lang = v ? xstrndup(v, len) : NULL;
	} else if (strcmp(name, "_optout") == 0) {
		c->opted_out = v && strcmp(v, "1") == 0;
	} else if (strcmp(name, "_await") == 0) {
		free(c->await);
		c->await = v ? xstrndup(v, len) : NULL;
	} else if (strcmp(name, "_last") == 0) {
		contact_last(c, v, len);
	} else if (name[0] != '_') {
		if (v)
			fields_setn(&c->fields, name, v, len);
		else
			fields_del(&c->fields, name);
	}
}

void contact_decode(struct contact *c, const char *phone, const redisReply *hash)
{
	c->phone = xstrdup(phone);
	struct pairs it;
	pairs_init(&it, hash);
	const char *name, *v;
	size_t len;
	while (pairs_next(&it, &name, &v, &len))
		contact_field(c, name, v, len);
}

void contact_apply(struct contact *c, const struct fields *set,
		   const char *const *del, int ndel)
{
	size_t nset = set ? set->n : 0;
	for (size_t i = 0; i < nset; i++)
		contact_field(c, set->items[i].name, set->items[i].value,
			      strlen(set->items[i].value));
	for (int i = 0; i < ndel; i++)
		contact_field(c, del[i], NULL, 0);
	if (nset || ndel)
		c->version++;
}

int stored_run_decode(struct stored_run *r, const char *id, const redisReply *hash)
{
	if (!is_hash_reply(hash))
		return -1;
	str_copy(r->id, sizeof(r->id), id);
	r->step = NULL;
	struct pairs it;
	pairs_init(&it, hash);
	const char *name, *v;
	size_t len;
	while (pairs_next(&it, &name, &v, &len)) {
		if (strncmp(name, "a:", 2) == 0)
			fields_setn(&r->answers, name + 2, v, len);
		else if (strcmp(name, "flow") == 0)
			r->flow = xstrdup(v);
		else if (strcmp(name, "ph") == 0)
			r->phone = xstrdup(v);
		else if (strcmp(name, "lang") == 0)
			r->lang = xstrdup(v);
		else if (strcmp(name, "step") == 0)
			r->step = v[0] ? xstrdup(v) : NULL;
		else if (strcmp(name, "ch") == 0)
			r->channel = strcmp(v, "ussd") == 0 ? CHANNEL_USSD : CHANNEL_SMS;
		else if (strcmp(name, "st") == 0)
			run_status_parse(v, &r->status);
		else if (strcmp(name, "try") == 0)
			r->retries = (int)to_long(v);
		else if (strcmp(name, "pg") == 0)
			r->page = (int)to_long(v);
		else if (strcmp(name, "t0") == 0)
			r->started = to_long(v);
		else if (strcmp(name, "t1") == 0)
			r->completed = to_long(v);
		else if (strcmp(name, "tu") == 0)
			r->updated = to_long(v);
		else if (strcmp(name, "exp") == 0)
			r->expires = to_long(v);
		else if (strcmp(name, "v") == 0)
			r->version = to_long(v);
		else if (strcmp(name, "us") == 0)
			r->ussd_session = v[0] ? xstrdup(v) : NULL;
		else if (strcmp(name, "ut") == 0)
			r->ussd_text = xstrdup(v);
		else if (strcmp(name, "aw") == 0)
			r->await_resume = strcmp(v, "resume") == 0;
		else if (strcmp(name, "ra") == 0)
			r->remind_after = to_long(v);
		else if (strcmp(name, "rn") == 0)
			r->reminders = (int)to_long(v);
		else if (strcmp(name, "rt") == 0)
			r->reminded_at = to_long(v);
	}
	if (!r->flow || !r->phone || !r->lang) {
		stored_run_release(r);
		return -1;
	}
	return 0;
}

struct load_call {
	store_convo_fn fn;
	void *data;
	char *phone;
};

/* The convo of load_convo()'s reply, or NULL when it is not one. */
static struct convo *convo_from_reply(const redisReply *reply, const char *phone)
{
	if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 6 ||
	    !is_hash_reply(reply->element[1]) || !is_hash_reply(reply->element[3]))
		return NULL;
	struct convo *c = xcalloc(1, sizeof(*c));
	if (reply->element[0]->type == REDIS_REPLY_STRING)
		c->dup_reply = xstrndup(reply->element[0]->str, reply->element[0]->len);
	contact_decode(&c->contact, phone, reply->element[1]);
	if (reply->element[2]->type == REDIS_REPLY_STRING)
		c->has_run = stored_run_decode(&c->run, reply->element[2]->str,
					       reply->element[3]) == 0;
	c->recent = reply->element[4]->integer;
	const redisReply *stats = reply->element[5];
	for (size_t i = 0; i + 1 < stats->elements; i += 2) {
		const redisReply *h = stats->element[i + 1];
		for (size_t k = 0; k + 1 < h->elements; k += 2) {
			char name[256];
			snprintf(name, sizeof(name), "%s:%s", stats->element[i]->str,
				 h->element[k]->str);
			fields_set(&c->stats, name, h->element[k + 1]->str);
		}
	}
	return c;
}

static void on_load(redisReply *reply, void *data)
{
	struct load_call *call = data;
	struct convo *c = convo_from_reply(reply, call->phone);
	call->fn(c ? 0 : -1, c, call->data);
	free(call->phone);
	free(call);
}

bool convo_guard_covers(const struct convo_query *q)
{
	return q->nstats == 0 && !q->session;
}

struct convo *convo_new_unknown(const char *phone)
{
	struct convo *c = xcalloc(1, sizeof(*c));
	c->contact.phone = xstrdup(phone);
	return c;
}

bool unknown_guard_covers(const struct convo_query *q)
{
	return q->nstats == 0;
}

/* Mirrors what load_script reads besides the contact and the run. */
bool convo_covers(const struct convo *c, const struct convo_query *q)
{
	if (q->limit > 0 || q->nstats > 0)
		return false;
	if (!q->msg_id)
		return true;
	return q->session && c->has_run && c->run.ussd_session &&
	       strcmp(c->run.ussd_session, q->session) == 0;
}

void store_load_command(struct db_args *a, const struct convo_query *q)
{
	int k = script_begin(a, load_script, LK_COUNT + (int)q->nstats);
	keys_contact(a, k + LK_k_contact, q->phone);
	keys_pointer(a, k + LK_k_pointer, q->kind, q->phone);
	keys_limit(a, k + LK_k_limit, q->phone);
	if (q->msg_id)
		keys_reply(a, k + LK_k_reply, q->phone, q->msg_id);
	else
		keys_contact(a, k + LK_k_reply, q->phone); /* not read */
	for (size_t i = 0; i < q->nstats; i++)
		keys_stats(a, k + LK_COUNT + (int)i, q->stats_flows[i]);
	int v = script_reserve(a, LA_COUNT);
	db_args_set(a, v + LA_phone, q->phone);
	db_args_set(a, v + LA_msg_id, q->msg_id ? q->msg_id : "");
	db_args_setl(a, v + LA_limit, q->limit);
	db_args_setl(a, v + LA_window, q->window > 0 ? q->window : 60);
	db_args_set(a, v + LA_session, q->session ? q->session : "");
	for (size_t i = 0; i < q->nstats; i++)
		db_args_add(a, q->stats_flows[i]);
}

int store_load_convo(struct db *db, const struct convo_query *q,
		     store_convo_fn fn, void *data)
{
	struct load_call *call = xcalloc(1, sizeof(*call));
	call->fn = fn;
	call->data = data;
	call->phone = xstrdup(q->phone);
	struct db_args a = {0};
	store_load_command(&a, q);
	if (db_command_args(db, on_load, call, &a) < 0) {
		free(call->phone);
		free(call);
		return -1;
	}
	return 0;
}

/* Appends a field of a run unless the stored run (was, when not NULL)
 * holds the same value. */
static void put_text(struct db_args *a, const char *name, const char *v,
		     const struct stored_run *was, const char *was_v)
{
	if (!v)
		v = "";
	if (was && strcmp(v, was_v ? was_v : "") == 0)
		return;
	db_args_add(a, name);
	db_args_add(a, v);
}

static void put_number(struct db_args *a, const char *name, long v,
		       const struct stored_run *was, long was_v)
{
	if (was && v == was_v)
		return;
	db_args_add(a, name);
	db_args_addl(a, v);
}

/* Where a run is in its flow (the step, retries, page, when it expires,
 * the USSD session's text) matters only while it can go on: a completed
 * run drops it, a tenth of the Redis memory a run keeps for years
 * (docs/keys.md).  exp is read only of an active run. */
static const char *const run_walk_fields[] = {"step", "try", "pg", "exp", "us", "ut", "aw"};

static bool run_walk_is_kept(const struct stored_run *r)
{
	return r->status != RUN_COMPLETED;
}

/* A run's fields that mostly hold their default (no retries, the first
 * page, not completed, no USSD text, not awaiting a resume) are stored only
 * when they do not: a new run is written with five fewer fields, each a
 * pair of arguments Redis parses (docs/performance.md), and a field that
 * returns to its default is deleted.  Reading a missing one gives the
 * default (stored_run_decode). */
static bool run_default_retries(const struct stored_run *r) { return r->retries == 0; }
static bool run_default_page(const struct stored_run *r) { return r->page == 0; }
static bool run_default_completed(const struct stored_run *r) { return r->completed == 0; }
static bool run_default_text(const struct stored_run *r) { return !r->ussd_text || !*r->ussd_text; }
static bool run_default_await(const struct stored_run *r) { return !r->await_resume; }

enum { RD_TRY, RD_PG, RD_T1, RD_UT, RD_AW, RD_COUNT };
static const struct {
	const char *name;
	bool (*is_default)(const struct stored_run *r);
	bool walk;  /* a walk field (run_walk_fields) */
	bool ussd;  /* of a USSD run only */
} run_defaulted[RD_COUNT] = {
	[RD_TRY] = {"try", run_default_retries, true, false},
	[RD_PG] = {"pg", run_default_page, true, false},
	[RD_T1] = {"t1", run_default_completed, false, false},
	[RD_UT] = {"ut", run_default_text, true, true},
	[RD_AW] = {"aw", run_default_await, true, true},
};

/* Whether r stores the field of run_defaulted[i] at all. */
static bool run_has_place_for(const struct stored_run *r, size_t i)
{
	return (!run_defaulted[i].walk || run_walk_is_kept(r)) &&
	       (!run_defaulted[i].ussd || r->channel == CHANNEL_USSD);
}

/* Whether the field of run_defaulted[i] is left out of what is written:
 * r holds its default, and what is stored is known (was, or nothing for a
 * new run); for a run stored already whose stored fields are not known,
 * all is written. */
static bool leaves_out(const struct stored_run *r, size_t i, const struct stored_run *was)
{
	return (was || r->version == 0) && run_defaulted[i].is_default(r);
}

/* The field/value pairs of r that differ from was (all when was is NULL,
 * but for a new run those at their default), after their count.  Returns
 * the count. */
static int put_run_fields(struct db_args *a, const struct stored_run *r,
			  const struct stored_run *was)
{
	const struct stored_run none = {0};
	const struct stored_run *w = was ? was : &none;
	int count_at = a->n;
	db_args_add(a, ""); /* the count, filled in below */
	put_text(a, "flow", r->flow, was, w->flow);
	put_text(a, "ph", r->phone, was, w->phone);
	put_text(a, "lang", r->lang, was, w->lang);
	put_text(a, "ch", channel_name(r->channel), was, channel_name(w->channel));
	put_text(a, "st", run_status_name(r->status), was, run_status_name(w->status));
	bool walk = run_walk_is_kept(r);
	if (walk) {
		put_text(a, "step", r->step, was, w->step);
		if (!leaves_out(r, RD_TRY, was))
			put_number(a, "try", r->retries, was, w->retries);
		if (!leaves_out(r, RD_PG, was))
			put_number(a, "pg", r->page, was, w->page);
	}
	put_number(a, "t0", r->started, was, w->started);
	if (!leaves_out(r, RD_T1, was))
		put_number(a, "t1", r->completed, was, w->completed);
	put_number(a, "tu", r->updated, was, w->updated);
	if (walk)
		put_number(a, "exp", r->expires, was, w->expires);
	if (r->remind_after > 0)
		put_number(a, "ra", r->remind_after, was, w->remind_after);
	if (walk && r->channel == CHANNEL_USSD) {
		put_text(a, "us", r->ussd_session, was, w->ussd_session);
		if (!leaves_out(r, RD_UT, was))
			put_text(a, "ut", r->ussd_text, was, w->ussd_text);
		if (!leaves_out(r, RD_AW, was))
			put_text(a, "aw", r->await_resume ? "resume" : "", was,
				 w->await_resume ? "resume" : "");
	}
	for (size_t i = 0; i < r->answers.n; i++) {
		const struct field *f = &r->answers.items[i];
		const char *before = was ? fields_get(&was->answers, f->name) : NULL;
		if (before && strcmp(before, f->value) == 0)
			continue;
		db_args_addf(a, "a:%s", f->name);
		db_args_add(a, f->value);
	}
	int n = a->n - count_at - 1;
	db_args_setl(a, count_at, n);
	return n;
}

/* The answers was has and r no longer has, the fields that went back to
 * their default, and the walk a run completed now leaves, after their
 * count.  Returns the count. */
static int put_run_deletions(struct db_args *a, const struct stored_run *r,
			     const struct stored_run *was)
{
	int count_at = a->n;
	db_args_add(a, "");
	for (size_t i = 0; was && i < was->answers.n; i++)
		if (!fields_get(&r->answers, was->answers.items[i].name))
			db_args_addf(a, "a:%s", was->answers.items[i].name);
	for (size_t i = 0; was && i < RD_COUNT; i++)
		if (run_has_place_for(r, i) && run_defaulted[i].is_default(r) &&
		    !run_defaulted[i].is_default(was))
			db_args_add(a, run_defaulted[i].name);
	if (was && run_walk_is_kept(was) && !run_walk_is_kept(r))
		for (size_t i = 0; i < sizeof(run_walk_fields) / sizeof(*run_walk_fields); i++)
			db_args_add(a, run_walk_fields[i]);
	int n = a->n - count_at - 1;
	db_args_setl(a, count_at, n);
	return n;
}

void store_run_fields(struct db_args *a, const struct stored_run *r)
{
	put_run_fields(a, r, NULL);
}

struct commit_call {
	store_commit_fn fn;
	void *data;
	char *phone;
};

static void on_commit(redisReply *reply, void *data)
{
	struct commit_call *call = data;
	if (reply && reply->type == REDIS_REPLY_INTEGER) {
		call->fn(reply->integer == 1 ? 1 : 0, NULL, call->data);
	} else {
		struct convo *fresh = convo_from_reply(reply, call->phone);
		call->fn(fresh ? 0 : -1, fresh, call->data);
	}
	free(call->phone);
	free(call);
}

/* durable: the commit completes a run or opts a number out, and so waits
 * for redis_wait_replicas (db_command_args_durable): what the reply tells
 * the person ("thank you", the opt-out) says it was saved for good.  A
 * middle step does not wait (docs/configuration.md): a person who is not
 * told goes on answering, and the answer lost in a failover is asked again. */
static int send_script(struct db *db, struct db_args *a, const char *phone, bool durable,
		       store_commit_fn fn, void *data)
{
	struct commit_call *call = xcalloc(1, sizeof(*call));
	call->fn = fn;
	call->data = data;
	call->phone = xstrdup(phone);
	int rc = durable ? db_command_args_durable(db, on_commit, call, a)
			 : db_command_args(db, on_commit, call, a);
	if (rc < 0) {
		free(call->phone);
		free(call);
	}
	return rc;
}

/* Whether the commit gives the load's context (its message id and
 * session), with which a conflict is answered in the same round trip, as
 * a turn's commits do: with daemons taking a person's steps in turn, a
 * daemon's kept copy is often stale (docs/performance.md). */
static bool names_load_context(const struct commit *c)
{
	return c->load_msg_id || c->session || c->guarded;
}

/* How many of the contact's fields the commit sets. */
static size_t contact_fields_set(const struct commit *c)
{
	return c->contact_set ? c->contact_set->n : 0;
}

/* Which of the commit's keys c needs (the script's conditions for touching
 * each, above); returns how many to name: up to the last one needed. */
static int commit_keys_needed(const struct commit *c, bool need[CK_COUNT])
{
	const struct stored_run *run = c->run;
	memset(need, 0, CK_COUNT * sizeof(need[0]));
	need[CK_k_contact] = need[CK_k_pointer] = true;
	need[CK_k_run] = run != NULL;
	need[CK_k_reply] = c->msg_id || c->load_msg_id;
	need[CK_k_contacts] = contact_fields_set(c) > 0;
	need[CK_k_stats] = c->nstats > 0;
	need[CK_k_flow_runs] = run && run->version == 0;
	need[CK_k_remind] = run && c->remind_at != 0;
	need[CK_k_person_replies] = c->msg_id != NULL;
	need[CK_k_limit] = c->guarded;
	need[CK_k_end_run] = c->end_run != NULL;
	for (int i = 0; i < INBOX_ADD_NKEYS; i++)
		need[CK_k_inbox_item + i] = c->inbox != NULL;
	int n = CK_COUNT;
	while (!need[n - 1])
		n--;
	return n;
}

static void put_commit_keys(struct db_args *a, const struct commit *c)
{
	bool need[CK_COUNT];
	int nkeys = commit_keys_needed(c, need);
	int k = script_begin(a, commit_script, nkeys);
	/* A slot the script does not touch this time names the contact's
	 * key again (db_args_same): Redis needs every key named. */
	int contact = k + CK_k_contact;
	keys_contact(a, contact, c->phone);
	for (int i = 0; i < nkeys; i++)
		if (!need[i])
			db_args_same(a, k + i, contact);
	keys_pointer(a, k + CK_k_pointer, c->kind, c->phone);
	if (need[CK_k_run])
		keys_run(a, k + CK_k_run, c->run->id);
	if (need[CK_k_reply])
		keys_reply(a, k + CK_k_reply, c->phone, c->msg_id ? c->msg_id : c->load_msg_id);
	if (need[CK_k_contacts])
		keys_contacts(a, k + CK_k_contacts);
	if (need[CK_k_stats])
		keys_stats(a, k + CK_k_stats, c->run ? c->run->flow : "");
	if (need[CK_k_flow_runs])
		keys_flow_runs(a, k + CK_k_flow_runs, c->run->flow);
	if (need[CK_k_remind])
		keys_remind(a, k + CK_k_remind);
	if (need[CK_k_person_replies])
		keys_person_replies(a, k + CK_k_person_replies, c->phone);
	if (need[CK_k_limit])
		keys_limit(a, k + CK_k_limit, c->phone);
	if (need[CK_k_end_run])
		keys_run(a, k + CK_k_end_run, c->end_run);
	if (c->inbox)
		inbox_add_keys(a, k + CK_k_inbox_item, c->inbox->id, c->phone);
}

/* The counted lists, the reminder and the inbox item; what follows the
 * last one that says something is left out (the script reads it as
 * empty). */
static void put_commit_lists(struct db_args *a, const struct commit *c)
{
	const struct stored_run *run = c->run;
	int said = a->n;
	/* A run already stored gets only what changed in this turn. */
	const struct stored_run *was = run && run->version && c->stored &&
				       strcmp(c->stored->id, run->id) == 0 ? c->stored : NULL;
	if (run) {
		if (put_run_fields(a, run, was))
			said = a->n;
		if (put_run_deletions(a, run, was))
			said = a->n;
	} else {
		db_args_add(a, "0");
		db_args_add(a, "0");
	}
	size_t ncon = contact_fields_set(c);
	db_args_addl(a, (long)ncon * 2);
	for (size_t i = 0; i < ncon; i++) {
		db_args_add(a, c->contact_set->items[i].name);
		db_args_add(a, c->contact_set->items[i].value);
	}
	if (ncon)
		said = a->n;
	db_args_addl(a, c->ncontact_del);
	for (int i = 0; i < c->ncontact_del; i++)
		db_args_add(a, c->contact_del[i]);
	if (c->ncontact_del)
		said = a->n;
	db_args_addl(a, c->nstats);
	for (int i = 0; i < c->nstats; i++)
		db_args_add(a, c->stats[i]);
	if (c->nstats)
		said = a->n;
	/* the reminder and the inbox item after the lists (inbox.h) */
	db_args_addl(a, c->run ? c->remind_at : 0);
	if (c->run && c->remind_at)
		said = a->n;
	inbox_item_args(a, c->inbox);
	if (c->inbox)
		said = a->n;
	db_args_truncate(a, said);
}

/* The options, as many as up to the last one c needs (the script's
 * conditions for reading each, above), behind their count. */
static void put_commit_options(struct db_args *a, const struct commit *c)
{
	const struct stored_run *run = c->run;
	size_t ncon = contact_fields_set(c);
	bool load_context = names_load_context(c);
	bool need[CO_COUNT] = {
		[CO_load_msg_id] = load_context,
		[CO_session] = load_context,
		[CO_contact_next_v] = ncon > 0 || c->ncontact_del > 0,
		[CO_phone] = ncon > 0 || c->inbox,
		[CO_ptr_action] = c->pointer != POINTER_KEEP,
		[CO_now] = c->end_run || c->msg_id || c->inbox,
		[CO_started] = run && run->version == 0,
		[CO_msg_id] = c->msg_id != NULL,
		[CO_reply] = c->msg_id != NULL,
		[CO_reply_ttl] = c->msg_id != NULL,
		[CO_by_sms] = run && run->channel == CHANNEL_SMS,
		[CO_guarded] = c->guarded,
		[CO_limit] = c->guarded,
		[CO_window] = c->guarded,
		[CO_end_run] = c->end_run != NULL,
		[CO_end_status] = c->end_run != NULL,
	};
	int n = CO_COUNT;
	while (n > 0 && !need[n - 1])
		n--;
	db_args_addl(a, n);
	/* Only the options named are made: most steps name none. */
	int o = script_reserve(a, n);
	if (CO_load_msg_id < n)
		db_args_set(a, o + CO_load_msg_id, c->load_msg_id ? c->load_msg_id : "");
	if (CO_session < n)
		db_args_set(a, o + CO_session, c->session ? c->session : "");
	if (CO_contact_next_v < n)
		db_args_setl(a, o + CO_contact_next_v, c->contact_version + 1);
	if (CO_phone < n)
		db_args_set(a, o + CO_phone, c->phone);
	if (CO_ptr_action < n)
		db_args_set(a, o + CO_ptr_action,
			    c->pointer == POINTER_SET ? "set" : c->pointer == POINTER_CLEAR ? "clear" : "keep");
	if (CO_now < n)
		db_args_setl(a, o + CO_now, c->now);
	if (CO_started < n)
		db_args_setl(a, o + CO_started, run ? run->started : 0);
	if (CO_msg_id < n)
		db_args_set(a, o + CO_msg_id, c->msg_id ? c->msg_id : "");
	/* The reply goes to Redis only when it is to be remembered. */
	if (CO_reply < n)
		db_args_set(a, o + CO_reply, c->msg_id && c->reply ? c->reply : "");
	if (CO_reply_ttl < n)
		db_args_setl(a, o + CO_reply_ttl, c->msg_ttl > 0 ? c->msg_ttl : 86400);
	if (CO_by_sms < n)
		db_args_set(a, o + CO_by_sms, run && run->channel == CHANNEL_SMS ? "1" : "0");
	if (CO_guarded < n)
		db_args_set(a, o + CO_guarded, c->guarded ? "1" : "0");
	if (CO_limit < n)
		db_args_setl(a, o + CO_limit, c->guarded ? c->limit : 0);
	if (CO_window < n)
		db_args_setl(a, o + CO_window, c->window > 0 ? c->window : 60);
	if (CO_end_run < n)
		db_args_set(a, o + CO_end_run, c->end_run ? c->end_run : "");
	if (CO_end_status < n)
		db_args_set(a, o + CO_end_status, c->end_status ? c->end_status : "");
}

void store_commit_command(struct db_args *a, const struct commit *c)
{
	const struct stored_run *run = c->run;
	put_commit_keys(a, c);
	int v = script_reserve(a, CA_COUNT);
	/* Writing on to the run the pointer names, the run's version check
	 * implies the pointer's: every script that moves a pointer away from an
	 * active run bumps that run's version in the same step (here,
	 * stop_script, broadcast.c's enqueue_script). */
	bool pointer_implied = run && run->version > 0 && c->pointer != POINTER_SET &&
			       c->expect_pointer && strcmp(c->expect_pointer, run->id) == 0 &&
			       !c->end_run && c->stored && c->stored->status == RUN_ACTIVE;
	db_args_set(a, v + CA_expect_ptr,
		    pointer_implied ? "*" : c->expect_pointer ? c->expect_pointer : "");
	db_args_set(a, v + CA_run_id, run ? run->id : "");
	db_args_setl(a, v + CA_run_v, run ? run->version : 0);
	/* the versions written, as strings: Lua's arithmetic and a number's
	 * conversion back would cost Redis more than the argument */
	db_args_setl(a, v + CA_run_next_v, run ? run->version + 1 : 1);
	if (c->contact_absent)
		db_args_set(a, v + CA_contact_v, CONTACT_ABSENT);
	else
		db_args_setl(a, v + CA_contact_v, c->contact_version);
	put_commit_options(a, c);
	put_commit_lists(a, c);
}

/* Whether c writes its run as completed, the run having been loaded
 * otherwise (or not at all). */
static bool commit_completes_run(const struct commit *c)
{
	return c->run && c->run->status == RUN_COMPLETED &&
	       !(c->stored && c->stored->status == RUN_COMPLETED);
}

int store_commit(struct db *db, const struct commit *c, store_commit_fn fn,
		 void *data)
{
	struct db_args a = {0};
	store_commit_command(&a, c);
	return send_script(db, &a, c->phone, commit_completes_run(c), fn, data);
}

int store_stop_runs(struct db *db, const char *phone, long now,
		    store_commit_fn fn, void *data)
{
	struct db_args a = {0};
	int k = script_begin(&a, stop_script, SK_COUNT);
	keys_contact(&a, k + SK_k_contact, phone);
	keys_pointer(&a, k + SK_k_sms, "sms", phone);
	keys_pointer(&a, k + SK_k_ussd, "ussd", phone);
	keys_contacts(&a, k + SK_k_contacts);
	int v = script_reserve(&a, SA_COUNT);
	db_args_set(&a, v + SA_phone, phone);
	db_args_setl(&a, v + SA_now, now);
	return send_script(db, &a, phone, true, fn, data);
}

/* -- one person's keys ---------------------------------------------------------
 * Each part is Lua run by person.c's scripts with `p` (the E.164 number) in
 * scope and the helpers `map(flat)` (an HGETALL reply as a table) and
 * `unstat(key, field)` (one count less, the field gone at zero), and
 * `run_ids`, the person's run ids (contact_runs(), store.h), read from the
 * contact before any part runs.  Order matters for forget: the groups
 * before the contact (their names are in it). */
static const struct person_part person_parts[] = {
	{"contact", false,
	 /* without the index of runs: the runs part shows them */
	 "local c = map(redis.call('HGETALL', k_contact))\n"
	 "for f in pairs(c) do\n"
	 "  if string.sub(f, 1, #'" CONTACT_RUN_PREFIX "') == '" CONTACT_RUN_PREFIX "' then c[f] = nil end\n"
	 "end\n"
	 "return c\n",
	 /* the groups named in the contact hash, and the contact itself */
	 "local n = 0\n"
	 "local g = redis.call('HGET', k_contact, '_groups') or ''\n"
	 "for name in string.gmatch(g, '[^;]+') do\n"
	 "  n = n + redis.call('SREM', " KEYS_LUA(KEYS_GROUP_PREFIX, "name") ", p)\n"
	 "end\n"
	 "n = n + redis.call('SREM', k_contacts, p)\n"
	 "return n + redis.call('DEL', k_contact)\n"},
	/* The inbox (inbox.h), before the runs: their reminders go with it. */
	{"inbox", true, INBOX_PERSON_SHOW, INBOX_PERSON_FORGET},
	{"runs", true,
	 "local out = {}\n"
	 "for _, id in ipairs(run_ids) do\n"
	 "  local h = map(redis.call('HGETALL', " KEYS_LUA(KEYS_RUN_PREFIX, "id") "))\n"
	 "  if next(h) then h.id = " LUA_RUN_ID_PUBLIC("id") "; out[#out + 1] = h end\n"
	 "end\n"
	 "return out\n",
	 /* A run that bumped the {stats...} counters when it completed (sc)
	  * takes its counts back: exactly what the commit added. */
	 "local n = 0\n"
	 "for _, id in ipairs(run_ids) do\n"
	 "  local rk = " KEYS_LUA(KEYS_RUN_PREFIX, "id") "\n"
	 "  local h = map(redis.call('HGETALL', rk))\n"
	 "  if h.flow then\n"
	 "    if h.sc == '1' then\n"
	 "      local sk = " KEYS_LUA(KEYS_STATS_PREFIX, "h.flow") "\n"
	 "      unstat(sk, 'count')\n"
	 "      for f, v in pairs(h) do\n"
	 "        if string.sub(f, 1, 2) == 'a:' then unstat(sk, f .. ':' .. v) end\n"
	 "      end\n"
	 "    end\n"
	 "    redis.call('ZREM', " KEYS_LUA(KEYS_FLOW_RUNS_PREFIX, "h.flow") ", id)\n"
	 "  end\n"
	 "  n = n + redis.call('DEL', rk)\n"
	 "  redis.call('HDEL', k_contact, " LUA_CONTACT_RUN("id") ")\n"
	 "end\n"
	 "return n\n"},
	{"pointers", false,
	 "local sms, ussd = redis.call('GET', k_sms), redis.call('GET', k_ussd)\n"
	 "return {sms = sms and " LUA_RUN_ID_PUBLIC("sms") ",\n"
	 "        ussd = ussd and " LUA_RUN_ID_PUBLIC("ussd") "}\n",
	 "return redis.call('DEL', k_sms, k_ussd)\n"},
	{"limit", false,
	 "return redis.call('GET', k_limit)\n",
	 "return redis.call('DEL', k_limit)\n"},
	/* The replies remembered for Kannel's and the aggregators' repeats. */
	{"replies", true,
	 "local out = {}\n"
	 "for _, id in ipairs(redis.call('ZRANGE', k_replies, 0, -1)) do\n"
	 "  local r = redis.call('GET', " KEYS_LUA_REPLY("p", "id") ")\n"
	 "  if r then out[#out + 1] = {id = id, reply = r} end\n"
	 "end\n"
	 "return out\n",
	 "local n = 0\n"
	 "for _, id in ipairs(redis.call('ZRANGE', k_replies, 0, -1)) do\n"
	 "  n = n + redis.call('DEL', " KEYS_LUA_REPLY("p", "id") ")\n"
	 "end\n"
	 "redis.call('DEL', k_replies)\n"
	 "return n\n"},
	/* Broadcasts (broadcast.h): the recipient's state in each bc:ID:r, a
	 * number in a phones: audience, and what waits in the outbox, its
	 * retries and the rate log.  Without its entry a recipient is not
	 * sent to (the sender's begin script), so a broadcast going out skips
	 * the person from then on; a page of an audience read before the
	 * forget is not enqueued for them either (the enqueue script asks for
	 * their contact).  The broadcasts are those of the bcs index, their
	 * keys built from the ids read there (docs/keys.md). */
	{"broadcasts", true,
	 "local out = {}\n"
	 "for _, id in ipairs(redis.call('ZRANGE', k_broadcasts, 0, -1)) do\n"
	 "  local bk = " KEYS_LUA(KEYS_BROADCAST_PREFIX, "id") "\n"
	 "  local st = redis.call('HGET', bk .. '" KEYS_RECIPIENTS_SUFFIX "', p)\n"
	 "  local to, named = redis.call('HGET', bk, 'to') or '', false\n"
	 /* a phones: audience with the others' numbers masked, as the audit
	  * trail masks them: they are no part of this person's data */
	 "  if string.sub(to, 1, 7) == 'phones:' then\n"
	 "    local shown = {}\n"
	 "    for q in string.gmatch(string.sub(to, 8), '[^,]+') do\n"
	 "      if q == p then named = true end\n"
	 "      shown[#shown + 1] = q == p and q or '#'\n"
	 "    end\n"
	 "    to = 'phones:' .. table.concat(shown, ',')\n"
	 "  end\n"
	 "  if st or named then out[#out + 1] = {id = id, state = st, audience = to} end\n"
	 "end\n"
	 "return out\n",
	 "local n = 0\n"
	 "for _, id in ipairs(redis.call('ZRANGE', k_broadcasts, 0, -1)) do\n"
	 "  local bk = " KEYS_LUA(KEYS_BROADCAST_PREFIX, "id") "\n"
	 "  local rk = bk .. '" KEYS_RECIPIENTS_SUFFIX "'\n"
	 /* out of the recipients, and out of the per-state counters where
	  * the broadcast keeps them (n:STATE of bc:ID, and bc:totals) */
	 "  local st = redis.call('HGET', rk, p)\n"
	 "  if st then\n"
	 "    n = n + redis.call('HDEL', rk, p)\n"
	 "    if redis.call('HEXISTS', bk, 'n:' .. st) == 1 then\n"
	 "      redis.call('HINCRBY', bk, 'n:' .. st, -1)\n"
	 "      redis.call('HINCRBY', k_totals, st, -1)\n"
	 "    end\n"
	 "  end\n"
	 "  local to = redis.call('HGET', bk, 'to')\n"
	 "  if to and string.sub(to, 1, 7) == 'phones:' then\n"
	 "    local keep = {}\n"
	 "    for q in string.gmatch(string.sub(to, 8), '[^,]+') do\n"
	 "      if q ~= p then keep[#keep + 1] = q end\n"
	 "    end\n"
	 "    local now = 'phones:' .. table.concat(keep, ',')\n"
	 "    if now ~= to then redis.call('HSET', bk, 'to', now); n = n + 1 end\n"
	 "  end\n"
	 "end\n"
	 "if redis.call('EXISTS', k_outbox) == 1 then\n"
	 "  for _, e in ipairs(redis.call('XRANGE', k_outbox, '-', '+')) do\n"
	 "    local f = map(e[2])\n"
	 "    if f.ph == p then\n"
	 "      redis.pcall('XACK', k_outbox, '" KEYS_OUTBOX_GROUP "', e[1])\n"
	 "      n = n + redis.call('XDEL', k_outbox, e[1])\n"
	 "    end\n"
	 "  end\n"
	 "end\n"
	 /* a retry is the entry as JSON, whatever its shape: the number in it */
	 "for _, m in ipairs(redis.call('ZRANGE', k_outbox_retry, 0, -1)) do\n"
	 "  if string.find(m, '\"' .. p .. '\"', 1, true) then\n"
	 "    n = n + redis.call('ZREM', k_outbox_retry, m)\n"
	 "  end\n"
	 "end\n"
	 /* a planner's set of the phones it has seen (broadcast.c), while
	  * it plans: the plans index names them until they expire */
	 "local t = tonumber(redis.call('TIME')[1])\n"
	 "redis.call('ZREMRANGEBYSCORE', k_plans, '-inf', t)\n"
	 "for _, k in ipairs(redis.call('ZRANGE', k_plans, 0, -1)) do\n"
	 "  n = n + redis.call('SREM', k, p)\n"
	 "end\n"
	 "for _, m in ipairs(redis.call('ZRANGE', k_rate_log, 0, -1)) do\n"
	 "  if string.find(m, ':' .. p .. ':', 1, true) then\n"
	 "    redis.call('ZREM', k_rate_log, m)\n"
	 "  end\n"
	 "end\n"
	 "return n\n"},
};

void store_person_keys(struct db_args *a, int at, const char *phone)
{
	keys_contact(a, at + PERSON_k_contact, phone);
	keys_contacts(a, at + PERSON_k_contacts);
	keys_pointer(a, at + PERSON_k_sms, "sms", phone);
	keys_pointer(a, at + PERSON_k_ussd, "ussd", phone);
	keys_person_replies(a, at + PERSON_k_replies, phone);
	keys_limit(a, at + PERSON_k_limit, phone);
	keys_inbox_person(a, at + PERSON_k_inbox_person, phone);
	keys_inbox_thread(a, at + PERSON_k_inbox_thread, phone);
	keys_inbox(a, at + PERSON_k_inbox);
	keys_inbox_open(a, at + PERSON_k_inbox_open);
	keys_inbox_closed(a, at + PERSON_k_inbox_closed);
	keys_lane(a, at + PERSON_k_lane);
	keys_remind(a, at + PERSON_k_remind);
	keys_broadcasts(a, at + PERSON_k_broadcasts);
	keys_broadcast_totals(a, at + PERSON_k_totals);
	keys_plans(a, at + PERSON_k_plans);
	keys_outbox(a, at + PERSON_k_outbox);
	keys_outbox_retry(a, at + PERSON_k_outbox_retry);
	keys_rate_log(a, at + PERSON_k_rate_log);
}

const struct person_part *store_person_parts(size_t *n)
{
	*n = sizeof(person_parts) / sizeof(person_parts[0]);
	return person_parts;
}

/* -- contacts imported ------------------------------------------------------ */

/* KEYS: the contacts set, then per contact its hash c:PHONE and the set
 * g:GROUP of each of its groups; ARGV per contact: phone, the group count,
 * the groups' names, the field count, then field, value pairs.  Returns
 * the number stored. */
#define IMPORT_KEYS(X) X(k_contacts)
#define IK(n) SCRIPT_ENUM(IK_, n)
enum { IMPORT_KEYS(IK) IK_COUNT };

static const char contacts_script[] =
	SCRIPT_LOCALS(IMPORT_KEYS, "KEYS")
	SCRIPT_COUNT("NKEYS", IMPORT_KEYS)
	"local i, key, stored = 1, NKEYS + 1, 0\n"
	"while i <= #ARGV do\n"
	"  local ph, ng = ARGV[i], tonumber(ARGV[i + 1])\n"
	"  local k = KEYS[key]\n"
	"  local nf = tonumber(ARGV[i + 2 + ng])\n"
	"  local f0 = i + 3 + ng\n"
	/* A language the person chose is theirs (store.h, CONTACT_LANG_BY). */
	"  local chosen = redis.call('HGET', k, '" CONTACT_LANG_BY "') == '" CONTACT_LANG_BY_PERSON "'\n"
	"  local fields = {}\n"
	"  for f = f0, f0 + 2 * nf - 2, 2 do\n"
	"    if not (chosen and ARGV[f] == '_lang') then\n"
	"      fields[#fields + 1] = ARGV[f]; fields[#fields + 1] = ARGV[f + 1]\n"
	"    end\n"
	"  end\n"
	"  if #fields > 0 then redis.call('HSET', k, unpack(fields)) end\n"
	"  redis.call('SADD', k_contacts, ph)\n"
	"  redis.call('HINCRBY', k, '_v', 1)\n" /* see store.h */
	"  if ng > 0 then\n"
	"    local have = redis.call('HGET', k, '_groups') or ''\n"
	"    local set = {}\n"
	"    for g in string.gmatch(have, '[^;]+') do set[g] = true end\n"
	"    for x = 1, ng do\n"
	"      local g = ARGV[i + 1 + x]\n"
	"      redis.call('SADD', KEYS[key + x], ph)\n"
	"      if not set[g] then have = (have == '' and g) or (have .. ';' .. g); set[g] = true end\n"
	"    end\n"
	"    redis.call('HSET', k, '_groups', have)\n"
	"  end\n"
	"  key = key + 1 + ng\n"
	"  i = f0 + 2 * nf\n"
	"  stored = stored + 1\n"
	"end\n"
	"return stored\n";

struct contacts_call {
	struct db *db;
	struct contacts_import imp;   /* taken over from the caller */
	size_t next;                  /* the first row not yet sent */
	int in_flight;
	long stored;
	bool failed;
	store_contacts_fn done;
	void *arg;
};

static void store_more(struct contacts_call *call);

static void on_batch_stored(redisReply *reply, void *data)
{
	struct contacts_call *call = data;
	call->in_flight--;
	if (reply && reply->type == REDIS_REPLY_INTEGER)
		call->stored += reply->integer;
	else
		call->failed = true;
	store_more(call);
}

void store_contacts_command(struct db_args *a, const struct contact_row *rows, size_t n)
{
	int nkeys = IK_COUNT;
	for (size_t i = 0; i < n; i++)
		nkeys += 1 + (int)rows[i].ngroups;
	int k = script_begin(a, contacts_script, nkeys);
	keys_contacts(a, k + IK_k_contacts);
	k += IK_COUNT;
	for (size_t i = 0; i < n; i++) {
		const struct contact_row *row = &rows[i];
		keys_contact(a, k++, row->phone);
		db_args_add(a, row->phone);
		db_args_addl(a, (long)row->ngroups);
		for (size_t g = 0; g < row->ngroups; g++) {
			keys_group(a, k++, row->groups[g]);
			db_args_add(a, row->groups[g]);
		}
		db_args_addl(a, (long)row->fields.n);
		for (size_t f = 0; f < row->fields.n; f++) {
			const char *name = row->fields.items[f].name;
			/* The language column is the contact's language, not a field. */
			db_args_add(a, strcmp(name, "language") == 0 ? "_lang" : name);
			db_args_add(a, row->fields.items[f].value);
		}
	}
}

static int send_batch(struct contacts_call *call, size_t from, size_t to)
{
	struct db_args a = {0};
	store_contacts_command(&a, call->imp.rows + from, to - from);
	return db_command_args(call->db, on_batch_stored, call, &a);
}

/* Keeps STORE_CONTACTS_WINDOW batches in flight; done once all are answered. */
static void store_more(struct contacts_call *call)
{
	while (!call->failed && call->in_flight < STORE_CONTACTS_WINDOW && call->next < call->imp.nrows) {
		size_t to = call->next + STORE_CONTACTS_BATCH;
		if (to > call->imp.nrows)
			to = call->imp.nrows;
		if (send_batch(call, call->next, to) < 0) {
			call->failed = true;
			break;
		}
		call->in_flight++;
		call->next = to;
	}
	if (call->in_flight > 0 || (!call->failed && call->next < call->imp.nrows))
		return;
	call->done(call->failed ? -1 : call->stored, call->arg);
	contacts_import_release(&call->imp);
	free(call);
}

int store_contacts(struct db *db, struct contacts_import *imp,
		   store_contacts_fn done, void *arg)
{
	struct contacts_call *call = xcalloc(1, sizeof(*call));
	call->db = db;
	call->imp = *imp;
	*imp = (struct contacts_import)CONTACTS_IMPORT_INIT;
	call->done = done;
	call->arg = arg;
	store_more(call);
	return 0;
}

/* -- for tests: where each named argument is ------------------------------------ */

static const char *const load_names[] = {LOAD_KEYS(SCRIPT_NAME_STR) LOAD_ARGS(SCRIPT_NAME_STR)};
static const char *const commit_names[] = {COMMIT_KEYS(SCRIPT_NAME_STR) COMMIT_ARGS(SCRIPT_NAME_STR)
					   "nopts", COMMIT_OPTS(SCRIPT_NAME_STR)};

int store_load_position(const struct convo_query *q, const char *name)
{
	return script_position(load_names, sizeof(load_names) / sizeof(load_names[0]), LK_COUNT,
			(int)q->nstats, name);
}

int store_commit_position(int nkeys, int nopts, const char *name)
{
	int i = script_position(commit_names, sizeof(commit_names) / sizeof(commit_names[0]),
				CK_COUNT, 0, name) - 3;
	if (i < 0)
		return -1;
	if (i < CK_COUNT)
		return i < nkeys ? 3 + i : -1;
	if (i > CK_COUNT + CA_COUNT + nopts)
		return -1; /* an option left out */
	return 3 + nkeys + i - CK_COUNT;
}
