/* policy.h -- the conversation policy: what the gateway does with one
 * message, on any channel, as a pure function
 *
 *     (loaded conversation, input, config, flows) -> struct decision
 *
 * No I/O, no clock, no globals: turn.c loads the conversation from Redis,
 * calls policy_decide() and writes the decision back; the channels
 * (kannel.c, ussd.c) only translate their wire format into a policy_in and
 * the decision's reply into theirs.  The rules are in docs/flows.md ("Words
 * that always work", "Never interrupted") and tested as data in
 * tests/unit/test_policy.c.
 *
 * A USSD session is in one of the states of enum ussd_state, named as
 * memcached names a connection's (conn_states); policy_decide() works out the
 * state a request finds and drives it in one switch. */
#ifndef SAUTI_POLICY_H
#define SAUTI_POLICY_H

#include <stdbool.h>

#include "buf.h"
#include "engine.h"
#include "fields.h"
#include "store.h"
#include "words.h"

struct config;
struct flow_set;

/* Where a USSD session stands. */
enum ussd_state {
	USSD_DIALLED,        /* a dial: no input yet */
	USSD_RESUME_OFFERED, /* waits for the answer to "continue?" */
	USSD_IN_RUN,         /* a run of this session waits for an input */
	USSD_ENDED,          /* no run for this session: it has closed */
};
const char *ussd_state_name(enum ussd_state s);   /* "dialled", ... */

/* Why a message belongs in the inbox (docs/flows.md "The inbox"): it is
 * something a person said that no flow took as a valid answer. */
enum inbox_reason {
	INBOX_NONE,
	INBOX_UNMATCHED,   /* no keyword, no run active */
	INBOX_INVALID,     /* an answer given up as invalid after the retries */
	INBOX_AFTER_END,   /* text sent after a run ended */
	INBOX_HELP,        /* the free text after HELP ("MSAADA pampu imeharibika") */
};
const char *inbox_reason_name(enum inbox_reason r); /* "none", "unmatched", ... */

/* What the policy reads from the configuration, filled once by
 * policy_config_init(); it points into the config, which must outlive it. */
struct policy_config {
	struct word_lists words;
	size_t ussd_max;            /* ussd.max_chars */
	const char *default_lang;   /* for a contact who never chose one */
	const char *country;        /* config country: its languages first in menus */
	bool replies_free;          /* HELP says replies cost nothing */
};
void policy_config_init(struct policy_config *pc, const struct config *cfg);
/* The language of the gateway's texts for a country's people ("sw" in
 * Tanzania and Kenya, "fr" in Burkina Faso, else "en"; catalogue.h). */
const char *policy_default_lang(const char *country);

/* One message in.  Every pointer is borrowed for the call. */
struct policy_in {
	enum channel channel;
	const char *phone;          /* E.164 */
	const char *text;           /* SMS text; USSD: the request's text */
	long now;
	bool with_stats;            /* convo->stats holds the {stats} counters */
	/* USSD only */
	const char *session;        /* the session id */
	const char *code;           /* the service code dialled */
	bool dial;                  /* a dial (no input yet) */
	bool one_input;             /* text is the newest input alone (SMPP,
				     * the JSON dialects), not every input
				     * joined by '*' */
	bool left;                  /* the aggregator says the person left
				     * (Hubtel Release/Timeout, Beem
				     * terminate): the session is over */
};

/* What to do.  Owns its reply, run and contact_set (decision_release);
 * end_run and inbox_flow point into the convo or the flows decided on. */
struct decision {
	struct buf reply;           /* the message or screen to send ("" none) */
	bool ended;                 /* USSD: the session closes (END) */
	bool repeat;                /* a repeated USSD request: the screen again,
				     * nothing written */
	bool commit;                /* write what follows */
	bool stop;                  /* opt out and end every run instead */
	bool has_run;
	struct stored_run run;      /* the run to write */
	const char *end_run;        /* another run to end (its id), or NULL */
	enum run_status end_status; /* and how: expired, interrupted */
	enum pointer_action pointer;
	struct fields contact_set;  /* contact fields to set */
	const char *contact_del[4]; /* and to delete (static names) */
	int ncontact_del;
	enum ussd_state state;      /* USSD: the state the session is left in */
	enum inbox_reason inbox;
	const char *inbox_flow;     /* the flow of the run concerned, or NULL */
	bool missed_stats;          /* a text asked for counters not loaded
				     * (decide again with with_stats) */
};

void decision_init(struct decision *d);
/* Frees what d owns and makes it a fresh decision again. */
void decision_release(struct decision *d);

/* Decides what one message does.  d must be fresh (decision_init). */
void policy_decide(const struct policy_config *cfg, const struct flow_set *flows,
		   const struct convo *c, const struct policy_in *in,
		   struct decision *d);

#endif
