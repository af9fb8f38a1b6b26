/* policy.c -- see policy.h.
 *
 * One decision is a struct policy: what it reads (config, flows, the loaded
 * conversation, the message) and the decision it fills.  The SMS rules come
 * first (words that always work, the language question, keywords, the
 * active run), then the USSD session machine; both end in the same few
 * operations on runs (start, continue, repeat, end). */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "config.h"
#include "flow.h"
#include "phone.h"
#include "text.h"

#define MAX_MENU_LANGS 16
#define MAX_INPUTS 16

struct policy {
	const struct policy_config *cfg;
	const struct flow_set *flows;
	const struct convo *c;
	const struct policy_in *in;
	struct decision *d;
};

/* ---- names ----------------------------------------------------------------- */

static const char *const ussd_state_names[] = {
	[USSD_DIALLED] = "dialled",
	[USSD_RESUME_OFFERED] = "resume_offered",
	[USSD_IN_RUN] = "in_run",
	[USSD_ENDED] = "ended",
};

const char *ussd_state_name(enum ussd_state s)
{
	return (unsigned)s <= USSD_ENDED ? ussd_state_names[s] : "unknown";
}

static const char *const inbox_reason_names[] = {
	[INBOX_NONE] = "none",
	[INBOX_UNMATCHED] = "unmatched",
	[INBOX_INVALID] = "invalid",
	[INBOX_AFTER_END] = "after_end",
	[INBOX_HELP] = "help",
};

const char *inbox_reason_name(enum inbox_reason r)
{
	return (unsigned)r <= INBOX_HELP ? inbox_reason_names[r] : "unknown";
}

/* ---- set-up ---------------------------------------------------------------- */

const char *policy_default_lang(const char *country)
{
	return catalogue_country_lang(country);
}

void policy_config_init(struct policy_config *pc, const struct config *cfg)
{
	memset(pc, 0, sizeof(*pc));
	pc->words.lists[WORD_STOP] = cfg->words.stop;
	pc->words.counts[WORD_STOP] = cfg->words.nstop;
	pc->words.lists[WORD_JOIN] = cfg->words.join;
	pc->words.counts[WORD_JOIN] = cfg->words.njoin;
	pc->words.lists[WORD_HELP] = cfg->words.help;
	pc->words.counts[WORD_HELP] = cfg->words.nhelp;
	pc->words.lists[WORD_LANGUAGE] = cfg->words.language;
	pc->words.counts[WORD_LANGUAGE] = cfg->words.nlanguage;
	pc->ussd_max = (size_t)cfg->ussd.max_chars;
	pc->default_lang = policy_default_lang(cfg->country);
	pc->country = cfg->country;
	pc->replies_free = cfg->replies_free;
}

void decision_init(struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->reply = (struct buf)BUF_INIT;
	d->contact_set = (struct fields)FIELDS_INIT;
	d->pointer = POINTER_KEEP;
	d->end_status = RUN_EXPIRED;
}

void decision_release(struct decision *d)
{
	buf_release(&d->reply);
	stored_run_release(&d->run);
	fields_release(&d->contact_set);
	decision_init(d);
}

/* ---- what the conversation holds ----------------------------------------- */

/* What the gateway says by itself comes from the catalogue the flows were
 * loaded with (they are reloaded together). */
static const struct catalogue *texts(const struct policy *p)
{
	return p->flows->catalogue;
}

/* The language of the gateway's own texts for this person. */
static const char *contact_lang(const struct policy *p)
{
	const char *lang = p->c->contact.lang;
	return lang ? lang : p->cfg->default_lang;
}

/* The contact's language if the flow has it, else hint (the language of
 * the keyword that started the flow: someone never asked who sends WATER
 * gets the English of a flow whose Swahili keyword is MAJI), else the
 * flow's default.  hint -1: none. */
static int lang_for(const struct policy *p, const struct flow *flow, int hint)
{
	const char *lang = p->c->contact.lang;
	int i = lang ? flow_lang_index(flow, lang) : -1;
	if (i >= 0)
		return i;
	return hint >= 0 ? hint : 0;
}

/* The loaded run when it is active and not past its expiry, with its flow;
 * NULL otherwise. */
