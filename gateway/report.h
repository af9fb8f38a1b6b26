/* report.h -- `sauti report FLOW` and GET /api/flows/FLOW/report: how many
 * runs completed, where the others stopped, and per question the answers of
 * people (each contact's latest completed run) beside the count of runs,
 * over all and per language and per channel.  Walks the runs like an export
 * (one batch in memory at a time, plus one latest run per person).
 *
 * The JSON (docs/commands.md): {"flow", "runs", "completed", "people",
 * "completion_pct", "completion_by_language", "completion_by_channel"
 * ({GROUP: {"runs", "completed", "completion_pct"}}, every language of the
 * flow and both channels), "status", "drop_off", "questions": {NAME: {"type",
 * "total" and "values" (answers counted over runs, a choice's every key in
 * the flow's order), "by_language", "by_channel" (the same per group, the
 * groups runs fall in), "people": FIGURES, "people_by_language":
 * {LANG: FIGURES}, "people_by_channel": {CH: FIGURES}}}}, where FIGURES is
 * {"total": people who answered, "values": {KEY: {"count", "share"}} for
 * every key of a choice (those nobody chose included), and for a number
 * "number": {"count", "sum", "mean", "median", "min", "max"}}. */
#ifndef SAUTI_REPORT_H
#define SAUTI_REPORT_H

#include <stddef.h>

#include "buf.h"

struct db;
struct flow;

/* done gets the report as JSON (owned by the report; valid during the
 * call), or rc -1 when Redis failed. */
typedef void (*report_done_fn)(int rc, const char *json, void *arg);
int report_start(struct db *db, const struct flow *flow, report_done_fn done, void *arg);
/* The JSON report as text for people. */
void report_text(const char *json, struct buf *out);
/* The JSON report as CSV for a spreadsheet: question, type, by (all,
 * language, channel), group, value, runs, people, share; a choice has a row
 * per key, a number a row per figure (count, sum, mean, median, min, max:
 * over people), a text one row of answers. */
void report_csv(const char *json, struct buf *out);

struct report_numbers {
	size_t count;
	double sum, mean, median, min, max;
};
/* The figures of v[0..n) (sorted in place).  All zero when n is 0. */
void report_numbers(double *v, size_t n, struct report_numbers *out);

#endif
