/* store.h -- every piece of conversation state, kept in Redis.
 *
 * Nothing a conversation needs lives only in a daemon's memory: a message is
 * served by loading the contact and its active run (one round trip,
 * store_load_convo), running the engine, and writing the result back (one
 * round trip, store_commit).  The commit is a compare-and-set on the run's
 * version and on the contact's pointer to its active run, so two daemons
 * serving one person at once cannot interleave: the loser is told (rc 0),
 * with the state as it is now in the same reply, and serves the message
 * again from it.  Whatever moves a pointer away
 * from an active run must bump that run's version in the same script: a
 * commit that goes on with the active run the pointer names checks only the
 * version.  Likewise whatever writes a contact's hash bumps its version
 * (field _v), which every commit checks: so a decision made on a copy of
 * the state kept from an earlier turn (convo_cache.h) is as safe as one made
 * on state loaded a moment ago.
 *
 * Keys (all under "sauti:"; a person's carry the tag {PHONE}, keys.h):
 *   c:{PHONE}        hash  contact: _lang, _optout, _await, _groups, _since,
 *                          _last (TIME FLOW of the run ended last),
 *                          _lang_by ("person": _lang is the person's choice),
 *                          _v (version), _r:HEX (one a run of the person's:
 *                          its start time; CONTACT_RUN_PREFIX), fields
 *   contacts         set   every contact's phone
 *   g:GROUP          set   phones in a group
 *   cur:KIND:{PHONE} str   id of the active run on that channel (sms, ussd)
 *   r:{PHONE}:HEX    hash  run: flow ph lang ch st step try pg t0 t1 tu exp v
 *                          us ut aw (USSD; a completed run drops step
 *                          try pg exp us ut aw) a:NAME (answers), sc (1 once
 *                          its completion was counted in stats:FLOW), ra
 *                          (remind after, s), rn rt (reminders sent, the
 *                          last at)
 *   runs:FLOW        zset  run ids by start time (export, report)
 *   pm:{PHONE}       zset  the person's message ids (mo:) by expiry
 *   mo:{PHONE}:MSGID str   the reply already given to a Kannel message id
 *   stats:FLOW       hash  completed runs: count, a:NAME:VALUE counts */
#ifndef SAUTI_STORE_H
#define SAUTI_STORE_H

#include <stdbool.h>

#include "engine.h"
#include "fields.h"
#include "keys.h"
#include "phone.h"
#include "script.h"

struct db;
struct redisReply;
struct inbox_new;

/* A run's id is its person's tag and a random part, "{PHONE}:HEX", so that
 * the run's key (keys.h: KEYS_RUN_PREFIX and the id) is in its person's
 * slot on a Redis Cluster (docs/keys.md).  What a user sees (exports,
 * JSON, reports) is only the HEX part, run_id_public(): never the number. */
#define RUN_ID_HEX_LEN 16
#define RUN_ID_LEN (RUN_ID_HEX_LEN + PHONE_E164_SIZE + 2)

/* _lang as the person chose it (a LANGUAGE reply, a flow's language step)
 * comes with _lang_by "person"; an import then leaves _lang alone
 * (store_contacts), so a re-import never undoes a person's choice. */
#define CONTACT_LANG_BY "_lang_by"
#define CONTACT_LANG_BY_PERSON "person"

struct contact {
	char *phone;
	char *lang;          /* NULL when never chosen */
	bool opted_out;
	char *await;         /* a built-in question awaiting a reply ("lang") */
	bool known;          /* stored already (imported or heard from) */
	long version;        /* _v: bumped by every write; 0 when never written */
	char *last_flow;     /* _last "TIME FLOW": the flow of the run that */
	long last_ended;     /* ended last, and when (NULL, 0: none) */
	struct fields fields; /* {contact.FIELD}: name, district, ... */
};

void contact_release(struct contact *c);
/* Applies what a commit writes to the contact's hash: fields set, then
 * fields deleted, and the version bumped when either is not empty. */
void contact_apply(struct contact *c, const struct fields *set,
		   const char *const *del, int ndel);
/* Fills c from its hash: a flat HGETALL reply, or names and values joined
 * by NUL bytes in one string. */
void contact_decode(struct contact *c, const char *phone,
		    const struct redisReply *flat);

/* A run as stored: the engine's struct run plus what ties it to the world.
 * Languages and steps are kept by name, not index, so that a run survives
 * an edit of its flow file. */
