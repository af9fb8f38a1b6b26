/* check.c -- `sauti flows check [PATH...]`: reports every error in the flow
 * files (and the message catalogue, config messages:) as file:line:column:
 * sentence, and what each step costs as SMS, naming each character that
 * forces UCS-2 and its GSM-7 substitute. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "catalogue.h"
#include "cli.h"
#include "commands.h"
#include "engine.h"
#include "flow.h"
#include "text.h"
#include "usage.h"

/* Each character of msg that forces UCS-2, once, with its GSM-7
 * substitute where one exists: "'’' at character 12, write ' instead". */
static void print_ucs2_chars(const char *msg, size_t len)
{
	const char *seen[8];
	size_t nseen = 0, at = 0;
	struct sms_cost cost;
	for (sms_cost(msg, len, &cost); cost.ucs2 && nseen < 8;
	     sms_cost(msg + at, len - at, &cost)) {
		const char *c = msg + at + cost.first_ucs2;
		size_t n = cost.first_ucs2_len;
		at = (size_t)(c - msg) + n;
		bool dup = false;
		for (size_t i = 0; i < nseen; i++)
			dup |= strncmp(seen[i], c, n) == 0;
		if (dup)
			continue;
		seen[nseen++] = c;
		const char *sub = gsm7_substitute_of(c, n, NULL);
		printf("%s'%.*s' at character %zu", nseen == 1 ? " (UCS-2 because of " : "; ",
		       (int)n, c, utf8_length(msg, (size_t)(c - msg)) + 1);
		if (sub)
			printf(", write %s instead", sub);
	}
	if (nseen)
		printf(")");
}

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
	print_ucs2_chars(buf_str(msg), msg->len);
	printf("\n");
}

/* What each step costs per language, and its retry: the catalogue's
 * invalid-reply text (or the step's own), then the question again. */
static void print_costs(const struct flow *flow, const struct catalogue *catalogue)
{
	struct buf msg = BUF_INIT;
	for (size_t s = 0; s < flow->nsteps; s++) {
		const struct flow_step *step = &flow->steps[s];
		for (size_t l = 0; l < flow->nlangs; l++) {
			buf_reset(&msg);
			engine_render_step(flow, (int)s, (int)l, catalogue, &msg);
			print_cost(flow, step, l, "", &msg);
			size_t alone = msg.len;
			buf_reset(&msg);
			/* a say goes out joined to what follows it: that is the
			 * message paid for */
			engine_render_joined(flow, (int)s, (int)l, catalogue, &msg);
			if (msg.len > alone)
				print_cost(flow, step, l, " sent with the next step", &msg);
			buf_reset(&msg);
			engine_render_retry(flow, (int)s, (int)l, catalogue, &msg);
			if (msg.len)
				print_cost(flow, step, l, " retry", &msg);
		}
	}
	buf_release(&msg);
}

static void print_diags(const struct flow_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		char line[1024];
		flow_diags_format(&diags->items[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
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

	/* The catalogue first: the flows' checks measure its texts. */
	struct flow_diags diags = {0};
	struct catalogue *catalogue = catalogue_load(cfg.messages, cfg.fallback_language, &diags);
	if (!catalogue) {
		print_diags(&diags);
		fprintf(stderr, "the message catalogue has errors; flows not checked\n");
		flow_diags_release(&diags);
		config_release(&cfg);
		return 1;
	}
	struct flow_load_opts opts = {.ussd_max_chars = (size_t)cfg.ussd.max_chars,
				      .catalogue = catalogue};
	struct flow_set *set = flow_set_load(paths, (size_t)npaths, &opts, &diags);
	print_diags(&diags);
	for (size_t i = 0; i < set->n; i++)
		print_costs(set->flows[i], catalogue);
	size_t errors = flow_diags_errors(&diags);
	if (errors)
		fprintf(stderr, "%zu error%s; flows with errors are not loaded\n", errors,
			errors == 1 ? "" : "s");
	else
		fprintf(stderr, "%zu flow%s ok\n", set->n, set->n == 1 ? "" : "s");
	flow_diags_release(&diags);
	flow_set_unref(set);
	catalogue_unref(catalogue);
	config_release(&cfg);
	return errors ? 1 : 0;
}
