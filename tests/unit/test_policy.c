/* test_policy.c -- the conversation policy as data, in the style of
 * test_engine.c: a conversation (the flows of tests/flows/policy/ and what
 * is stored), the messages a person sends, the replies they get and what is
 * stored afterwards.
 *
 * A tiny in-memory store stands in for Redis: it applies each decision the
 * way the commit script does (store.h), so a conversation runs through
 * policy_decide() alone, without a network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "policy.h"
#include "store.h"

#define MAX_RUNS 16
#define DAY (24L * 3600)

/* ---- the store -------------------------------------------------------------- */

struct world {
	struct flow_set *flows;
	struct policy_config cfg;
	struct config config;
	struct contact contact;
	struct stored_run runs[MAX_RUNS];
	int nruns;
	int cur[2];                 /* the active run per channel, or -1 */
	long now;
	struct decision last;       /* the last message's decision */
	int ids;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	const char *paths[] = {"tests/flows/policy"};
	struct flow_diags diags = {0};
	w->flows = flow_set_load(paths, 1, NULL, &diags);
	assert_int_equal(flow_diags_errors(&diags), 0);
	flow_diags_release(&diags);
	config_defaults(&w->config);
	policy_config_init(&w->cfg, &w->config);
	w->contact.phone = xstrdup("+255700000101");
	w->cur[0] = w->cur[1] = -1;
	w->now = 1800000000;
	decision_init(&w->last);
}

static void world_release(struct world *w)
{
	for (int i = 0; i < w->nruns; i++)
		stored_run_release(&w->runs[i]);
	contact_release(&w->contact);
	decision_release(&w->last);
	flow_set_unref(w->flows);
	config_release(&w->config);
}

static struct stored_run *run_by_id(struct world *w, const char *id)
{
	for (int i = 0; i < w->nruns; i++)
		if (strcmp(w->runs[i].id, id) == 0)
			return &w->runs[i];
	return NULL;
}

/* What the commit script does with a decision. */
static void world_apply(struct world *w, enum channel ch, struct decision *d)
{
	if (d->stop) {
		for (int i = 0; i < w->nruns; i++)
			if (w->runs[i].status == RUN_ACTIVE)
				w->runs[i].status = RUN_STOPPED;
		w->cur[0] = w->cur[1] = -1;
		w->contact.opted_out = true;
		w->contact.known = true;
		return;
	}
	if (!d->commit)
		return;
	if (d->end_run) {
		struct stored_run *r = run_by_id(w, d->end_run);
		assert_non_null(r);
		r->status = d->end_status;
	}
	int at = -1;
	if (d->has_run) {
		if (!d->run.id[0])
			snprintf(d->run.id, sizeof(d->run.id), "run%d", ++w->ids);
		struct stored_run *r = run_by_id(w, d->run.id);
		if (!r) {
			assert_true(w->nruns < MAX_RUNS);
			r = &w->runs[w->nruns++];
		} else {
			stored_run_release(r);
		}
		stored_run_copy(r, &d->run);
		r->version++;
		at = (int)(r - w->runs);
	}
	if (d->pointer == POINTER_SET)
		w->cur[ch] = at;
	else if (d->pointer == POINTER_CLEAR)
		w->cur[ch] = -1;
	contact_apply(&w->contact, &d->contact_set, d->contact_del, d->ncontact_del);
}

/* ---- a conversation ------------------------------------------------------- */

/* One message: how it comes ("sms", "dial S CODE", "ussd S", "smpp S", or
 * "left S": a dialect saying the person left session S),
 * optionally after "+N" seconds; what is typed; the reply expected (a
 * substring; "" an empty reply; NULL not looked at); and checks of what is
 * stored after it, as space-separated words:
 *   status:FLOW=S     the latest run of FLOW has status S
 *   answer:NAME=V     the latest run holding NAME saved V ("" as =)
 *   lang=L            the contact's language (nolang: none)
 *   field:NAME=V      the contact's field NAME is V
 *   optout            the number is opted out
 *   inbox=R           the decision's inbox reason (inbox_reason_name)
 *   inbox_flow=F      and its flow
 *   state=S           the USSD state left (ussd_state_name)
 *   end / con         the USSD screen closes / waits
 *   repeat            answered as a repeat, nothing written
 *   runs=N            how many runs exist
 *   exact             the reply is exactly the expected text */
