/* cli.h -- what every command-line tool shares: `-c FILE`, the config, the
 * flows, an event loop and the Redis connection.  The tools reuse the
 * daemon's asynchronous modules and run the loop until their work is done. */
#ifndef SAUTI_CLI_H
#define SAUTI_CLI_H

#include <stdbool.h>

#include "config.h"
#include "flow.h"

struct event_base;
struct db;

struct cli {
	struct config cfg;
	const char *config_why;     /* how cfg.path was chosen (config.h) */
	struct event_base *base;
	struct db *db;
	struct flow_set *flows;
	int status;                 /* the exit status the work settled on */
	bool done;                  /* cli_done() was called */
};

#define CLI_NEED_DB 1
#define CLI_NEED_FLOWS 2
/* With CLI_NEED_DB: a store in any key layout (migrate-keys); without it,
 * a store in the old layout is refused (migrate.h). */
#define CLI_ANY_LAYOUT 4

/* Removes "-c FILE" from argv (updating *argc), reads the config file
 * config_choose_path() picks and opens what `need` asks for.  Returns 0, or
 * prints why not (naming the config file and the Redis tried) and returns
 * -1.  The flows' errors are printed, their warnings are not: those are for
 * `flows check` and `serve`. */
int cli_open(struct cli *c, int *argc, char **argv, int need);
/* Runs the loop until cli_done() is called.  A loop that ends without it
 * (nothing left to wait for) makes the status 1: the work did not finish. */
void cli_run(struct cli *c);
void cli_done(struct cli *c, int status);
void cli_close(struct cli *c);

#endif
