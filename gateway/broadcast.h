/* broadcast.h -- dialogue invitations and report-backs sent to groups.
 *
 * A broadcast is created (CLI or API) as a hash and a due time; whichever
 * daemon sees it due first claims it and plans it: it reads the audience a
 * page at a time (SSCAN, ZRANGE: no Redis command grows with the audience),
 * works out each recipient's language and text, and enqueues one outbox
 * entry per recipient, with a bounded number of commands in flight.  Every
 * daemon then sends from the shared outbox (a Redis stream with a consumer
 * group), paced by one Redis-held schedule so that all daemons together
 * hand Kannel at most kannel.rate SMS in any second.  A recipient's run is
 * created when its message is handed to Kannel, not when it is queued; a
 * recipient in an active run of another flow (either channel) waits until
 * that run ends (state waiting), so a broadcast never cuts into a
 * conversation.  Recipient states (queued, waiting, sending, sent,
 * delivered, failed, skipped, cancelled) live in Redis with a counter per
 * state, so status is O(1) and a daemon killed at any point leaves nothing
 * lost: its unacknowledged entries are claimed by another daemon, or by
 * itself when it comes back, and a recipient already sent is never sent
 * again.  docs/commands.md describes the commands.
 *
 * Keys (under "sauti:"):
 *   bc:ID          hash  flow, to, at, created, size, state, n:STATE counters,
 *                        n:answered
 *   bc:ID:r        hash  phone -> recipient state
 *   bcs            zset  broadcast ids by creation time (broadcast list)
 *   bc:due         zset  broadcast ids by when they are due (claim leases)
 *   bc:totals      hash  recipients by state over every broadcast (/metrics)
 *   plan:RANDOM    set   phones seen while planning (respondents, answer);
 *                        deleted after, expires in an hour
 *   outbox         stream  one entry per message to send (group "senders")
 *   outbox:retry   zset  entries waiting for their retry, by due time
 *   rate           str   the next free sending slot, in microseconds
 * A broadcast's run has the field bc (its broadcast) beside those of
 * store.h; its id is derived from the broadcast and the phone. */
#ifndef SAUTI_BROADCAST_H
#define SAUTI_BROADCAST_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct config;
struct db;
struct event_base;
struct flow;
struct flow_set;
struct broadcaster;

/* What the broadcaster needs of the daemon (serve.c fills it).  Borrowed:
 * each must outlive the broadcaster. */
struct broadcast_env {
	struct event_base *base;
	struct db *db;
	struct flow_set *const *flows;  /* the daemon's set: a reload swaps it */
	const struct config *cfg;       /* kannel.*, quiet_hours */
	const char *consumer;           /* this daemon's name in the outbox group */
};

/* Starts the daemon's scheduler and sender; NULL (logged) when the config
 * will not do. */
struct broadcaster *broadcast_start(const struct broadcast_env *env);
/* An outbox entry a daemon took and left unsettled this long (it stopped,
 * or Redis went away before its outcome was saved) is taken over and sent
 * by another. */
#define BROADCAST_TAKE_OVER_SECONDS 15

/* The daemon is stopping: no message is taken from the outbox or the lane
 * any more, and those taken but not yet begun are let go (another daemon
 * takes them over).  A message already on its way to Kannel goes on, and
 * its outcome is written, so that a restart sends nobody the same message
 * twice (docs/operations.md).  NULL is let be. */
void broadcast_drain(struct broadcaster *b);
/* Messages begun and not yet settled: what a drain waits for. */
size_t broadcast_in_hand(const struct broadcaster *b);
/* Stops them.  Callbacks of commands still pending may run until the Redis
 * connection is freed; broadcast_free() comes after that.  NULL is let be. */
void broadcast_stop(struct broadcaster *b);
void broadcast_free(struct broadcaster *b);

/* Reads AUDIENCE (group:NAME, respondents:FLOW, answer:FLOW.NAME=KEY,
 * phones:A,B, all).  Numbers in phones: are normalised with country; the
 * flow, answer and key of respondents: and answer: must be among flows'
 * (NULL: not checked).  Returns 0, or -1 with why. */
int audience_check(const char *audience, const char *country, const struct flow_set *flows,
		   char *normalised, size_t size, char *err, size_t errsize);

struct broadcast_request {
	const char *flow;
	const char *audience;        /* normalised by audience_check */
	long at;                     /* Unix time; 0 = now */
	bool force;                  /* an empty audience or a past `at` too */
};

/* rc 0: created, id set and size the audience's size, as counted to create
 * it (the members of a group or of all, opted-out ones included; the
 * recipients and skipped of a walk, as a dry run's); 1: refused, why says
 * why in a sentence (an empty audience, an `at` in the past); -1: Redis
 * failed. */
typedef void (*broadcast_created_fn)(int rc, const char *id, long size, const char *why,
				     void *arg);
/* Returns -1 (done not called) when Redis is not connected. */
int broadcast_create(struct db *db, const struct flow_set *flows,
		     const struct broadcast_request *req, broadcast_created_fn done, void *arg);

/* Recipient states, in counting order. */
enum broadcast_state {
	BC_QUEUED, BC_WAITING, BC_SENDING, BC_SENT, BC_DELIVERED, BC_FAILED, BC_SKIPPED,
	BC_CANCELLED, BC_NSTATES
};

/* A broadcast and its recipients' counts.  state is scheduled, planning,
 * sending, done or cancelled. */
