/* engine.h -- the flow engine: (flow, run, input) -> (reply, new run, answer).
 *
 * Pure: no I/O, no clock, no globals.  The caller loads a run from the store,
 * calls engine_start() or engine_input(), sends out->reply and saves *run.
 * The same code serves SMS and USSD; on USSD (ctx->ussd_max_chars > 0) a
 * choice list that does not fit one screen is paged with "98" / "0", and the
 * page shown is part of the run. */
#ifndef SAUTI_ENGINE_H
#define SAUTI_ENGINE_H

#include <stdbool.h>

#include "buf.h"
#include "fields.h"
#include "flow.h"

struct catalogue;

enum channel { CHANNEL_SMS, CHANNEL_USSD };
/* How a run stands; an ended one says why: finished, its time ran out, STOP,
 * or the person started another flow (docs/flows.md "Never interrupted"). */
enum run_status { RUN_ACTIVE, RUN_COMPLETED, RUN_EXPIRED, RUN_STOPPED, RUN_INTERRUPTED };

const char *channel_name(enum channel c);           /* "sms", "ussd" */
const char *run_status_name(enum run_status s);     /* "active", ... */
int run_status_parse(const char *name, enum run_status *s);

/* The state of one run between two messages: everything the store keeps. */
struct run {
	int lang;               /* index into flow->langs */
	enum channel channel;
	enum run_status status;
	int step;               /* the step waiting for a reply; -1 once ended */
	int retries;            /* invalid replies so far at that step */
	int page;               /* USSD: the page of the choice list shown */
	struct fields answers;  /* save name -> value ("" = no valid answer) */
};

void run_init(struct run *run, int lang, enum channel channel);
void run_release(struct run *run);

/* Looks up a {stats.PATH} placeholder (PATH without "stats.") and appends its
 * value to out; returns -1 when it has none.  own is the run the text ends,
 * when PATH is about its own flow (the end text of a survey that reports on
 * itself), else NULL: it is not among the counters yet and counts too. */
typedef int (*engine_stats_fn)(void *data, const char *path,
			       const struct run *own, struct buf *out);

/* The value of a {stats.PATH} placeholder, PATH being "FLOW.count" or
 * "FLOW.NAME.KEY.pct|count", from counters of completed runs: count(FLOW,
 * FIELD) gives the "count" and "a:NAME:KEY" counters of FLOW, to which own
 * (may be NULL) adds its one run and its answers.  Whole percent, rounded.
 * Returns -1 for a path of another shape. */
typedef long (*engine_count_fn)(void *data, const char *flow, size_t flow_len,
				const char *field);
int engine_stats_value(const char *path, const struct run *own,
		       engine_count_fn count, void *data, struct buf *out);

struct engine_ctx {
	const struct flow *flow;
	const struct fields *contact;   /* {contact.FIELD}; may be NULL */
	engine_stats_fn stats;          /* may be NULL */
	void *stats_data;
	size_t ussd_max_chars;          /* 0 for SMS: no paging */
	/* What the engine says by itself (paging, invalid replies, language
	 * names); NULL: the built-in catalogue. */
	const struct catalogue *catalogue;
};

struct engine_out {
	struct buf reply;       /* the message or screen to send */
	bool ended;             /* the run has ended: the last message */
	const char *saved;      /* the answer name this input set, or NULL */
	bool lang_changed;      /* a language step set run->lang */
	bool gave_up;           /* an invalid reply past the retries moved the
				 * run on with the answer left empty */
};

void engine_out_release(struct engine_out *out);

/* Starts a run at its first step: out->reply is the first message. */
void engine_start(const struct engine_ctx *ctx, struct run *run,
		  struct engine_out *out);
/* Reads one reply of the person and moves the run on. */
void engine_input(const struct engine_ctx *ctx, struct run *run,
		  const char *input, struct engine_out *out);
/* The message or screen of the step the run is waiting at, again (a resumed
 * USSD session, a repeated request). */
void engine_screen(const struct engine_ctx *ctx, const struct run *run,
		   struct engine_out *out);

/* Renders a step's own message in one language as sent on SMS, with
 * placeholders other than vars left as written; used by `flows check` for
 * the cost of each step. */
void engine_render_step(const struct flow *flow, int step, int lang,
			const struct catalogue *catalogue, struct buf *out);

/* Whether every USSD screen of step s in language lang fits max characters
 * as the engine lays them out (its choices paged), with {vars} expanded and
 * other placeholders as written (`flows check`).  When one does not, out is
 * that screen; *paged tells whether the choices were paged. */
bool engine_screen_fits(const struct flow *flow, const struct flow_step *s,
			int lang, size_t max, const struct catalogue *catalogue,
			struct buf *out, bool *paged);

/* Whether the say step at step (and the says after it) reach a USSD phone
 * whole in lang: they are joined to the screen that follows, and when the
 * two do not fit max characters the said text is cut to make room.
 * screen gets the said text. */
bool engine_say_fits(const struct flow *flow, int step, int lang, size_t max,
		     const struct catalogue *catalogue, struct buf *screen);

/* The one SMS a person gets when a run comes to say step `step`: its text
 * and the says after it joined to the next prompt or end, as a run sends
 * them (docs/flows.md, Steps), rendered as engine_render_step() does;
 * nothing for other steps. */
void engine_render_joined(const struct flow *flow, int step, int lang,
			  const struct catalogue *catalogue, struct buf *out);

/* The SMS a prompt step sends after an invalid reply (the invalid text and
 * the question, shortened to one SMS where the question alone fits one),
 * rendered as engine_render_step() does; nothing for other steps. */
void engine_render_retry(const struct flow *flow, int step, int lang,
			 const struct catalogue *catalogue, struct buf *out);

/* One text of a flow (a question, a label) in one language as
 * engine_render_step() renders it: {vars...} filled in, the rest as
 * written; for the codebook. */
void engine_render_text(const struct flow *flow, const struct flow_text *text,
			int lang, struct buf *out);

/* Replaces {contact.X}, {answers.X}, {vars.X}, {stats.X} in text. */
void engine_expand(const struct engine_ctx *ctx, const struct run *run,
		   const char *text, struct buf *out);

#endif
