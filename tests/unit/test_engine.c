/* test_engine.c -- the flow engine as data, in the style of jq's tests: a
 * flow, the replies a person types, the messages or screens they get back,
 * and what the run holds at the end.
 *
 * Flows are built in C with the small builder below, not loaded from YAML,
 * so that these tests exercise the engine alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "fields.h"
#include "flow.h"
#include "text.h"

/* ---- a flow builder ------------------------------------------------------ */

#define FB_MAX_STEPS 32

/* A text in the flow's languages, in order: tx("sw text", "en text"). */
static struct flow_text tx(const char *first, const char *second)
{
	struct flow_text t;
	memset(&t, 0, sizeof(t));
	t.t[0] = first ? xstrdup(first) : NULL;
	t.t[1] = second ? xstrdup(second) : NULL;
	return t;
}

/* langs: space-separated codes, "sw en". */
static struct flow *fb_flow(const char *id, const char *langs)
{
	struct flow *f = xcalloc(1, sizeof(*f));
	char *copy = xstrdup(langs), *save = NULL;

	f->id = xstrdup(id);
	f->kind = FLOW_SURVEY;
	f->expire = FLOW_DEFAULT_EXPIRE;
	for (char *l = strtok_r(copy, " ", &save); l && f->nlangs <
	     FLOW_MAX_LANGS; l = strtok_r(NULL, " ", &save))
		f->langs[f->nlangs++] = xstrdup(l);
	free(copy);
	/* room for every step up front: step pointers stay valid */
	f->steps = xcalloc(FB_MAX_STEPS, sizeof(*f->steps));
	return f;
}

static struct flow_step *fb_step(struct flow *f, const char *id,
				 enum step_type type, struct flow_text text)
{
	struct flow_step *s;

	assert_true(f->nsteps < FB_MAX_STEPS);
	s = &f->steps[f->nsteps++];
	s->id = xstrdup(id);
	s->type = type;
	s->text = text;
	s->next = -1;
	s->branch_default = -1;
	s->retries = FLOW_DEFAULT_RETRIES;
	s->text_max = FLOW_DEFAULT_TEXT_MAX;
	return s;
}

static struct flow_step *fb_ask(struct flow *f, const char *id,
				enum ask_type ask, const char *save,
				struct flow_text text)
{
	struct flow_step *s = fb_step(f, id, STEP_ASK, text);
	s->ask = ask;
	s->save = save ? xstrdup(save) : NULL;
	return s;
}

static void fb_choice(struct flow_step *s, const char *key,
		      struct flow_text label)
{
	s->choices = xrealloc(s->choices,
			      (s->nchoices + 1) * sizeof(*s->choices));
	/* nothing folded: the engine folds as it reads (struct flow_choice) */
	s->choices[s->nchoices++] = (struct flow_choice){.key = xstrdup(key), .label = label};
}

static void fb_range(struct flow_step *s, double min, double max)
{
	s->min = min;
	s->max = max;
	s->has_min = s->has_max = true;
}

static int fb_index(const struct flow *f, const char *id)
{
	int i = flow_step_index(f, id);
	if (i < 0)
		fail_msg("builder: no step %s", id);
	return i;
}

static void fb_next(struct flow *f, const char *from, const char *to)
{
	f->steps[fb_index(f, from)].next = fb_index(f, to);
}

/* value "default" sets the branch default. */
static void fb_branch(struct flow *f, const char *from, const char *value,
		      const char *to)
{
	struct flow_step *s = &f->steps[fb_index(f, from)];

	if (strcmp(value, "default") == 0) {
		s->branch_default = fb_index(f, to);
		return;
	}
	s->branches = xrealloc(s->branches,
			       (s->nbranches + 1) * sizeof(*s->branches));
	s->branches[s->nbranches].value = xstrdup(value);
	s->branches[s->nbranches++].target = fb_index(f, to);
}

static void fb_var(struct flow *f, const char *name, struct flow_text value)
{
	f->vars = xrealloc(f->vars, (f->nvars + 1) * sizeof(*f->vars));
	f->vars[f->nvars].name = xstrdup(name);
	f->vars[f->nvars++].value = value;
}

static void fb_text_free(struct flow_text *t)
{
	for (int i = 0; i < FLOW_MAX_LANGS; i++)
		free(t->t[i]);
}

static void fb_free(struct flow *f)
{
	for (size_t i = 0; i < f->nsteps; i++) {
		struct flow_step *s = &f->steps[i];
		free(s->id);
		fb_text_free(&s->text);
		for (size_t c = 0; c < s->nchoices; c++) {
			free(s->choices[c].key);
			fb_text_free(&s->choices[c].label);
		}
		free(s->choices);
		free(s->save);
		for (size_t b = 0; b < s->nbranches; b++)
			free(s->branches[b].value);
		free(s->branches);
		fb_text_free(&s->invalid);
	}
	for (size_t i = 0; i < f->nvars; i++) {
		free(f->vars[i].name);
		fb_text_free(&f->vars[i].value);
	}
	for (size_t i = 0; i < f->nlangs; i++)
		free(f->langs[i]);
	free(f->vars);
	free(f->steps);
	free(f->id);
	free(f);
}

/* ---- the flows ----------------------------------------------------------- */

/* The complete example of flows.md, as written there. */
static struct flow *flow_baseline(void)
{
	struct flow *f = fb_flow("baseline", "sw en");
	struct flow_step *s;

	fb_var(f, "org", tx("IIED", "IIED"));
	s = fb_ask(f, "consent", ASK_CHOICES, "consent", tx(
		"{vars.org} inauliza maswali 4 mafupi kuhusu kazi yako. Kujibu ni bure. Uendelee?",
		"{vars.org} asks 4 short questions about your work. Replies are free. Continue?"));
	fb_choice(s, "yes", tx("Ndiyo", "Yes"));
	fb_choice(s, "no", tx("Hapana", "No"));
	s = fb_ask(f, "mineral", ASK_CHOICES, "mineral", tx(
		"Unachimba madini gani zaidi?", "Which mineral do you mine most?"));
	fb_choice(s, "gold", tx("Dhahabu", "Gold"));
	fb_choice(s, "gemstones", tx("Vito", "Gemstones"));
	fb_choice(s, "salt", tx("Chumvi", "Salt"));
	fb_choice(s, "other", tx("Mengineyo", "Other"));
	s = fb_ask(f, "years", ASK_NUMBER, "years", tx(
		"Umechimba kwa miaka mingapi?", "For how many years have you mined?"));
	fb_range(s, 0, 80);
	s = fb_ask(f, "change", ASK_TEXT, "change", tx(
		"Badiliko gani moja lingekusaidia zaidi?",
		"What one change would help you most?"));
	s->text_max = 320;
	fb_step(f, "thanks", STEP_END, tx("Asante! Tutakutumia matokeo.",
		"Thank you! We will send you the results."));
	fb_step(f, "goodbye", STEP_END, tx(
		"Sawa. Tuma UTAFITI wakati wowote kushiriki.",
		"OK. Send UTAFITI any time to take part."));
	fb_branch(f, "consent", "no", "goodbye");
	return f;
}

#define SW_CONSENT "IIED inauliza maswali 4 mafupi kuhusu kazi yako. " \
	"Kujibu ni bure. Uendelee?\n1. Ndiyo\n2. Hapana"
#define EN_CONSENT "IIED asks 4 short questions about your work. " \
	"Replies are free. Continue?\n1. Yes\n2. No"
#define SW_MINERAL "Unachimba madini gani zaidi?\n" \
	"1. Dhahabu\n2. Vito\n3. Chumvi\n4. Mengineyo"
#define EN_MINERAL "Which mineral do you mine most?\n" \
	"1. Gold\n2. Gemstones\n3. Salt\n4. Other"
#define SW_YEARS "Umechimba kwa miaka mingapi?"
#define EN_YEARS "For how many years have you mined?"
#define SW_CHANGE "Badiliko gani moja lingekusaidia zaidi?"
#define EN_CHANGE "What one change would help you most?"
#define SW_THANKS "Asante! Tutakutumia matokeo."
#define EN_THANKS "Thank you! We will send you the results."
#define SW_GOODBYE "Sawa. Tuma UTAFITI wakati wowote kushiriki."
#define SW_BAD_MINERAL "Tafadhali jibu kwa namba 1 hadi 4."
#define SW_BAD_YEARS "Tafadhali jibu kwa namba kati ya 0 na 80."
#define EN_BAD_YEARS "Please reply with a number from 0 to 80."

