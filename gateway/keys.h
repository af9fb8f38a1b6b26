/* keys.h -- the names of sauti's Redis keys, in one place (docs/keys.md is
 * the layout with each key's type, fields and what moves where on Redis
 * Cluster).
 *
 * Each keys_* sets argument i of a command under construction (db.h's
 * db_args) to one key's name, so that a script is given its keys as KEYS,
 * as Redis' scripting contract asks, instead of building names in Lua.
 * keys_layout lists every key family for the docs and the tests. */
#ifndef SAUTI_KEYS_H
#define SAUTI_KEYS_H

#include <stddef.h>

#define KEYS_PREFIX "sauti:"
/* A run's key is this and its id (a script that finds a run by its id);
 * the id begins with its person's tag, "{PHONE}:HEX" (store.h's run_id_*). */
#define KEYS_RUN_PREFIX KEYS_PREFIX "r:"

/* The prefixes of the keys a script finds by reading data (an id or a
 * number read from an index or a hash), so that it cannot be given them:
 * the key is the prefix and what was read (docs/keys.md lists each).
 * KEYS_LUA(PREFIX, expr) is that key as a Lua expression. */
#define KEYS_LUA(prefix, expr) "('" prefix "' .. " expr ")"
/* A person's key found by reading their number: the number is the key's
 * Redis Cluster hash tag, in braces after the prefix ("sauti:c:{PHONE}"), so
 * that every key of one person is in one slot (docs/keys.md).  The
 * pointer's is KEYS_LUA_POINTER(kind_expr, phone_expr). */
#define KEYS_TAG_OPEN "{"
#define KEYS_TAG_CLOSE "}"
#define KEYS_LUA_PERSON(prefix, phone) "('" prefix KEYS_TAG_OPEN "' .. " phone " .. '" KEYS_TAG_CLOSE "')"
#define KEYS_LUA_POINTER(kind, phone) \
	"('" KEYS_POINTER_PREFIX "' .. " kind " .. ':" KEYS_TAG_OPEN "' .. " phone " .. '" KEYS_TAG_CLOSE "')"
/* A kept reply's key, of the phone and the message id (Lua expressions). */
#define KEYS_LUA_REPLY(phone, msg_id) \
	"('" KEYS_REPLY_PREFIX KEYS_TAG_OPEN "' .. " phone " .. '" KEYS_TAG_CLOSE ":' .. " msg_id ")"
#define KEYS_CONTACT_PREFIX KEYS_PREFIX "c:"
#define KEYS_POINTER_PREFIX KEYS_PREFIX "cur:"       /* then KIND:PHONE */
/* The person's run ids were a zset of their own in layout 2: `sauti
 * migrate-keys` folds it into their contact (store.h, CONTACT_RUN_PREFIX). */
#define KEYS_PERSON_RUNS_PREFIX KEYS_PREFIX "pr:"
#define KEYS_REPLY_PREFIX KEYS_PREFIX "mo:"
#define KEYS_GROUP_PREFIX KEYS_PREFIX "g:"
#define KEYS_FLOW_RUNS_PREFIX KEYS_PREFIX "runs:"
#define KEYS_STATS_PREFIX KEYS_PREFIX "stats:"
#define KEYS_LIMIT_PREFIX KEYS_PREFIX "lim:"
#define KEYS_PERSON_REPLIES_PREFIX KEYS_PREFIX "pm:"

struct db_args;

/* One person's keys, each with the person's tag {PHONE}. */
void keys_contact(struct db_args *a, int i, const char *phone);          /* c:{PHONE} */
void keys_pointer(struct db_args *a, int i, const char *kind, const char *phone); /* cur:KIND:{PHONE} */
void keys_limit(struct db_args *a, int i, const char *phone);            /* lim:{PHONE} */
void keys_person_replies(struct db_args *a, int i, const char *phone);   /* pm:{PHONE} */
void keys_run(struct db_args *a, int i, const char *id);                 /* r:{PHONE}:HEX */
void keys_reply(struct db_args *a, int i, const char *phone, const char *msg_id); /* mo:{PHONE}:MSGID */

/* Indexes across people. */
void keys_contacts(struct db_args *a, int i);                            /* contacts */
void keys_group(struct db_args *a, int i, const char *group);            /* g:GROUP */
void keys_flow_runs(struct db_args *a, int i, const char *flow);         /* runs:FLOW */
void keys_stats(struct db_args *a, int i, const char *flow);             /* stats:FLOW */