struct typed {
	const char *how;
	const char *text;
	const char *reply;
	const char *expect;
};

static const struct stored_run *latest_run(const struct world *w, const char *flow)
{
	for (int i = w->nruns - 1; i >= 0; i--)
		if (strcmp(w->runs[i].flow, flow) == 0)
			return &w->runs[i];
	return NULL;
}

static const char *latest_answer(const struct world *w, const char *name)
{
	for (int i = w->nruns - 1; i >= 0; i--) {
		const char *v = fields_get(&w->runs[i].answers, name);
		if (v)
			return v;
	}
	return NULL;
}

static void check_word(const struct world *w, const char *word, const char *reply,
		       const char *want, int n)
{
	char key[64];
	const char *eq = strchr(word, '=');
	const char *value = eq ? eq + 1 : "";
	snprintf(key, sizeof(key), "%.*s", (int)(eq ? (size_t)(eq - word) : strlen(word)), word);
	const struct decision *d = &w->last;
	char spaced[256];
	snprintf(spaced, sizeof(spaced), "%s", value);
	for (char *u = spaced; strncmp(key, "answer:", 7) == 0 && *u; u++)
		if (*u == '_')
			*u = ' '; /* words are split at spaces: '_' stands for one */
	value = spaced;
	if (strncmp(key, "status:", 7) == 0) {
		const struct stored_run *r = latest_run(w, key + 7);
		if (!r)
			fail_msg("message %d: no run of %s", n, key + 7);
		if (strcmp(run_status_name(r->status), value) != 0)
			fail_msg("message %d: run of %s is %s, not %s", n, key + 7,
				 run_status_name(r->status), value);
	} else if (strncmp(key, "answer:", 7) == 0) {
		const char *v = latest_answer(w, key + 7);
		if (!v || strcmp(v, value) != 0)
			fail_msg("message %d: answer %s is '%s', not '%s'", n, key + 7,
				 v ? v : "(none)", value);
	} else if (strcmp(key, "lang") == 0) {
		if (!w->contact.lang || strcmp(w->contact.lang, value) != 0)
			fail_msg("message %d: language %s, not %s", n,
				 w->contact.lang ? w->contact.lang : "(none)", value);
	} else if (strncmp(key, "field:", 6) == 0) {
		const char *v = fields_get(&w->contact.fields, key + 6);
		if (!v || strcmp(v, value) != 0)
			fail_msg("message %d: contact field %s is '%s', not '%s'", n, key + 6,
				 v ? v : "(none)", value);
	} else if (strcmp(key, "nolang") == 0) {
		if (w->contact.lang)
			fail_msg("message %d: language %s, not none", n, w->contact.lang);
	} else if (strcmp(key, "optout") == 0) {
		if (!w->contact.opted_out)
			fail_msg("message %d: not opted out", n);
	} else if (strcmp(key, "inbox") == 0) {
		if (strcmp(inbox_reason_name(d->inbox), value) != 0)
			fail_msg("message %d: inbox %s, not %s", n, inbox_reason_name(d->inbox), value);
	} else if (strcmp(key, "inbox_flow") == 0) {
		if (!d->inbox_flow || strcmp(d->inbox_flow, value) != 0)
			fail_msg("message %d: inbox flow %s, not %s", n,
				 d->inbox_flow ? d->inbox_flow : "(none)", value);
	} else if (strcmp(key, "state") == 0) {
		if (strcmp(ussd_state_name(d->state), value) != 0)
			fail_msg("message %d: state %s, not %s", n, ussd_state_name(d->state), value);
	} else if (strcmp(key, "end") == 0 || strcmp(key, "con") == 0) {
		if (d->ended != (key[0] == 'e'))
			fail_msg("message %d: the screen %s", n, d->ended ? "ends" : "waits");
	} else if (strcmp(key, "repeat") == 0) {
		if (!d->repeat || d->commit)
			fail_msg("message %d: not a repeat", n);
	} else if (strcmp(key, "runs") == 0) {
		if (w->nruns != atoi(value))
			fail_msg("message %d: %d runs, not %s", n, w->nruns, value);
	} else if (strcmp(key, "exact") == 0) {
		if (strcmp(reply, want) != 0)
			fail_msg("message %d: reply\n%s\nnot exactly\n%s", n, reply, want);
	} else {
		fail_msg("message %d: unknown check %s", n, word);
	}
}