/* A language step first; then the flow goes on in the language chosen. */
static struct flow *flow_language(void)
{
	struct flow *f = fb_flow("lugha", "sw en");
	struct flow_step *s;

	fb_step(f, "lang", STEP_LANGUAGE, tx("Chagua lugha:",
					     "Choose your language:"));
	s = fb_ask(f, "ok", ASK_CHOICES, "ok", tx("Uko tayari?", "Are you ready?"));
	fb_choice(s, "yes", tx("Ndiyo", "Yes"));
	fb_choice(s, "no", tx("Hapana", "No"));
	fb_step(f, "bye", STEP_END, tx("Kwaheri.", "Goodbye."));
	return f;
}

/* Says are joined to what follows: the next prompt, or the end. */
static struct flow *flow_says(void)
{
	struct flow *f = fb_flow("says", "sw en");
	struct flow_step *s;

	fb_step(f, "hello", STEP_SAY, tx("Karibu!", "Welcome!"));
	fb_step(f, "free", STEP_SAY, tx("Kujibu ni bure.", "Replies are free."));
	s = fb_ask(f, "age", ASK_NUMBER, "age", tx("Una miaka mingapi?",
						   "How old are you?"));
	s->has_min = true;
	s->min = 10;
	fb_step(f, "noted", STEP_SAY, tx("Tumepokea {answers.age}.",
					 "Got {answers.age}."));
	fb_step(f, "end", STEP_END, tx("Asante.", "Thank you."));
	return f;
}

/* branch by key, branch default, next, and running off the last step. */
static struct flow *flow_branch(void)
{
	struct flow *f = fb_flow("branch", "en");
	struct flow_step *s;

	s = fb_ask(f, "color", ASK_CHOICES, "color", tx("Pick a color", NULL));
	fb_choice(s, "red", tx("Red", NULL));
	fb_choice(s, "green", tx("Green", NULL));
	fb_choice(s, "blue", tx("Blue", NULL));
	s->retries = 0;
	fb_step(f, "is_red", STEP_SAY, tx("Red it is.", NULL));
	fb_step(f, "is_other", STEP_SAY, tx("Not red.", NULL));
	s = fb_ask(f, "why", ASK_TEXT, "why", tx("Why?", NULL));
	s->text_max = 10;
	s->has_invalid = true;
	s->invalid = tx("Ten letters at most, please.", NULL);
	s = fb_step(f, "skipped", STEP_SAY, tx("never shown", NULL));
	fb_step(f, "last", STEP_SAY, tx("That was all.", NULL));
	fb_branch(f, "color", "red", "is_red");
	fb_branch(f, "color", "default", "is_other");
	fb_next(f, "is_red", "why");
	fb_next(f, "why", "last");
	return f;
}

/* An answer shown back: a choice by its label in the run's language. */
static struct flow *flow_echo(void)
{
	struct flow *f = fb_flow("echo", "sw en");
	struct flow_step *s;

	s = fb_ask(f, "mineral", ASK_CHOICES, "mineral",
		   tx("Madini gani?", "Which mineral?"));
	fb_choice(s, "gold", tx("Dhahabu", "Gold"));
	fb_choice(s, "salt", tx("Chumvi", "Salt"));
	s = fb_ask(f, "tonnes", ASK_NUMBER, "tonnes",
		   tx("Tani ngapi?", "How many tonnes?"));
	s->retries = 1;
	fb_step(f, "end", STEP_END, tx(
		"{contact.name}, umechagua {answers.mineral}, tani {answers.tonnes}. "
		"{stats.echo.mineral.gold.pct}% walichagua Dhahabu.{contact.none}",
		"{contact.name}, you chose {answers.mineral}, {answers.tonnes} t. "
		"{stats.echo.mineral.gold.pct}% chose gold.{stats.none}"));
	return f;
}

/* Twelve choices: one SMS, but more than one USSD screen. */
static struct flow *flow_twelve(void)
{
	static const char *const c[][3] = {
		{"hardrock", "Dhahabu ya miambani", "Hard rock gold"},
		{"alluvial", "Dhahabu ya mchanga", "Alluvial gold"},
		{"tanzanite", "Tanzanite", "Tanzanite"},
		{"gemstones", "Vito vingine", "Other gemstones"},
		{"salt", "Chumvi", "Salt"},
		{"gypsum", "Jasi", "Gypsum"},
		{"copper", "Shaba", "Copper"},
		{"tin", "Bati", "Tin"},
		{"limestone", "Chokaa", "Limestone"},
		{"sand", "Mchanga wa ujenzi", "Building sand"},
		{"coal", "Makaa ya mawe", "Coal"},
		{"other", "Madini mengine", "Another mineral"},
	};
	struct flow *f = fb_flow("twelve", "sw en");
	struct flow_step *s;

	s = fb_ask(f, "mineral", ASK_CHOICES, "mineral", tx(
		"Unachimba madini gani zaidi? Chagua moja:",
		"Which mineral do you mine most? Choose one:"));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		fb_choice(s, c[i][0], tx(c[i][1], c[i][2]));
	fb_step(f, "end", STEP_END, tx("Asante: {answers.mineral}.",
				       "Thanks: {answers.mineral}."));
	return f;
}

#define SW_TWELVE_SMS "Unachimba madini gani zaidi? Chagua moja:\n" \
	"1. Dhahabu ya miambani\n2. Dhahabu ya mchanga\n3. Tanzanite\n" \
	"4. Vito vingine\n5. Chumvi\n6. Jasi\n7. Shaba\n8. Bati\n" \
	"9. Chokaa\n10. Mchanga wa ujenzi\n11. Makaa ya mawe\n" \
	"12. Madini mengine"

/* Labels with letters beyond ASCII, in French and Twi: read in any case. */
static struct flow *flow_accents(void)
{
	struct flow *f = fb_flow("accents", "fr tw");
	struct flow_step *s;

	s = fb_ask(f, "work", ASK_CHOICES, "work",
		   tx("Votre m\xC3\xA9tier ?", "Wo adwuma?"));
	fb_choice(s, "herder", tx("\xC3\x89leveur", "Nnwanhw\xC9\x9B" "fo\xC9\x94"));
	fb_choice(s, "farmer", tx("Agriculteur", "\xC6\x86kuafo\xC9\x94"));
	fb_choice(s, "school", tx("\xC3\x89" "cole primaire", "Sukuu"));
	fb_step(f, "end", STEP_END, tx("Merci : {answers.work}.",
				       "Meda wo ase: {answers.work}."));
	return f;
}

#define FR_WORK "Votre m\xC3\xA9tier ?\n1. \xC3\x89leveur\n2. Agriculteur\n" \
	"3. \xC3\x89" "cole primaire"
#define TW_WORK "Wo adwuma?\n1. Nnwanhw\xC9\x9B" "fo\xC9\x94\n" \
	"2. \xC6\x86kuafo\xC9\x94\n3. Sukuu"

/* Six languages: the language list itself is paged on a small screen. */
static struct flow *flow_many_langs(void)
{
	struct flow *f = fb_flow("langs", "sw en fr pt ha ee");
	struct flow_text t;

	memset(&t, 0, sizeof(t));
	t.t[0] = xstrdup("Lugha?");
	for (int i = 1; i < 6; i++)
		t.t[i] = xstrdup("Language?");
	fb_step(f, "lang", STEP_LANGUAGE, t);
	static const char *const ok[] = {
		"Sawa.", "OK.", "D'accord.", "Certo.", "To.", "Yoo.",
	};
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < 6; i++)
		t.t[i] = xstrdup(ok[i]);
	fb_step(f, "end", STEP_END, t);
	return f;
}

/* ---- the cases ----------------------------------------------------------- */

#define START NULL      /* the exchange that starts the run */
#define MAX_EXCHANGES 16

struct exchange {
	const char *in;         /* what the person types; START first */
	const char *out;        /* the message or screen they get */
};

