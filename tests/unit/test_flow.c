/* test_flow.c -- flow files: what loads into which structs, and where each
 * mistake is reported.  Run from the top of the tree (fixtures are in
 * tests/flows/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "flow.h"

#define FLOWS "tests/flows/"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static struct flow_set *load_max(const char *path, size_t ussd_max,
				 struct flow_diags *diags)
{
	const char *paths[] = {path};
	struct flow_load_opts opts = {ussd_max, NULL};
	return flow_set_load(paths, 1, &opts, diags);
}

static struct flow_set *load(const char *path, struct flow_diags *diags)
{
	return load_max(path, 0, diags);
}

static const struct flow_diag *nth_error(const struct flow_diags *d,
					 size_t n)
{
	for (size_t i = 0; i < d->n; i++)
		if (!d->items[i].warning && n-- == 0)
			return &d->items[i];
	return NULL;
}

static void print_diags(const struct flow_diags *d)
{
	char line[1024];
	for (size_t i = 0; i < d->n; i++) {
		flow_diags_format(&d->items[i], line, sizeof(line));
		print_message("  %s\n", line);
	}
}

/* Checks that d holds exactly one error, for file at line:column, whose
 * message contains text; returns false (after printing) otherwise. */
static bool one_error_is(const struct flow_diags *d, const char *file,
			 int line, int column, const char *text)
{
	const struct flow_diag *e = nth_error(d, 0);
	char want[64], got[1024];
	if (flow_diags_errors(d) != 1 || strcmp(e->file, file) ||
	    e->line != line || e->column != column ||
	    !strstr(e->message, text)) {
		print_message("want one error %s:%d:%d containing '%s'; got:\n",
			      file, line, column, text);
		print_diags(d);
		return false;
	}
	/* The formatted line starts with the place. */
	snprintf(want, sizeof(want), "%s:%d:%d: ", file, line, column);
	flow_diags_format(e, got, sizeof(got));
	return !strncmp(got, want, strlen(want));
}

/* path alone has exactly one error there, and nothing of it loads. */
static void expect_error(const char *path, int line, int column,
			 const char *text)
{
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load(path, &d);
	bool ok = one_error_is(&d, path, line, column, text);
	size_t loaded = set->n;
	flow_set_unref(set);
	flow_diags_release(&d);
	assert_true(ok);
	assert_int_equal(loaded, 0);
}

/* Writes yaml to a new temporary file; returns its path (free()). */
static char *write_temp(const char *yaml, size_t len)
{
	char *path = xstrdup("/tmp/test_flow_XXXXXX.yaml");
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Loads yaml from a file; the caller releases diags and the set. */
static struct flow_set *load_yaml_max(const char *yaml, size_t ussd_max,
				      struct flow_diags *d)
{
	char *path = write_temp(yaml, strlen(yaml));
	struct flow_set *set = load_max(path, ussd_max, d);
	/* Point the diagnostics at a fixed name for the comparisons. */
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		d->items[i].file = xstrdup("t.yaml");
	}
	unlink(path);
	free(path);
	return set;
}

static struct flow_set *load_yaml(const char *yaml, struct flow_diags *d)
{
	return load_yaml_max(yaml, 0, d);
}

/* ------------------------------------------------------------------------
 * Good flows
 * ------------------------------------------------------------------------ */

static void test_baseline(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load(FLOWS "good/baseline.yaml", &d);
	assert_int_equal(d.n, 0); /* not even a warning */
	assert_int_equal(set->n, 1);
	const struct flow *f = flow_set_find(set, "baseline");
	assert_non_null(f);
	assert_string_equal(f->path, FLOWS "good/baseline.yaml");
	assert_int_equal(f->kind, FLOW_SURVEY);
	assert_int_equal(f->nlangs, 2);
	assert_string_equal(f->langs[0], "sw");
	assert_string_equal(f->langs[1], "en");
	assert_string_equal(f->title.t[0], "Utafiti wa maisha ya wachimbaji");
	assert_string_equal(f->title.t[1], "Mining livelihoods survey");
	assert_int_equal(f->nkeywords, 2);
	assert_string_equal(f->keywords[0], "SURVEY");
	assert_string_equal(f->keywords[1], "UTAFITI");
	assert_string_equal(f->ussd, "*150*88#");
	assert_int_equal(f->expire, 72L * 3600);
	assert_int_equal(f->nvars, 1);
	assert_string_equal(f->vars[0].name, "org");
	assert_string_equal(f->vars[0].value.t[0], "IIED");

	assert_int_equal(f->nsteps, 6);
	const struct flow_step *s = &f->steps[0];
	assert_string_equal(s->id, "consent");
	assert_int_equal(s->type, STEP_ASK);
	assert_int_equal(s->ask, ASK_CHOICES);
	/* Placeholders stay as written; the engine expands them. */
	assert_string_equal(s->text.t[1],
			    "{vars.org} asks 4 short questions about your "
			    "work. Replies are free. Continue?");
	assert_int_equal(s->nchoices, 2);
	assert_string_equal(s->choices[0].key, "yes");
	assert_string_equal(s->choices[0].label.t[0], "Ndiyo");
	assert_string_equal(s->choices[1].key, "no");
	assert_string_equal(s->choices[1].label.t[1], "No");
	assert_string_equal(s->save, "consent");
	assert_int_equal(s->nbranches, 1);
	assert_string_equal(s->branches[0].value, "no");
	assert_int_equal(s->branches[0].target, 5);
	assert_int_equal(s->branch_default, -1);
	assert_int_equal(s->next, -1);
	assert_int_equal(s->retries, FLOW_DEFAULT_RETRIES);
	assert_false(s->has_invalid);
	assert_int_equal(s->line, 12);
	assert_int_equal(s->column, 5);

	s = &f->steps[1];
	assert_string_equal(s->id, "mineral");
	assert_int_equal(s->nchoices, 4);
	assert_string_equal(s->choices[3].key, "other");
	assert_string_equal(s->choices[3].label.t[0], "Mengineyo");
	assert_int_equal(s->nbranches, 0);

	s = &f->steps[2];
	assert_int_equal(s->ask, ASK_NUMBER);
	assert_true(s->has_min && s->has_max);
	assert_true(s->min == 0 && s->max == 80);
	assert_string_equal(s->save, "years");

	s = &f->steps[3];
	assert_int_equal(s->ask, ASK_TEXT);
	assert_int_equal(s->text_max, 320);

	assert_int_equal(f->steps[4].type, STEP_END);
	assert_string_equal(f->steps[4].text.t[1],
			    "Thank you! We will send you the results.");
	assert_string_equal(f->steps[5].id, "goodbye");
	assert_int_equal(f->steps[5].type, STEP_END);
	assert_int_equal(f->steps[5].ask, ASK_NONE);

	/* The look-ups. */
	assert_ptr_equal(flow_set_by_keyword(set, "utafiti"), f);
	assert_ptr_equal(flow_set_by_keyword(set, "survey"), f);
	assert_null(flow_set_by_keyword(set, "other"));
	assert_ptr_equal(flow_set_by_ussd(set, "*150*88#"), f);
	assert_null(flow_set_by_ussd(set, "*150*89#"));
	assert_null(flow_set_find(set, "nothing"));
	assert_int_equal(flow_step_index(f, "goodbye"), 5);
	assert_int_equal(flow_step_index(f, "nothing"), -1);
	assert_int_equal(flow_lang_index(f, "en"), 1);
	assert_int_equal(flow_lang_index(f, "fr"), -1);
	assert_string_equal(flow_text_get(f, &f->steps[4].text, 0),
			    "Asante! Tutakutumia matokeo.");
	/* An unknown language falls back to the default one. */
	assert_string_equal(flow_text_get(f, &f->steps[4].text, 7),
			    "Asante! Tutakutumia matokeo.");
	assert_ptr_equal(flow_step_saving(f, "years"), &f->steps[2]);
	assert_null(flow_step_saving(f, "nothing"));

	flow_set_unref(set);
	flow_diags_release(&d);
}

