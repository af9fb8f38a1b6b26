/* keys.c -- see keys.h.  The table below is the layout docs/keys.md
 * describes; tests/unit/test_keys.c holds the two together. */
#include "keys.h"

#include "db.h"

void keys_contact(struct db_args *a, int i, const char *phone)
{
	db_args_setjoin(a, i, KEYS_CONTACT_PREFIX, KEYS_TAG_OPEN, phone, KEYS_TAG_CLOSE, NULL);
}

void keys_pointer(struct db_args *a, int i, const char *kind, const char *phone)
{
	db_args_setjoin(a, i, KEYS_POINTER_PREFIX, kind, ":" KEYS_TAG_OPEN, phone, KEYS_TAG_CLOSE, NULL);
}

void keys_limit(struct db_args *a, int i, const char *phone)
{
	db_args_setjoin(a, i, KEYS_LIMIT_PREFIX KEYS_TAG_OPEN, phone, KEYS_TAG_CLOSE, NULL);
}

void keys_person_replies(struct db_args *a, int i, const char *phone)
{
	db_args_setjoin(a, i, KEYS_PERSON_REPLIES_PREFIX KEYS_TAG_OPEN, phone, KEYS_TAG_CLOSE, NULL);
}

void keys_run(struct db_args *a, int i, const char *id)
{
	db_args_setjoin(a, i, KEYS_RUN_PREFIX, id, NULL);
}

void keys_reply(struct db_args *a, int i, const char *phone, const char *msg_id)
{
	db_args_setjoin(a, i, KEYS_REPLY_PREFIX KEYS_TAG_OPEN, phone, KEYS_TAG_CLOSE ":", msg_id, NULL);
}

void keys_contacts(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "contacts"); }

void keys_group(struct db_args *a, int i, const char *group)
{
	db_args_setjoin(a, i, KEYS_GROUP_PREFIX, group, NULL);
}

void keys_flow_runs(struct db_args *a, int i, const char *flow)
{
	db_args_setjoin(a, i, KEYS_FLOW_RUNS_PREFIX, flow, NULL);
}

void keys_stats(struct db_args *a, int i, const char *flow)
{
	db_args_setjoin(a, i, KEYS_STATS_PREFIX, flow, NULL);
}

/* -- inbox, lane and reminders -- */

void keys_inbox_item(struct db_args *a, int i, const char *id)
{
	db_args_setjoin(a, i, KEYS_INBOX_ITEM_PREFIX, id, NULL);
}

void keys_inbox_person(struct db_args *a, int i, const char *phone)
{
	db_args_setjoin(a, i, KEYS_INBOX_PERSON_PREFIX KEYS_TAG_OPEN, phone, KEYS_TAG_CLOSE, NULL);
}

void keys_inbox_thread(struct db_args *a, int i, const char *phone)
{
	db_args_setjoin(a, i, KEYS_INBOX_THREAD_PREFIX KEYS_TAG_OPEN, phone, KEYS_TAG_CLOSE, NULL);
}

void keys_inbox(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "inbox"); }
void keys_inbox_open(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "inbox:open"); }
void keys_inbox_closed(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "inbox:closed"); }
void keys_lane(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "lane"); }

void keys_lane_item(struct db_args *a, int i, const char *id)
{
	db_args_setjoin(a, i, KEYS_LANE_ITEM_PREFIX, id, NULL);
}

void keys_remind(struct db_args *a, int i) { db_args_set(a, i, KEYS_REMIND); }
void keys_remind_lease(struct db_args *a, int i) { db_args_set(a, i, KEYS_REMIND ":lease"); }

/* -- export, retention, people, audit and sessions -- */

void keys_retention(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "retention"); }
void keys_people_indexed(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "people:indexed"); }
void keys_layout_version(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "layout"); }
void keys_audit(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "audit"); }

void keys_session(struct db_args *a, int i, const char *token)
{
	db_args_setjoin(a, i, KEYS_PREFIX "sess:", token, NULL);
}

/* -- broadcasts -- */

void keys_broadcast(struct db_args *a, int i, const char *id)
{
	db_args_setjoin(a, i, KEYS_BROADCAST_PREFIX, id, NULL);
}

void keys_broadcast_recipients(struct db_args *a, int i, const char *id)
{
	db_args_setjoin(a, i, KEYS_BROADCAST_PREFIX, id, KEYS_RECIPIENTS_SUFFIX, NULL);
}

void keys_broadcasts_due(struct db_args *a, int i) { db_args_set(a, i, KEYS_BROADCAST_PREFIX "due"); }

void keys_broadcasts(struct db_args *a, int i) { db_args_set(a, i, KEYS_BROADCASTS); }

void keys_broadcast_totals(struct db_args *a, int i) { db_args_set(a, i, KEYS_BROADCAST_TOTALS); }

void keys_plan(struct db_args *a, int i, const char *id)
{
	db_args_setjoin(a, i, KEYS_PREFIX "plan:", id, NULL);
}

void keys_plans(struct db_args *a, int i) { db_args_set(a, i, KEYS_PLANS); }

void keys_outbox(struct db_args *a, int i) { db_args_set(a, i, KEYS_OUTBOX); }

void keys_outbox_retry(struct db_args *a, int i) { db_args_set(a, i, KEYS_OUTBOX_RETRY); }