struct engine_case {
	const char *name;
	struct flow *(*build)(void);
	size_t ussd;            /* USSD max chars; 0 for SMS */
	const char *lang;       /* the run's language */
	const char *contact;    /* "name=Amina;district=Geita" */
	struct exchange ex[MAX_EXCHANGES];
	const char *answers;    /* "name=value;..." at the end */
	enum run_status status;
};

static const struct engine_case cases[] = {
	{"baseline, all by number, sw", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"1", SW_MINERAL},
		{"1", SW_YEARS},
		{"12", SW_CHANGE},
		{"  Maji  safi ya kuosha\n", SW_THANKS},
	 }, "consent=yes;mineral=gold;years=12;change=Maji  safi ya kuosha",
	 RUN_COMPLETED},
	{"baseline, en", flow_baseline, 0, "en", NULL, {
		{START, EN_CONSENT},
		{"Yes", EN_MINERAL},
		{"salt", EN_YEARS},
		{"3", EN_CHANGE},
		{"Fair prices", EN_THANKS},
	 }, "consent=yes;mineral=salt;years=3;change=Fair prices", RUN_COMPLETED},
	{"choice by number with space and dot", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{" 1.", SW_MINERAL},
	 }, "consent=yes", RUN_ACTIVE},
	{"choice by label", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"ndiyo", SW_MINERAL},
	 }, "consent=yes", RUN_ACTIVE},
	{"choice by label, capitalised", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"Ndiyo", SW_MINERAL},
	 }, "consent=yes", RUN_ACTIVE},
	{"choice by label, shouted", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"NDIYO", SW_MINERAL},
	 }, "consent=yes", RUN_ACTIVE},
	{"choice by label in another language", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"yes", SW_MINERAL},
	 }, "consent=yes", RUN_ACTIVE},
	{"choice by key, and by label with a dot", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"Ndiyo.", SW_MINERAL},
		{"gold", SW_YEARS},
	 }, "consent=yes;mineral=gold", RUN_ACTIVE},
	{"choice by key in capitals", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"1", SW_MINERAL},
		{" GEMSTONES ", SW_YEARS},
	 }, "consent=yes;mineral=gemstones", RUN_ACTIVE},
	{"branch by key to the goodbye end", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"Hapana", SW_GOODBYE},
	 }, "consent=no", RUN_COMPLETED},
	{"invalid choice, asked again", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"1", SW_MINERAL},
		{"5", SW_BAD_MINERAL "\n" SW_MINERAL},
		{"almasi", SW_BAD_MINERAL "\n" SW_MINERAL},
		{"vito", SW_YEARS},
	 }, "consent=yes;mineral=gemstones", RUN_ACTIVE},
	{"invalid choice after the retries: empty answer", flow_baseline, 0,
	 "sw", NULL, {
		{START, SW_CONSENT},
		{"ok", "Tafadhali jibu kwa namba 1 hadi 2.\n" SW_CONSENT},
		{"", "Tafadhali jibu kwa namba 1 hadi 2.\n" SW_CONSENT},
		{"sijui", SW_MINERAL},
	 }, "consent=", RUN_ACTIVE},
	{"number with a decimal comma", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"1", SW_MINERAL},
		{"1", SW_YEARS},
		{"1,5", SW_CHANGE},
	 }, "consent=yes;mineral=gold;years=1.5", RUN_ACTIVE},
	{"number out of range, retries, moves on empty", flow_baseline, 0,
	 "sw", NULL, {
		{START, SW_CONSENT},
		{"1", SW_MINERAL},
		{"1", SW_YEARS},
		{"81", SW_BAD_YEARS "\n" SW_YEARS},
		{"-1", SW_BAD_YEARS "\n" SW_YEARS},
		{"mingi", SW_CHANGE},
	 }, "consent=yes;mineral=gold;years=", RUN_ACTIVE},
	{"number at the bounds, en", flow_baseline, 0, "en", NULL, {
		{START, EN_CONSENT},
		{"1", EN_MINERAL},
		{"1", EN_YEARS},
		{"80.5", EN_BAD_YEARS "\n" EN_YEARS},
		{"80", EN_CHANGE},
	 }, "consent=yes;mineral=gold;years=80", RUN_ACTIVE},
	{"empty text is asked again", flow_baseline, 0, "sw", NULL, {
		{START, SW_CONSENT},
		{"1", SW_MINERAL},
		{"1", SW_YEARS},
		{"0", SW_CHANGE},
		{" \t ", "Tafadhali andika jibu lako.\n" SW_CHANGE},
		{"Soko", SW_THANKS},
	 }, "consent=yes;mineral=gold;years=0;change=Soko", RUN_COMPLETED},
	{"branch default, text max in characters, own invalid text, next, "
	 "running off the end", flow_branch, 0, "en", NULL, {
		{START, "Pick a color\n1. Red\n2. Green\n3. Blue"},
		{"green", "Not red.\nWhy?"},
		{"12345678901", "Ten letters at most, please.\nWhy?"},
		/* ten characters, fourteen bytes */
		{"\xC3\xA9t\xC3\xA9 \xC3\xA0 l\xC3\xA0 o", "That was all."},
	 }, "color=green;why=\xC3\xA9t\xC3\xA9 \xC3\xA0 l\xC3\xA0 o",
	 RUN_COMPLETED},
	{"branch by key, then next over a step", flow_branch, 0, "en", NULL, {
		{START, "Pick a color\n1. Red\n2. Green\n3. Blue"},
		{"1", "Red it is.\nWhy?"},
		{"Bright", "That was all."},
	 }, "color=red;why=Bright", RUN_COMPLETED},
	{"no retries: the first invalid reply moves on, branch default",
	 flow_branch, 0, "en", NULL, {
		{START, "Pick a color\n1. Red\n2. Green\n3. Blue"},
		{"purple", "Not red.\nWhy?"},
	 }, "color=", RUN_ACTIVE},
	{"says joined to the prompt, and to the end", flow_says, 0, "sw", NULL, {
		{START, "Karibu!\nKujibu ni bure.\nUna miaka mingapi?"},
		{"9", "Tafadhali jibu kwa namba isiyopungua 10.\n"
		      "Una miaka mingapi?"},
		{"34", "Tumepokea 34.\nAsante."},
	 }, "age=34", RUN_COMPLETED},
	{"language step by number", flow_language, 0, "sw", NULL, {
		{START, "Chagua lugha:\n1. Kiswahili\n2. English"},
		{"2", "Are you ready?\n1. Yes\n2. No"},
		{"yes", "Goodbye."},
	 }, "ok=yes", RUN_COMPLETED},
	{"language step by own name", flow_language, 0, "en", NULL, {
		{START, "Choose your language:\n1. Kiswahili\n2. English"},
		{" kiswahili.", "Uko tayari?\n1. Ndiyo\n2. Hapana"},
		{"hapana", "Kwaheri."},
	 }, "ok=no", RUN_COMPLETED},
	{"language step by code, and invalid", flow_language, 0, "sw", NULL, {
		{START, "Chagua lugha:\n1. Kiswahili\n2. English"},
		{"3", "Tafadhali jibu kwa namba 1 hadi 2.\n"
		      "Chagua lugha:\n1. Kiswahili\n2. English"},
		{"EN", "Are you ready?\n1. Yes\n2. No"},
	 }, "", RUN_ACTIVE},
	{"answers, contact and stats placeholders, sw", flow_echo, 0, "sw",
	 "name=Amina;district=Geita", {
		{START, "Madini gani?\n1. Dhahabu\n2. Chumvi"},
		{"gold", "Tani ngapi?"},
		{"2,50", "Amina, umechagua Dhahabu, tani 2.5. "
			 "60% walichagua Dhahabu."},
	 }, "mineral=gold;tonnes=2.5", RUN_COMPLETED},
	{"answers placeholder in en, number left empty", flow_echo, 0, "en",
	 NULL, {
		{START, "Which mineral?\n1. Gold\n2. Salt"},
		{"chumvi", "How many tonnes?"},
		{"many", "Please reply with a number.\nHow many tonnes?"},
		{"lots", ", you chose Salt,  t. 60% chose gold."},
	 }, "mineral=salt;tonnes=", RUN_COMPLETED},
	{"twelve choices over SMS: one message", flow_twelve, 0, "sw", NULL, {
		{START, SW_TWELVE_SMS},
		{"12", "Asante: Madini mengine."},
	 }, "mineral=other", RUN_COMPLETED},
	{"twelve choices over USSD: pages, 98 and 0", flow_twelve, 182, "sw",
	 NULL, {
		{START, "Unachimba madini gani zaidi? Chagua moja:\n"
			"1. Dhahabu ya miambani\n2. Dhahabu ya mchanga\n"
			"3. Tanzanite\n4. Vito vingine\n5. Chumvi\n6. Jasi\n"
			"7. Shaba\n8. Bati\n9. Chokaa\n98. Zaidi"},
		{"98", "Unachimba madini gani zaidi? Chagua moja:\n"
		       "10. Mchanga wa ujenzi\n11. Makaa ya mawe\n"
		       "12. Madini mengine\n0. Rudi"},
		{"0", "Unachimba madini gani zaidi? Chagua moja:\n"
		      "1. Dhahabu ya miambani\n2. Dhahabu ya mchanga\n"
		      "3. Tanzanite\n4. Vito vingine\n5. Chumvi\n6. Jasi\n"
		      "7. Shaba\n8. Bati\n9. Chokaa\n98. Zaidi"},
		{"98", "Unachimba madini gani zaidi? Chagua moja:\n"
		       "10. Mchanga wa ujenzi\n11. Makaa ya mawe\n"
		       "12. Madini mengine\n0. Rudi"},
		/* a number from page one, typed on page two */
		{"2", "Asante: Dhahabu ya mchanga."},
	 }, "mineral=alluvial", RUN_COMPLETED},
	{"twelve choices over USSD in en: three pages, invalid on page two",
	 flow_twelve, 120, "en", NULL, {
		{START, "Which mineral do you mine most? Choose one:\n"
			"1. Hard rock gold\n2. Alluvial gold\n3. Tanzanite\n"
			"4. Other gemstones\n98. More"},
		{"98", "Which mineral do you mine most? Choose one:\n"
		       "5. Salt\n6. Gypsum\n7. Copper\n8. Tin\n9. Limestone\n"
		       "98. More\n0. Back"},
		/* the invalid message takes the place of the question */
		{"13", "Please reply with a number from 1 to 12.\n"
		       "5. Salt\n6. Gypsum\n7. Copper\n8. Tin\n9. Limestone\n"
		       "98. More\n0. Back"},
		{"98.", "Which mineral do you mine most? Choose one:\n"
			"10. Building sand\n11. Coal\n12. Another mineral\n"
			"0. Back"},
		/* no page after the last: 98 is just a wrong number */
		{"98", "Please reply with a number from 1 to 12.\n"
		       "10. Building sand\n11. Coal\n12. Another mineral\n"
		       "0. Back"},
		{"0", "Which mineral do you mine most? Choose one:\n"
		      "5. Salt\n6. Gypsum\n7. Copper\n8. Tin\n9. Limestone\n"
		      "98. More\n0. Back"},
		/* paging does not use up retries: this was the last one */
		{"Coal", "Thanks: Coal."},
	 }, "mineral=coal", RUN_COMPLETED},
	/* a language's own name may need UCS-2, and a UCS-2 screen holds
	 * (100 * 7 / 8) / 2 = 43 characters, not 100 */
	{"language list paged on USSD", flow_many_langs, 100, "sw", NULL, {
		{START, "Lugha?\n1. Kiswahili\n2. English\n98. Zaidi"},
		{"98", "Lugha?\n3. Fran\xC3\xA7" "ais\n98. Zaidi\n0. Rudi"},
		{"98", "Lugha?\n4. Portugu\xC3\xAAs\n98. Zaidi\n0. Rudi"},
		{"98", "Lugha?\n5. Hausa\n6. E\xCA\x8B" "egbe\n0. Rudi"},
		{"hausa", "To."},
	 }, "", RUN_COMPLETED},
	{"language by another name, by own name", flow_many_langs, 0, "sw",
	 NULL, {
		{START, "Lugha?\n1. Kiswahili\n2. English\n3. Fran\xC3\xA7" "ais\n"
			"4. Portugu\xC3\xAAs\n5. Hausa\n6. E\xCA\x8B" "egbe"},
		{"Kiingereza", "OK."},
	 }, "", RUN_COMPLETED},
	{"language by own name", flow_many_langs, 0, "en", NULL, {
		{START, "Language?\n1. Kiswahili\n2. English\n3. Fran\xC3\xA7" "ais\n"
			"4. Portugu\xC3\xAAs\n5. Hausa\n6. E\xCA\x8B" "egbe"},
		{"7", "Please reply with a number from 1 to 6.\nLanguage?\n"
		      "1. Kiswahili\n2. English\n3. Fran\xC3\xA7" "ais\n"
		      "4. Portugu\xC3\xAAs\n5. Hausa\n6. E\xCA\x8B" "egbe"},
		{"99999999999999999999", "Please reply with a number from 1 to 6."
		      "\nLanguage?\n1. Kiswahili\n2. English\n"
		      "3. Fran\xC3\xA7" "ais\n4. Portugu\xC3\xAAs\n5. Hausa\n"
		      "6. E\xCA\x8B" "egbe"},
		{" Fran\xC3\xA7" "ais.", "D'accord."},
	 }, "", RUN_COMPLETED},
	{"language by own name, shouted", flow_many_langs, 0, "en", NULL, {
		{START, "Language?\n1. Kiswahili\n2. English\n3. Fran\xC3\xA7" "ais\n"
			"4. Portugu\xC3\xAAs\n5. Hausa\n6. E\xCA\x8B" "egbe"},
		{"FRAN\xC3\x87" "AIS", "D'accord."},
	 }, "", RUN_COMPLETED},
	{"label with an accent, lower case", flow_accents, 0, "fr", NULL, {
		{START, FR_WORK},
		{"\xC3\xA9leveur", "Merci : \xC3\x89leveur."},
	 }, "work=herder", RUN_COMPLETED},
	{"label with an accent, upper case", flow_accents, 0, "fr", NULL, {
		{START, FR_WORK},
		{"\xC3\x89LEVEUR", "Merci : \xC3\x89leveur."},
	 }, "work=herder", RUN_COMPLETED},
	{"label with an accent, as shown", flow_accents, 0, "fr", NULL, {
		{START, FR_WORK},
		{"\xC3\x89leveur", "Merci : \xC3\x89leveur."},
	 }, "work=herder", RUN_COMPLETED},
	{"label with an accent, two words", flow_accents, 0, "fr", NULL, {
		{START, FR_WORK},
		{" \xC3\xA9" "cole  primaire. ", "Merci : \xC3\x89" "cole primaire."},
	 }, "work=school", RUN_COMPLETED},
	{"Twi label, open o in lower case", flow_accents, 0, "tw", NULL, {
		{START, TW_WORK},
		{"\xC9\x94kuafo\xC9\x94", "Meda wo ase: \xC6\x86kuafo\xC9\x94."},
	 }, "work=farmer", RUN_COMPLETED},
	{"Twi label, open e and o in upper case, from French", flow_accents, 0,
	 "fr", NULL, {
		{START, FR_WORK},
		{"NNWANHW\xC6\x90" "FO\xC6\x86", "Merci : \xC3\x89leveur."},
	 }, "work=herder", RUN_COMPLETED},
	{"baseline on USSD: invalid replies with the whole question",
	 flow_baseline, 182, "sw", NULL, {
		{START, SW_CONSENT},
		{"x", "Tafadhali jibu kwa namba 1 hadi 2.\n" SW_CONSENT},
		{"1", SW_MINERAL},
		{"98", SW_BAD_MINERAL "\n" SW_MINERAL},
		{"dhahabu", SW_YEARS},
		{"100", SW_BAD_YEARS "\n" SW_YEARS},
		{"7.", SW_CHANGE},
	 }, "consent=yes;mineral=gold;years=7", RUN_ACTIVE},
	{"says joined on USSD too", flow_says, 182, "en", NULL, {
		{START, "Welcome!\nReplies are free.\nHow old are you?"},
		{"40", "Got 40.\nThank you."},
	 }, "age=40", RUN_COMPLETED},
};