/* The loaded conversation, as store_load_convo would give it: the contact
 * and the run the channel's pointer names.  Borrowed from w except run. */
static void load(struct world *w, enum channel ch, struct convo *c)
{
	memset(c, 0, sizeof(*c));
	c->contact = w->contact;
	if (w->cur[ch] >= 0) {
		c->has_run = true;
		stored_run_copy(&c->run, &w->runs[w->cur[ch]]);
	}
}

static void send_one(struct world *w, const struct typed *m, int n)
{
	char how[32] = "", session[64] = "", code[32] = "";
	const char *p = m->how;
	if (p[0] == '+') {
		w->now += strtol(p + 1, (char **)&p, 10);
		while (*p == ' ')
			p++;
	}
	sscanf(p, "%31s %63s %31s", how, session, code);
	struct policy_in in = {
		.channel = strcmp(how, "sms") == 0 ? CHANNEL_SMS : CHANNEL_USSD,
		.phone = w->contact.phone,
		.text = m->text,
		.now = w->now,
		.with_stats = true,
		.session = session,
		.code = code,
		.dial = strcmp(how, "dial") == 0,
		.one_input = strcmp(how, "smpp") == 0 || strcmp(how, "left") == 0,
		.left = strcmp(how, "left") == 0,
	};
	struct convo c;
	load(w, in.channel, &c);
	decision_release(&w->last);
	policy_decide(&w->cfg, w->flows, &c, &in, &w->last);
	world_apply(w, in.channel, &w->last); /* end_run points into c */
	stored_run_release(&c.run);

	const char *reply = buf_str(&w->last.reply);
	if (m->reply && !*m->reply && *reply)
		fail_msg("message %d (%s): reply '%s', wanted none", n, m->text, reply);
	if (m->reply && !strstr(reply, m->reply))
		fail_msg("message %d (%s): reply\n%s\nlacks\n%s", n, m->text, reply, m->reply);
	char *words = xstrdup(m->expect ? m->expect : "");
	for (char *s = words, *save = NULL, *word; (word = strtok_r(s, " ", &save)); s = NULL)
		check_word(w, word, reply, m->reply ? m->reply : "", n);
	free(words);
}

static void converse(struct world *w, const struct typed *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		send_one(w, &msgs[i], (int)i + 1);
}

#define CONVERSE(w, ...) do { \
		const struct typed msgs_[] = {__VA_ARGS__}; \
		converse((w), msgs_, sizeof(msgs_) / sizeof(msgs_[0])); \
	} while (0)

#define SW_MINERAL "Unachimba madini gani?\n1. Dhahabu\n2. Chumvi"
#define EN_MINERAL "Which mineral do you mine?\n1. Gold\n2. Salt"
#define SW_INCOME "Je, unapata shilingi ngapi kwa wiki?"
#define SW_CHANGE "Badiliko gani lingekusaidia?"
#define SW_RSVP "Je, utakuja kwenye mkutano?\n1. Ndiyo\n2. Hapana"

/* ---- SMS ------------------------------------------------------------------- */

