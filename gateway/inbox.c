/* inbox.c -- see inbox.h. */
#include "inbox.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "db.h"
#include "keys.h"
#include "lane.h"
#include "pseudo.h"
#include "script.h"
#include "text.h"
#include "timeutil.h"

void inbox_id_new(char out[INBOX_ID_LEN + 1])
{
	/* Letters only: an id never looks like a phone number, which the
	 * audit trail would scrub (phone_scrub). */
	for (int i = 0; i < INBOX_ID_LEN; i++)
		out[i] = (char)('a' + randombytes_uniform(26));
	out[INBOX_ID_LEN] = '\0';
}

void inbox_add_keys(struct db_args *a, int at, const char *id, const char *phone)
{
	keys_inbox_item(a, at, id);
	keys_inbox(a, at + 1);
	keys_inbox_open(a, at + 2);
	keys_inbox_person(a, at + 3, phone);
	keys_inbox_thread(a, at + 4, phone);
}

void inbox_item_args(struct db_args *a, const struct inbox_new *item)
{
	if (!item) {
		db_args_add(a, "");
		return;
	}
	db_args_add(a, item->id);
	db_args_add(a, "10");
	db_args_add(a, "lang");
	db_args_add(a, item->lang ? item->lang : "");
	db_args_add(a, "ch");
	db_args_add(a, item->channel);
	db_args_add(a, "text");
	db_args_add(a, item->text);
	db_args_add(a, "flow");
	db_args_add(a, item->flow ? item->flow : "");
	db_args_add(a, "why");
	db_args_add(a, item->why);
}

/* An id as typed on a command line or in a path: INBOX_ID_LEN letters. */
static bool id_ok(const char *id)
{
	if (strlen(id) != INBOX_ID_LEN)
		return false;
	for (const char *p = id; *p; p++)
		if (*p < 'a' || *p > 'z')
			return false;
	return true;
}

/* -- listing ------------------------------------------------------------------ */

/* The items of an index (inbox, or inbox:open) since a time: {id, hash,
 * ...} oldest first; each item's key is found by its id (docs/keys.md). */
#define LIST_KEYS(X) X(k_index)
#define LIST_ARGS(X) X(since)
#define LK(n) SCRIPT_ENUM(LK_, n)
#define LA(n) SCRIPT_ENUM(LA_, n)
enum { LIST_KEYS(LK) LK_COUNT };
enum { LIST_ARGS(LA) LA_COUNT };

static const char list_script[] =
	SCRIPT_LOCALS(LIST_KEYS, "KEYS")
	SCRIPT_LOCALS(LIST_ARGS, "ARGV")
	"local ids = redis.call('ZRANGEBYSCORE', k_index, since, '+inf')\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  local h = redis.call('HGETALL', " KEYS_LUA(KEYS_INBOX_ITEM_PREFIX, "id") ")\n"
	"  if #h > 0 then out[#out + 1] = id; out[#out + 1] = h end\n"
	"end\n"
	"return out\n";

struct list_call {
	inbox_list_fn fn;
	void *arg;
};

static char *dup_field(const char *v) { return xstrdup(v ? v : ""); }

static void item_release(struct inbox_item *it)
{
	free(it->phone);
	free(it->lang);
	free(it->channel);
	free(it->text);
	free(it->flow);
	free(it->why);
	free(it->status);
	free(it->thread);
	for (size_t i = 0; i < it->nreplies; i++) {
		free(it->replies[i].text);
		free(it->replies[i].status);
	}
	free(it->replies);
}

