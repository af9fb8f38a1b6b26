/* progress.h -- how far long command-line work has got, on stderr.
 *
 * On a terminal a bar (or a count, when the total is unknown) redrawn in
 * place at most ten times a second; otherwise a plain line every few
 * seconds ("contacts import: 40000 of 100000 (40%)"), so that a log or a
 * CI run shows progress without control characters.  Work that ends within
 * a second prints nothing. */
#ifndef SAUTI_PROGRESS_H
#define SAUTI_PROGRESS_H

#include <stdbool.h>

struct progress {
	const char *what;            /* borrowed, e.g. "contacts import" */
	const char *unit;            /* borrowed, what items are: "contacts" */
	long total;                  /* of done (e.g. bytes); -1 when unknown */
	long done;
	long items;                  /* what is counted and shown */
	bool tty;
	bool shown;                  /* something was printed */
	double started, last;        /* seconds, monotonic */
};

void progress_init(struct progress *p, const char *what, const char *unit, long total);
/* done: of total (the bar); items: shown beside it, with their rate. */
void progress_update(struct progress *p, long done, long items);
/* The last state, and a newline on a terminal. */
void progress_end(struct progress *p);

#endif