static const struct flow *active_flow(const struct policy *p)
{
	const struct stored_run *r = &p->c->run;
	if (!p->c->has_run || r->status != RUN_ACTIVE || r->expires <= p->in->now ||
	    !r->step)
		return NULL;
	const struct flow *flow = flow_set_find(p->flows, r->flow);
	/* A flow edited since the run began may have lost the step. */
	if (!flow || flow_step_index(flow, r->step) < 0)
		return NULL;
	return flow;
}

static bool loaded_active(const struct policy *p)
{
	return p->c->has_run && p->c->run.status == RUN_ACTIVE;
}

/* ---- the gateway's own texts ------------------------------------------- */

/* The flows HELP and "not understood" offer: those that speak lang, or all
 * when none does.  out gets one start keyword of each, comma-separated. */
static void start_keywords(const struct flow_set *set, const char *lang,
			   struct buf *out)
{
	bool any_in_lang = false;
	for (size_t i = 0; i < set->n; i++)
		any_in_lang |= set->flows[i]->nkeywords > 0 &&
			       flow_lang_index(set->flows[i], lang) >= 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct flow *f = set->flows[i];
		if (f->nkeywords == 0 || (any_in_lang && flow_lang_index(f, lang) < 0))
			continue;
		if (out->len)
			buf_puts(out, ", ");
		buf_puts(out, flow_keyword_for(f, lang));
	}
}

static void say(struct policy *p, enum msg msg, const char *lang)
{
	struct buf keywords = BUF_INIT;
	if (msg == MSG_UNKNOWN || msg == MSG_HELP)
		start_keywords(p->flows, lang, &keywords);
	struct msg_args args = {.keywords = buf_str(&keywords)};
	msg_render(texts(p), msg, lang, &args, &p->d->reply);
	/* A language whose catalogue has no replies_free says nothing more. */
	const char *free_text = msg_text(texts(p), MSG_REPLIES_FREE, lang);
	if (msg == MSG_HELP && p->cfg->replies_free && *free_text) {
		buf_putc(&p->d->reply, ' ');
		msg_render(texts(p), MSG_REPLIES_FREE, lang, NULL, &p->d->reply);
	}
	buf_release(&keywords);
}

/* ---- runs ------------------------------------------------------------------ */

static long stat_count(void *data, const char *flow, size_t flow_len, const char *field)
{
	struct policy *p = data;
	if (!p->in->with_stats)
		p->d->missed_stats = true;
	char name[256];
	snprintf(name, sizeof(name), "%.*s:%s", (int)flow_len, flow, field);
	const char *v = fields_get(&p->c->stats, name);
	return v ? strtol(v, NULL, 10) : 0;
}

static int stats_value(void *data, const char *path, const struct run *own,
		       struct buf *out)
{
	return engine_stats_value(path, own, stat_count, data, out);
}

static size_t screen_max(const struct policy *p)
{
	return p->in->channel == CHANNEL_USSD ? p->cfg->ussd_max : 0;
}

static void ctx_init(struct policy *p, struct engine_ctx *ctx, const struct flow *flow)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->flow = flow;
	ctx->contact = &p->c->contact.fields;
	ctx->stats = stats_value;
	ctx->stats_data = p;
	ctx->ussd_max_chars = screen_max(p);
	ctx->catalogue = texts(p);
}

/* Copies the engine's view of a run into the stored one; the answers move
 * (run keeps none). */
static void run_store(struct stored_run *dst, const struct flow *flow,
		      struct run *run, long now)
{
	free(dst->lang);
	dst->lang = xstrdup(flow->langs[run->lang]);
	free(dst->step);
	dst->step = run->step >= 0 ? xstrdup(flow->steps[run->step].id) : NULL;
	dst->channel = run->channel;
	dst->status = run->status;
	dst->retries = run->retries;
	dst->page = run->page;
	dst->updated = now;
	if (run->status == RUN_COMPLETED && !dst->completed)
		dst->completed = now;
	fields_release(&dst->answers);
	dst->answers = run->answers;
	run->answers = (struct fields)FIELDS_INIT;
}

/* The engine's view of a stored run. */
static void run_load(struct run *run, const struct flow *flow,
		     const struct stored_run *src)
{
	int lang = flow_lang_index(flow, src->lang);
	run_init(run, lang >= 0 ? lang : 0, src->channel);
	run->status = src->status;
	run->step = src->step ? flow_step_index(flow, src->step) : -1;
	run->retries = src->retries;
	run->page = src->page;
	fields_copy(&run->answers, &src->answers);
}