static void test_survey_by_sms(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		/* a first message keeps the number's country */
		{"sms", "utafiti", SW_MINERAL, "exact status:utafiti=active field:country=TZ nolang"},
		{"sms", "chumvi", SW_INCOME, "exact answer:mineral=salt nolang"},
		{"sms", "Tsh 50,000", SW_CHANGE, "exact answer:income=50000"},
		/* a whole survey answered in Swahili: that is their language */
		{"sms", "Maji safi", "Asante!",
		 "exact status:utafiti=completed answer:change=Maji_safi lang=sw"});
	world_release(&w);
}

/* The keyword given for a language starts the flow in it for someone whose
 * language nobody knows yet; a language chosen wins over the keyword. */
static void test_keyword_language(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w, {"sms", "Survey.", EN_MINERAL, "exact status:utafiti=active nolang"},
		 {"sms", "gold", "How many shillings", "answer:mineral=gold"});
	world_release(&w);
	world_init(&w);
	w.contact.lang = xstrdup("sw");
	CONVERSE(&w, {"sms", "SURVEY", SW_MINERAL, "exact status:utafiti=active"});
	world_release(&w);
	world_init(&w);
	CONVERSE(&w, {"sms", "wilaya", "Je, unachimba madini katika wilaya", NULL}); /* any language: the first */
	world_release(&w);
}

static void test_stop_in_a_run(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "UTAFITI", SW_MINERAL, NULL},
		{"sms", "Acha.", "Umejiondoa, hutapokea ujumbe zaidi. Tuma JIUNGE kujiunga tena.",
		 "exact optout status:utafiti=stopped inbox=none"},
		{"sms", "1", "Samahani, hatukuelewa", "inbox=unmatched runs=1"},
		{"sms", "jiunge", "Karibu tena! Umejiunga.", NULL});
	assert_false(w.contact.opted_out);
	world_release(&w);
}

static void test_keyword_in_a_run(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "UTAFITI", SW_MINERAL, NULL},
		{"sms", "1", SW_INCOME, NULL},
		{"sms", "20000", SW_CHANGE, NULL},
		/* a keyword with more words is an answer to a text question */
		{"sms", "MKUTANO wa kijiji", "Asante!", "answer:change=MKUTANO_wa_kijiji status:utafiti=completed"},
		{"sms", "UTAFITI", SW_MINERAL, "runs=2"},
		/* the keyword alone starts its flow: the survey is interrupted */
		{"sms", "mkutano", SW_RSVP, "exact status:utafiti=interrupted status:mkutano=active runs=3"},
		{"sms", "1", "Asante, rafiki.", "exact status:mkutano=completed answer:rsvp=ndiyo"});
	world_release(&w);
}

/* {contact.name|rafiki}: the name when there is one, the default for an
 * empty or missing one. */
static void test_placeholder_default(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	fields_set(&w.contact.fields, "name", "Amina");
	CONVERSE(&w, {"sms", "MKUTANO", SW_RSVP, NULL},
		{"sms", "2", "Asante, Amina.", "exact"});
	fields_set(&w.contact.fields, "name", "");
	CONVERSE(&w, {"sms", "MKUTANO", SW_RSVP, NULL},
		{"sms", "2", "Asante, rafiki.", "exact"});
	world_release(&w);
}

static void test_same_keyword_restarts(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "UTAFITI", SW_MINERAL, NULL},
		{"sms", "2", SW_INCOME, NULL},
		/* no language chosen: the English keyword, the English flow */
		{"sms", "survey", EN_MINERAL, "runs=2"});
	/* Starting the same flow again leaves the first run as expired, as
	 * the first round did: the person was not taken elsewhere. */
	assert_int_equal(w.runs[0].status, RUN_EXPIRED);
	assert_int_equal(w.runs[1].status, RUN_ACTIVE);
	world_release(&w);
}

static void test_expired_run_then_text(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "UTAFITI", SW_MINERAL, NULL},
		{"+300000 sms", "dhahabu", "Samahani, hatukuelewa ujumbe wako. Tuma MKUTANO, UTAFITI, WILAYA kuanza",
		 "status:utafiti=expired inbox=after_end inbox_flow=utafiti"});
	world_release(&w);
}

