/* turn.h -- one turn of a conversation, on any channel: a message in, the
 * state loaded from Redis, a decision, the state written back, an answer out.
 *
 *   turn_new -> [load] -> decide() -> [commit] -> answer()
 *                            ^_____ conflict: the state now ___|
 *
 * A channel (kannel.c, ussd.c) fills the turn's input, and supplies decide(),
 * which reads t->convo and fills the outputs, and answer(), which sends
 * t->reply (or a 503 when rc < 0) and must call turn_free().  When the commit
 * finds that someone else served this person meanwhile, it brings back the
 * state as it is now and the turn decides again, so a decision never works
 * on stale state.  The load may come from the daemon's cache instead
 * (convo_cache.h): a USSD step within a session is then one round trip, and
 * a stale copy costs what a load would have. */
#ifndef SAUTI_TURN_H
#define SAUTI_TURN_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "engine.h"
#include "fields.h"
#include "store.h"

struct gateway;
struct http_req;

struct turn {
	/* input */
	struct gateway *gw;
	struct http_req *req;
	struct flow_set *flows;     /* a reference held for the whole turn */
	enum channel channel;
	const char *kind;           /* pointer kind: "sms" or "ussd" */
	char phone[24];
	char *text;
	char *msg_id;               /* remembers the reply; may be NULL */
	int msg_ttl;                /* for how long, in seconds */
	bool forget_reply;          /* this time, do not remember it by msg_id */
	char *session;              /* USSD session whose repeats the run answers */
	bool limited;               /* apply the per-number message limit */
	long now;
	struct timespec started;
	int attempts;
	void (*decide)(struct turn *t);
	void (*answer)(struct turn *t, int rc);
	void *channel_data;

	/* loaded */
	struct convo *convo;
	bool with_stats;            /* the {stats...} counters are loaded too:
				     * only once a text has asked for them */
	bool missed_stats;          /* a text asked for counters not loaded */
	bool counted;               /* in the per-number limit (first load) */
	bool keep;                  /* served: the state it leaves is cached */

	/* decided */
	bool over_limit;            /* too many messages: no reply at all */
	struct buf reply;
	bool ended;                 /* the conversation closes (USSD END) */
	bool commit;                /* write the outputs below */
	bool stop;                  /* opt out and end every run instead */
	bool has_run;
	struct stored_run run;      /* the run to write */
	const char *end_run;        /* another run to end, and how */
	const char *end_status;
	enum pointer_action pointer;
	struct fields contact_set;
	const char *contact_del[4];
	int ncontact_del;
};

struct turn *turn_new(struct gateway *gw, struct http_req *req,
		      enum channel channel, const char *phone, const char *text);
/* Starts the turn; answer() is always called, exactly once. */
void turn_run(struct turn *t);
void turn_free(struct turn *t);

/* Helpers for decide(). */

/* The contact's language if the flow has it, else the flow's default. */
int turn_lang_for(const struct turn *t, const struct flow *flow);
/* A language code for the gateway's own texts. */
const char *turn_contact_lang(const struct turn *t);
/* The loaded run when it is active and not past its expiry, with its flow;
 * NULL otherwise. */
const struct flow *turn_active_flow(const struct turn *t);
/* Starts a new run of flow: fills t->run, the reply and the pointer; ends the
 * loaded run (if any) as expired. */
void turn_start_run(struct turn *t, const struct flow *flow, size_t ussd_max);
/* Feeds text to the loaded active run of flow. */
void turn_continue_run(struct turn *t, const struct flow *flow,
		       const char *input, size_t ussd_max);
/* Feeds several inputs in order (a USSD request that carries inputs whose
 * own requests were lost); the reply is the last one's. */
void turn_continue_inputs(struct turn *t, const struct flow *flow,
			  const char *const *inputs, size_t n, size_t ussd_max);
/* Re-sends the screen the loaded run waits at (in t->run's language). */
void turn_repeat_screen(struct turn *t, const struct flow *flow,
			size_t ussd_max);
/* Writes the loaded run back in another language of its flow. */
void turn_switch_language(struct turn *t, const char *lang);
/* Ends the loaded run (if any) with status and clears the pointer. */
void turn_end_loaded(struct turn *t, const char *status);

#endif