/* What every engine call leaves behind, whichever way it was made. */
/* The person chose a language: an import must not change it (store.h). */
static void set_chosen_lang(struct decision *d, const char *lang)
{
	fields_set(&d->contact_set, "_lang", lang);
	fields_set(&d->contact_set, CONTACT_LANG_BY, CONTACT_LANG_BY_PERSON);
}

static void take_engine_out(struct policy *p, const struct flow *flow,
			    struct run *run, struct engine_out *out)
{
	struct decision *d = p->d;
	run_store(&d->run, flow, run, p->in->now);
	d->has_run = true;
	d->commit = true;
	buf_append(&d->reply, out->reply.data ? out->reply.data : "", out->reply.len);
	if (out->ended) {
		d->ended = true;
		d->pointer = POINTER_CLEAR;
		if (run->status == RUN_COMPLETED && !p->c->contact.lang)
			/* The language they answered a whole survey in, not
			 * chosen (an import or a choice may change it). */
			fields_set(&d->contact_set, "_lang", flow->langs[run->lang]);
		/* What a message after the end belongs to (INBOX_AFTER_END). */
		char last[160];
		snprintf(last, sizeof(last), "%ld %s", p->in->now, flow->id);
		fields_set(&d->contact_set, "_last", last);
	}
	if (out->gave_up) {
		d->inbox = INBOX_INVALID;
		d->inbox_flow = flow->id;
	}
	if (out->lang_changed)
		set_chosen_lang(d, flow->langs[run->lang]);
	engine_out_release(out);
}

/* The loaded run, to be written back with changes made by the caller. */
static void keep_loaded_run(struct policy *p)
{
	stored_run_copy(&p->d->run, &p->c->run);
	p->d->run.updated = p->in->now;
	p->d->has_run = true;
	p->d->commit = true;
}

/* Ends the loaded run (if any) with status and clears the pointer. */
static void end_loaded(struct policy *p, enum run_status status)
{
	if (!p->c->has_run)
		return;
	p->d->end_run = p->c->run.id;
	p->d->end_status = status;
	p->d->pointer = POINTER_CLEAR;
	p->d->commit = true;
}

/* Starts a new run of flow.  A run still active is left: interrupted when
 * the person asked for another flow (docs/flows.md "Never interrupted"),
 * expired when its time was up or they start the same flow again. */
/* lang_hint: as lang_for()'s hint. */
static void start_run(struct policy *p, const struct flow *flow, int lang_hint)
{
	struct decision *d = p->d;
	const struct flow *left = active_flow(p);
	if (loaded_active(p)) {
		d->end_run = p->c->run.id;
		d->end_status = left && left != flow ? RUN_INTERRUPTED : RUN_EXPIRED;
	}
	struct engine_ctx ctx;
	ctx_init(p, &ctx, flow);
	struct run run;
	run_init(&run, lang_for(p, flow, lang_hint), p->in->channel);
	struct engine_out out = {0};
	engine_start(&ctx, &run, &out);

	d->run.id[0] = '\0'; /* a new run: turn.c names it */
	d->run.flow = xstrdup(flow->id);
	d->run.phone = xstrdup(p->in->phone);
	d->run.started = p->in->now;
	d->run.expires = p->in->now + flow->expire;
	d->run.remind_after = flow->remind.after;
	d->pointer = POINTER_SET;
	take_engine_out(p, flow, &run, &out);
	run_release(&run);
}

/* True when the run waits at a free-text question: there a '*' is part of
 * what the person typed, not a separator. */
static bool waits_for_text(const struct flow *flow, const struct run *run)
{
	return run->status == RUN_ACTIVE && run->step >= 0 &&
	       (size_t)run->step < flow->nsteps &&
	       flow->steps[run->step].type == STEP_ASK &&
	       flow->steps[run->step].ask == ASK_TEXT;
}

/* Feeds the inputs in rest, joined by '*' when joined, to the loaded active
 * run of flow, in order; the reply is the last one's.  At a free-text
 * question all that is left is one answer. */
