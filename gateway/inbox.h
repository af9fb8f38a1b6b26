/* inbox.h -- what people sent that no flow took as a valid answer, kept for
 * convenors to read, answer and close (docs/commands.md, "sauti inbox").
 *
 * An item is written by the commit of the turn that heard it (store.c runs
 * INBOX_ADD_FUNCTION in its script), so a message is in the inbox exactly
 * when its turn was saved.  A reply (inbox_reply) is recorded with the item
 * and goes out through the priority lane (lane.h); the person's next
 * message that lands in the inbox joins the item's thread.  A closed item
 * is kept for inbox_keep_days, then inbox_sweep() erases it.
 *
 * Keys (under "sauti:"):
 *   in:ID          hash  at ph lang ch text flow why st (open|closed) tc
 *                        (closed at) th (thread: the first item's id) nr
 *                        (replies) r:N:at r:N:text r:N:st (queued, sent,
 *                        delivered, failed, skipped), N from 1
 *   inbox          zset  every item id by `at`
 *   inbox:open     zset  open item ids by `at`
 *   inbox:closed   zset  closed item ids by when they were closed (sweep)
 *   in:p:PHONE     zset  one person's item ids by `at` (show, forget)
 *   in:t:PHONE     str   the item last replied to: the thread an answer joins */
#ifndef SAUTI_INBOX_H
#define SAUTI_INBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "db.h"

#define INBOX_ID_LEN 12
#define INBOX_REPLY_MAX 918             /* bytes: six GSM-7 segments */
#define INBOX_THREAD_TTL (14L * 86400)  /* a reply's thread stays open this long */

/* The Lua function the commit script calls for an item:
 * inbox_add(keys, id, phone, at, {field, value, ...}) with the fields of
 * inbox_item_args() and keys {item, all, open, person, thread}, the
 * item's, the indexes' and the person's keys that inbox_add_keys() puts
 * among the script's KEYS. */
#define INBOX_ADD_FUNCTION                                                        \
	"local function inbox_add(ik, id, ph, at, fields)\n"                      \
	"  redis.call('HSET', ik.item, 'at', at, 'ph', ph, 'st', 'open', unpack(fields))\n" \
	"  local th = redis.call('GET', ik.thread)\n"                             \
	"  if th then redis.call('HSET', ik.item, 'th', th) end\n"                \
	"  redis.call('ZADD', ik.all, at, id)\n"                                  \
	"  redis.call('ZADD', ik.open, at, id)\n"                                 \
	"  redis.call('ZADD', ik.person, at, id)\n"                               \
	"end\n"

/* The keys inbox_add() needs for item id of phone, set in a command under
 * construction at positions at + 0 .. at + INBOX_ADD_NKEYS - 1 in the order
 * item, all, open, person, thread. */
#define INBOX_ADD_NKEYS 5
void inbox_add_keys(struct db_args *a, int at, const char *id, const char *phone);

/* One person's part of `contacts show` and `contacts forget` (store.c's
 * person_parts, with `p` the number, `map` and `run_ids` in scope): their items, and
 * what waits for them in the priority lane and the reminder schedule
 * (the chunks use store.h's PERSON_KEYS and keys.h's KEYS_LUA). */
#define INBOX_PERSON_SHOW                                                         \
	"local out = {}\n"                                                       \
	"for _, id in ipairs(redis.call('ZRANGE', k_inbox_person, 0, -1)) do\n" \
	"  local h = map(redis.call('HGETALL', " KEYS_LUA(KEYS_INBOX_ITEM_PREFIX, "id") "))\n"            \
	"  if next(h) then h.id = id; out[#out + 1] = h end\n"                   \
	"end\n"                                                                  \
	"return out\n"
#define INBOX_PERSON_FORGET                                                       \
	"local n = 0\n"                                                          \
	"for _, id in ipairs(redis.call('ZRANGE', k_inbox_person, 0, -1)) do\n" \
	"  n = n + redis.call('DEL', " KEYS_LUA(KEYS_INBOX_ITEM_PREFIX, "id") ")\n"                       \
	"  for _, k in ipairs({k_inbox, k_inbox_open, k_inbox_closed}) do\n" \
	"    redis.call('ZREM', k, id)\n"                                         \
	"  end\n"                                                                \
	"end\n"                                                                  \
	"redis.call('DEL', k_inbox_person, k_inbox_thread)\n"            \
	"for _, id in ipairs(redis.call('ZRANGE', k_lane, 0, -1)) do\n"    \
	"  if redis.call('HGET', " KEYS_LUA(KEYS_LANE_ITEM_PREFIX, "id") ", 'ph') == p then\n"         \
	"    n = n + redis.call('DEL', " KEYS_LUA(KEYS_LANE_ITEM_PREFIX, "id") ")\n"                   \
	"    redis.call('ZREM', k_lane, id)\n"                             \
	"  end\n"                                                                \
	"end\n"                                                                  \
	"for _, id in ipairs(run_ids) do\n" \
	"  redis.call('ZREM', k_remind, id)\n"                         \
	"end\n"                                                                  \
	"return n\n"