void inbox_list_release(struct inbox_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		item_release(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Reply N's field ("at", "text", "st") of "r:N:FIELD"; 0 when not one. */
static size_t reply_field(const char *name, const char **field)
{
	if (strncmp(name, "r:", 2) != 0)
		return 0;
	char *end;
	unsigned long n = strtoul(name + 2, &end, 10);
	if (*end != ':' || n == 0 || n > 1000)
		return 0;
	*field = end + 1;
	return n;
}

/* Reply r's field (at, text, st) of value v read into it; false when it
 * is none of those. */
static bool reply_field_set(struct inbox_item *it, size_t r, const char *field, const char *v)
{
	if (r > it->nreplies) {
		it->replies = xrealloc(it->replies, r * sizeof(*it->replies));
		memset(it->replies + it->nreplies, 0, (r - it->nreplies) * sizeof(*it->replies));
		it->nreplies = r;
	}
	struct inbox_reply *rp = &it->replies[r - 1];
	if (strcmp(field, "at") == 0)
		rp->at = strtol(v, NULL, 10);
	else if (strcmp(field, "text") == 0)
		rp->text = rp->text ? rp->text : xstrdup(v);
	else if (strcmp(field, "st") == 0)
		rp->status = rp->status ? rp->status : xstrdup(v);
	else
		return false;
	return true;
}

/* An item's strings as read from its hash, until item_finish() copies them. */
struct item_strings {
	const char *ph, *lang, *ch, *text, *flow, *why, *st, *th;
};

/* The item's field n of value v read into it (its strings into in); false
 * when it is no field of an item's (inbox.h's keys). */
static bool item_field(struct inbox_item *it, struct item_strings *in, const char *n,
		       const char *v)
{
	const char *field;
	size_t r = reply_field(n, &field);
	if (r)
		return reply_field_set(it, r, field, v);
	if (strcmp(n, "at") == 0)
		it->at = strtol(v, NULL, 10);
	else if (strcmp(n, "tc") == 0)
		it->closed = strtol(v, NULL, 10);
	else if (strcmp(n, "ph") == 0)
		in->ph = v;
	else if (strcmp(n, "lang") == 0)
		in->lang = v;
	else if (strcmp(n, "ch") == 0)
		in->ch = v;
	else if (strcmp(n, "text") == 0)
		in->text = v;
	else if (strcmp(n, "flow") == 0)
		in->flow = v;
	else if (strcmp(n, "why") == 0)
		in->why = v;
	else if (strcmp(n, "st") == 0)
		in->st = v;
	else if (strcmp(n, "th") == 0)
		in->th = v;
	else
		return false;
	return true;
}

static void item_finish(struct inbox_item *it, const struct item_strings *in)
{
	it->phone = dup_field(in->ph);
	it->lang = dup_field(in->lang);
	it->channel = dup_field(in->ch);
	it->text = dup_field(in->text);
	it->flow = dup_field(in->flow);
	it->why = dup_field(in->why);
	it->status = dup_field(in->st);
	it->thread = xstrdup(in->th ? in->th : it->id);
	for (size_t i = 0; i < it->nreplies; i++) {
		if (!it->replies[i].text)
			it->replies[i].text = xstrdup("");
		if (!it->replies[i].status)
			it->replies[i].status = xstrdup("");
	}
}

static void item_decode(struct inbox_item *it, const char *id, const redisReply *h)
{
	str_copy(it->id, sizeof(it->id), id);
	struct item_strings in = {0};
	for (size_t i = 0; i + 1 < h->elements; i += 2)
		item_field(it, &in, h->element[i]->str, h->element[i + 1]->str);
	item_finish(it, &in);
}

static void on_list(redisReply *reply, void *data)
{
	struct list_call *call = data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY) {
		call->fn(-1, NULL, call->arg);
		free(call);
		return;
	}
	struct inbox_list l = {0};
	l.items = xcalloc(reply->elements / 2 + 1, sizeof(*l.items));
	for (size_t i = 0; i + 1 < reply->elements; i += 2)
		if (reply->element[i + 1]->type == REDIS_REPLY_ARRAY)
			item_decode(&l.items[l.n++], reply->element[i]->str, reply->element[i + 1]);
	call->fn(0, &l, call->arg);
	inbox_list_release(&l);
	free(call);
}

int inbox_list(struct db *db, long since, bool all, inbox_list_fn fn, void *arg)
{
	struct list_call *call = xcalloc(1, sizeof(*call));
	call->fn = fn;
	call->arg = arg;
	struct db_args a = {0};
	int k = script_begin(&a, list_script, LK_COUNT);
	if (all)
		keys_inbox(&a, k + LK_k_index);
	else
		keys_inbox_open(&a, k + LK_k_index);
	int v = script_reserve(&a, LA_COUNT);
	db_args_setl(&a, v + LA_since, since);
	if (db_command_args(db, on_list, call, &a) < 0) {
		free(call);
		return -1;
	}
	return 0;
}

/* -- close, reply, delivery reports ---------------------------------------------- */

/* The close of item id (k_item) at now, to be swept at sweep_at. */
#define CLOSE_KEYS(X) X(k_item) X(k_open) X(k_closed)
#define CLOSE_ARGS(X) X(id) X(now) X(sweep_at)
#define CK(n) SCRIPT_ENUM(CK_, n)
#define CA(n) SCRIPT_ENUM(CA_, n)
enum { CLOSE_KEYS(CK) CK_COUNT };
enum { CLOSE_ARGS(CA) CA_COUNT };

static const char close_script[] =
	SCRIPT_LOCALS(CLOSE_KEYS, "KEYS")
	SCRIPT_LOCALS(CLOSE_ARGS, "ARGV")
	"if redis.call('EXISTS', k_item) == 0 then return 0 end\n"
	"if redis.call('HGET', k_item, 'st') == 'closed' then return 1 end\n"
	"redis.call('HSET', k_item, 'st', 'closed', 'tc', now)\n"
	"redis.call('ZREM', k_open, id)\n"
	"redis.call('ZADD', k_closed, sweep_at, id)\n"
	"return 1\n";

int inbox_close(struct db *db, const char *id, long now, int keep_days,
		inbox_done_fn fn, void *arg)
{
	if (!id_ok(id)) {
		fn(0, arg);
		return 0;
	}
	struct db_args a = {0};
	int k = script_begin(&a, close_script, CK_COUNT);
	keys_inbox_item(&a, k + CK_k_item, id);
	keys_inbox_open(&a, k + CK_k_open);
	keys_inbox_closed(&a, k + CK_k_closed);
	int v = script_reserve(&a, CA_COUNT);
	db_args_set(&a, v + CA_id, id);
	db_args_setl(&a, v + CA_now, now);
	db_args_setl(&a, v + CA_sweep_at, now + (long)keep_days * 86400);
	return db_command_integer(db, &a, fn, arg);
}

/* The reply: records reply N to item id (k_item) and queues it in the
 * priority lane (k_lane, k_lane_item: lane.h); the sender's answer joins
 * this item's thread, whose key is found by the number in the item
 * (docs/keys.md). */
#define REPLY_KEYS(X) X(k_item) X(k_lane) X(k_lane_item)
#define REPLY_ARGS(X) X(id) X(text) X(now) X(ucs) X(lane_id) X(due) X(thread_ttl)
#define RK(n) SCRIPT_ENUM(RK_, n)
#define RA(n) SCRIPT_ENUM(RA_, n)
enum { REPLY_KEYS(RK) RK_COUNT };
enum { REPLY_ARGS(RA) RA_COUNT };

static const char reply_script[] =
	LANE_PUSH_FUNCTION
	SCRIPT_LOCALS(REPLY_KEYS, "KEYS")
	SCRIPT_LOCALS(REPLY_ARGS, "ARGV")
	"local ph = redis.call('HGET', k_item, 'ph')\n"
	"if not ph then return 0 end\n"
	"local n = redis.call('HINCRBY', k_item, 'nr', 1)\n"
	"local r = 'r:' .. n .. ':'\n"
	"redis.call('HSET', k_item, r .. 'at', now, r .. 'text', text)\n"
	"lane_push(k_lane, k_lane_item, lane_id, ph, text, ucs, 'i.' .. id .. '.' .. n, k_item, r .. 'st', due)\n"
	"redis.call('SET', " KEYS_LUA_PERSON(KEYS_INBOX_THREAD_PREFIX, "ph") ", redis.call('HGET', k_item, 'th') or id, 'EX', thread_ttl)\n"
	"return 1\n";

int inbox_reply(struct db *db, const char *id, const char *text, long now,
		inbox_done_fn fn, void *arg)
{
	if (!id_ok(id)) {
		fn(0, arg);
		return 0;
	}
	struct db_args a = {0};
	int k = script_begin(&a, reply_script, RK_COUNT);
	keys_inbox_item(&a, k + RK_k_item, id);
	int v = script_reserve(&a, RA_COUNT);
	db_args_set(&a, v + RA_id, id);
	db_args_set(&a, v + RA_text, text);
	db_args_setl(&a, v + RA_now, now);
	lane_push_args(&a, k + RK_k_lane, k + RK_k_lane_item, v + RA_lane_id, v + RA_ucs, text);
	db_args_setf(&a, v + RA_due, "%lld", (long long)now * 1000);
	db_args_setl(&a, v + RA_thread_ttl, INBOX_THREAD_TTL);
	return db_command_integer(db, &a, fn, arg);
}

/* A delivery report of reply n to an item (k_item): its state. */
#define DLR_KEYS(X) X(k_item)
#define DLR_ARGS(X) X(n) X(state)
#define DK(n) SCRIPT_ENUM(DK_, n)
#define DA(n) SCRIPT_ENUM(DA_, n)
enum { DLR_KEYS(DK) DK_COUNT };
enum { DLR_ARGS(DA) DA_COUNT };

static const char dlr_script[] =
	SCRIPT_LOCALS(DLR_KEYS, "KEYS")
	SCRIPT_LOCALS(DLR_ARGS, "ARGV")
	"if redis.call('EXISTS', k_item) == 0 then return 1 end\n"
	"local f = 'r:' .. n .. ':st'\n"
	"if redis.call('HGET', k_item, f) == 'delivered' then return 1 end\n"
	"redis.call('HSET', k_item, f, state)\n"
	"return 1\n";

int inbox_dlr(struct db *db, const char *id, int status, inbox_done_fn fn, void *arg)
{
	/* "i.ITEM.N" */
	if (strncmp(id, "i.", 2) != 0 || strlen(id) < 2 + INBOX_ID_LEN + 2 ||
	    id[2 + INBOX_ID_LEN] != '.')
		return -1;
	char item[INBOX_ID_LEN + 1];
	memcpy(item, id + 2, INBOX_ID_LEN);
	item[INBOX_ID_LEN] = '\0';
	char *end;
	long n = strtol(id + 3 + INBOX_ID_LEN, &end, 10);
	if (!id_ok(item) || *end || n <= 0)
		return -1;
	/* Kannel's %d: 1 delivered, 2 failed, 16 rejected; 4 and 8 are on
	 * their way (buffered, acknowledged by the SMSC). */
	const char *state = status == 1 ? "delivered" : status == 2 || status == 16 ? "failed" : NULL;
	if (!state) {
		fn(1, arg);
		return 0;
	}
	struct db_args a = {0};
	int k = script_begin(&a, dlr_script, DK_COUNT);
	keys_inbox_item(&a, k + DK_k_item, item);
	int v = script_reserve(&a, DA_COUNT);
	db_args_setl(&a, v + DA_n, n);
	db_args_set(&a, v + DA_state, state);
	return db_command_integer(db, &a, fn, arg) < 0 ? -2 : 0;
}

/* The sweep: erases items whose keeping time after closing is over by
 * now; the items and their people's indexes are found by the ids read. */
#define SWEEP_KEYS(X) X(k_all) X(k_open) X(k_closed)
#define SWEEP_ARGS(X) X(now)
#define WK(n) SCRIPT_ENUM(WK_, n)
#define WA(n) SCRIPT_ENUM(WA_, n)
enum { SWEEP_KEYS(WK) WK_COUNT };
enum { SWEEP_ARGS(WA) WA_COUNT };

static const char sweep_script[] =
	SCRIPT_LOCALS(SWEEP_KEYS, "KEYS")
	SCRIPT_LOCALS(SWEEP_ARGS, "ARGV")
	"local ids = redis.call('ZRANGEBYSCORE', k_closed, '-inf', now, 'LIMIT', 0, 500)\n"
	"for _, id in ipairs(ids) do\n"
	"  local k = " KEYS_LUA(KEYS_INBOX_ITEM_PREFIX, "id") "\n"
	"  local ph = redis.call('HGET', k, 'ph')\n"
	"  if ph then redis.call('ZREM', " KEYS_LUA_PERSON(KEYS_INBOX_PERSON_PREFIX, "ph") ", id) end\n"
	"  redis.call('DEL', k)\n"
	"  redis.call('ZREM', k_all, id)\n"
	"  redis.call('ZREM', k_open, id)\n"
	"  redis.call('ZREM', k_closed, id)\n"
	"end\n"
	"return #ids\n";

void inbox_sweep(struct db *db, long now)
{
	struct db_args a = {0};
	int k = script_begin(&a, sweep_script, WK_COUNT);
	keys_inbox(&a, k + WK_k_all);
	keys_inbox_open(&a, k + WK_k_open);
	keys_inbox_closed(&a, k + WK_k_closed);
	db_args_setl(&a, script_reserve(&a, WA_COUNT) + WA_now, now);
	db_command_args(db, NULL, NULL, &a);
}

int inbox_count_open(struct db *db, db_integer_fn fn, void *arg)
{
	struct db_args a = {0};
	db_args_add(&a, "ZCARD");
	keys_inbox_open(&a, script_reserve(&a, 1));
	return db_command_integer(db, &a, fn, arg);
}

/* -- output ---------------------------------------------------------------------- */

static void csv_header(struct buf *out)
{
	static const char *const cols[] = {"id", "at", "contact", "language", "channel",
					   "flow", "status", "text"};
	csv_write_row(out, cols, 8);
}

static void item_csv(const struct inbox_item *it, const char *contact, struct buf *out)
{
	char at[TIME_ISO8601_SIZE];
	time_iso8601(it->at, at);
	const char *cells[] = {it->id, at, contact, it->lang, it->channel,
			       it->flow, it->status, it->text};
	csv_write_row(out, cells, 8);
}

static json_t *item_json(const struct inbox_item *it, const char *contact)
{
	char at[TIME_ISO8601_SIZE];
	time_iso8601(it->at, at);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", it->id, "at", at,
			      "contact", contact, "language", it->lang, "channel", it->channel,
			      "flow", it->flow, "status", it->status, "text", it->text,
			      "why", it->why, "thread", it->thread);
	if (it->closed) {
		char tc[TIME_ISO8601_SIZE];
		time_iso8601(it->closed, tc);
		json_object_set_new(o, "closed_at", json_string(tc));
	}
	json_t *replies = json_array();
	for (size_t i = 0; i < it->nreplies; i++) {
		char rat[TIME_ISO8601_SIZE];
		time_iso8601(it->replies[i].at, rat);
		json_array_append_new(replies, json_pack("{s:s,s:s,s:s}", "at", rat, "text",
							 it->replies[i].text, "status",
							 it->replies[i].status));
	}
	json_object_set_new(o, "replies", replies);
	return o;
}

