/* flow.h -- flow files (docs/flows.md) as immutable structs.
 *
 * libyaml is touched only here, at load time.  A loaded flow never changes;
 * the engine walks it.  A flow_set is the whole flows/ directory as loaded at
 * one moment; it is reference counted so that a reload (SIGHUP) can swap in a
 * new set while requests still hold the old one.
 *
 * Every problem found while loading is a diagnostic "file:line:column:
 * sentence" (1-based line and column).  A flow with an error is left out of
 * the set; the others load. */
#ifndef SAUTI_FLOW_H
#define SAUTI_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#define FLOW_MAX_LANGS 8
#define FLOW_DEFAULT_RETRIES 2
#define FLOW_DEFAULT_EXPIRE (72L * 3600)
#define FLOW_DEFAULT_TEXT_MAX 480

enum flow_kind { FLOW_SURVEY, FLOW_INVITATION, FLOW_REPORT_BACK };
enum step_type { STEP_SAY, STEP_ASK, STEP_LANGUAGE, STEP_END };
enum ask_type { ASK_NONE, ASK_CHOICES, ASK_NUMBER, ASK_TEXT };

/* A text in every language of its flow: t[i] belongs to flow->langs[i] and is
 * never NULL in a loaded flow. */
struct flow_text {
	char *t[FLOW_MAX_LANGS];
};

struct flow_choice {
	char *key;
	struct flow_text label;
	/* For reading replies, folded once at load (reply_fold): the key, and
	 * the label as each language shows it, unless it has placeholders
	 * (NULL: the engine folds it as shown). */
	char *folded_key;
	struct flow_text folded_label;
};

struct flow_branch {
	char *value;  /* a choice key, or any saved value */
	int target;   /* step index */
};

struct flow_step {
	char *id;
	enum step_type type;
	struct flow_text text;      /* the say/ask/language/end text */
	enum ask_type ask;          /* ASK_NONE unless type == STEP_ASK */
	struct flow_choice *choices;
	size_t nchoices;
	double min, max;            /* number: bounds, when has_min / has_max */
	bool has_min, has_max;
	size_t text_max;            /* text: longest answer accepted */
	char *save;                 /* answer name, or NULL */
	int next;                   /* step index, or -1 for the following step */
	struct flow_branch *branches;
	size_t nbranches;
	int branch_default;         /* step index, or -1 */
	bool has_invalid;
	struct flow_text invalid;
	int retries;
	int line, column;           /* where the step starts in its file */
};

/* remind: {after, times, text}: what an SMS run waiting for a reply gets
 * when it hears nothing for `after` (docs/flows.md, "Reminders"). */
struct flow_remind {
	long after;                  /* seconds; 0: the flow sends no reminders */
	int times;                   /* at most this many per run (default 1) */
	struct flow_text text;       /* sent before the pending question */
};

struct flow_var {
	char *name;
	struct flow_text value;
};

struct flow {
	char *id;
	char *path;
	enum flow_kind kind;
	struct flow_text title;
	char *langs[FLOW_MAX_LANGS]; /* language codes; langs[0] is the default */
	size_t nlangs;
	char **keywords;             /* upper-cased (text_upper): how they are shown */
	char **keyword_folds;        /* reply_fold() of each: what is matched */
	int *keyword_langs;          /* the language (index) of each, -1: any */
	size_t nkeywords;
	char *ussd;                  /* service code, or NULL */
	long expire;                 /* seconds */
	struct flow_remind remind;
	struct flow_var *vars;
	size_t nvars;
	struct flow_step *steps;
	size_t nsteps;
};

struct flow_diag {
	char *file;
	int line, column;
	bool warning;                /* a warning does not stop the flow loading */
	char *message;
};

struct flow_diags {
	struct flow_diag *items;
	size_t n;
};

struct catalogue;

struct flow_set {
	int refcount;
	struct flow **flows;
	size_t n;
	size_t nowned;               /* flows[0..nowned) are this set's own; the
				      * rest are borrowed from lender */
	struct flow_set *lender;     /* a reference, or NULL */
	struct catalogue *catalogue; /* what the set was checked against and
				      * speaks by itself (a reference; NULL:
				      * the built-in one) */
	char **stats_flows;          /* the flows some {stats.FLOW...} names */
	size_t nstats_flows;
};

struct flow_load_opts {
	size_t ussd_max_chars;       /* 182 unless configured */
	/* The texts sauti adds to a flow's screens (paging entries, language
	 * names), and the languages it has texts for: the set keeps a
	 * reference, so that a reload swaps both at once; NULL: the built-in
	 * catalogue. */
	struct catalogue *catalogue;
};

/* Loads the flow files named by paths (each a directory, whose *.yaml and
 * *.yml files load in name order, or a file).  Diagnostics are appended to
 * diags.  Returns a new set with refcount 1 holding every flow without an
 * error; never NULL. */
struct flow_set *flow_set_load(const char *const *paths, size_t npaths,
			       const struct flow_load_opts *opts,
			       struct flow_diags *diags);
/* After a reload: fresh, plus every flow of old that fresh lacks because its
 * file now has an error (a broken edit must not take down a flow that
 * worked).  Takes over the caller's reference to fresh and returns a set
 * with one reference for the caller. */
struct flow_set *flow_set_keep_broken(struct flow_set *fresh,
				      struct flow_set *old,
				      const struct flow_diags *diags);
struct flow_set *flow_set_ref(struct flow_set *set);
void flow_set_unref(struct flow_set *set);

const struct flow *flow_set_find(const struct flow_set *set, const char *id);
/* The flow whose trigger keyword is word, as reply_fold() folds it
 * ("utafiti", "éleveur"), or NULL. */
const struct flow *flow_set_by_keyword(const struct flow_set *set,
				       const char *word);
/* Why NAME=KEY cannot be an answer flow saves, written in why: no step
 * saves NAME, or NAME is a choice whose keys lack KEY (a number or a text
 * may be any value); NULL when it can be, or name is NULL. */
const char *flow_answer_problem(const struct flow *flow, const char *name,
				const char *key, char *why, size_t size);
/* The language (an index into flow->langs) the keyword word (folded) is
 * given for, or -1: given for any, or not one of the flow's. */
int flow_keyword_lang(const struct flow *flow, const char *word);
const struct flow *flow_set_by_ussd(const struct flow_set *set,
				    const char *code);

int flow_lang_index(const struct flow *flow, const char *lang);
int flow_step_index(const struct flow *flow, const char *id);
const char *flow_text_get(const struct flow *flow, const struct flow_text *t,
			  int lang);
/* The keyword HELP offers to a person speaking lang: the first of that
 * language, else the first of any language, else the first; NULL when the
 * flow has none. */
const char *flow_keyword_for(const struct flow *flow, const char *lang);
/* The step a save name belongs to, or NULL. */
const struct flow_step *flow_step_saving(const struct flow *flow,
					 const char *name);

/* Appends a diagnostic (copies file and message); line 0: the whole file.
 * The message catalogue's loader reports through the same list. */
void flow_diags_add(struct flow_diags *diags, const char *file, int line,
		    int column, bool warning, const char *message);
void flow_diags_format(const struct flow_diag *d, char *out, size_t size);
size_t flow_diags_errors(const struct flow_diags *diags);
void flow_diags_release(struct flow_diags *diags);

#endif