/* ---- running a case ------------------------------------------------------ */

static int stats_fake(void *data, const char *path, const struct run *own,
		      struct buf *out)
{
	(void)data;
	(void)own;
	if (strcmp(path, "echo.mineral.gold.pct") == 0) {
		buf_puts(out, "60");
		return 0;
	}
	buf_puts(out, "half-written"); /* must not show */
	return -1;
}

static void parse_fields(const char *spec, struct fields *f)
{
	char *copy = xstrdup(spec ? spec : ""), *save = NULL;

	for (char *kv = strtok_r(copy, ";", &save); kv;
	     kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');
		assert_non_null(eq);
		*eq = '\0';
		fields_set(f, kv, eq + 1);
	}
	free(copy);
}

static char *format_fields(const struct fields *f)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < f->n; i++)
		buf_printf(&b, "%s%s=%s", i ? ";" : "", f->items[i].name,
			   f->items[i].value);
	return buf_detach(&b);
}

static void run_case(const struct engine_case *c)
{
	struct flow *flow = c->build();
	struct fields contact = FIELDS_INIT;
	struct engine_ctx ctx = {flow, &contact, stats_fake, NULL, c->ussd, NULL};
	struct run run;
	char *answers;

	parse_fields(c->contact, &contact);
	run_init(&run, flow_lang_index(flow, c->lang),
		 c->ussd ? CHANNEL_USSD : CHANNEL_SMS);
	for (size_t i = 0; i < MAX_EXCHANGES && c->ex[i].out; i++) {
		const struct exchange *e = &c->ex[i];
		struct engine_out out;

		if (i == 0)
			engine_start(&ctx, &run, &out);
		else
			engine_input(&ctx, &run, e->in, &out);
		if (strcmp(buf_str(&out.reply), e->out) != 0)
			fail_msg("%s: after \"%s\":\n  got      \"%s\"\n"
				 "  expected \"%s\"", c->name,
				 e->in ? e->in : "(start)",
				 buf_str(&out.reply), e->out);
		if (c->ussd && !ussd_fits(buf_str(&out.reply), c->ussd))
			fail_msg("%s: screen %zu longer than %zu", c->name, i,
				 c->ussd);
		if (out.ended != (run.status == RUN_COMPLETED) ||
		    out.ended != (run.step == -1))
			fail_msg("%s: exchange %zu: ended=%d status=%s step=%d",
				 c->name, i, out.ended,
				 run_status_name(run.status), run.step);
		engine_out_release(&out);
	}
	answers = format_fields(&run.answers);
	if (strcmp(answers, c->answers) != 0)
		fail_msg("%s: answers \"%s\", expected \"%s\"", c->name,
			 answers, c->answers);
	if (run.status != c->status)
		fail_msg("%s: status %s", c->name, run_status_name(run.status));
	free(answers);
	run_release(&run);
	fields_release(&contact);
	fb_free(flow);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* ---- the rest of the API ------------------------------------------------- */

static void test_names(void **state)
{
	enum run_status s = RUN_ACTIVE;
	(void)state;

	assert_string_equal(channel_name(CHANNEL_SMS), "sms");
	assert_string_equal(channel_name(CHANNEL_USSD), "ussd");
	const char *names[] = {"active", "completed", "expired", "stopped"};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(run_status_name((enum run_status)i),
				    names[i]);
		assert_int_equal(run_status_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(run_status_parse("done", &s), -1);
	assert_int_equal(run_status_parse("", &s), -1);
	assert_int_equal(run_status_parse(NULL, &s), -1);
	assert_int_equal(s, RUN_STOPPED);
}

static void test_flow_lookup(void **state)
{
	struct flow *f = flow_baseline();
	struct flow_text partial = tx("sw only", NULL);
	(void)state;

	assert_int_equal(flow_lang_index(f, "sw"), 0);
	assert_int_equal(flow_lang_index(f, "EN"), 1);
	assert_int_equal(flow_lang_index(f, "fr"), -1);
	assert_int_equal(flow_lang_index(f, NULL), -1);
	assert_int_equal(flow_step_index(f, "years"), 2);
	assert_int_equal(flow_step_index(f, "nope"), -1);
	assert_string_equal(flow_text_get(f, &f->steps[5].text, 1),
			    "OK. Send UTAFITI any time to take part.");
	/* out of range or missing: the default language */
	assert_string_equal(flow_text_get(f, &f->steps[4].text, 7),
			    SW_THANKS);
	assert_string_equal(flow_text_get(f, &f->steps[4].text, -1),
			    SW_THANKS);
	assert_string_equal(flow_text_get(f, &partial, 1), "sw only");
	assert_string_equal(flow_text_get(f, NULL, 0), "");
	assert_ptr_equal(flow_step_saving(f, "years"), &f->steps[2]);
	assert_null(flow_step_saving(f, "thanks"));
	fb_text_free(&partial);
	fb_free(f);
}

/* What flows check costs for a say: the message it goes out in, joined to
 * the says after it and the next prompt or end, as a run sends it. */
static void test_render_joined(void **state)
{
	struct flow *f = flow_says();
	struct buf out = BUF_INIT;
	struct engine_out run_out = {0};
	struct engine_ctx ctx = {f, NULL, NULL, NULL, 0, NULL};
	struct run run;
	(void)state;

	engine_render_joined(f, 0, 1, NULL, &out);
	assert_string_equal(buf_str(&out), "Welcome!\nReplies are free.\nHow old are you?");
	/* the same as a run's first message */
	run_init(&run, 1, CHANNEL_SMS);
	engine_start(&ctx, &run, &run_out);
	assert_string_equal(buf_str(&run_out.reply), buf_str(&out));
	buf_reset(&out);
	engine_render_joined(f, 3, 0, NULL, &out);
	assert_string_equal(buf_str(&out), "Tumepokea {answers.age}.\nAsante.");
	buf_reset(&out);
	engine_render_joined(f, 2, 0, NULL, &out); /* not a say */
	assert_int_equal(out.len, 0);
	buf_release(&out);
	engine_out_release(&run_out);
	run_release(&run);
	fb_free(f);
}

/* The counters of one completed run of echo that chose gold. */
static long count_one_gold(void *data, const char *flow, size_t flow_len,
			   const char *field)
{
	(void)data;
	if (flow_len != 4 || strncmp(flow, "echo", 4) != 0)
		return 0;
	return strcmp(field, "count") == 0 || strcmp(field, "a:mineral:gold") == 0;
}

static int stats_counted(void *data, const char *path, const struct run *own,
			 struct buf *out)
{
	return engine_stats_value(path, own, count_one_gold, data, out);
}

/* A survey's end text that reports on its own flow counts the run it ends
 * (docs/flows.md, Placeholders): the first to answer is not told "0". */
/* An engine_out holds one call's output: the last one's is let go first. */
static void fresh_out(struct engine_out *out)
{
	engine_out_release(out);
	memset(out, 0, sizeof(*out));
}

static void test_stats_own_run(void **state)
{
	struct flow *f = flow_echo();
	struct engine_ctx ctx = {f, NULL, stats_counted, NULL, 0, NULL};
	struct engine_out out = {0};
	struct buf text = BUF_INIT;
	struct run run;
	(void)state;

	run_init(&run, 1, CHANNEL_SMS);
	fresh_out(&out);
	engine_start(&ctx, &run, &out);
	fresh_out(&out);
	engine_input(&ctx, &run, "salt", &out);
	/* before the end, the counters alone */
	engine_expand(&ctx, &run, "{stats.echo.count} {stats.echo.mineral.gold.pct}%", &text);
	assert_string_equal(buf_str(&text), "1 100%");
	fresh_out(&out);
	engine_input(&ctx, &run, "2", &out);
	assert_true(out.ended);
	assert_non_null(strstr(buf_str(&out.reply), " 50% chose gold."));
	/* one that chose gold makes it 2 of 2 */
	run_release(&run);
	run_init(&run, 1, CHANNEL_SMS);
	fresh_out(&out);
	engine_start(&ctx, &run, &out);
	fresh_out(&out);
	engine_input(&ctx, &run, "gold", &out);
	fresh_out(&out);
	engine_input(&ctx, &run, "2", &out);
	assert_non_null(strstr(buf_str(&out.reply), " 100% chose gold."));
	/* another flow's stats are the counters alone */
	buf_reset(&text);
	assert_int_equal(engine_stats_value("echo.count", NULL, count_one_gold, NULL, &text), 0);
	assert_string_equal(buf_str(&text), "1");
	buf_release(&text);
	engine_out_release(&out);
	run_release(&run);
	fb_free(f);
}

static void test_expand(void **state)
{
	struct flow *f = flow_echo();
	struct fields contact = FIELDS_INIT;
	struct engine_ctx ctx = {f, &contact, stats_fake, NULL, 0, NULL};
	struct buf out = BUF_INIT;
	struct run run;
	(void)state;

	fb_var(f, "org", tx("Shirika", "Org"));
	fields_set(&contact, "name", "Kwame");
	run_init(&run, 1, CHANNEL_SMS);
	fields_set(&run.answers, "mineral", "salt");
	fields_set(&run.answers, "tonnes", "3");

	static const char *const texts[][2] = {
		{"{contact.name} {answers.mineral} {answers.tonnes} {vars.org}",
		 "Kwame Salt 3 Org"},
		{"[{contact.district}]", "[]"},
		{"{stats.echo.mineral.gold.pct}%|{stats.other}|", "60%||"},
		{"{answers.none}.", "."},
		{"{vars.none} {foo.bar} {name} {}",
		 "{vars.none} {foo.bar} {name} {}"},
		{"{unclosed {vars.org}} {", "{unclosed Org} {"},
		{"}{vars.org}{", "}Org{"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		buf_reset(&out);
		engine_expand(&ctx, &run, texts[i][0], &out);
		assert_string_equal(buf_str(&out), texts[i][1]);
	}
	/* in Swahili, the label is Swahili; no contact, no stats */
	ctx.contact = NULL;
	ctx.stats = NULL;
	run.lang = 0;
	buf_reset(&out);
	engine_expand(&ctx, &run, "{contact.name}{answers.mineral} "
		      "{vars.org} {stats.echo.count}", &out);
	assert_string_equal(buf_str(&out), "Chumvi Shirika ");
	/* values go in as they are: no placeholder inside is expanded, and
	 * invalid UTF-8 in them becomes U+FFFD */
	fields_set(&run.answers, "tonnes", "{vars.org}\xFF");
	buf_reset(&out);
	engine_expand(&ctx, NULL, "{answers.tonnes}", &out);
	assert_string_equal(buf_str(&out), "");
	engine_expand(&ctx, &run, "{answers.tonnes}", &out);
	assert_string_equal(buf_str(&out), "{vars.org}\xEF\xBF\xBD");

	buf_release(&out);
	run_release(&run);
	fields_release(&contact);
	fb_free(f);
}

static void test_render_step(void **state)
{
	struct flow *f = flow_baseline();
	struct flow *l = flow_language();
	struct flow *e = flow_echo();
	struct buf out = BUF_INIT;
	(void)state;

	engine_render_step(f, 0, 1, NULL, &out);
	assert_string_equal(buf_str(&out), EN_CONSENT);
	buf_reset(&out);
	engine_render_step(f, 1, 0, NULL, &out);
	assert_string_equal(buf_str(&out), SW_MINERAL);
	buf_reset(&out);
	engine_render_step(f, 5, 0, NULL, &out);
	assert_string_equal(buf_str(&out), SW_GOODBYE);
	buf_reset(&out);
	engine_render_step(l, 0, 1, NULL, &out);
	assert_string_equal(buf_str(&out),
			    "Choose your language:\n1. Kiswahili\n2. English");
	/* only vars are expanded: the rest is not known yet */
	buf_reset(&out);
	engine_render_step(e, 2, 1, NULL, &out);
	assert_string_equal(buf_str(&out), e->steps[2].text.t[1]);
	buf_reset(&out);
	engine_render_step(f, 99, 0, NULL, &out);
	engine_render_step(f, -1, 0, NULL, &out);
	assert_string_equal(buf_str(&out), "");
	buf_release(&out);
	fb_free(f);
	fb_free(l);
	fb_free(e);
}

/* engine_screen shows the waiting step again, without the says before it,
 * on the page the run is at. */
static void test_screen(void **state)
{
	struct flow *f = flow_says(), *t = flow_twelve();
	struct engine_ctx ctx = {f, NULL, NULL, NULL, 0, NULL};
	struct engine_out out;
	struct run run;
	(void)state;

	run_init(&run, 0, CHANNEL_SMS);
	engine_start(&ctx, &run, &out);
	engine_out_release(&out);
	engine_screen(&ctx, &run, &out);
	assert_string_equal(buf_str(&out.reply), "Una miaka mingapi?");
	assert_false(out.ended);
	engine_out_release(&out);
	run_release(&run);

	ctx.flow = t;
	ctx.ussd_max_chars = 182;
	run_init(&run, 1, CHANNEL_USSD);
	engine_start(&ctx, &run, &out);
	engine_out_release(&out);
	engine_input(&ctx, &run, "98", &out);
	assert_int_equal(run.page, 1);
	assert_null(out.saved);
	assert_int_equal(run.retries, 0);
	struct buf page = BUF_INIT;
	buf_puts(&page, buf_str(&out.reply));
	engine_out_release(&out);
	engine_screen(&ctx, &run, &out);
	assert_string_equal(buf_str(&out.reply), buf_str(&page));
	engine_out_release(&out);
	buf_release(&page);

	/* an ended run has nothing more to show or read */
	engine_input(&ctx, &run, "1", &out);
	assert_string_equal(out.saved, "mineral");
	assert_true(out.ended);
	engine_out_release(&out);
	engine_screen(&ctx, &run, &out);
	assert_true(out.ended);
	assert_string_equal(buf_str(&out.reply), "");
	engine_out_release(&out);
	engine_input(&ctx, &run, "1", &out);
	assert_true(out.ended);
	assert_null(out.saved);
	assert_int_equal(run.status, RUN_COMPLETED);
	engine_out_release(&out);
	run_release(&run);
	fb_free(f);
	fb_free(t);
}

static void test_out_flags(void **state)
{
	struct flow *f = flow_language();
	struct engine_ctx ctx = {f, NULL, NULL, NULL, 0, NULL};
	struct engine_out out;
	struct run run;
	(void)state;

	run_init(&run, 0, CHANNEL_SMS);
	engine_start(&ctx, &run, &out);
	assert_false(out.lang_changed);
	assert_null(out.saved);
	engine_out_release(&out);
	engine_input(&ctx, &run, "english", &out);
	assert_true(out.lang_changed);
	assert_int_equal(run.lang, 1);
	engine_out_release(&out);
	engine_input(&ctx, &run, "1", &out);
	assert_false(out.lang_changed);
	assert_string_equal(out.saved, "ok");
	assert_true(out.ended);
	engine_out_release(&out);
	run_release(&run);
	fb_free(f);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* On USSD a screen fits whatever goes into it: a long say before a paged
 * list, a contact field no check could foresee, an invalid message. */
static void test_ussd_always_fits(void **state)
{
	struct flow *f = flow_twelve();
	struct fields contact = FIELDS_INIT;
	struct engine_ctx ctx = {f, &contact, NULL, NULL, 182, NULL};
	struct engine_out out;
	struct buf big = BUF_INIT;
	struct run run;
	(void)state;

	for (int i = 0; i < 300; i++)
		buf_puts(&big, "Mwanza ");
	fields_set(&contact, "name", buf_str(&big));
	/* a say before the list, and an end that names the contact */
	memmove(&f->steps[1], &f->steps[0], 2 * sizeof(f->steps[0]));
	memset(&f->steps[0], 0, sizeof(f->steps[0]));
	f->nsteps = 3;
	f->steps[0].id = xstrdup("hello");
	f->steps[0].type = STEP_SAY;
	f->steps[0].text = tx("Habari {contact.name}!", "Hello!");
	f->steps[0].next = -1;
	free(f->steps[2].text.t[0]);
	f->steps[2].text.t[0] = xstrdup("Asante {contact.name}");

	run_init(&run, 0, CHANNEL_USSD);
	engine_start(&ctx, &run, &out);
	assert_true(ussd_fits(buf_str(&out.reply), 182));
	/* the say gave way, the page did not: choice 9 is still there */
	assert_true(starts_with(buf_str(&out.reply),
				"Habari M...\nUnachimba madini gani"));
	assert_non_null(strstr(buf_str(&out.reply), "\n9. Chokaa\n98. Zaidi"));
	engine_out_release(&out);
	engine_input(&ctx, &run, "x", &out);
	assert_true(ussd_fits(buf_str(&out.reply), 182));
	assert_non_null(strstr(buf_str(&out.reply), "1 hadi 12"));
	assert_non_null(strstr(buf_str(&out.reply), "\n9. Chokaa\n98. Zaidi"));
	engine_out_release(&out);
	engine_input(&ctx, &run, "9", &out);
	assert_true(out.ended);
	assert_true(ussd_fits(buf_str(&out.reply), 182));
	assert_true(starts_with(buf_str(&out.reply), "Asante Mwanza"));
	engine_out_release(&out);
	run_release(&run);
	buf_release(&big);
	fields_release(&contact);
	fb_free(f);
}

/* ---- USSD pages at the edge of a screen ---------------------------------- */

/* One question and its choices in English, on screens of `ussd` characters:
 * the pages a person sees turning with "98", and how long each is (GSM-7
 * septets, or UTF-16 units when a character needs UCS-2, which holds
 * (ussd * 7 / 8) / 2: 35 units on 80, 21 on 48). */
struct page_case {
	const char *name;
	size_t ussd;
	const char *question;
	const char *labels[8];
	const char *pages[4];
	size_t lengths[4];
	bool ucs2[4];
};

#define EURO "\xE2\x82\xAC"             /* GSM-7 extension: 2 septets */
#define ENG "\xC5\x8A"                  /* U+014A, not GSM-7 */
#define GRIN "\xF0\x9F\x98\x80"         /* U+1F600: 2 UTF-16 units */

static const struct page_case page_cases[] = {
	/* the page with "98" is exactly 38 septets: it holds three */
	{"98 page exactly at the limit", 38, "Pick:",
	 {"Red", "Green", "Blue", "Purple"},
	 {"Pick:\n1. Red\n2. Green\n3. Blue\n98. More",
	  "Pick:\n4. Purple\n0. Back"}, {38, 23}, {false, false}},
	/* one septet short: the third goes over */
	{"98 page one over the limit", 37, "Pick:",
	 {"Red", "Green", "Blue", "Purple"},
	 {"Pick:\n1. Red\n2. Green\n98. More",
	  "Pick:\n3. Blue\n4. Purple\n0. Back"}, {30, 31}, {false, false}},
	/* the whole list without "98" is exactly 39 septets: one page */
	{"whole list exactly at the limit", 39, "Pick:",
	 {"Red", "Green", "Blue", "Purple"},
	 {"Pick:\n1. Red\n2. Green\n3. Blue\n4. Purple"}, {39}, {false}},
	/* three and "98" (38) do not fit 36, but all four without "98" do,
	 * exactly */
	{"rest without 98 exactly at the limit", 36, "Pick:",
	 {"Red", "Green", "Blue", "Tan"},
	 {"Pick:\n1. Red\n2. Green\n3. Blue\n4. Tan"}, {36}, {false}},
	{"rest without 98 one over the limit", 35, "Pick:",
	 {"Red", "Green", "Blue", "Tan"},
	 {"Pick:\n1. Red\n2. Green\n98. More",
	  "Pick:\n3. Blue\n4. Tan\n0. Back"}, {30, 28}, {false, false}},
	/* the euro sign is one character but two septets */
	{"euro at the edge, fits", 39, "Pick:",
	 {"Red", "Green", "Blu" EURO, "Purple"},
	 {"Pick:\n1. Red\n2. Green\n3. Blu" EURO "\n98. More",
	  "Pick:\n4. Purple\n0. Back"}, {39, 23}, {false, false}},
	{"euro at the edge, one over", 38, "Pick:",
	 {"Red", "Green", "Blu" EURO, "Purple"},
	 {"Pick:\n1. Red\n2. Green\n98. More",
	  "Pick:\n3. Blu" EURO "\n4. Purple\n0. Back"}, {30, 32},
	 {false, false}},
	{"brace at the edge, fits", 39, "Pick:",
	 {"Red", "Green", "Blu{", "Purple"},
	 {"Pick:\n1. Red\n2. Green\n3. Blu{\n98. More",
	  "Pick:\n4. Purple\n0. Back"}, {39, 23}, {false, false}},
	{"brace at the edge, one over", 38, "Pick:",
	 {"Red", "Green", "Blu{", "Purple"},
	 {"Pick:\n1. Red\n2. Green\n98. More",
	  "Pick:\n3. Blu{\n4. Purple\n0. Back"}, {30, 32}, {false, false}},
	/* in GSM-7 the whole list fits 80 ... */
	{"GSM-7 list on 80", 80, "Pick",
	 {"Nu", "Red", "Green", "Blue", "Black"},
	 {"Pick\n1. Nu\n2. Red\n3. Green\n4. Blue\n5. Black"}, {43}, {false}},
	/* ... but with one character that is not GSM-7 the page is UCS-2,
	 * 35 units: exactly three choices and "98" */
	{"UCS-2 page exactly at the limit", 80, "Pick",
	 {ENG "u", "Red", "Green", "Blue", "Black"},
	 {"Pick\n1. " ENG "u\n2. Red\n3. Green\n98. More",
	  "Pick\n4. Blue\n5. Black\n0. Back"}, {35, 29}, {true, false}},
	{"UCS-2 page one over the limit", 80, "Pick:",
	 {ENG "u", "Red", "Green", "Blue", "Black"},
	 {"Pick:\n1. " ENG "u\n2. Red\n98. More",
	  "Pick:\n3. Green\n4. Blue\n5. Black\n0. Back"}, {27, 39},
	 {true, false}},
	/* an emoji is two UTF-16 units, like the two characters above */
	{"UCS-2 page with an emoji", 80, "Pick",
	 {GRIN, "Red", "Green", "Blue", "Black"},
	 {"Pick\n1. " GRIN "\n2. Red\n3. Green\n98. More",
	  "Pick\n4. Blue\n5. Black\n0. Back"}, {35, 29}, {true, false}},
	/* a character that is not GSM-7 on a later page does not make the
	 * pages before it UCS-2: page one keeps the GSM-7 limit of 48 */
	{"UCS-2 only on the last page", 48, "Pick:",
	 {"Red", "Green", "Blue", "Black", ENG "u"},
	 {"Pick:\n1. Red\n2. Green\n3. Blue\n4. Black\n98. More",
	  "Pick:\n5. " ENG "u\n0. Back"}, {47, 19}, {false, true}},
};

static void run_page_case(const struct page_case *c)
{
	struct flow *f = fb_flow("edge", "en");
	struct flow_step *s = fb_ask(f, "pick", ASK_CHOICES, "pick",
				     tx(c->question, NULL));
	struct engine_ctx ctx = {f, NULL, NULL, NULL, c->ussd, NULL};
	struct engine_out out;
	struct run run;
	size_t npages = 0;

	for (size_t i = 0; i < 8 && c->labels[i]; i++) {
		char key[8];
		snprintf(key, sizeof(key), "c%zu", i + 1);
		fb_choice(s, key, tx(c->labels[i], NULL));
	}
	while (npages < 4 && c->pages[npages])
		npages++;
	run_init(&run, 0, CHANNEL_USSD);
	for (size_t p = 0; p <= npages; p++) {
		const char *r;
		bool ucs2;
		size_t len;

		if (p == 0)
			engine_start(&ctx, &run, &out);
		else
			engine_input(&ctx, &run, "98", &out);
		r = buf_str(&out.reply);
		if (p == npages) {
			/* no page after the last: "98" is a wrong number */
			if (run.page != (int)p - 1 || run.retries != 1)
				fail_msg("%s: a page after the last: \"%s\"",
					 c->name, r);
			engine_out_release(&out);
			break;
		}
		if (strcmp(r, c->pages[p]) != 0)
			fail_msg("%s: page %zu:\n  got      \"%s\"\n"
				 "  expected \"%s\"", c->name, p, r,
				 c->pages[p]);
		len = ussd_length(r, &ucs2);
		if (len != c->lengths[p] || ucs2 != c->ucs2[p])
			fail_msg("%s: page %zu is %zu %s, expected %zu %s",
				 c->name, p, len, ucs2 ? "units" : "septets",
				 c->lengths[p], c->ucs2[p] ? "units" :
				 "septets");
		assert_true(ussd_fits(r, c->ussd));
		assert_int_equal(run.page, (int)p);
		engine_out_release(&out);
	}
	run_release(&run);
	fb_free(f);
}

static void test_page_boundaries(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(page_cases) / sizeof(page_cases[0]);
	     i++)
		run_page_case(&page_cases[i]);
}

/* The same page whichever way the run comes to it: laid out afresh by
 * engine_screen(), after an invalid reply, turning back with "0", and
 * from a stored page past the last one. */
static void test_page_ways(void **state)
{
	struct flow *f = flow_twelve();
	struct engine_ctx ctx = {f, NULL, NULL, NULL, 120, NULL};
	struct engine_out out;
	struct run run;
	char *page1;
	(void)state;

	run_init(&run, 1, CHANNEL_USSD);
	engine_start(&ctx, &run, &out);
	engine_out_release(&out);
	engine_input(&ctx, &run, "98", &out);
	page1 = buf_detach(&out.reply);
	engine_out_release(&out);
	engine_input(&ctx, &run, "98", &out);
	engine_out_release(&out);
	engine_input(&ctx, &run, "0", &out);
	assert_string_equal(buf_str(&out.reply), page1);
	engine_out_release(&out);
	engine_screen(&ctx, &run, &out);
	assert_string_equal(buf_str(&out.reply), page1);
	engine_out_release(&out);
	engine_input(&ctx, &run, "x", &out);
	assert_true(starts_with(buf_str(&out.reply),
				"Please reply with a number from 1 to 12.\n"));
	assert_non_null(strstr(page1, buf_str(&out.reply) + 41));
	engine_out_release(&out);

	/* a stored page past the last shows the last, and an invalid reply
	 * there keeps the run on it */
	run.page = 7;
	engine_screen(&ctx, &run, &out);
	assert_true(starts_with(buf_str(&out.reply),
				"Which mineral do you mine most? Choose one:\n"
				"10. Building sand"));
	engine_out_release(&out);
	engine_input(&ctx, &run, "x", &out);
	assert_int_equal(run.page, 2);
	assert_true(starts_with(buf_str(&out.reply),
				"Please reply with a number from 1 to 12.\n"
				"10. Building sand"));
	engine_out_release(&out);
	run.page = 7;
	engine_input(&ctx, &run, "0", &out);
	assert_int_equal(run.page, 1);
	assert_string_equal(buf_str(&out.reply), page1);
	engine_out_release(&out);
	free(page1);
	run_release(&run);
	fb_free(f);
}

static uint32_t next_random(uint32_t *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

/* A reply a phone might send: a typical one, or arbitrary bytes. */
static void random_reply(uint32_t *seed, char *in, size_t size)
{
	static const char *const typical[] = {
		"1", "2", "98", "0", " 1.", "ndiyo", "12", "1,5", "",
		"\xC2\xA0", "{vars.org}", "%s%n", "-1e999",
	};
	size_t ntypical = sizeof(typical) / sizeof(typical[0]), n;

	if (next_random(seed) % 2) {
		snprintf(in, size, "%s", typical[next_random(seed) % ntypical]);
		return;
	}
	n = next_random(seed) % size;
	for (size_t k = 0; k < n; k++)
		in[k] = (char)(next_random(seed) | 1); /* never NUL */
	in[n] = '\0';
}

static void check_out(const struct run *run, const struct engine_out *out,
		      size_t ussd)
{
	const char *r = buf_str(&out->reply);

	assert_true(utf8_valid(r, strlen(r)));
	if (ussd)
		assert_true(ussd_fits(r, ussd));
	assert_true(out->ended == (run->step < 0));
	for (size_t a = 0; a < run->answers.n; a++) {
		const char *v = run->answers.items[a].value;
		assert_true(utf8_valid(v, strlen(v)));
	}
}

/* Arbitrary bytes typed at every step, on both channels: no crash, screens
 * fit, what is sent and saved is valid UTF-8, the run stays consistent. */
static void test_random_replies(void **state)
{
	struct flow *(*const builds[])(void) = {
		flow_baseline, flow_language, flow_says, flow_branch,
		flow_echo, flow_twelve, flow_many_langs,
	};
	uint32_t seed = 7;
	(void)state;

	for (size_t b = 0; b < sizeof(builds) / sizeof(builds[0]); b++) {
		struct flow *f = builds[b]();
		for (int round = 0; round < 300; round++) {
			size_t ussd = round % 3 == 0 ? 0 :
				      round % 3 == 1 ? 182 : 40 + round % 50;
			struct engine_ctx ctx = {f, NULL, stats_fake, NULL,
						 ussd, NULL};
			struct engine_out out;
			struct run run;
			char in[200];

			run_init(&run, round % 2, ussd ? CHANNEL_USSD :
				 CHANNEL_SMS);
			engine_start(&ctx, &run, &out);
			check_out(&run, &out, ussd);
			for (int step = 0; step < 12; step++) {
				random_reply(&seed, in, sizeof(in));
				engine_out_release(&out);
				engine_input(&ctx, &run, in, &out);
				check_out(&run, &out, ussd);
			}
			engine_out_release(&out);
			run_release(&run);
		}
		fb_free(f);
	}
}

/* Says that lead back to themselves end the run instead of looping, and a
 * jump out of the flow ends it too. */
static void test_bad_jumps(void **state)
{
	struct flow *f = fb_flow("loop", "en");
	struct engine_ctx ctx = {f, NULL, NULL, NULL, 0, NULL};
	struct engine_out out;
	struct run run;
	(void)state;

	fb_step(f, "a", STEP_SAY, tx("A", NULL));
	fb_step(f, "b", STEP_SAY, tx("B", NULL));
	fb_next(f, "b", "a");
	run_init(&run, 0, CHANNEL_SMS);
	engine_start(&ctx, &run, &out);
	assert_true(out.ended);
	assert_int_equal(run.status, RUN_COMPLETED);
	assert_true(starts_with(buf_str(&out.reply), "A\nB\nA"));
	engine_out_release(&out);
	run_release(&run);

	f->steps[1].next = 7;
	run_init(&run, 0, CHANNEL_USSD);
	engine_start(&ctx, &run, &out);
	assert_true(out.ended);
	assert_string_equal(buf_str(&out.reply), "A\nB");
	engine_out_release(&out);
	run_release(&run);

	/* a run the store got wrong: a step out of range, a bad language */
	run_init(&run, 5, CHANNEL_SMS);
	run.step = 99;
	engine_input(&ctx, &run, "1", &out);
	assert_true(out.ended);
	engine_out_release(&out);
	engine_screen(&ctx, &run, &out);
	assert_true(out.ended);
	engine_out_release(&out);
	run_release(&run);
	fb_free(f);
}

/* A megabyte of bytes as one reply, at every kind of prompt. */
static void test_huge_reply(void **state)
{
	struct flow *f = flow_baseline();
	struct engine_ctx ctx = {f, NULL, NULL, NULL, 182, NULL};
	struct engine_out out;
	struct run run;
	size_t n = 1 << 20;
	char *in = xmalloc(n + 1);
	(void)state;

	for (size_t i = 0; i < n; i++)
		in[i] = "1 ,.\xC3\xA9\xFF" "a9"[i % 9];
	in[n] = '\0';
	run_init(&run, 0, CHANNEL_USSD);
	engine_start(&ctx, &run, &out);
	for (int i = 0; i < 9; i++) {
		engine_out_release(&out);
		engine_input(&ctx, &run, i % 3 == 2 ? "1" : in, &out);
		assert_true(ussd_fits(buf_str(&out.reply), 182));
	}
	engine_out_release(&out);
	run_release(&run);
	free(in);
	fb_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_flow_lookup),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_render_step),
		cmocka_unit_test(test_screen),
		cmocka_unit_test(test_out_flags),
		cmocka_unit_test(test_ussd_always_fits),
		cmocka_unit_test(test_page_boundaries),
		cmocka_unit_test(test_page_ways),
		cmocka_unit_test(test_random_replies),
		cmocka_unit_test(test_bad_jumps),
		cmocka_unit_test(test_huge_reply),
		cmocka_unit_test(test_stats_own_run),
		cmocka_unit_test(test_render_joined),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
