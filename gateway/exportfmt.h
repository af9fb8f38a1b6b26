/* exportfmt.h -- one exported run as a CSV row or a JSON line.
 *
 * Pure formatting for `sauti export` and /api/flows/FLOW/export.*: the caller
 * reads runs from the store, chooses the contact column (pseudonym or, with
 * --raw-phone, the number) and streams what these functions append.
 *
 * CSV (RFC 4180, CRLF): the columns run_id, contact, language, channel,
 * status, started_at, completed_at, then one per save name in the order
 * given.  Every cell goes through csv_write_cell(), so text answers that
 * look like spreadsheet formulas are neutralised.  A missing answer, a NULL
 * string and a time of 0 are empty cells.
 *
 * JSON lines: one compact object per run, keys in the same order, answers
 * nested: {"run_id": ..., ..., "started_at": "2026-11-22T09:14:03Z",
 * "completed_at": null, "answers": {"consent": "yes", "years": null}}.  A
 * missing answer, a NULL string and a time of 0 are null; an answer given
 * up on after retries is "" as stored.  Answers are strings, as saved,
 * except those marked as numbers (is_number), which are JSON numbers (null
 * when given up on).  Bytes that are not UTF-8 become U+FFFD, so every line
 * is valid JSON.
 *
 * Contact fields asked for (export --fields) come after completed_at: as
 * columns in CSV, as keys in JSON.
 *
 * The codebook (export --codebook) is CSV too: one row per saved variable
 * and one per key of a choice, columns variable, type, value, then
 * question_LANG and label_LANG for each of the flow's languages. */
#ifndef SAUTI_EXPORTFMT_H
#define SAUTI_EXPORTFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "fields.h"

struct export_run {
	const char *run_id;
	const char *contact;            /* pseudonym or E.164 */
	const char *language;
	const char *channel;            /* "sms" or "ussd" */
	const char *status;             /* completed, active, expired, stopped */
	long started_at;                /* Unix time; 0 = none */
	long completed_at;
	const struct fields *answers;   /* save name -> value; may be NULL */
	/* Contact fields: names and values (NULL: the contact has none). */
	const char *const *field_names;
	const char *const *field_values;
	size_t nfields;
	/* is_number[i]: save_names[i] is a number question; may be NULL. */
	const bool *is_number;
};

struct flow;

void export_csv_header(struct buf *out, const char *const *save_names,
		       size_t n);
/* The header with contact field columns after completed_at. */
void export_csv_header_fields(struct buf *out, const char *const *save_names, size_t n,
			      const char *const *field_names, size_t nfields);
void export_csv_row(struct buf *out, const struct export_run *r,
		    const char *const *save_names, size_t n);
/* Appends one JSON object and '\n'. */
void export_jsonl_row(struct buf *out, const struct export_run *r,
		      const char *const *save_names, size_t n);

struct flow_step;
/* What a saved variable is, in the codebook and the report: "choice",
 * "number", "text" or "language". */
const char *export_variable_type(const struct flow_step *s);
/* The flow's codebook, header included. */
void export_codebook_csv(struct buf *out, const struct flow *flow);

#endif