static void continue_joined(struct policy *p, const struct flow *flow,
			    const char *rest, bool joined)
{
	struct engine_ctx ctx;
	ctx_init(p, &ctx, flow);
	struct run run;
	run_load(&run, flow, &p->c->run);
	struct engine_out out = {0};
	bool gave_up = false;
	struct buf input = BUF_INIT;
	for (size_t i = 0; i < MAX_INPUTS; i++) {
		size_t len = joined && !waits_for_text(flow, &run) ? strcspn(rest, "*") :
								  strlen(rest);
		buf_reset(&input);
		buf_append(&input, rest, len);
		engine_out_release(&out);
		memset(&out, 0, sizeof(out));
		engine_input(&ctx, &run, buf_str(&input), &out);
		gave_up |= out.gave_up;
		rest += len;
		if (out.ended || *rest != '*')
			break;
		rest++;
	}
	buf_release(&input);
	out.gave_up = gave_up;
	/* The answers are the engine's (take_engine_out). */
	stored_run_copy_unanswered(&p->d->run, &p->c->run);
	p->d->run.expires = p->in->now + flow->expire;
	take_engine_out(p, flow, &run, &out);
	run_release(&run);
}

/* Appends the screen the loaded run waits at, in lang (a flow language). */
static void repeat_screen(struct policy *p, const struct flow *flow, const char *lang)
{
	struct engine_ctx ctx;
	ctx_init(p, &ctx, flow);
	struct run run;
	run_load(&run, flow, &p->c->run);
	int li = lang ? flow_lang_index(flow, lang) : -1;
	if (li >= 0)
		run.lang = li;
	struct engine_out out = {0};
	engine_screen(&ctx, &run, &out);
	buf_append(&p->d->reply, out.reply.data ? out.reply.data : "", out.reply.len);
	engine_out_release(&out);
	run_release(&run);
}

/* ---- SMS ------------------------------------------------------------------- */

/* The languages a language menu offers: the flow at hand's (the active
 * run's), else those of every flow, the configured country's first, then
 * in the order they first appear. */
static int menu_languages(const struct policy *p, const char **langs, int max)
{
	const struct flow *at_hand = active_flow(p);
	int n = 0;
	for (size_t i = 0; i < p->flows->n; i++) {
		const struct flow *f = p->flows->flows[i];
		if (at_hand && f != at_hand)
			continue;
		for (size_t l = 0; l < f->nlangs; l++) {
			bool seen = false;
			for (int k = 0; k < n; k++)
				seen |= strcmp(langs[k], f->langs[l]) == 0;
			if (!seen && n < max)
				langs[n++] = f->langs[l];
		}
	}
	for (int i = 1; !at_hand && i < n; i++) { /* insertion sort: stable */
		const char *code = langs[i];
		int rank = catalogue_country_rank(p->cfg->country, code), j = i;
		for (; j > 0 && catalogue_country_rank(p->cfg->country, langs[j - 1]) > rank; j--)
			langs[j] = langs[j - 1];
		langs[j] = code;
	}
	return n;
}

static void ask_language(struct policy *p)
{
	const char *langs[MAX_MENU_LANGS];
	int n = menu_languages(p, langs, MAX_MENU_LANGS);
	say(p, MSG_LANGUAGE_ASK, contact_lang(p));
	for (int i = 0; i < n; i++)
		buf_printf(&p->d->reply, "\n%d. %s", i + 1, language_own_name(texts(p), langs[i]));
	fields_set(&p->d->contact_set, "_await", "lang");
	p->d->commit = true;
}

/* The answer to LANGUAGE (text: what was typed to the menu): sets it, and
 * repeats the question the person was at, now in that language.  Returns 0
 * when the text named a language. */
static int take_language(struct policy *p, const char *text)
{
	const char *langs[MAX_MENU_LANGS];
	int n = menu_languages(p, langs, MAX_MENU_LANGS);
	int pick = language_pick(texts(p), text, langs, n);
	struct decision *d = p->d;
	d->contact_del[d->ncontact_del++] = "_await";
	d->commit = true;
	if (pick < 0)
		return -1;
	set_chosen_lang(d, langs[pick]);
	struct msg_args args = {.language = language_own_name(texts(p), langs[pick])};
	msg_render(texts(p), MSG_LANGUAGE_SET, langs[pick], &args, &d->reply);
	const struct flow *flow = active_flow(p);
	if (flow && flow_lang_index(flow, langs[pick]) >= 0) {
		/* The run goes on in the new language, at the same question. */
		keep_loaded_run(p);
		free(d->run.lang);
		d->run.lang = xstrdup(langs[pick]);
		buf_putc(&d->reply, '\n');
		repeat_screen(p, flow, langs[pick]);
	}
	return 0;
}