json_t *inbox_item_record(json_t *hash, const char *contact)
{
	struct inbox_item it = {0};
	struct item_strings in = {0};
	const char *id = json_string_value(json_object_get(hash, "id"));
	str_copy(it.id, sizeof(it.id), id ? id : "");
	json_t *read = json_pack("[s]", "id");
	const char *name;
	json_t *v;
	json_object_foreach(hash, name, v) {
		if (json_is_string(v) && item_field(&it, &in, name, json_string_value(v)))
			json_array_append_new(read, json_string(name));
	}
	item_finish(&it, &in); /* copies the strings in points to in hash */
	json_t *o = item_json(&it, contact);
	item_release(&it);
	size_t i;
	json_array_foreach(read, i, v)
		json_object_del(hash, json_string_value(v));
	json_decref(read);
	return o;
}

static void item_text(const struct inbox_item *it, const char *contact, struct buf *out)
{
	char at[TIME_ISO8601_SIZE];
	time_iso8601(it->at, at);
	buf_printf(out, "%s  %s  %s  %s/%s  %s%s%s\n", it->id, at, contact, it->channel,
		   it->lang, it->status, *it->flow ? "  flow " : "", it->flow);
	if (strcmp(it->thread, it->id) != 0)
		buf_printf(out, "  (answer in the thread of %s)\n", it->thread);
	buf_printf(out, "  > %s\n", it->text);
	for (size_t i = 0; i < it->nreplies; i++) {
		char rat[TIME_ISO8601_SIZE];
		time_iso8601(it->replies[i].at, rat);
		buf_printf(out, "  < %s (%s, %s)\n", it->replies[i].text, rat,
			   it->replies[i].status);
	}
	buf_putc(out, '\n');
}

