/* report.h -- `sauti report FLOW` and GET /api/flows/FLOW/report: how many
 * runs completed, where the others stopped, and the answers counted per
 * question, per language and per channel.  Walks the runs like an export
 * (one batch in memory at a time). */
#ifndef SAUTI_REPORT_H
#define SAUTI_REPORT_H

#include "buf.h"

struct db;
struct flow;

/* done gets the report as JSON (owned by the report; valid during the
 * call), or rc -1 when Redis failed. */
typedef void (*report_done_fn)(int rc, const char *json, void *arg);
int report_start(struct db *db, const struct flow *flow, report_done_fn done, void *arg);
/* The JSON report as text for people. */
void report_text(const char *json, struct buf *out);

#endif
