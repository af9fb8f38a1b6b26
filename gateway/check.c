/* check.c -- `sauti flows check [PATH...]`: reports every error in the flow
 * files as file:line:column: sentence, and what each step costs as SMS. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "engine.h"
#include "flow.h"
#include "text.h"
#include "usage.h"

/* One line of what a message costs; what: "" for the step's own message. */
static void print_cost(const struct flow *flow, const struct flow_step *step,
		       size_t l, const char *what, const struct buf *msg)
{
	struct sms_cost cost;
	sms_cost(buf_str(msg), msg->len, &cost);
	printf("%s:%d:%d: step '%s' [%s]%s: %zu SMS, %s, %zu %s",
	       flow->path, step->line, step->column, step->id,
	       flow->langs[l], what, cost.segments, cost.ucs2 ? "UCS-2" : "GSM-7",
	       cost.units, cost.ucs2 ? "UTF-16 units" : "septets");
	if (cost.ucs2)
		printf(" (UCS-2 because of '%.*s' at character %zu)",
		       (int)cost.first_ucs2_len, msg->data + cost.first_ucs2,
		       utf8_length(msg->data, cost.first_ucs2) + 1);
	printf("\n");
}

static void print_costs(const struct flow *flow)
{
	struct buf msg = BUF_INIT;
	for (size_t s = 0; s < flow->nsteps; s++) {
		const struct flow_step *step = &flow->steps[s];
		for (size_t l = 0; l < flow->nlangs; l++) {
			buf_reset(&msg);
			engine_render_step(flow, (int)s, (int)l, &msg);
			print_cost(flow, step, l, "", &msg);
			buf_reset(&msg);
			engine_render_retry(flow, (int)s, (int)l, &msg);
			if (msg.len)
				print_cost(flow, step, l, " retry", &msg);
		}
	}
	buf_release(&msg);
}

int cmd_flows(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return usage_print("flows", 2);

	/* The config gives the default directory and the USSD screen size; a
	 * missing config file is fine here: checking flows needs no server. */
	struct config cfg;
	const char *config_path = NULL;
	int npaths = 0;
	const char *paths[256];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			config_path = argv[++i];
		else if (argv[i][0] == '-')
			return usage_print("flows check", 2);
		else if (npaths < 256)
			paths[npaths++] = argv[i];
	}
	char err[1024];
	const char *why;
	if (config_path) {
		if (config_load(config_path, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "sauti: %s\n", err);
			return 1;
		}
	} else if (config_load(config_choose_path(NULL, &why), &cfg, err,
			       sizeof(err)) < 0) {
		config_defaults(&cfg);
	}
	if (npaths == 0)
		paths[npaths++] = cfg.flows;

	struct flow_diags diags = {0};
	struct flow_load_opts opts = {.ussd_max_chars = (size_t)cfg.ussd.max_chars};
	struct flow_set *set = flow_set_load(paths, (size_t)npaths, &opts, &diags);
	for (size_t i = 0; i < diags.n; i++) {
		char line[1024];
		flow_diags_format(&diags.items[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	for (size_t i = 0; i < set->n; i++)
		print_costs(set->flows[i]);
	size_t errors = flow_diags_errors(&diags);
	if (errors)
		fprintf(stderr, "%zu error%s; flows with errors are not loaded\n", errors,
			errors == 1 ? "" : "s");
	else
		fprintf(stderr, "%zu flow%s ok\n", set->n, set->n == 1 ? "" : "s");
	flow_diags_release(&diags);
	flow_set_unref(set);
	config_release(&cfg);
	return errors ? 1 : 0;
}
