/* progress.c -- see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define QUIET_SECONDS 1.0       /* nothing shown for work shorter than this */
#define LINE_EVERY 5.0          /* seconds between plain lines */
#define REDRAW_EVERY 0.1

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, const char *what, const char *unit, long total)
{
	p->what = what;
	p->unit = unit;
	p->total = total;
	p->done = p->items = 0;
	p->tty = isatty(STDERR_FILENO) == 1;
	p->shown = false;
	p->started = p->last = now_s();
}

static void show(struct progress *p, double t)
{
	double rate = t > p->started ? (double)p->items / (t - p->started) : 0;
	long pct = p->total > 0 ? p->done * 100 / p->total : -1;
	if (p->tty) {
		fprintf(stderr, "\r%s: ", p->what);
		if (pct >= 0) {
			int fill = (int)(pct * BAR_WIDTH / 100);
			fill = fill > BAR_WIDTH ? BAR_WIDTH : fill;
			fprintf(stderr, "[%.*s%*s] %3ld%% ", fill, "##############################",
				BAR_WIDTH - fill, "", pct);
		}
		fprintf(stderr, "%ld %s, %.0f/s\033[K", p->items, p->unit, rate);
	} else if (pct >= 0) {
		fprintf(stderr, "%s: %ld%%, %ld %s, %.0f/s\n", p->what, pct, p->items, p->unit, rate);
	} else {
		fprintf(stderr, "%s: %ld %s, %.0f/s\n", p->what, p->items, p->unit, rate);
	}
	p->shown = true;
	p->last = t;
}

void progress_update(struct progress *p, long done, long items)
{
	p->done = done;
	p->items = items;
	double t = now_s();
	if (t - p->started < QUIET_SECONDS)
		return;
	if (t - p->last >= (p->tty ? REDRAW_EVERY : LINE_EVERY) || !p->shown)
		show(p, t);
}

void progress_end(struct progress *p)
{
	if (!p->shown)
		return;
	if (p->total > 0)
		p->done = p->total;
	show(p, now_s());
	if (p->tty)
		fputc('\n', stderr);
}
