/* broadcast.h -- dialogue invitations and report-backs sent to groups.
 *
 * A broadcast is created (CLI or API) as a hash and a due time; whichever
 * daemon sees it due first claims it, plans it (audience, language, text)
 * and enqueues one outbox entry per recipient.  Every daemon then sends from
 * the shared outbox (a Redis stream with a consumer group), paced by one
 * Redis-held schedule so that all daemons together hand Kannel at most
 * kannel.rate SMS in any second.  Recipient states (queued, sending, sent,
 * delivered, failed, skipped) live in Redis, so a daemon killed at any point
 * leaves nothing lost: its unacknowledged entries are claimed by another
 * daemon, or by itself when it comes back, and a recipient already sent is
 * never sent again.
 *
 * Keys (under "sauti:"):
 *   bc:ID          hash  flow, to, at, created, state
 *   bc:ID:r        hash  phone -> recipient state
 *   bc:due         zset  broadcast ids by when they are due (claim leases)
 *   outbox         stream  one entry per message to send (group "senders")
 *   outbox:retry   zset  entries waiting for their retry, by due time
 *   rate           str   the next free sending slot, in microseconds */
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
/* Stops them.  Callbacks of commands still pending may run until the Redis
 * connection is freed; broadcast_free() comes after that.  NULL is let be. */
void broadcast_stop(struct broadcaster *b);
void broadcast_free(struct broadcaster *b);

/* Reads AUDIENCE (group:NAME, respondents:FLOW, phones:A,B, all).  Numbers
 * in phones: are normalised with country.  Returns 0, or -1 with why. */
int audience_check(const char *audience, const char *country, char *normalised,
		   size_t size, char *err, size_t errsize);

/* Creates a broadcast of flow to audience at `at` (Unix time; 0 = now).
 * done gets the new id, or NULL when Redis failed. */
typedef void (*broadcast_created_fn)(const char *id, void *arg);
int broadcast_create(struct db *db, const char *flow, const char *audience,
		     long at, broadcast_created_fn done, void *arg);

/* Counts of a broadcast's recipients by state. */
struct broadcast_counts {
	bool found;
	char flow[64];
	char state[16];
	long total, queued, sent, delivered, failed, skipped;
};
typedef void (*broadcast_counts_fn)(int rc, const struct broadcast_counts *c, void *arg);
int broadcast_status(struct db *db, const char *id, broadcast_counts_fn done, void *arg);
void broadcast_counts_json(const struct broadcast_counts *c, const char *id, struct buf *out);

/* A dry run: who would get what, and what it would cost. */
struct broadcast_plan_summary {
	long recipients, skipped, sms_total;
	struct {
		char lang[8];
		long recipients;
		size_t segments;    /* of the longest message in that language */
		long sms;
		bool ucs2;
		char ucs2_chars[64]; /* the characters that force UCS-2 */
	} langs[8];
	int nlangs;
};
typedef void (*broadcast_plan_fn)(int rc, const struct broadcast_plan_summary *s, void *arg);
int broadcast_dry_run(struct db *db, const struct flow_set *flows, const char *flow,
		      const char *audience, broadcast_plan_fn done, void *arg);
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

#endif