struct stored_run {
	char id[RUN_ID_LEN + 1];
	char *flow;
	char *phone;
	char *lang;
	char *step;          /* id of the step waiting for a reply; NULL once ended */
	enum channel channel;
	enum run_status status;
	int retries;
	int page;
	long started, updated, completed, expires;
	long remind_after;   /* ra: seconds of silence before a reminder; 0 none */
	int reminders;       /* rn: reminders sent (written by reminder.c only) */
	long reminded_at;    /* rt: when the last was sent */
	long version;        /* 0: not stored yet */
	struct fields answers;
	/* USSD only: the session last seen, its last text (to tell the newest
	 * input in a cumulative "1*2*3"), and whether the run waits for the
	 * answer to "continue where you left off?". */
	char *ussd_session;
	char *ussd_text;
	bool await_resume;
};

void stored_run_release(struct stored_run *r);
/* A deep copy: dst owns its own strings. */
void stored_run_copy(struct stored_run *dst, const struct stored_run *src);
/* The same without the answers (dst has none): for a caller that puts
 * others in their place. */
void stored_run_copy_unanswered(struct stored_run *dst, const struct stored_run *src);
/* Fills r from its hash (either form, as contact_decode); -1 when it is
 * not a run. */
int stored_run_decode(struct stored_run *r, const char *id,
		      const struct redisReply *flat);
/* A fresh random run id of phone's. */
void run_id_new(char out[RUN_ID_LEN + 1], const char *phone);
/* The id of phone's run whose random part is hex (RUN_ID_HEX_LEN digits). */
void run_id_make(char out[RUN_ID_LEN + 1], const char *phone, const char *hex);
/* The part of id a user may see: what follows the tag (id itself when it
 * has none).  Points into id. */
const char *run_id_public(const char *id);
/* The same, as a Lua expression of the id's expression. */
#define LUA_RUN_ID_PUBLIC(id) "(string.match(" id ", '^%{[^}]*%}:(.*)$') or " id ")"

/* A person's runs are indexed in their contact's hash, a field per run:
 * this prefix and the run id's HEX part, the run's start time its value
 * (docs/keys.md).  No zset of their own: a key less per person, and a
 * field of about 30 bytes in the hash's listpack instead of a key of 120.
 * The fields are no part of struct contact (contact_decode skips them, and
 * writing one does not bump _v): only `contacts show|forget` and the
 * retention sweep read them.  LUA_CONTACT_RUN(id) is run id's field (a Lua
 * expression of the id's); CONTACT_RUNS_FUNCTION defines contact_runs(ck,
 * ph), the ids of the runs contact hash ck (phone ph's) holds, by start
 * time. */
#define CONTACT_RUN_PREFIX "_r:"
#define LUA_CONTACT_RUN(id) "('" CONTACT_RUN_PREFIX "' .. " LUA_RUN_ID_PUBLIC(id) ")"
#define CONTACT_RUNS_FUNCTION                                                          \
	"local function contact_runs(ck, ph)\n"                                        \
	"  local h, runs, pre = redis.call('HGETALL', ck), {}, '" CONTACT_RUN_PREFIX "'\n" \
	"  for i = 1, #h, 2 do\n"                                                       \
	"    if string.sub(h[i], 1, #pre) == pre then\n"                                \
	"      runs[#runs + 1] = {tonumber(h[i + 1]) or 0, '" KEYS_TAG_OPEN "' .. ph .. '" \
	KEYS_TAG_CLOSE ":' .. string.sub(h[i], #pre + 1)}\n"                            \
	"    end\n"                                                                     \
	"  end\n"                                                                       \
	"  table.sort(runs, function(a, b)\n"                                           \
	"    if a[1] ~= b[1] then return a[1] < b[1] end\n"                             \
	"    return a[2] < b[2]\n"                                                      \
	"  end)\n"                                                                      \
	"  local ids = {}\n"                                                            \
	"  for i, r in ipairs(runs) do ids[i] = r[2] end\n"                             \
	"  return ids\n"                                                                \
	"end\n"

/* What one incoming message needs to know. */
struct convo {
	char *dup_reply;     /* the reply already given to this message id */
	struct contact contact;
	bool has_run;
	struct stored_run run;
	long recent;         /* messages from this phone in the limit window */
	struct fields stats; /* "FLOW:FIELD" -> count, for {stats...} */
};