void keys_rate(struct db_args *a, int i) { db_args_set(a, i, KEYS_PREFIX "rate"); }

void keys_rate_log(struct db_args *a, int i) { db_args_set(a, i, KEYS_RATE_LOG); }

static const struct keys_family layout[] = {
	{"c:{PHONE}", "hash", KEYS_PERSON, "store, contacts, broadcast",
	 "the contact: _lang, _optout, _await, _groups, _since, _last, _v (version), _r:HEX (the person's runs: start time), fields"},
	{"cur:KIND:{PHONE}", "string", KEYS_PERSON, "store, broadcast",
	 "id of the person's active run on that channel (sms, ussd)"},
	{"r:{PHONE}:HEX", "hash", KEYS_PERSON, "store, broadcast",
	 "a run (its id is {PHONE}:HEX): flow ph lang ch st step try pg t0 t1 tu exp v, us ut aw (USSD), a:NAME (answers), sc"},
	{"pm:{PHONE}", "zset", KEYS_PERSON, "store", "the person's message ids (of mo:{PHONE}:MSGID) by expiry"},
	{"mo:{PHONE}:MSGID", "string", KEYS_PERSON, "store",
	 "the reply already given to a Kannel message id (or USSD request), with a TTL"},
	{"lim:{PHONE}", "string", KEYS_PERSON, "store", "messages from the number in the limit window, with a TTL"},
	{"contacts", "set", KEYS_INDEX, "store, contacts", "every contact's phone"},
	{"g:GROUP", "set", KEYS_INDEX, "contacts", "the phones in a group"},
	{"runs:FLOW", "zset", KEYS_INDEX, "store, broadcast", "run ids of a flow by start time (export, report)"},
	{"stats:FLOW", "hash", KEYS_INDEX, "store", "completed runs of a flow: count, a:NAME:VALUE counts"},
	{"bc:ID", "hash", KEYS_GLOBAL, "broadcast", "a broadcast: flow, to, at, created, state"},
	{"bc:ID:r", "hash", KEYS_GLOBAL, "broadcast", "phone -> recipient state"},
	{"bc:due", "zset", KEYS_GLOBAL, "broadcast", "broadcast ids by when they are due"},
	{"bcs", "zset", KEYS_GLOBAL, "broadcast", "every broadcast id by creation time"},
	{"plan:ID", "set", KEYS_GLOBAL, "broadcast", "the phones a planner has seen (expires)"},
	{"plans", "zset", KEYS_GLOBAL, "broadcast", "the plan:ID sets by when they expire (forget)"},
	{"outbox", "stream", KEYS_GLOBAL, "broadcast", "one entry per message to send (group senders)"},
	{"outbox:retry", "zset", KEYS_GLOBAL, "broadcast", "outbox entries waiting for their retry"},
	{"rate", "string", KEYS_GLOBAL, "broadcast", "the next free sending slot, microseconds"},
	{"rate:log", "zset", KEYS_GLOBAL, "broadcast", "messages handed to Kannel, for the rate"},
	{"audit", "stream", KEYS_GLOBAL, "audit", "the audit trail"},
	{"bc:totals", "hash", KEYS_GLOBAL, "broadcast", "recipients of all broadcasts by state"},
	/* one person's, but named by an id convenors type: in the slot of
	 * its own, with the indexes (docs/keys.md, On a Redis Cluster) */
	{"in:ID", "hash", KEYS_INDEX, "inbox", "an inbox item: at ph lang ch text flow why st, its replies r:N:*"},
	{"in:p:{PHONE}", "zset", KEYS_PERSON, "inbox", "one person's item ids by time"},
	{"in:t:{PHONE}", "string", KEYS_PERSON, "inbox", "the item last replied to (the thread an answer joins)"},
	{"inbox", "zset", KEYS_INDEX, "inbox", "every item id by time"},
	{"inbox:open", "zset", KEYS_INDEX, "inbox", "open item ids by time"},
	{"inbox:closed", "zset", KEYS_INDEX, "inbox", "closed item ids by when closed (the sweep)"},
	{"lane", "zset", KEYS_GLOBAL, "lane", "replies to send ahead of broadcasts, by due time"},
	{"lane:ID", "hash", KEYS_GLOBAL, "lane", "one reply waiting in the lane: ph txt ucs ..."},
	{"remind", "zset", KEYS_INDEX, "reminder", "run ids by when their reminder is due"},
	{"remind:lease", "string", KEYS_GLOBAL, "reminder", "the daemon that sends reminders now (expires)"},
	{"sess:TOKEN", "hash", KEYS_GLOBAL, "session", "a console sign-in, with a TTL"},
	{"retention", "string", KEYS_GLOBAL, "retention", "the daily retention sweep's lease"},
	{"people:indexed", "string", KEYS_GLOBAL, "person", "set once old runs are in their contact's _r:HEX (person_index_upgrade)"},
	{"layout", "string", KEYS_GLOBAL, "migrate", "the key layout's version, " KEYS_LAYOUT_VERSION " once people's keys carry their tags and their run ids are in their contact, \"migrating\" while migrate-keys runs"},
};

const struct keys_family *keys_layout(size_t *n)
{
	*n = sizeof(layout) / sizeof(layout[0]);
	return layout;
}