/* -- inbox, lane and reminders (inbox.h, lane.h, reminder.h) -- */
#define KEYS_INBOX_ITEM_PREFIX KEYS_PREFIX "in:"
#define KEYS_INBOX_PERSON_PREFIX KEYS_PREFIX "in:p:"      /* then {PHONE} */
#define KEYS_INBOX_THREAD_PREFIX KEYS_PREFIX "in:t:"
#define KEYS_LANE_ITEM_PREFIX KEYS_PREFIX "lane:"
#define KEYS_REMIND KEYS_PREFIX "remind"
void keys_inbox_item(struct db_args *a, int i, const char *id);          /* in:ID */
void keys_inbox_person(struct db_args *a, int i, const char *phone);     /* in:p:{PHONE} */
void keys_inbox_thread(struct db_args *a, int i, const char *phone);     /* in:t:{PHONE} */
void keys_inbox(struct db_args *a, int i);                               /* inbox */
void keys_inbox_open(struct db_args *a, int i);                          /* inbox:open */
void keys_inbox_closed(struct db_args *a, int i);                        /* inbox:closed */
void keys_lane(struct db_args *a, int i);                                /* lane */
void keys_lane_item(struct db_args *a, int i, const char *id);           /* lane:ID */
void keys_remind(struct db_args *a, int i);                              /* remind */
void keys_remind_lease(struct db_args *a, int i);                        /* remind:lease */

/* -- export, retention, people, audit and sessions -- */
void keys_retention(struct db_args *a, int i);                           /* retention */
void keys_people_indexed(struct db_args *a, int i);                      /* people:indexed */
/* The layout the store is in (migrate.h): KEYS_LAYOUT_VERSION once its
 * people's keys carry their tags and a person's run ids are in their
 * contact; KEYS_LAYOUT_TAGGED the one with the tags and a zset of run ids
 * per person (pr:{PHONE}), which `sauti migrate-keys` moves on from. */
#define KEYS_LAYOUT_VERSION "3"
#define KEYS_LAYOUT_TAGGED "2"
void keys_layout_version(struct db_args *a, int i);                      /* layout */
void keys_audit(struct db_args *a, int i);                               /* audit */
void keys_session(struct db_args *a, int i, const char *token);          /* sess:TOKEN */

/* -- broadcasts (broadcast.h) -- */
/* A broadcast's hash is this and its id, its recipients that and ":r" (a
 * script that finds broadcasts by ids it reads: the bcs index, outbox
 * entries). */
#define KEYS_BROADCAST_PREFIX KEYS_PREFIX "bc:"
#define KEYS_RECIPIENTS_SUFFIX ":r"
/* Names a script without KEYS of its own reads (contacts forget's). */
#define KEYS_BROADCASTS KEYS_PREFIX "bcs"
#define KEYS_BROADCAST_TOTALS KEYS_BROADCAST_PREFIX "totals"
#define KEYS_PLANS KEYS_PREFIX "plans"
#define KEYS_OUTBOX KEYS_PREFIX "outbox"
/* The outbox's consumer group: every daemon reads it as a consumer named
 * by its id (broadcast.h), a few times a second. */
#define KEYS_OUTBOX_GROUP "senders"
#define KEYS_OUTBOX_RETRY KEYS_OUTBOX ":retry"
#define KEYS_RATE_LOG KEYS_PREFIX "rate:log"
void keys_broadcast(struct db_args *a, int i, const char *id);            /* bc:ID */
void keys_broadcast_recipients(struct db_args *a, int i, const char *id); /* bc:ID:r */
void keys_broadcasts_due(struct db_args *a, int i);                       /* bc:due */
void keys_broadcasts(struct db_args *a, int i);                           /* bcs */
void keys_broadcast_totals(struct db_args *a, int i);                     /* bc:totals */
void keys_plan(struct db_args *a, int i, const char *id);                 /* plan:ID */
void keys_plans(struct db_args *a, int i);                                /* plans */
void keys_outbox(struct db_args *a, int i);                               /* outbox */
void keys_outbox_retry(struct db_args *a, int i);                         /* outbox:retry */
void keys_rate(struct db_args *a, int i);                                 /* rate */
void keys_rate_log(struct db_args *a, int i);                             /* rate:log */

/* Who a key belongs to, which says where it lives on a cluster. */
enum keys_scope {
	KEYS_PERSON,   /* one person's: kept in the person's slot */
	KEYS_INDEX,    /* spans people: a slot of its own */
	KEYS_GLOBAL,   /* the gateway's own (queues, counters, sessions) */
};

struct keys_family {
	const char *pattern;   /* after KEYS_PREFIX, e.g. "c:{PHONE}" */
	const char *type;      /* Redis type */
	enum keys_scope scope;
	const char *owner;     /* the module that writes it */
	const char *what;
};

/* Every key family sauti uses; *n is set to their number. */
const struct keys_family *keys_layout(size_t *n);

#endif