int inbox_format_parse(const char *name, enum inbox_format *f)
{
	static const char *const names[] = {[INBOX_TEXT] = "text", [INBOX_CSV] = "csv",
					    [INBOX_JSONL] = "jsonl"};
	for (int i = 0; i <= INBOX_JSONL; i++)
		if (strcmp(name, names[i]) == 0) {
			*f = (enum inbox_format)i;
			return 0;
		}
	return -1;
}

static void append_json(json_t *o, struct buf *out)
{
	char *s = json_dumps(o, JSON_COMPACT);
	buf_puts(out, s);
	free(s);
	json_decref(o);
}

void inbox_list_write(const struct inbox_list *l, enum inbox_format f, const char *key,
		      struct buf *out)
{
	json_t *array = f == INBOX_JSON ? json_array() : NULL;
	if (f == INBOX_CSV)
		csv_header(out);
	for (size_t i = 0; i < l->n; i++) {
		const struct inbox_item *it = &l->items[i];
		char who[PSEUDONYM_SIZE];
		if (key)
			pseudonym(key, strlen(key), it->phone, who);
		const char *contact = key ? who : it->phone;
		switch (f) {
		case INBOX_TEXT:
			item_text(it, contact, out);
			break;
		case INBOX_CSV:
			item_csv(it, contact, out);
			break;
		case INBOX_JSONL:
			append_json(item_json(it, contact), out);
			buf_putc(out, '\n');
			break;
		case INBOX_JSON:
			json_array_append_new(array, item_json(it, contact));
			break;
		}
	}
	if (array) {
		append_json(array, out);
		buf_putc(out, '\n');
	}
}

const char *inbox_reply_check(const char *text)
{
	size_t len = strlen(text), n;
	if (len > INBOX_REPLY_MAX)
		return "a reply is at most 918 bytes";
	for (size_t i = 0; i < len; i += n)
		if (!(n = utf8_space_len(text + i, len - i)))
			return NULL;
	return "a reply needs a text: this one is empty or only spaces";
}