/* The flow whose keyword the text begins with; *whole when the text is the
 * keyword alone, *lang the language the keyword is given for (-1: any). */
static const struct flow *keyword_flow(const struct policy *p, bool *whole, int *lang)
{
	char *folded = reply_fold(p->in->text);
	size_t len = first_word_len(folded);
	const struct flow *flow = NULL;
	if (len) {
		*whole = folded[len] == '\0';
		folded[len] = '\0';
		flow = flow_set_by_keyword(p->flows, folded);
		*lang = flow_keyword_lang(flow, folded);
	}
	free(folded);
	return flow;
}

/* The flow of the run that ended last, when this message came within that
 * flow's expiry after it (contact field _last: "TIME FLOW"). */
static const struct flow *ended_flow(const struct policy *p)
{
	const struct contact *ct = &p->c->contact;
	if (!ct->last_flow)
		return NULL;
	const struct flow *f = flow_set_find(p->flows, ct->last_flow);
	return f && p->in->now - ct->last_ended <= f->expire ? f : NULL;
}

/* A message that is no answer, no keyword and no word that always works. */
static void not_understood(struct policy *p)
{
	struct decision *d = p->d;
	const struct flow *after = NULL;
	if (loaded_active(p)) {
		/* Its run's time was up: it ends now, and the text came after. */
		after = flow_set_find(p->flows, p->c->run.flow);
		end_loaded(p, RUN_EXPIRED);
		d->inbox_flow = after ? after->id : NULL;
	} else if ((after = ended_flow(p))) {
		d->inbox_flow = after->id;
	}
	d->inbox = after || loaded_active(p) ? INBOX_AFTER_END : INBOX_UNMATCHED;
	say(p, MSG_UNKNOWN, contact_lang(p));
}

static bool awaits_language(const struct policy *p)
{
	const char *await = p->c->contact.await;
	return await && strcmp(await, "lang") == 0;
}

static bool is_word(const struct policy *p, enum word *w)
{
	*w = word_lookup(texts(p), p->in->text, &p->cfg->words);
	if (*w != WORD_NONE)
		return true;
	/* "MSAADA pampu imeharibika": help, and the rest for the inbox. */
	const char *rest = NULL;
	if (word_lookup_first(texts(p), p->in->text, &p->cfg->words, &rest) == WORD_HELP &&
	    rest && *rest && !active_flow(p)) {
		*w = WORD_HELP;
		p->d->inbox = INBOX_HELP;
		return true;
	}
	return false;
}

/* What a word that always works does (docs/flows.md), on either channel. */
static void do_word(struct policy *p, enum word w)
{
	struct decision *d = p->d;
	const char *lang = contact_lang(p);
	switch (w) {
	case WORD_STOP:
		d->stop = true;
		say(p, MSG_STOPPED, lang);
		break;
	case WORD_JOIN:
		d->contact_del[d->ncontact_del++] = "_optout";
		d->commit = true;
		say(p, MSG_JOINED, lang);
		break;
	case WORD_HELP:
		say(p, MSG_HELP, lang);
		if (d->inbox == INBOX_HELP)
			d->commit = true; /* the item, and _since if new */
		break;
	case WORD_LANGUAGE:
		ask_language(p);
		break;
	case WORD_NONE:
		break;
	}
}

static void sms_decide(struct policy *p)
{
	enum word w;
	if (is_word(p, &w)) {
		do_word(p, w);
		return;
	}
	if (awaits_language(p) && take_language(p, p->in->text) == 0)
		return;

	bool whole = false;
	int keyword_lang = -1;
	const struct flow *started = keyword_flow(p, &whole, &keyword_lang);
	const struct flow *active = active_flow(p);
	if (active && !(started && whole)) {
		/* A keyword followed by more words is an answer ("SURVEY ni
		 * nzuri"); the keyword alone starts its flow. */
		continue_joined(p, active, p->in->text, false);
	} else if (started) {
		start_run(p, started, keyword_lang);
	} else {
		not_understood(p);
	}
}

