/* fuzz_engine.c -- libFuzzer target: the flow engine fed random replies.
 *
 * The flows are tests/flows/e2e/district.yaml (a language step, a
 * 12-choice list that pages on USSD, a branch, numbers with bounds and
 * retries, free text) and tests/flows/good/, loaded once at start.
 *
 * Input: one option byte, then replies separated by newlines.  The option
 * byte picks the flow, the language, SMS or USSD with one of several screen
 * sizes, and whether the screen is asked for again after each reply (a
 * resumed USSD session).  No reply may crash the engine, leak or hit
 * undefined behaviour; the run must stay inside its flow, and on USSD with
 * the screen size the flows were checked against every screen must fit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "flow.h"
#include "fuzzutil.h"
#include "log.h"

/* Set by fuzz.mk to the checkout's tests/flows; SAUTI_FUZZ_FLOWS wins. */
#ifndef FUZZ_FLOWS_DIR
#define FUZZ_FLOWS_DIR "tests/flows"
#endif

#define MAX_REPLIES 64
#define CHECKED_MAX 182     /* the flows are loaded for this screen size */

static struct flow_set *flows;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("SAUTI_FUZZ_FLOWS");
	struct buf district = BUF_INIT, good = BUF_INIT;
	struct flow_load_opts opts = {CHECKED_MAX, NULL};
	struct flow_diags diags = {NULL, 0};
	char line[512];

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	if (!dir || !*dir)
		dir = FUZZ_FLOWS_DIR;
	buf_printf(&district, "%s/e2e/district.yaml", dir);
	buf_printf(&good, "%s/good", dir);
	const char *paths[] = {buf_str(&district), buf_str(&good)};
	flows = flow_set_load(paths, 2, &opts, &diags);
	for (size_t i = 0; i < diags.n; i++) {
		flow_diags_format(&diags.items[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	if (flow_diags_errors(&diags) || !flow_set_find(flows, "district")) {
		fprintf(stderr, "fuzz_engine: the flows in %s do not load\n",
			dir);
		exit(1);
	}
	flow_diags_release(&diags);
	buf_release(&district);
	buf_release(&good);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t screens[] = {CHECKED_MAX, 160, 120, 60};
	char *replies[MAX_REPLIES];
	size_t n = 0;

	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	data++;
	size--;
	/* district is the first flow: half of the inputs go there. */
	const struct flow *flow = flows->flows[opt & 0x80 ? 0 :
					       (opt >> 5) % flows->n];
	int lang = (int)((opt >> 1) & 1) % (int)flow->nlangs;
	size_t ussd_max = opt & 1 ? screens[(opt >> 2) & 3] : 0;
	int again = (opt >> 4) & 1;

	while (size > 0 && n < MAX_REPLIES)
		replies[n++] = fuzz_split(&data, &size, '\n');
	fuzz_engine_run(flow, lang, ussd_max,
			ussd_max == CHECKED_MAX ? CHECKED_MAX : 0,
			(const char *const *)replies, n, again);
	for (size_t i = 0; i < n; i++)
		free(replies[i]);
	return 0;
}