static void test_invitation(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load(FLOWS "good/invitation.yaml", &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(set->n, 1);
	const struct flow *f = set->flows[0];
	assert_string_equal(f->id, "dialogue_invite");
	assert_int_equal(f->kind, FLOW_INVITATION);
	assert_int_equal(f->nkeywords, 2);
	assert_string_equal(f->keywords[0], "MKUTANO"); /* upper-cased */
	assert_string_equal(f->keywords[1], "MEETING");
	assert_null(f->ussd);
	assert_int_equal(f->expire, 2 * 86400);
	/* A plain var is the same in every language. */
	assert_string_equal(f->vars[0].name, "date");
	assert_string_equal(f->vars[0].value.t[0], "12/11");
	assert_string_equal(f->vars[0].value.t[1], "12/11");
	assert_string_equal(f->vars[1].value.t[1], "the village office, Geita");

	const struct flow_step *s = &f->steps[0];
	assert_int_equal(s->type, STEP_LANGUAGE);
	assert_string_equal(s->save, "language");
	assert_int_equal(s->nbranches, 1);
	assert_string_equal(s->branches[0].value, "en");
	assert_int_equal(s->branches[0].target, 2);
	assert_int_equal(f->steps[1].type, STEP_SAY);

	s = &f->steps[2];
	assert_string_equal(s->save, "rsvp");
	assert_int_equal(s->retries, 3);
	assert_true(s->has_invalid);
	assert_string_equal(s->invalid.t[1], "Reply 1, 2 or 3.");
	assert_int_equal(s->nbranches, 1);
	assert_string_equal(s->branches[0].value, "no");
	assert_int_equal(s->branches[0].target, 3);
	assert_int_equal(s->branch_default, 4);
	flow_set_unref(set);
	flow_diags_release(&d);
}

static void test_defaults(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load(FLOWS "good/single_language.yaml", &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(set->n, 1);
	const struct flow *f = set->flows[0];
	assert_int_equal(f->kind, FLOW_SURVEY);            /* no kind */
	assert_int_equal(f->expire, FLOW_DEFAULT_EXPIRE);  /* no expire */
	assert_string_equal(f->title.t[0], "water_en");    /* no title */
	assert_int_equal(f->nlangs, 1);
	assert_int_equal(f->nkeywords, 1);                 /* one, not a list */
	assert_string_equal(f->keywords[0], "WATER");
	assert_string_equal(f->steps[0].text.t[0],
			    "Three questions about water at the mine site.");
	assert_int_equal(f->steps[0].next, 2);
	assert_int_equal(f->steps[1].next, 4);
	assert_true(f->steps[1].has_min && !f->steps[1].has_max);
	assert_true(f->steps[1].min == 0.5);
	assert_int_equal(f->steps[2].branches[0].target, 1);
	assert_int_equal(f->steps[2].branch_default, -1);
	for (size_t i = 0; i < f->nsteps; i++)
		assert_int_equal(f->steps[i].retries, 2);
	flow_set_unref(set);

	/* With the survey whose findings it reports (test_stats_across_files). */
	const char *paths[] = {FLOWS "good/report_back.yaml", FLOWS "good/baseline.yaml"};
	set = flow_set_load(paths, 2, NULL, &d);
	assert_int_equal(d.n, 0);
	f = flow_set_find(set, "baseline_results");
	assert_non_null(f);
	assert_int_equal(f->kind, FLOW_REPORT_BACK);
	assert_int_equal(f->nkeywords, 0);
	assert_int_equal(f->steps[1].ask, ASK_NUMBER);
	assert_false(f->steps[1].has_max);
	assert_int_equal(f->steps[2].ask, ASK_TEXT);
	assert_int_equal(f->steps[2].text_max, FLOW_DEFAULT_TEXT_MAX);
	flow_set_unref(set);
	flow_diags_release(&d);
}

static void test_directory(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	/* With and without the trailing slash: the same paths. */
	const char *dirs[] = {FLOWS "good", FLOWS "good/"};
	for (size_t k = 0; k < 2; k++) {
		struct flow_set *set = load(dirs[k], &d);
		print_diags(&d);
		assert_int_equal(d.n, 0);
		assert_int_equal(set->n, 4);
		/* In file name order. */
		assert_string_equal(set->flows[0]->path,
				    FLOWS "good/baseline.yaml");
		assert_string_equal(set->flows[1]->id, "dialogue_invite");
		assert_string_equal(set->flows[2]->id, "baseline_results");
		assert_string_equal(set->flows[3]->path,
				    FLOWS "good/single_language.yaml");
		assert_ptr_equal(flow_set_by_keyword(set, "meeting"),
				 set->flows[1]);
		assert_ptr_equal(flow_set_by_ussd(set, "*150*89#"),
				 set->flows[3]);
		flow_set_unref(set);
	}
	flow_diags_release(&d);
}

static void test_refcount(void **state)
{
	(void)state;
	struct flow_set *set = load(FLOWS "good/baseline.yaml", NULL);
	assert_int_equal(set->refcount, 1);
	assert_ptr_equal(flow_set_ref(set), set);
	assert_int_equal(set->refcount, 2);
	flow_set_unref(set);
	assert_int_equal(set->refcount, 1);
	assert_string_equal(set->flows[0]->id, "baseline");
	flow_set_unref(set);
	flow_set_unref(NULL);
}

/* ------------------------------------------------------------------------
 * One bad file per class of mistake
 * ------------------------------------------------------------------------ */

static void test_bad_syntax(void **state)
{
	(void)state;
	expect_error(FLOWS "bad/syntax.yaml", 5, 14,
		     "syntax error: mapping values are not allowed");
	expect_error(FLOWS "bad/tab_indent.yaml", 5, 1, "tab");
}

static void test_bad_keys(void **state)
{
	(void)state;
	expect_error(FLOWS "bad/unknown_key.yaml", 7, 5,
		     "step 'count': unknown key 'sav' (did you mean 'save'?)");
	expect_error(FLOWS "bad/missing_key.yaml", 6, 5,
		     "step 2: missing key 'id'");
	expect_error(FLOWS "bad/missing_steps.yaml", 2, 1,
		     "missing key 'steps'");
}

static void test_bad_steps(void **state)
{
	(void)state;
	expect_error(FLOWS "bad/duplicate_step.yaml", 6, 9,
		     "id 'hello' is already used by step 1 (line 4)");
	expect_error(FLOWS "bad/next_target.yaml", 6, 11,
		     "step 'hello': next step 'nowhere' is not a step id "
		     "(the steps are: hello, bye)");
	expect_error(FLOWS "bad/branch_target.yaml", 10, 20,
		     "step 'mineral': branch target 'nowhere' is not a step "
		     "id");
	expect_error(FLOWS "bad/unreachable.yaml", 8, 5,
		     "step 'lost' can never be reached");
	expect_error(FLOWS "bad/ask_without_answer.yaml", 4, 5,
		     "step 'q': ask needs one of choices, number or text");
	expect_error(FLOWS "bad/two_types.yaml", 6, 5,
		     "step 'hello': has both 'say' and 'ask'");
	expect_error(FLOWS "bad/save_on_say.yaml", 6, 5,
		     "'save' goes only on ask and language steps");
	expect_error(FLOWS "bad/min_max.yaml", 6, 13,
		     "number min 80 is greater than max 0");
}

static void test_bad_texts(void **state)
{
	(void)state;
	expect_error(FLOWS "bad/missing_language.yaml", 8, 10,
		     "step 'bye': end text is missing language 'en'");
	expect_error(FLOWS "bad/extra_language.yaml", 5, 41,
		     "has language 'fr', which is not in languages (sw, en)");
	expect_error(FLOWS "bad/plain_text.yaml", 5, 10,
		     "one entry per language (sw, en), not one plain text");
	expect_error(FLOWS "bad/placeholder.yaml", 11, 21,
		     "unknown placeholder '{answers.nmae}' in the en end text: "
		     "no step saves 'nmae'");
	expect_error(FLOWS "bad/ussd_screen.yaml", 11, 11,
		     "the sw screen needs 211 characters, more than the 182 a "
		     "USSD screen holds, even with its choices paged");
}

static void test_bad_flow_keys(void **state)
{
	(void)state;
	expect_error(FLOWS "bad/flow_id.yaml", 1, 7,
		     "flow id 'Mining-Survey' may use only a-z, 0-9 and '_'");
	expect_error(FLOWS "bad/kind.yaml", 2, 7,
		     "kind 'poll' is not survey, invitation or report_back");
	expect_error(FLOWS "bad/expire.yaml", 3, 9,
		     "expire '3 days' is not a duration like 72h");
}

/* Two flows claim one thing: the later file has the error, the earlier
 * loads. */
static void expect_clash(const char *dir, const char *later, int line,
			 int column, const char *text, const char *kept)
{
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load(dir, &d);
	bool ok = one_error_is(&d, later, line, column, text);
	assert_true(ok);
	assert_int_equal(set->n, 1);
	assert_string_equal(set->flows[0]->id, kept);
	flow_set_unref(set);
	flow_diags_release(&d);
}

static void test_bad_across_files(void **state)
{
	(void)state;
	expect_clash(FLOWS "bad/keyword_clash", FLOWS
		     "bad/keyword_clash/b_second.yaml", 4, 22,
		     "keyword 'SURVEY' is already claimed by flow "
		     "'clash_first' (" FLOWS "bad/keyword_clash/a_first.yaml)",
		     "clash_first");
	expect_clash(FLOWS "bad/ussd_clash", FLOWS
		     "bad/ussd_clash/b_second.yaml", 4, 9,
		     "ussd code '*150*88#' is already claimed by flow "
		     "'ussd_first'",
		     "ussd_first");
	/* .yml files load too. */
	expect_clash(FLOWS "bad/duplicate_flow", FLOWS
		     "bad/duplicate_flow/b_second.yml", 1, 7,
		     "flow id 'census' is already used by " FLOWS
		     "bad/duplicate_flow/a_first.yaml",
		     "census");

	/* Named one by one, the load order is the order given. */
	const char *paths[] = {FLOWS "bad/keyword_clash/b_second.yaml",
			       FLOWS "bad/keyword_clash/a_first.yaml"};
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = flow_set_load(paths, 2, NULL, &d);
	assert_true(one_error_is(&d, paths[1], 3, 23, "keyword 'SURVEY'"));
	assert_int_equal(set->n, 1);
	assert_string_equal(set->flows[0]->id, "clash_second");
	flow_set_unref(set);
	flow_diags_release(&d);
}

/* A report-back names another flow's answers: what {stats...} names is
 * checked against the whole set, whichever file comes first, and a flow
 * that names what is not there is not loaded. */
static void test_stats_across_files(void **state)
{
	(void)state;
	static const char survey[] =
	    "flow: s\nlanguages: [en]\nsteps:\n"
	    "  - id: q\n    ask: Mineral?\n    choices: [gold: Gold, tin: Tin]\n"
	    "    save: mineral\n"
	    "  - id: n\n    ask: Days?\n    number:\n    save: days\n"
	    "  - id: bye\n    end: Bye\n";
	static const struct {
		const char *placeholder, *error; /* NULL: loads */
	} cases[] = {
	    {"{stats.s.count}", NULL},
	    {"{stats.s.mineral.gold.pct}", NULL},
	    {"{stats.s.days.3.count}", NULL}, /* a number: any value */
	    {"{stats.z.count}", "'{stats.z.count}': no flow 'z' is loaded"},
	    {"{stats.s.minerals.gold.pct}", "no step of flow 's' saves 'minerals'"},
	    {"{stats.s.mineral.silver.pct}",
	     "'silver' is not one of the keys of 'mineral' in flow 's'"},
	};
	char *survey_path = write_temp(survey, strlen(survey));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[256];
		snprintf(yaml, sizeof(yaml),
			 "flow: r\nlanguages: [en]\nsteps:\n"
			 "  - id: bye\n    end: \"Found %s\"\n",
			 cases[i].placeholder);
		char *report_path = write_temp(yaml, strlen(yaml));
		const char *paths[] = {report_path, survey_path};
		struct flow_diags d = {NULL, 0};
		struct flow_set *set = flow_set_load(paths, 2, NULL, &d);
		if (cases[i].error) {
			assert_true(one_error_is(&d, report_path, 5, 17, cases[i].error));
			assert_int_equal(set->n, 1);
			assert_string_equal(set->flows[0]->id, "s");
		} else {
			if (d.n)
				print_diags(&d);
			assert_int_equal(d.n, 0);
			assert_int_equal(set->n, 2);
		}
		flow_set_unref(set);
		flow_diags_release(&d);
		unlink(report_path);
		free(report_path);
	}
	unlink(survey_path);
	free(survey_path);

	/* A flow taken out for its own placeholder takes out the flows that
	 * name it. */
	static const char broken[] = "flow: s\nlanguages: [en]\nsteps:\n"
				     "  - id: bye\n    end: \"{stats.z.count}\"\n";
	static const char report[] = "flow: r\nlanguages: [en]\nsteps:\n"
				     "  - id: bye\n    end: \"{stats.s.count}\"\n";
	char *broken_path = write_temp(broken, strlen(broken));
	char *report_path = write_temp(report, strlen(report));
	const char *paths[] = {report_path, broken_path};
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = flow_set_load(paths, 2, NULL, &d);
	assert_int_equal(set->n, 0);
	assert_int_equal(flow_diags_errors(&d), 2);
	flow_set_unref(set);
	flow_diags_release(&d);
	unlink(broken_path);
	unlink(report_path);
	free(broken_path);
	free(report_path);
}

static void test_every_error(void **state)
{
	(void)state;
	static const struct {
		int line, column;
		const char *text;
	} want[] = {
	    {9, 15, "label of choice 'salt' is missing language 'en'"},
	    {11, 20, "branch target 'nowhere' is not a step id"},
	    {12, 9, "id 'start' is already used by step 1 (line 5)"},
	    {14, 13, "number min 9 is greater than max 1"},
	    {16, 23, "unknown placeholder '{answers.minerl}'"},
	    {17, 5, "step 'bye': unknown key 'colour'"},
	};
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load(FLOWS "bad/many_errors.yaml", &d);
	assert_int_equal(set->n, 0);
	if (d.n != 6)
		print_diags(&d);
	assert_int_equal(d.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_false(d.items[i].warning);
		assert_int_equal(d.items[i].line, want[i].line);
		assert_int_equal(d.items[i].column, want[i].column);
		assert_non_null(strstr(d.items[i].message, want[i].text));
	}
	flow_set_unref(set);
	flow_diags_release(&d);
}

/* A flow that works is loaded beside one that does not. */
static void test_broken_beside_good(void **state)
{
	(void)state;
	const char *paths[] = {FLOWS "bad/min_max.yaml",
			       FLOWS "good/baseline.yaml", "tests/flows/none"};
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = flow_set_load(paths, 3, NULL, &d);
	assert_int_equal(set->n, 1);
	assert_string_equal(set->flows[0]->id, "baseline");
	assert_int_equal(flow_diags_errors(&d), 2);
	/* A file that cannot be read has no line. */
	const struct flow_diag *e = nth_error(&d, 1);
	char line[256];
	flow_diags_format(e, line, sizeof(line));
	assert_string_equal(line, "tests/flows/none: cannot open: No such "
				  "file or directory");
	flow_set_unref(set);
	flow_diags_release(&d);
}

static void test_warnings(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load(FLOWS "warn/ucs2.yaml", &d);
	assert_int_equal(set->n, 1); /* a warning does not stop it */
	assert_int_equal(d.n, 1);
	assert_int_equal(flow_diags_errors(&d), 0);
	assert_true(d.items[0].warning);
	char line[512];
	flow_diags_format(&d.items[0], line, sizeof(line));
	assert_string_equal(line,
			    FLOWS "warn/ucs2.yaml:9:23: warning: step 'bye': "
				  "the sw end text needs UCS-2 because of '‘', "
				  "so a USSD screen holds only 79 characters "
				  "of it");
	flow_set_unref(set);
	flow_diags_release(&d);
}

static void test_diags_format(void **state)
{
	(void)state;
	struct flow_diag e = {(char *)"flows/x.yaml", 12, 7, false,
			      (char *)"step 'mineral': branch target 'nowhere' "
				      "is not a step id"};
	char out[128];
	flow_diags_format(&e, out, sizeof(out));
	assert_string_equal(out, "flows/x.yaml:12:7: step 'mineral': branch "
				 "target 'nowhere' is not a step id");
	e.warning = true;
	flow_diags_format(&e, out, 32);
	assert_string_equal(out, "flows/x.yaml:12:7: warning: ste");
	struct flow_diags empty = {NULL, 0};
	assert_int_equal(flow_diags_errors(&empty), 0);
	flow_diags_release(&empty);
}

/* ------------------------------------------------------------------------
 * Small flows written by the tests
 * ------------------------------------------------------------------------ */

#define HEAD2 "flow: t\nlanguages: [sw, en]\nsteps:\n"
#define HEAD1 "flow: t\nlanguages: [en]\nsteps:\n"
#define BYE2 "  - id: bye\n    end: {sw: Kwaheri, en: Bye}\n"
#define BYE1 "  - id: bye\n    end: Bye\n"

static const struct bad_case {
	const char *yaml;
	int line, column;
	const char *text;
} bad_cases[] = {
    {"", 1, 1, "the file is empty"},
    {"- a\n- b\n", 1, 1, "a flow file must be a map of keys"},
    {"flow: t\n---\nflow: u\n", 3, 1, "a second YAML document"},
    {"flow: t\nlanguages: [en]\nsteps: [a\n", 4, 1, "syntax error"},
    /* A step id mistyped is named with the one meant. */
    {HEAD1 "  - id: q\n    say: Hi\n    next: thnaks\n  - id: thanks\n    end: Bye\n",
     6, 11, "next step 'thnaks' is not a step id (did you mean 'thanks'?)"},
    /* The syntax errors people make most, each with how to fix it
     * (docs/flows.md, "What flows check catches"). */
    {HEAD1 "  - id: q\n    ask: Which?\n    text: {max: 5}\n   save: q\n" BYE1,
     7, 4, "line 7 is indented by 3 spaces, the lines above it by 2 or 4"},
    {HEAD1 "  - id: q\n    ask: Which?\n    text: {max: 5}\n     save: q\n" BYE1,
     7, 6, "line 7 is indented by 5 spaces, the lines above it by 4"},
    {HEAD1 "  - id: q\n    ask: Which?\n    choices:\n      - a: A\n    - b: B\n" BYE1,
     8, 5, "check the indentation of line 8"},
    {HEAD1 "  - id: q\n    ask: Which?\n    text: {max: 5}\n    save:q\n" BYE1,
     7, 5, "write a key, then ':' and a space"},
    {HEAD1 "  - id: q\n    ask: Which?\n    text: {max: 5\n" BYE1,
     7, 7, "the '{' at line 6, column 11 is never closed: end it with '}'"},
    {HEAD1 "  - id: q\n    ask: \"Is \"it\" far?\"\n    text: {max: 5}\n" BYE1,
     5, 15, "write a '\"' inside it as \\\" or put the whole text in single quotes"},
    {HEAD1 "  - id: q\n    ask: {en: Where: here?}\n    text: {max: 5}\n" BYE1,
     5, 20, "put a text that contains ': ' in quotes"},
    /* The unquoted '*' starts an alias, which "150" cannot end. */
    {"flow: t\nlanguages: [en]\ntriggers: {ussd: *150*88#}\nsteps: []\n",
     3, 22, "put a text that starts with '*' or '&' in quotes"},
    {"flow: t\nlanguages: [en]\ntriggers: {keywords: {fr: [SONDAGE]}}\n"
     "steps:\n" BYE1, 3, 23, "keywords for 'fr', which is not one of the flow's languages"},
    {"flow: t\nlanguages: [en]\nsteps: []\n", 3, 8,
     "steps must be a list of steps, not an empty list"},
    {"flow: t\nlanguages: []\nsteps:\n" BYE1, 2, 12,
     "languages must list at least one language"},
    {"flow: t\nlanguages: [EN]\nsteps:\n" BYE1, 2, 13,
     "language code 'EN' must be 2 to 8 lowercase letters"},
    {"flow: t\nlanguages: [aa, bb, cc, dd, ee, ff, gg, hh, ii]\nsteps:\n"
     "  - id: bye\n    end: Bye\n",
     2, 45, "a flow has at most 8 languages"},
    {"flow: t\nflow: u\nlanguages: [en]\nsteps:\n" BYE1, 2, 1,
     "key 'flow' is given twice (first at line 1)"},
    {"flow: t\nlanguages: [en]\ntriggers: {ussd: \"150*88\"}\nsteps:\n" BYE1,
     3, 18, "ussd code '150*88' must look like \"*150*88#\""},
    {"flow: t\nlanguages: [en]\ntriggers: {keywords: [\"take part\"]}\n"
     "steps:\n" BYE1,
     3, 23, "keyword 'take part' must be one word"},
    {"flow: t\nlanguages: [en]\ntriggers: [SURVEY]\nsteps:\n" BYE1, 3, 11,
     "triggers must be a map"},
    {"flow: t\nlanguages: [en]\nexpire: 400d\nsteps:\n" BYE1, 3, 9,
     "must be between 1s and 365d"},
    {"flow: t\nlanguages: [en]\nexpire: 72\nsteps:\n" BYE1, 3, 9,
     "not a duration"},
    {"flow: t\nlanguages: [en]\nexpire: 1h\nremind: {after: 2h, text: R}\n"
     "steps:\n" BYE1,
     4, 17, "remind after '2h' must be shorter than expire (3600s)"},
    {"flow: t\nlanguages: [en]\nremind: {after: soon, text: R}\nsteps:\n" BYE1,
     3, 17, "remind after 'soon' is not a duration"},
    {"flow: t\nlanguages: [en]\nremind: {after: 1h, times: 0, text: R}\n"
     "steps:\n" BYE1,
     3, 28, "remind times must be a whole number from 1 to 10"},
    {"flow: t\nlanguages: [en]\nremind: {text: R}\nsteps:\n" BYE1, 3, 9,
     "remind is missing 'after'"},
    {"flow: t\nlanguages: [sw, en]\nremind: {after: 1h, text: {en: R}}\n"
     "steps:\n" BYE2,
     3, 27, "remind text is missing language 'sw'"},
    {"flow: t\nlanguages: [en]\nremind: {after: 1h, text: R, every: 2h}\n"
     "steps:\n" BYE1,
     3, 30, "unknown key 'every'"},
    {"flow: t\nlanguages: [en]\nremind: 24h\nsteps:\n" BYE1, 3, 9,
     "remind must be a map"},
    {"flow: t\ntitle: {en: Hi}\nlanguages: [sw, en]\nsteps:\n" BYE2, 2, 8,
     "title is missing language 'sw'"},
    {"flow: t\nlanguages: [en]\nvars:\n  my org: X\nsteps:\n" BYE1, 4, 3,
     "var name 'my org' may use only letters, digits and '_'"},
    {"flow: t\nlanguages: [sw, en]\nvars:\n  org: {sw: X}\nsteps:\n" BYE2, 4,
     8, "var 'org': value is missing language 'en'"},
    {HEAD1 "  - hello\n", 4, 5, "step 1: must be a map"},
    {HEAD1 "  - id: q\n    ask: Which?\n    choices: []\n" BYE1, 6, 14,
     "choices must be a list of '- key: text' entries, not an empty list"},
    {HEAD1 "  - id: q\n    ask: Which?\n    choices:\n      - gold\n" BYE1, 7,
     9, "choice 'gold' needs a label: write '- gold: text'"},
    {HEAD1 "  - id: q\n    ask: Which?\n    choices:\n      - gold: Gold\n"
     "      - Gold: Gold!\n" BYE1,
     8, 9, "choice key 'Gold' is used twice"},
    {HEAD1 "  - id: q\n    ask: Which?\n    choices: [gold: Gold, salt: Salt]\n"
     "    branch: {silver: bye}\n" BYE1,
     7, 14, "branch value 'silver' is not a choice of this step (gold, "
	    "salt)"},
    {HEAD2 "  - id: l\n    language: {sw: Lugha, en: Language}\n"
     "    branch: {fr: bye}\n" BYE2,
     6, 14, "branch value 'fr' is not a language of the flow (sw, en)"},
    {HEAD1 "  - id: q\n    ask: Which?\n    choices: [a: A]\n    number:\n"
     BYE1,
     7, 5, "has both 'choices' and 'number'"},
    {HEAD1 "  - id: q\n    say: Hi\n    choices: [a: A]\n" BYE1, 6, 5,
     "'choices' goes only with ask"},
    {HEAD1 "  - id: q\n    say: Hi\n    invalid: No\n" BYE1, 6, 5,
     "'invalid' goes only on ask and language steps"},
    {HEAD1 "  - id: q\n    say: Hi\n    branch: {a: bye}\n" BYE1, 6, 5,
     "'branch' goes only on ask and language steps"},
    {HEAD1 "  - id: q\n    say: Hi\n" "  - id: bye\n    end: Bye\n"
     "    next: q\n", 8, 5, "an end step has no next"},
    {HEAD1 "  - id: q\n    ask: Age?\n    number: {min: 1}\n    retries: 99\n"
     BYE1, 7, 14, "retries must be a whole number from 0 to 20"},
    {HEAD1 "  - id: q\n    ask: Age?\n    number: {min: ten}\n" BYE1, 6, 19,
     "number min must be a number, not ten"},
    {HEAD1 "  - id: q\n    ask: Age?\n    number: 10\n" BYE1, 6, 13,
     "number must be a map like {min: 0, max: 80}"},
    {HEAD1 "  - id: q\n    ask: Say?\n    text: {max: 0}\n" BYE1, 6, 17,
     "text max must be a whole number from 1 to 10000"},
    {HEAD1 "  - id: q\n    ask: Say?\n    text:\n    save: my answer\n" BYE1,
     7, 11, "save name 'my answer' may use only letters"},
    {HEAD1 "  - id: q\n    ask: [a, b]\n    text:\n" BYE1, 5, 10,
     "ask text must be a text, not a list"},
    {HEAD2 "  - id: q\n    say:\n" BYE2, 5, 9,
     "say text must be a map with one entry per language (sw, en), not "
     "empty"},
    {HEAD1 "  - id: q\n    say: \"\"\n" BYE1, 5, 10, "the en say text is empty"},
    {HEAD1 "  - id: q\n    say: ~\n" BYE1, 5, 10, "not empty"},
    {HEAD1 "  - id: q\n    say: \"a\\0b\"\n" BYE1, 5, 10,
     "a text holds a NUL character"},
    {HEAD1 "  - id: q\n    say: \"Hi {name}\"\n" BYE1, 5, 14,
     "unknown placeholder '{name}' in the en say text: a placeholder is "
     "{contact.X}"},
    {HEAD1 "  - id: q\n    say: \"Hi {contact}\"\n" BYE1, 5, 14,
     "write {contact.FIELD}"},
    {HEAD1 "  - id: q\n    say: \"For {vars.org}\"\n" BYE1, 5, 15,
     "there is no var 'org'"},
    {HEAD1 "  - id: q\n    say: \"{stats.other.pct}\"\n" BYE1, 5, 11,
     "write {stats.FLOW.count} or {stats.FLOW.NAME.KEY.pct}"},
    {HEAD1 "  - id: q\n    say: \"{stats.Other.count}\"\n" BYE1, 5, 11,
     "write {stats.FLOW.count}"},
    {HEAD1 "  - id: q\n    say: \"{stats.other.count}\"\n" BYE1, 5, 11,
     "unknown placeholder '{stats.other.count}': no flow 'other' is loaded "
     "beside this one"},
    {HEAD1 "  - id: q\n    ask: \"{stats.t.mineral.tin.pct}\"\n"
	   "    choices: [gold: Gold]\n    save: mineral\n" BYE1, 5, 11,
     "'tin' is not one of the keys of 'mineral' in flow 't'"},
    {HEAD1 "  - id: q\n    say: \"{stats.t.mineral.gold.pct}\"\n" BYE1, 5, 11,
     "no step of this flow saves 'mineral'"},
    {HEAD1 "  - id: q\n    say: \"Hi {contact.name\"\n" BYE1, 5, 14,
     "'{' without a closing '}' in the en say text"},
    /* In a text written over several lines, the text itself. */
    {HEAD1 "  - id: q\n    say: >\n      Hello\n      {answer.x}\n" BYE1, 5,
     10, "unknown placeholder '{answer.x}'"},
    {HEAD1 "  - id: q\n    say: Hi\n    id: r\n" BYE1, 6, 5,
     "key 'id' is given twice"},
    /* Nothing before it leads there: that it leads to itself does not
     * count. */
    {HEAD1 "  - id: a\n    say: Hi\n  - id: b\n    end: Bye\n"
     "  - id: c\n    say: Loop\n    next: c\n",
     8, 5, "step 'c' can never be reached"},
};

static void test_bad_cases(void **state)
{
	(void)state;
	size_t failed = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct flow_diags d = {NULL, 0};
		struct flow_set *set = load_yaml(c->yaml, &d);
		if (!one_error_is(&d, "t.yaml", c->line, c->column, c->text) ||
		    set->n != 0) {
			print_message("bad case %zu:\n%s\n", i, c->yaml);
			failed++;
		}
		flow_set_unref(set);
		flow_diags_release(&d);
	}
	assert_int_equal(failed, 0);
}