/* ---- USSD ------------------------------------------------------------------ */

/* What in text is new since prev, the text of the session's previous
 * request.  Aggregators like Africa's Talking send every input of the
 * session joined by '*' ("1*3*2"): what extends prev is new, one input or
 * more when requests were lost in between (*joined).  Others send only the
 * newest input, which is then taken whole. */
static const char *new_text(const char *prev, const char *text, bool *joined)
{
	size_t n = prev ? strlen(prev) : 0;
	*joined = false;
	if (n && strncmp(text, prev, n) == 0 && text[n] == '*') {
		*joined = true;
		return text + n + 1;
	}
	if (!n && strchr(text, '*'))
		*joined = true; /* "1*2" right after the dial */
	return text;
}

/* The run remembers the session and its last text (repeats, new inputs). */
static void set_session(struct policy *p)
{
	struct decision *d = p->d;
	free(d->run.ussd_session);
	d->run.ussd_session = xstrdup(p->in->session);
	free(d->run.ussd_text);
	d->run.ussd_text = xstrdup(p->in->dial ? "" : p->in->text);
}

static bool same_session(const struct policy *p)
{
	const char *s = p->c->run.ussd_session;
	return p->c->has_run && s && strcmp(s, p->in->session) == 0;
}

static void resume_screen(struct policy *p, const char *lang)
{
	struct buf *r = &p->d->reply;
	msg_render(texts(p), MSG_RESUME_ASK, lang, NULL, r);
	buf_puts(r, "\n1. ");
	msg_render(texts(p), MSG_RESUME_CONTINUE, lang, NULL, r);
	buf_puts(r, "\n2. ");
	msg_render(texts(p), MSG_RESUME_RESTART, lang, NULL, r);
}

static void offer_resume(struct policy *p)
{
	keep_loaded_run(p);
	set_session(p);
	p->d->run.await_resume = true;
	resume_screen(p, p->d->run.lang);
	p->d->state = USSD_RESUME_OFFERED;
}

static void no_service(struct policy *p)
{
	say(p, MSG_NO_FLOW, contact_lang(p));
	p->d->ended = true;
}

/* The state a request finds its session in. */
static enum ussd_state ussd_state_of(const struct policy *p)
{
	if (p->in->dial)
		return USSD_DIALLED;
	if (!active_flow(p) || !same_session(p))
		return USSD_ENDED;
	return p->c->run.await_resume ? USSD_RESUME_OFFERED : USSD_IN_RUN;
}

/* A dial: the code's flow starts, or the run it left is offered again. */
static void on_dial(struct policy *p)
{
	const struct flow *flow = flow_set_by_ussd(p->flows, p->in->code);
	if (!flow) {
		no_service(p);
		return;
	}
	const struct stored_run *loaded = &p->c->run;
	bool begun = loaded->answers.n > 0 || loaded->step;
	if (active_flow(p) == flow && !same_session(p) && (loaded->await_resume || begun)) {
		offer_resume(p);
		return;
	}
	start_run(p, flow, -1);
	set_session(p);
}

/* The answer to "continue where you left off?". */
static void on_resume_answer(struct policy *p, const char *input, const struct flow *flow)
{
	char *folded = reply_fold(input);
	if (strcmp(folded, "1") == 0) {
		keep_loaded_run(p);
		p->d->run.await_resume = false;
		repeat_screen(p, flow, p->c->run.lang);
	} else if (strcmp(folded, "2") == 0) {
		start_run(p, flow, -1);
	} else {
		offer_resume(p);
	}
	free(folded);
}

/* A word that always works (docs/flows.md), typed alone on a screen of a
 * run: STOP opts out and ends the runs, JOIN and HELP answer, each closing
 * the session (a redial offers the run again); LANGUAGE shows the language
 * menu in the session, and the menu's answer goes on at the same screen.
 * Returns whether input was handled so. */
static bool on_ussd_word(struct policy *p, const char *input)
{
	if (awaits_language(p) && take_language(p, input) == 0)
		return true;
	enum word w = word_lookup(texts(p), input, &p->cfg->words);
	if (w == WORD_NONE)
		return false;
	if (w == WORD_LANGUAGE)
		keep_loaded_run(p); /* its session's inputs so far */
	do_word(p, w);
	p->d->ended = w != WORD_LANGUAGE;
	return true;
}