static void test_language_change(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "UTAFITI", SW_MINERAL, NULL},
		/* the menu lists the languages of the flow at hand */
		{"sms", "lugha", "Chagua lugha / Choose language:\n1. Kiswahili\n2. English", "exact"},
		{"sms", "2", "Your language is now English.\n" EN_MINERAL, "exact lang=en status:utafiti=active"},
		{"sms", "gold", "How many shillings", "answer:mineral=gold"});
	world_release(&w);
}

static void test_language_menu_names_own_languages(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "SONDAGE", "Travaillez-vous", NULL},
		{"sms", "LANGUAGE", "1. Français\n2. English", NULL},
		{"sms", "1", "Votre langue est maintenant : Français.\nTravaillez-vous", "lang=fr"},
		/* without a run: every flow's languages */
		{"sms", "oui", "Merci !", "status:sondage=completed"},
		{"sms", "lugha", "1. Kiswahili\n2. English\n3. Français", NULL},
		{"sms", "kiswahili", "Lugha yako sasa ni Kiswahili.", "exact lang=sw"},
		{"sms", "lugha", NULL, NULL},
		{"sms", "hakuna", "Samahani, hatukuelewa", "lang=sw"});
	world_release(&w);
}

static void test_invalid_then_given_up(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "UTAFITI", SW_MINERAL, NULL},
		{"sms", "shaba", "Tafadhali jibu kwa namba 1 hadi 2.\n" SW_MINERAL, "exact inbox=none"},
		{"sms", "5", "Tafadhali jibu kwa namba 1 hadi 2.", "inbox=none"},
		{"sms", "shaba", SW_INCOME, "exact inbox=invalid inbox_flow=utafiti answer:mineral="});
	world_release(&w);
}

/* The list fits one SMS, the retry text with it would not: the retry gives
 * the question without its list, in one SMS. */
static void test_retry_fits_one_sms(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "wilaya", "Je, unachimba madini katika wilaya gani?\n1. Geita Vijijini", NULL},
		{"sms", "Mwanza", "Tafadhali jibu kwa namba 1 hadi 6.\n"
		 "Je, unachimba madini katika wilaya gani?", "exact"},
		{"sms", "3", "Asante!", "answer:district=kahama"});
	world_release(&w);
}

static void test_money_forms(void **state)
{
	(void)state;
	static const char *const forms[][2] = {
		{"Tsh 50,000", "50000"}, {"50,000/=", "50000"}, {"50 000", "50000"},
		{"TZS 1,250,000", "1250000"}, {"sh. 700", "700"}, {"2,5", "2.5"},
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct world w;
		world_init(&w);
		char expect[64];
		snprintf(expect, sizeof(expect), "answer:income=%s", forms[i][1]);
		const struct typed msgs[] = {
			{"sms", "UTAFITI", NULL, NULL},
			{"sms", "1", NULL, NULL},
			{"sms", forms[i][0], SW_CHANGE, expect},
		};
		converse(&w, msgs, 3);
		world_release(&w);
	}
}

static void test_unmatched_and_after_end(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "habari", "Samahani, hatukuelewa", "inbox=unmatched"},
		{"sms", "MKUTANO", SW_RSVP, "inbox=none"},
		{"sms", "ndiyo", "Asante", "status:mkutano=completed"},
		{"sms", "asante sana", "Samahani, hatukuelewa", "inbox=after_end inbox_flow=mkutano"},
		/* after the flow's expiry it belongs to no run */
		{"+200000 sms", "habari tena", NULL, "inbox=unmatched"});
	world_release(&w);
}