/* Frees c and all it holds; NULL is let be, as free() does. */
void convo_release(struct convo *c);

/* rc 0 and *c filled (the callback owns it and calls convo_release), or
 * rc -1 and c NULL when Redis failed. */
typedef void (*store_convo_fn)(int rc, struct convo *c, void *data);

/* What to load for one incoming message. */
struct convo_query {
	const char *kind;            /* "sms" or "ussd" */
	const char *phone;
	const char *msg_id;          /* its reply, if already given; may be NULL */
	/* A USSD session: msg_id is then looked up only when the active run is
	 * not this session's (repeats within a session are answered from the
	 * run).  NULL: always looked up. */
	const char *session;
	int limit, window;           /* limit > 0 counts this message in the
				      * phone's window of `window` s (c->recent) */
	char *const *stats_flows;    /* their counters come along (c->stats) */
	size_t nstats;
};

/* True when c, kept from an earlier turn (convo_cache.h), holds all that
 * loading q would give: no reply to look up (q->msg_id is NULL, or c's run
 * is q->session's), no message to count and no stats. */
bool convo_covers(const struct convo *c, const struct convo_query *q);

/* True when a copy kept from an earlier turn may stand in for loading q
 * even though it does not cover q, because the commit is guarded (struct
 * commit): q's reply lookup and count are then made by the commit itself.
 * Not with stats, nor for a USSD session (its repeats are the run's). */
bool convo_guard_covers(const struct convo_query *q);

/* The state of a person never heard from: no contact, no run.  A new USSD
 * session is decided on it without loading (most dials of a campaign are
 * people's first), its commit guarded and marked contact_absent: when the
 * person is known after all, the commit writes nothing and brings the
 * state as it is, and the turn decides again, in as many round trips as a
 * load and a commit.  Without a run, the load's repeat lookup is the
 * guard's, session or not: so only stats stop it (unknown_guard_covers). */
struct convo *convo_new_unknown(const char *phone);
bool unknown_guard_covers(const struct convo_query *q);

/* Returns -1 (fn not called) when Redis is not connected. */
int store_load_convo(struct db *db, const struct convo_query *q,
		     store_convo_fn fn, void *data);

enum pointer_action { POINTER_KEEP, POINTER_SET, POINTER_CLEAR };

/* The writes that serve one message, made at once or not at all. */
struct commit {
	const char *phone;
	const char *kind;            /* pointer kind: "sms", "ussd" */
	const char *msg_id;          /* remembers reply for this id; may be NULL */
	int msg_ttl;                 /* seconds it is remembered */
	const char *reply;
	const char *expect_pointer;  /* the run id loaded, "" for none */
	long contact_version;        /* the contact's version as loaded */
	enum pointer_action pointer; /* SET: to run->id */
	const struct stored_run *run; /* written when not NULL; its version
				       * must still be the stored one */
	const struct stored_run *stored; /* run as loaded, if the same run: only
					  * the fields that differ are sent */
	const char *end_run;         /* another run to end, or NULL */
	const char *end_status;      /* "expired", "interrupted" */
	const struct fields *contact_set;   /* contact fields to set, or NULL */
	const char *const *contact_del;     /* contact fields to delete */
	int ncontact_del;
	/* Counters of completed runs for {stats...}: "count" and
	 * "a:NAME:VALUE" fields of stats:FLOW, each incremented once. */
	const char *const *stats;
	int nstats;
	long now;
	/* An inbox item to add (inbox.h), or NULL. */
	const struct inbox_new *inbox;
	/* The run's reminder (reminder.h): due then (> 0), dropped (< 0), or
	 * left as it is (0). */
	long remind_at;
	/* Guarded: decided on a kept copy (convo_guard_covers), so the commit
	 * first does what the load would have: answers a repeat of
	 * load_msg_id with the reply remembered for it, and counts the message
	 * in the phone's window of `window` s when limit > 0, refusing it over
	 * the limit.  Either writes nothing else, and comes back as a conflict
	 * whose fresh state holds only dup_reply and recent (the count). */
	bool guarded;
	/* Decided on convo_new_unknown(): written only if the person has no
	 * contact hash at all (one without a version is someone's too). */
	bool contact_absent;
	int limit, window;
	/* On a conflict the state is loaded again for these (convo_query). */
	const char *load_msg_id;
	const char *session;
};