/* An item a turn's commit adds (store.h struct commit). */
struct inbox_new {
	char id[INBOX_ID_LEN + 1];
	const char *lang, *channel, *text, *flow;
	const char *why;             /* inbox_reason_name() (policy.h) */
};

/* A fresh random item id: INBOX_ID_LEN lowercase letters. */
void inbox_id_new(char out[INBOX_ID_LEN + 1]);

struct db_args;
/* Appends the item's id, then the count and the field/value pairs (lang ch
 * text flow why) for INBOX_ADD_FUNCTION; just "" when item is NULL. */
void inbox_item_args(struct db_args *a, const struct inbox_new *item);

struct inbox_reply {
	long at;
	char *text;
	char *status;
};

/* An item as listed; everything owned by the list. */
struct inbox_item {
	char id[INBOX_ID_LEN + 1];
	long at, closed;
	char *phone, *lang, *channel, *text, *flow, *why, *status, *thread;
	struct inbox_reply *replies;
	size_t nreplies;
};

struct inbox_list {
	struct inbox_item *items;   /* oldest first */
	size_t n;
};

void inbox_list_release(struct inbox_list *l);

/* Lists the items at or after since (0: all times), open ones only unless
 * all.  rc 0 and the list (the callback's to read, freed after it), or -1
 * with NULL when Redis failed.  Returns -1 (fn not called) when not
 * connected. */
typedef void (*inbox_list_fn)(int rc, const struct inbox_list *l, void *arg);
int inbox_list(struct db *db, long since, bool all, inbox_list_fn fn, void *arg);

/* rc 1 done, 0 no such item, -1 Redis failed (db.h's db_integer_fn). */
typedef db_integer_fn inbox_done_fn;
/* Closes an item (kept keep_days from now); closing a closed one is fine. */
int inbox_close(struct db *db, const char *id, long now, int keep_days,
		inbox_done_fn fn, void *arg);
/* Why text cannot be a reply ("a reply needs a text: ..."), or NULL when it
 * can: a reply of nothing but white space would send a blank SMS, and one
 * over INBOX_REPLY_MAX bytes more than six (docs/commands.md). */
const char *inbox_reply_check(const char *text);
/* Records TEXT as the item's next reply and queues it in the priority lane
 * to the item's sender, with a delivery report; the person's answer joins
 * the item's thread. */
int inbox_reply(struct db *db, const char *id, const char *text, long now,
		inbox_done_fn fn, void *arg);
/* A delivery report for "i.ITEM.N" with Kannel's status code; -1 (fn not
 * called) when id is not an inbox reply's, -2 when Redis is away. */
int inbox_dlr(struct db *db, const char *id, int status, inbox_done_fn fn, void *arg);
/* Erases the items whose keeping after closing is over (fire and
 * forget): their time was set when each was closed. */
void inbox_sweep(struct db *db, long now);
/* How many items are open now; fn gets -1 when Redis failed. */
int inbox_count_open(struct db *db, db_integer_fn fn, void *arg);

/* Output.  The contact is the pseudonym under key, or the number itself
 * when key is NULL (the CLI's --raw-phone).  CSV has the contract's
 * columns: id, at, contact, language, channel, flow, status, text; JSON
 * (an array) and JSON lines add why, thread, closed_at and replies. */
enum inbox_format { INBOX_TEXT, INBOX_CSV, INBOX_JSONL, INBOX_JSON };
/* Reads "text", "csv", "jsonl"; -1 for anything else. */
int inbox_format_parse(const char *name, enum inbox_format *f);
void inbox_list_write(const struct inbox_list *l, enum inbox_format f, const char *key,
		      struct buf *out);
/* One item as JSON lines write it, with contact, from its hash as
 * `contacts show` reads it (INBOX_PERSON_SHOW: an object of strings, with
 * its id as "id").  The fields read are taken out of hash: what is left is
 * what an item does not know.  A new reference. */
json_t *inbox_item_record(json_t *hash, const char *contact);

#endif