static void test_help(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"sms", "msaada", "Tuma MKUTANO, UTAFITI, WILAYA kuanza.", "inbox=none"},
		{"sms", "MSAADA pampu imeharibika", "Tuma MKUTANO", "inbox=help"});
	assert_null(strstr(buf_str(&w.last.reply), "bure"));
	w.cfg.replies_free = true;
	CONVERSE(&w, {"sms", "help", "LUGHA: kubadili lugha. Kujibu ni bure.", NULL});
	/* In English: the flows that speak it, each by its English keyword
	 * (one without keywords per language by its first). */
	w.contact.lang = xstrdup("en");
	CONVERSE(&w, {"sms", "HELP", "Send MEETING, SONDAGE, SURVEY, WILAYA to start.", NULL});
	/* In French (built in), its own word AIDE too: only the flow that
	 * speaks it. */
	free(w.contact.lang);
	w.contact.lang = xstrdup("fr");
	CONVERSE(&w, {"sms", "aide", "Envoyez SONDAGE pour commencer. ARRET", NULL},
		{"sms", "help", "LANGUE : changer de langue. Les r\xC3\xA9ponses sont gratuites.", NULL});
	world_release(&w);
}

/* ---- USSD ------------------------------------------------------------------ */

static void test_ussd_resume_offer(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"dial S1 *150*88#", "", SW_MINERAL, "exact con state=in_run"},
		{"ussd S1", "1", SW_INCOME, "answer:mineral=gold"},
		/* the session drops; a new dial offers to continue */
		{"dial S2 *150*88#", "", "Karibu tena! Je, ungependa kuendelea ulipoishia?\n1. Endelea\n2. Anza upya",
		 "exact con state=resume_offered"},
		{"ussd S2", "7", "Karibu tena!", "state=resume_offered"},
		{"ussd S2", "7*1", SW_INCOME, "exact state=in_run"},
		{"ussd S2", "7*1*300", SW_CHANGE, "answer:income=300"},
		{"dial S3 *150*88#", "", "ulipoishia", "state=resume_offered"},
		{"ussd S3", "2", SW_MINERAL, "exact runs=2 status:utafiti=active"});
	assert_int_equal(w.runs[0].status, RUN_EXPIRED);
	world_release(&w);
}

/* A dialect's "the person left" (Hubtel Release, Beem terminate): the run
 * waits where it was, the session is over for sauti too, and the next dial
 * offers to resume even in a session id the aggregator uses again. */
static void test_ussd_person_left(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"dial S1 *150*88#", "", SW_MINERAL, NULL},
		{"smpp S1", "1", SW_INCOME, "answer:mineral=gold"},
		{"left S1", "", "", "end state=ended status:utafiti=active"},
		{"smpp S1", "5", "Samahani, huduma hii haipatikani", "end state=ended"},
		{"dial S1 *150*88#", "", "Karibu tena!", "state=resume_offered"},
		{"smpp S1", "1", SW_INCOME, "exact state=in_run"},
		{"smpp S1", "500", SW_CHANGE, "answer:income=500 runs=1"},
		/* leaving a session sauti holds no run for changes nothing */
		{"left S9", "", "", "end state=ended runs=1"});
	world_release(&w);
}

static void test_ussd_repeats(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"dial S1 *150*88#", "", SW_MINERAL, NULL},
		{"dial S1 *150*88#", "", SW_MINERAL, "exact repeat state=in_run"},
		{"ussd S1", "2", SW_INCOME, "answer:mineral=salt"},
		{"ussd S1", "2", SW_INCOME, "exact repeat"},
		{"ussd S1", "2*10", SW_CHANGE, "answer:income=10"});
	world_release(&w);
}

static void test_ussd_lost_requests(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"dial S1 *150*88#", "", NULL, NULL},
		/* the requests for "1" and "1*4000" never came */
		{"ussd S1", "1*4000*Barabara", "Asante!", "exact end state=ended status:utafiti=completed "
		 "answer:mineral=gold answer:income=4000 answer:change=Barabara"},
		/* the session is over: an answer in it closes */
		{"ussd S1", "1*4000*Barabara*1", "Samahani, huduma hii haipatikani", "end state=ended"});
	world_release(&w);
}

static void test_ussd_star_in_text_answer(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"dial S1 *150*88#", "", NULL, NULL},
		{"ussd S1", "2", NULL, NULL},
		{"ussd S1", "2*100", SW_CHANGE, NULL},
		{"ussd S1", "2*100*bei ya *chumvi*", "Asante!", "end answer:change=bei_ya_*chumvi*"});
	world_release(&w);
}

