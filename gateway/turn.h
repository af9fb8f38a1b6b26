/* turn.h -- one turn of a conversation, on any channel: a message in, the
 * state loaded from Redis, a decision (policy.h), the state written back,
 * an answer out.
 *
 *   turn_new -> [load] -> policy_decide() -> [commit] -> answer()
 *                               ^_____ conflict: the state now ___|
 *
 * A channel (kannel.c, ussd.c) fills the turn's input (t->in and what it
 * points to), may supply decided(), which sees the decision before it is
 * written (USSD keeps its END/CON with the reply), and supplies answer(),
 * which sends t->d.reply (or a 503 when rc < 0) and must call turn_free().
 * When the commit finds that someone else served this person meanwhile, it
 * brings back the state as it is now and the turn decides again, so a
 * decision never works on stale state.  The load may come from the daemon's
 * cache instead (convo_cache.h): a USSD step within a session is then one
 * round trip, and a stale copy costs what a load would have.  So is an SMS
 * step of a run the daemon served last: its commit is guarded, making the
 * repeat lookup and the per-number count the load would have made. */
#ifndef SAUTI_TURN_H
#define SAUTI_TURN_H

#include <stdbool.h>
#include <time.h>

#include "policy.h"

struct convo_cache;
struct db;
struct flow_set;
struct http_req;

/* What every turn of a daemon shares: filled once at start (serve.c). */
struct turn_env {
	struct db *db;
	struct convo_cache *convos;     /* may be NULL: nothing kept */
	struct policy_config policy;
	int limit, window;              /* limits.max_per_window, limits.window */
	bool gsm7_substitute;           /* config gsm7_substitute (text.h) */
};

struct turn {
	/* input */
	const struct turn_env *env;
	struct http_req *req;       /* the channel's; turn.c never reads it */
	struct flow_set *flows;     /* a reference held for the whole turn */
	struct policy_in in;        /* in.phone and in.text point below */
	const char *kind;           /* pointer kind: "sms" or "ussd" */
	char phone[24];
	char *text;
	char *msg_id;               /* remembers the reply; may be NULL */
	int msg_ttl;                /* for how long, in seconds */
	bool forget_reply;          /* this time, do not remember it by msg_id */
	char *session;              /* USSD session whose repeats the run answers
				     * (the load's, see convo_query) */
	bool limited;               /* apply the per-number message limit */
	struct timespec started;
	int attempts;
	void (*decided)(struct turn *t);    /* may be NULL */
	void (*answer)(struct turn *t, int rc);
	void *channel_data;

	/* loaded */
	struct convo *convo;
	bool counted;               /* in the per-number limit (first load) */
	bool guarded;               /* decided on a kept copy that did not look
				     * up the repeat nor count the message: the
				     * commit does (store.h, struct commit) */
	bool unknown;               /* decided on convo_new_unknown() (a dial):
				     * its commit checks that no contact exists */
	bool unknown_tried;         /* ... once: a miss loads as usual */
	bool keep;                  /* served: the state it leaves is cached */

	/* decided */
	bool over_limit;            /* too many messages: no reply at all */
	struct decision d;
};

/* The turn's text is copied; t->in is filled for the channel, which sets
 * what is its own (session, code, dial...). */
struct turn *turn_new(const struct turn_env *env, struct flow_set *flows,
		      struct http_req *req, enum channel channel,
		      const char *phone, const char *text);
/* Starts the turn; answer() is always called, exactly once. */
void turn_run(struct turn *t);
void turn_free(struct turn *t);

#endif
