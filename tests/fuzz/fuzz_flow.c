/* fuzz_flow.c -- libFuzzer target: the flow loader on one flow file.
 *
 * The input is the file.  Whatever it holds, loading must not crash, leak
 * or hit undefined behaviour, every diagnostic must format, and a flow that
 * loads must keep the promises of flow.h (every text in every language,
 * targets inside the flow), since the engine relies on them without
 * checking.  Such a flow is then walked by the engine on SMS and on USSD
 * with replies people send, which finds flows the loader accepts but the
 * engine cannot serve. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "flow.h"
#include "fuzzutil.h"
#include "log.h"

#define USSD_MAX 182

static const char *const replies[] = {
	"1", "98", "2", "98", "0", "3", "x", " 1.", "1,5", "12", "-1",
	"", "en", "Kiswahili", "Ndiyo", "99", "7", "2",
};
#define NREPLIES (sizeof(replies) / sizeof(replies[0]))

static void check_text(const struct flow *f, const struct flow_text *t)
{
	for (size_t li = 0; li < f->nlangs; li++)
		FUZZ_CHECK(t->t[li] != NULL);
}

static void check_target(const struct flow *f, int target)
{
	FUZZ_CHECK(target >= -1 && target < (int)f->nsteps);
}

static void check_flow(const struct flow *f)
{
	FUZZ_CHECK(f->id && f->path);
	FUZZ_CHECK(f->nlangs >= 1 && f->nlangs <= FLOW_MAX_LANGS);
	FUZZ_CHECK(f->nsteps >= 1);
	check_text(f, &f->title);
	for (size_t i = 0; i < f->nvars; i++)
		check_text(f, &f->vars[i].value);
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *s = &f->steps[i];
		FUZZ_CHECK(s->id != NULL);
		check_text(f, &s->text);
		if (s->has_invalid)
			check_text(f, &s->invalid);
		if (s->type == STEP_ASK && s->ask == ASK_CHOICES)
			FUZZ_CHECK(s->nchoices >= 1);
		for (size_t c = 0; c < s->nchoices; c++) {
			FUZZ_CHECK(s->choices[c].key != NULL);
			check_text(f, &s->choices[c].label);
		}
		check_target(f, s->next);
		check_target(f, s->branch_default);
		for (size_t b = 0; b < s->nbranches; b++) {
			FUZZ_CHECK(s->branches[b].value != NULL);
			check_target(f, s->branches[b].target);
		}
		FUZZ_CHECK(flow_step_index(f, s->id) == (int)i);
	}
}

static void walk(const struct flow *f)
{
	for (size_t li = 0; li < f->nlangs; li++) {
		fuzz_engine_run(f, (int)li, 0, 0, replies, NREPLIES, 0);
		fuzz_engine_run(f, (int)li, USSD_MAX, 0, replies, NREPLIES, 1);
	}
	for (size_t i = 0; i < f->nsteps; i++) {
		struct buf out = BUF_INIT;
		engine_render_step(f, (int)i, 0, NULL, &out);
		buf_release(&out);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file_write(data, size);
	struct flow_load_opts opts = {USSD_MAX, NULL};
	struct flow_diags diags = {NULL, 0};
	char line[1024];

	struct flow_set *set = flow_set_load(&path, 1, &opts, &diags);
	FUZZ_CHECK(set && set->refcount == 1 && set->n <= 1);
	FUZZ_CHECK((set->n == 1) == (flow_diags_errors(&diags) == 0));
	for (size_t i = 0; i < diags.n; i++) {
		FUZZ_CHECK(diags.items[i].file && diags.items[i].message);
		flow_diags_format(&diags.items[i], line, sizeof(line));
	}
	if (set->n == 1) {
		const struct flow *f = set->flows[0];
		check_flow(f);
		FUZZ_CHECK(flow_set_find(set, f->id) == f);
		for (size_t k = 0; k < f->nkeywords; k++)
			FUZZ_CHECK(flow_set_by_keyword(set, f->keyword_folds[k]) == f);
		FUZZ_CHECK(!f->ussd || flow_set_by_ussd(set, f->ussd) == f);
		walk(f);
	}
	flow_set_unref(set);
	flow_diags_release(&diags);
	return 0;
}