struct broadcast_counts {
	bool found;
	char id[24];
	char flow[64];
	char audience[128];          /* numbers scrubbed: "phones:#,#" */
	char state[16];
	long at, size;               /* size: the audience's, when created */
	long total, queued, waiting, sent, delivered, failed, skipped, cancelled;
	long answered;               /* recipients who replied */
};
typedef void (*broadcast_counts_fn)(int rc, const struct broadcast_counts *c, void *arg);
int broadcast_status(struct db *db, const char *id, broadcast_counts_fn done, void *arg);
/* Answered per message sent (0 when none sent). */
double broadcast_reply_rate(const struct broadcast_counts *c);
void broadcast_counts_json(const struct broadcast_counts *c, struct buf *out);
void broadcast_counts_text(const struct broadcast_counts *c, struct buf *out);

/* Every broadcast (the newest 1000), newest first; all is valid during the
 * call only. */
typedef void (*broadcast_list_fn)(int rc, const struct broadcast_counts *all, size_t n,
				  void *arg);
int broadcast_list(struct db *db, broadcast_list_fn done, void *arg);
void broadcast_list_json(const struct broadcast_counts *all, size_t n, struct buf *out);
void broadcast_list_text(const struct broadcast_counts *all, size_t n, struct buf *out);

/* rc 1 cancelled; 0 no such broadcast; 2 it had ended already; -1 Redis
 * failed.  No recipient not yet handed to Kannel is sent to after it. */
typedef void (*broadcast_cancel_fn)(int rc, void *arg);
int broadcast_cancel(struct db *db, const char *id, broadcast_cancel_fn done, void *arg);

/* A dry run: who would get what, and what it would cost. */
#define BC_MAX_LANGS 8
#define BC_MAX_COUNTRIES 16
struct broadcast_plan_summary {
	long recipients, skipped, sms_total;
	long in_run;                 /* recipients in a run of another flow now */
	struct {
		char lang[8];
		long recipients;
		size_t segments;    /* of the longest message in that language */
		long sms;
		bool ucs2;
		char ucs2_chars[64]; /* the characters that force UCS-2 */
	} langs[BC_MAX_LANGS];
	int nlangs;
	struct {
		char country[8];     /* the contact's country, else its number's */
		long recipients;
	} countries[BC_MAX_COUNTRIES];
	int ncountries;
};
typedef void (*broadcast_plan_fn)(int rc, const struct broadcast_plan_summary *s, void *arg);
/* Called after each page with the audience members read so far. */
typedef void (*broadcast_progress_fn)(long members, void *arg);
/* progress may be NULL; it and done get arg.  gsm7_substitute: cost the
 * messages as config gsm7_substitute sends them. */
int broadcast_dry_run(struct db *db, const struct flow_set *flows, const char *flow,
		      const char *audience, bool gsm7_substitute,
		      broadcast_progress_fn progress, broadcast_plan_fn done, void *arg);
void broadcast_plan_json(const struct broadcast_plan_summary *s, struct buf *out);
void broadcast_plan_text(const struct broadcast_plan_summary *s, struct buf *out);

/* Milliseconds from now_ms until quiet hours end for this recipient, or 0
 * when they are not on: no message at night in the recipient's country. */
long long broadcast_quiet_ms(const struct config *cfg, const char *phone, long long now_ms);

/* The priority lane (lane.h): hands one message to Kannel ahead of every
 * broadcast message this daemon holds, within the same kannel.rate, with
 * dlr_id (or none) in its dlr-url.  Quiet hours are the caller's to heed.
 * done gets 1 accepted by Kannel, 0 not (retry later), 2 not sent: the
 * number is opted out, or -1 when the daemon stops first; it is called
 * exactly once unless -1 is returned (the sender is not running). */
int broadcast_send_priority(struct broadcaster *b, const char *phone, const char *text,
			    bool ucs2, const char *dlr_id, void (*done)(int rc, void *arg),
			    void *arg);

/* A delivery report for id "b.BROADCAST.PHONE" with Kannel's status code.
 * Returns -1 (nothing sent) when id is not one of ours. */
int broadcast_dlr(struct db *db, const char *id, int status,
		  void (*done)(int rc, void *arg), void *arg);

/* For tests (tests/unit/test_broadcast.c): the commands of the scripts
 * with more than two keys, as the planner and the sender build them, and
 * broadcast_script_position: where the key or argument called name is in
 * script's ("page", "enqueue", "create", "begin", "done", "dlr"), when
 * extra keys follow the named ones; -1 for no such name. */
struct db_args;
void broadcast_page_command(struct db_args *a, const char *audience, const char *plan_id,
			    const char *id, const char *cursor, const char *flow, long now);
int broadcast_enqueue_command(struct db_args *a, const char *bc, const char *flow, int n);
void broadcast_enqueue_add(struct db_args *a, int first, int j, const char *phone,
			   bool opted_out, bool ucs2, const char *text, const char *lang,
			   const char *step, bool done);
void broadcast_create_command(struct db_args *a, const char *id, const char *flow,
			      const char *to, long at, long created, long size);
void broadcast_begin_command(struct db_args *a, const char *bc, const char *phone, int rate,
			     const char *flow, const char *run_id, long now);
void broadcast_done_command(struct db_args *a, const char *entry, const char *bc,
			    const char *phone, const char *outcome, int attempt,
			    long long retry_ms, const char *const *fields, size_t nfields);
void broadcast_dlr_command(struct db_args *a, const char *bc, const char *phone,
			   const char *status);
int broadcast_script_position(const char *script, const char *name, int extra);

#endif