/* rc 1 written; 0 conflict: someone else served this person meanwhile, and
 * fresh (the callback owns it) is the state now, loaded as for the commit's
 * load_msg_id and session, with no counting and no stats; -1 Redis failed.
 * fresh is NULL unless rc is 0 after store_commit.  A guarded commit's
 * refusal is rc 0 too, its fresh with dup_reply set or recent over the
 * limit (a conflict's fresh has recent 0). */
typedef void (*store_commit_fn)(int rc, struct convo *fresh, void *data);
int store_commit(struct db *db, const struct commit *c, store_commit_fn fn,
		 void *data);

struct db_args;
/* Appends the count and the field/value pairs that store r as a hash. */
void store_run_fields(struct db_args *a, const struct stored_run *r);

/* Everything kept about one person, part by part: the one list of a
 * person's keys, read by `contacts show` and erased by `contacts forget`
 * (person.h).  Whoever adds a per-person key adds a part to the table in
 * store.c, and a line to docs/keys.md.  Each part is a Lua chunk (see the
 * table's comment for what it may use). */
struct person_part {
	const char *name;      /* its key in `contacts show` and forget's count */
	bool list;             /* show gives a list (an empty one is []) */
	const char *show;      /* returns what the part holds (JSON-able) */
	const char *forget;    /* erases it; returns how many things went */
};
const struct person_part *store_person_parts(size_t *n);

/* The keys every part's chunk is given, as Lua locals of these names (the
 * scripts' KEYS, in this order; script.h): the person's own and the
 * indexes that may name them.  Keys found by reading (a run by its id in
 * the contact's CONTACT_RUN_PREFIX fields, a group named in the contact)
 * are built with keys.h's KEYS_LUA. */
#define PERSON_KEYS(X) \
	X(k_contact) X(k_contacts) X(k_sms) X(k_ussd) X(k_replies) X(k_limit) \
	X(k_inbox_person) X(k_inbox_thread) X(k_inbox) X(k_inbox_open) X(k_inbox_closed) \
	X(k_lane) X(k_remind) X(k_broadcasts) X(k_totals) X(k_plans) X(k_outbox) \
	X(k_outbox_retry) X(k_rate_log)
#define PERSON_KEY(n) SCRIPT_ENUM(PERSON_, n)
enum { PERSON_KEYS(PERSON_KEY) PERSON_NKEYS };
#undef PERSON_KEY
/* Sets phone's PERSON_KEYS at positions at, at + 1, ... of a. */
void store_person_keys(struct db_args *a, int at, const char *phone);

/* The commands store_load_convo and store_commit send ("EVAL", the script,
 * the number of keys, KEYS, ARGV), into a (the caller releases it); and,
 * for the tests, where the key or argument of that name is in them (-1:
 * none; the load's depend on q's number of stats, the commit's on the
 * numbers of keys and options it names).  The names are the scripts' own
 * (k_contact, run_id, ...). */
void store_load_command(struct db_args *a, const struct convo_query *q);
void store_commit_command(struct db_args *a, const struct commit *c);
int store_load_position(const struct convo_query *q, const char *name);
int store_commit_position(int nkeys, int nopts, const char *name);

/* Ends every active run of a phone (STOP) with status "stopped". */
int store_stop_runs(struct db *db, const char *phone, long now,
		    store_commit_fn fn, void *data);

struct contacts_import;
/* Stores parsed contacts (upsert; a language the person chose stays
 * theirs), taking over imp's rows: imp is left empty (releasing it is still
 * fine).  STORE_CONTACTS_WINDOW commands of STORE_CONTACTS_BATCH contacts
 * each are in flight at most, so neither memory nor Redis' buffers grow
 * with the file and no command runs long.  done gets the number stored, or
 * -1 when Redis failed. */
#define STORE_CONTACTS_BATCH 50
#define STORE_CONTACTS_WINDOW 8
typedef void (*store_contacts_fn)(long stored, void *arg);
int store_contacts(struct db *db, struct contacts_import *imp,
		   store_contacts_fn done, void *arg);
/* For the tests: the command one batch of n rows is (KEYS: the contacts
 * set, then each row's contact hash and group sets), into a. */
struct contact_row;
void store_contacts_command(struct db_args *a, const struct contact_row *rows, size_t n);

#endif