static void on_input(struct policy *p, enum ussd_state state)
{
	const struct flow *active = active_flow(p);
	bool joined = false;
	const char *rest = p->in->one_input ? p->in->text :
			   new_text(p->c->run.ussd_text, p->in->text, &joined);
	bool one = !joined || !strchr(rest, '*'); /* one input, not several */
	if (one && on_ussd_word(p, rest)) {
		set_session(p);
		return;
	}
	if (state == USSD_RESUME_OFFERED) {
		size_t n = joined ? strcspn(rest, "*") : strlen(rest);
		char *first = xstrndup(rest, n);
		on_resume_answer(p, first, active);
		free(first);
	} else {
		continue_joined(p, active, rest, joined);
	}
	set_session(p);
}

/* An aggregator repeating the last request of a session (same sessionId,
 * same text) gets the screen the run waits at, drawn again from its state:
 * nothing is written.  Over SMPP the same text can be a new answer; there
 * Kannel's message id tells repeats instead (turn.c). */
static bool repeat_of_last(struct policy *p, enum ussd_state state)
{
	const struct stored_run *r = &p->c->run;
	const struct flow *flow = active_flow(p);
	if (p->in->one_input || !flow || !same_session(p) || !r->ussd_text ||
	    strcmp(r->ussd_text, p->in->dial ? "" : p->in->text) != 0)
		return false;
	if (r->await_resume)
		resume_screen(p, r->lang);
	else
		repeat_screen(p, flow, r->lang);
	p->d->repeat = true;
	p->d->state = state == USSD_DIALLED ? USSD_IN_RUN : state;
	if (r->await_resume)
		p->d->state = USSD_RESUME_OFFERED;
	return true;
}

/* The person left: the run stays where it was and forgets the session, so
 * that the next dial offers to resume (even should the aggregator reuse
 * the session's id) and a late request in it is closed. */
static void on_left(struct policy *p)
{
	if (active_flow(p) && same_session(p)) {
		keep_loaded_run(p);
		free(p->d->run.ussd_session);
		p->d->run.ussd_session = NULL;
		free(p->d->run.ussd_text);
		p->d->run.ussd_text = NULL;
	}
	p->d->ended = true;
	p->d->state = USSD_ENDED;
}

/* The USSD session machine: one request, from the state it finds to the
 * state it leaves. */
static void ussd_decide(struct policy *p)
{
	if (p->in->left) {
		on_left(p);
		return;
	}
	enum ussd_state state = ussd_state_of(p);
	if (repeat_of_last(p, state))
		return;
	p->d->state = USSD_IN_RUN;
	switch (state) {
	case USSD_DIALLED:
		on_dial(p);
		break;
	case USSD_RESUME_OFFERED:
	case USSD_IN_RUN:
		on_input(p, state);
		break;
	case USSD_ENDED:
		/* An answer in a session we hold no run for: it ended, or the
		 * aggregator lost the dial.  Close it; a redial resumes. */
		no_service(p);
		break;
	}
	if (p->d->ended)
		p->d->state = USSD_ENDED;
}

/* ---- the policy ------------------------------------------------------------ */

/* What is kept of a person the first time they write or dial: when, and
 * the country of their number (contacts list's country, as an import
 * gives it).  By SMS with the first message; by USSD with the first write
 * of the contact the session makes anyway (a language chosen, a run
 * ended): a dial alone writes no contact, so as not to add a write to the
 * step every session begins with.  The country is read from the number
 * only then. */
static void first_heard(struct policy *p)
{
	if (p->c->contact.known || (p->in->channel == CHANNEL_USSD && !p->d->contact_set.n))
		return;
	char since[24], country[PHONE_REGION_SIZE];
	snprintf(since, sizeof(since), "%ld", p->in->now);
	fields_set(&p->d->contact_set, "_since", since);
	if (phone_region(p->in->phone, country) == 0)
		fields_set(&p->d->contact_set, "country", country);
}

void policy_decide(const struct policy_config *cfg, const struct flow_set *flows,
		   const struct convo *c, const struct policy_in *in,
		   struct decision *d)
{
	struct policy p = {cfg, flows, c, in, d};
	if (in->channel == CHANNEL_USSD)
		ussd_decide(&p);
	else
		sms_decide(&p);
	first_heard(&p);
}