static void test_ussd_smpp_inputs_one_by_one(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"dial K1 *150*88#", "", SW_MINERAL, NULL},
		{"smpp K1", "1", SW_INCOME, NULL},
		/* over SMPP the same text again is a new answer, not a repeat */
		{"smpp K1", "1", SW_CHANGE, "answer:income=1"},
		{"smpp K1", "a*b", "Asante!", "answer:change=a*b end"});
	world_release(&w);
}

static void test_ussd_other_code_interrupts(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"dial S1 *150*88#", "", SW_MINERAL, NULL},
		{"ussd S1", "1", SW_INCOME, NULL},
		{"dial S2 *150*99#", "", SW_RSVP, "exact status:utafiti=interrupted status:mkutano=active"},
		{"dial S3 *150*00#", "", "Samahani, huduma hii haipatikani kwa sasa.", "exact end"});
	world_release(&w);
}

/* The words that always work, typed on a USSD screen (docs/flows.md): STOP
 * ends the runs and the session; HELP and JOIN answer and close it, the run
 * waiting for a redial; LANGUAGE shows the menu and its answer goes on at
 * the same screen, in the cumulative text of Africa's Talking too. */
static void test_ussd_words(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	CONVERSE(&w,
		{"dial S1 *150*88#", "", SW_MINERAL, NULL},
		{"ussd S1", "1", SW_INCOME, "answer:mineral=gold"},
		{"ussd S1", "1*lugha", "1. Kiswahili\n2. English", "con state=in_run"},
		{"ussd S1", "1*lugha*2", "Your language is now English.\nHow many shillings",
		 "con lang=en"},
		{"ussd S1", "1*lugha*2*300", "What change", "answer:income=300"},
		{"ussd S1", "1*lugha*2*300*help", "Send", "end status:utafiti=active"},
		{"dial S2 *150*88#", "", "Welcome back", "state=resume_offered"},
		{"ussd S2", "STOP", "You are unsubscribed",
		 "end optout status:utafiti=stopped"},
		/* a dial of their own still starts a survey, in their language */
		{"dial S3 *150*88#", "", "Which mineral do you mine?", "con"});
	world_release(&w);
	world_init(&w);
	CONVERSE(&w,
		{"dial S1 *150*88#", "", SW_MINERAL, NULL},
		{"smpp S1", "Acha", "Umejiondoa, hutapokea ujumbe zaidi.", "end optout status:utafiti=stopped"},
		{"dial S2 *150*88#", "", SW_MINERAL, NULL},
		{"smpp S2", "jiunge", "Karibu tena! Umejiunga.", "end"});
	assert_false(w.contact.opted_out);
	world_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_survey_by_sms),
		cmocka_unit_test(test_keyword_language),
		cmocka_unit_test(test_stop_in_a_run),
		cmocka_unit_test(test_keyword_in_a_run),
		cmocka_unit_test(test_placeholder_default),
		cmocka_unit_test(test_same_keyword_restarts),
		cmocka_unit_test(test_expired_run_then_text),
		cmocka_unit_test(test_language_change),
		cmocka_unit_test(test_language_menu_names_own_languages),
		cmocka_unit_test(test_invalid_then_given_up),
		cmocka_unit_test(test_retry_fits_one_sms),
		cmocka_unit_test(test_money_forms),
		cmocka_unit_test(test_unmatched_and_after_end),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_ussd_resume_offer),
		cmocka_unit_test(test_ussd_person_left),
		cmocka_unit_test(test_ussd_repeats),
		cmocka_unit_test(test_ussd_lost_requests),
		cmocka_unit_test(test_ussd_star_in_text_answer),
		cmocka_unit_test(test_ussd_smpp_inputs_one_by_one),
		cmocka_unit_test(test_ussd_other_code_interrupts),
		cmocka_unit_test(test_ussd_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