static void test_bad_utf8(void **state)
{
	(void)state;
	static const char yaml[] = "flow: t\nlanguages: [en]\nsteps:\n"
				   "  - id: q\n    say: Caf\xe9\n";
	char *path = write_temp(yaml, sizeof(yaml) - 1);
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load(path, &d);
	bool ok = one_error_is(&d, path, 5, 13, "not UTF-8");
	unlink(path);
	free(path);
	flow_set_unref(set);
	flow_diags_release(&d);
	assert_true(ok);
}

static void test_remind(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load_yaml(
	    "flow: t\nlanguages: [sw, en]\nexpire: 2d\n"
	    "remind: {after: 3s, times: 2, text: {sw: Kumbusho, en: Reminder}}\n"
	    "steps:\n" BYE2, &d);
	print_diags(&d);
	assert_int_equal(d.n, 0);
	assert_int_equal(set->n, 1);
	const struct flow *f = set->flows[0];
	assert_int_equal(f->remind.after, 3);
	assert_int_equal(f->remind.times, 2);
	assert_string_equal(f->remind.text.t[1], "Reminder");
	flow_set_unref(set);
	flow_diags_release(&d);

	set = load_yaml("flow: t\nlanguages: [en]\nremind: {after: 24h, text: R}\n"
			"steps:\n" BYE1, &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(set->flows[0]->remind.after, 24 * 3600);
	assert_int_equal(set->flows[0]->remind.times, 1); /* the default */
	flow_set_unref(set);
	flow_diags_release(&d);
	/* no remind: none */
	set = load_yaml("flow: t\nlanguages: [en]\nsteps:\n" BYE1, &d);
	assert_int_equal(set->flows[0]->remind.after, 0);
	flow_set_unref(set);
	flow_diags_release(&d);
}

static void test_good_cases(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		long expire;
		size_t warnings;
	} cases[] = {
	    {"flow: t\nlanguages: [en]\nexpire: 1d12h\nsteps:\n" BYE1,
	     36 * 3600, 0},
	    {"flow: t\nlanguages: [en]\nexpire: 90s\nsteps:\n" BYE1, 90, 0},
	    {"flow: t\nlanguages: [en]\nexpire: 30m\nsteps:\n" BYE1, 1800, 0},
	    /* Anything a contact field may be called; stats of this flow by
	     * a name it saves and a key of it (other flows' stats:
	     * test_stats_across_files). */
	    {HEAD1 "  - id: q\n    ask: \"{contact.home_village|kijijini} "
		   "{stats.t.count} {stats.t.mineral.gold.count}\"\n"
		   "    choices: [gold: Gold]\n    save: mineral\n"
		   "  - id: r\n    say: \"{stats.t.mineral.gold.pct}% "
		   "{answers.mineral}\"\n" BYE1,
	     FLOW_DEFAULT_EXPIRE, 0},
	    /* A repeated language is ignored, with a warning. */
	    {"flow: t\nlanguages: [en, en]\nsteps:\n" BYE1,
	     FLOW_DEFAULT_EXPIRE, 1},
	    /* A keyword that always works, and one given twice. */
	    {"flow: t\nlanguages: [en]\ntriggers: {keywords: [stop, a, A]}\n"
	     "steps:\n" BYE1,
	     FLOW_DEFAULT_EXPIRE, 2},
	    /* One save name in two steps. */
	    {HEAD1 "  - id: q\n    ask: A?\n    text:\n    save: x\n"
		   "  - id: r\n    ask: B?\n    text:\n    save: x\n" BYE1,
	     FLOW_DEFAULT_EXPIRE, 1},
	    /* Keywords per language. */
	    {"flow: t\nlanguages: [sw, en]\ntriggers: {keywords: {sw: [UTAFITI, "
	     "TAFITI], en: SURVEY}}\nsteps:\n  - id: bye\n    end: {sw: Kwaheri, en: Bye}\n",
	     FLOW_DEFAULT_EXPIRE, 0},
	    /* A contact field without a default is warned about, once per
	     * placeholder; with one it is not. */
	    {HEAD1 "  - id: q\n    say: \"Hi {contact.name}, {contact.name|rafiki} "
		   "{contact.village|}\"\n" BYE1,
	     FLOW_DEFAULT_EXPIRE, 1},
	    /* On USSD a say that cannot share a screen with the question
	     * after it is cut there: a warning; a short one is fine. */
	    {"flow: t\nlanguages: [en]\ntriggers: {ussd: \"*150*96#\"}\nsteps:\n"
	     "  - id: s\n    say: \"SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS"
	     "SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS\"\n"
	     "  - id: q\n    ask: Question number one here?\n"
	     "    choices: [a: Alpha one, b: Beta two, c: Gamma three]\n    save: x\n"
	     "  - id: r\n    say: Short.\n"
	     "  - id: q2\n    ask: Again?\n    choices: [y: Yes]\n    save: y\n" BYE1,
	     FLOW_DEFAULT_EXPIRE, 1},
	    /* Steps that loop back are fine; so is a last step that is not
	     * an end. */
	    {HEAD1 "  - id: q\n    ask: Again?\n    choices: [y: Yes, n: No]\n"
		   "    branch: {y: q}\n  - id: r\n    say: Done\n",
	     FLOW_DEFAULT_EXPIRE, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flow_diags d = {NULL, 0};
		struct flow_set *set = load_yaml(cases[i].yaml, &d);
		if (flow_diags_errors(&d) || d.n != cases[i].warnings ||
		    set->n != 1) {
			print_message("good case %zu:\n%s\n", i, cases[i].yaml);
			print_diags(&d);
		}
		assert_int_equal(flow_diags_errors(&d), 0);
		assert_int_equal(d.n, cases[i].warnings);
		assert_int_equal(set->n, 1);
		assert_int_equal(set->flows[0]->expire, cases[i].expire);
		flow_set_unref(set);
		flow_diags_release(&d);
	}
}

/* ------------------------------------------------------------------------
 * USSD screens, at the limit
 * ------------------------------------------------------------------------ */

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Loads a USSD flow whose only step is the given YAML; returns the number
 * of errors, and the first in *first (formatted). */
static size_t ussd_errors(const char *step, size_t ussd_max, char *first,
			  size_t size)
{
	struct buf yaml = BUF_INIT;
	struct flow_diags d = {NULL, 0};
	buf_printf(&yaml, "flow: t\nlanguages: [en]\ntriggers: {ussd: "
			  "\"*1#\"}\nsteps:\n%s",
		   step);
	struct flow_set *set = load_yaml_max(buf_str(&yaml), ussd_max, &d);
	size_t n = flow_diags_errors(&d);
	first[0] = '\0';
	if (n)
		flow_diags_format(nth_error(&d, 0), first, size);
	assert_int_equal(set->n, n ? 0 : 1);
	flow_set_unref(set);
	flow_diags_release(&d);
	buf_release(&yaml);
	return n;
}

static void test_ussd_end_text(void **state)
{
	(void)state;
	char err[512];
	for (size_t len = 181; len <= 183; len++) {
		char *text = repeat('a', len);
		struct buf step = BUF_INIT;
		buf_printf(&step, "  - id: bye\n    end: %s\n", text);
		size_t n = ussd_errors(buf_str(&step), 0, err, sizeof(err));
		assert_int_equal(n, len > 182);
		if (n)
			assert_string_equal(
			    err, "t.yaml:6:10: step 'bye': the en screen needs "
				 "183 characters, more than the 182 a USSD "
				 "screen holds");
		/* A configured screen size. */
		assert_int_equal(ussd_errors(buf_str(&step), len, err,
					     sizeof(err)),
				 0);
		assert_int_equal(ussd_errors(buf_str(&step), len - 1, err,
					     sizeof(err)),
				 1);
		buf_release(&step);
		free(text);
	}
	/* In UCS-2 a 182-character screen holds 79. */
	for (size_t len = 78; len <= 79; len++) {
		char *text = repeat('a', len);
		struct buf step = BUF_INIT;
		buf_printf(&step, "  - id: bye\n    end: \"\xe2\x80\x98%s\"\n",
			   text);
		size_t n = ussd_errors(buf_str(&step), 0, err, sizeof(err));
		assert_int_equal(n, len == 79);
		if (n)
			assert_non_null(strstr(err, "needs 80 characters, more "
						    "than the 79 a USSD screen "
						    "holds in UCS-2"));
		buf_release(&step);
		free(text);
	}
}

static void test_ussd_paged_choices(void **state)
{
	(void)state;
	char err[512];
	char *label = repeat('l', 40);
	/* Paged as the engine pages it, the longest screen is the middle
	 * page: the question, "\n2. " and the 40-character label, "\n98. More"
	 * and "\n0. Back": question + 61.  (The first page has no "0. Back",
	 * the last no "98. More".)  The whole list never fits. */
	for (size_t len = 120; len <= 122; len++) {
		char *ask = repeat('q', len);
		struct buf step = BUF_INIT;
		buf_printf(&step,
			   "  - id: q\n    ask: %s\n    choices:\n"
			   "      - a: %s\n      - b: %s\n      - c: %s\n",
			   ask, label, label, label);
		size_t n = ussd_errors(buf_str(&step), 0, err, sizeof(err));
		assert_int_equal(n, len > 121);
		if (n)
			assert_string_equal(
			    err, "t.yaml:6:10: step 'q': the en screen needs 183 "
				 "characters, more than the 182 a USSD screen "
				 "holds, even with its choices paged");
		buf_release(&step);
		free(ask);
	}
	/* Two choices: no page has both paging lines, so 122 fits (a check
	 * that assumed both used to refuse it). */
	{
		char *q = repeat('q', 122);
		struct buf two = BUF_INIT;
		buf_printf(&two, "  - id: q\n    ask: %s\n    choices:\n"
			   "      - a: %s\n      - b: %s\n", q, label, label);
		assert_int_equal(ussd_errors(buf_str(&two), 0, err, sizeof(err)), 0);
		buf_release(&two);
		free(q);
	}
	/* A list that fits whole needs no paging lines. */
	char *ask = repeat('q', 182 - 2 * 4 - 2 * 40 - 1);
	struct buf step = BUF_INIT;
	buf_printf(&step,
		   "  - id: q\n    ask: %s\n    choices:\n      - a: %sl\n"
		   "      - b: %s\n",
		   ask, label, label);
	assert_int_equal(ussd_errors(buf_str(&step), 0, err, sizeof(err)), 0);
	buf_release(&step);
	free(ask);
	free(label);
}

/* The paging words are Swahili in a Swahili screen, and vars count at
 * their value. */
static void test_ussd_swahili_and_vars(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	char *label = repeat('l', 40);
	char *ask = repeat('q', 120);
	struct buf yaml = BUF_INIT;
	/* sw, the middle page: 120 + 4 + 40 + "\n98. Zaidi" (10) +
	 * "\n0. Rudi" (8) = 182; en: "{vars.v}" counts as its value, 5:
	 * 5 + 112 + 61 = 178. */
	buf_printf(&yaml,
		   "flow: t\nlanguages: [sw, en]\ntriggers: {ussd: \"*1#\"}\n"
		   "vars:\n  v: {sw: x, en: 12345}\nsteps:\n"
		   "  - id: q\n    ask: {sw: %s, en: \"{vars.v}%.112s\"}\n"
		   "    choices:\n      - a: {sw: %s, en: %s}\n"
		   "      - b: {sw: %s, en: %s}\n      - c: {sw: %s, en: %s}\n",
		   ask, ask, label, label, label, label, label, label);
	struct flow_set *set = load_yaml(buf_str(&yaml), &d);
	print_diags(&d);
	assert_int_equal(d.n, 0);
	assert_int_equal(set->n, 1);
	flow_set_unref(set);
	flow_diags_release(&d);
	buf_release(&yaml);

	/* One more character in Swahili is too many. */
	buf_printf(&yaml,
		   "flow: t\nlanguages: [sw, en]\ntriggers: {ussd: \"*1#\"}\n"
		   "steps:\n"
		   "  - id: q\n    ask: {sw: %sq, en: x}\n"
		   "    choices:\n      - a: {sw: %s, en: %s}\n"
		   "      - b: {sw: %s, en: %s}\n      - c: {sw: %s, en: %s}\n",
		   ask, label, label, label, label, label, label);
	set = load_yaml(buf_str(&yaml), &d);
	assert_true(one_error_is(&d, "t.yaml", 6, 15,
				 "the sw screen needs 183 characters"));
	flow_set_unref(set);
	flow_diags_release(&d);
	buf_release(&yaml);
	free(label);
	free(ask);
}

/* The choices replies are compared with are folded once, at load: the key,
 * each language's label, and no label with a placeholder (it is folded as
 * shown, per message). */
static void test_choices_folded_at_load(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load_yaml_max(
		"flow: f\nlanguages: [sw, en]\nsteps:\n"
		"  - id: q\n    ask: {sw: \"Je?\", en: \"So?\"}\n"
		"    choices:\n"
		"      - Yes: {sw: \"  Ndiyo.\", en: \"YES  please\"}\n"
		"      - other: {sw: \"Nyingine\", en: \"Other,\"}\n"
		"      - mine: {sw: \"{contact.name|yangu}\", en: \"Mine\"}\n"
		"    save: a\n", 0, &d);
	print_diags(&d);
	assert_true(set && set->n == 1);
	const struct flow_step *q = &set->flows[0]->steps[0];
	assert_int_equal(q->nchoices, 3);
	assert_string_equal(q->choices[0].folded_key, "yes");
	assert_string_equal(q->choices[0].folded_label.t[0], "ndiyo");
	assert_string_equal(q->choices[0].folded_label.t[1], "yes please");
	assert_string_equal(q->choices[1].folded_label.t[1], "other");
	assert_null(q->choices[2].folded_label.t[0]);
	assert_string_equal(q->choices[2].folded_label.t[1], "mine");
	flow_set_unref(set);
	flow_diags_release(&d);
}

/* Keywords are shown upper-cased and matched folded, in all of Unicode:
 * "éleveur" typed starts the flow whose keyword is written "Éleveur". */
static void test_keywords_folded_at_load(void **state)
{
	(void)state;
	struct flow_diags d = {NULL, 0};
	struct flow_set *set = load_yaml_max(
		"flow: f\nlanguages: [fr, en]\n"
		"triggers:\n  keywords: [\"\xC3\x89leveur\", \"\xC9\x94" "dwuma\", \"\xC6\x86" "DWUMA\"]\n"
		"steps:\n  - id: q\n    ask: {fr: \"Oui?\", en: \"Yes?\"}\n"
		"    number: {min: 0, max: 9}\n    save: a\n",
		0, &d);
	print_diags(&d);
	assert_true(set && set->n == 1);
	const struct flow *f = set->flows[0];
	assert_int_equal(f->nkeywords, 2); /* the second Twi one is the first again */
	assert_int_equal(d.n, 1);
	assert_string_equal(f->keywords[0], "\xC3\x89LEVEUR");
	assert_string_equal(f->keyword_folds[0], "\xC3\xA9leveur");
	assert_string_equal(f->keywords[1], "\xC6\x86" "DWUMA");
	assert_ptr_equal(flow_set_by_keyword(set, "\xC3\xA9leveur"), f);
	assert_ptr_equal(flow_set_by_keyword(set, "\xC9\x94" "dwuma"), f);
	assert_null(flow_set_by_keyword(set, "eleveur"));
	flow_set_unref(set);
	flow_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_baseline),
	    cmocka_unit_test(test_invitation),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_directory),
	    cmocka_unit_test(test_refcount),
	    cmocka_unit_test(test_bad_syntax),
	    cmocka_unit_test(test_bad_keys),
	    cmocka_unit_test(test_bad_steps),
	    cmocka_unit_test(test_bad_texts),
	    cmocka_unit_test(test_bad_flow_keys),
	    cmocka_unit_test(test_bad_across_files),
	    cmocka_unit_test(test_stats_across_files),
	    cmocka_unit_test(test_every_error),
	    cmocka_unit_test(test_broken_beside_good),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_diags_format),
	    cmocka_unit_test(test_bad_cases),
	    cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_good_cases),
	    cmocka_unit_test(test_remind),
	    cmocka_unit_test(test_ussd_end_text),
	    cmocka_unit_test(test_ussd_paged_choices),
	    cmocka_unit_test(test_ussd_swahili_and_vars),
	    cmocka_unit_test(test_choices_folded_at_load),
	    cmocka_unit_test(test_keywords_folded_at_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
