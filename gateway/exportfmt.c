/* exportfmt.c -- see exportfmt.h. */
#include "exportfmt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "csv.h"
#include "engine.h"
#include "flow.h"
#include "timeutil.h"

static const char *const fixed_columns[] = {
	"run_id", "contact", "language", "channel", "status", "started_at",
	"completed_at",
};

#define NFIXED (sizeof(fixed_columns) / sizeof(fixed_columns[0]))

/* ---- CSV ---------------------------------------------------------------- */

/* One row: cells, then extra (contact fields), then more (answers). */
static void put_cells(struct buf *out, const char *const *cells, size_t n,
		      const char *const *extra, size_t nextra,
		      const char *const *more, size_t nmore)
{
	const char **all = xmalloc((n + nextra + nmore + 1) * sizeof(*all));

	memcpy(all, cells, n * sizeof(*all));
	if (nextra)
		memcpy(all + n, extra, nextra * sizeof(*all));
	if (nmore)
		memcpy(all + n + nextra, more, nmore * sizeof(*all));
	csv_write_row(out, all, n + nextra + nmore);
	free(all);
}

void export_csv_header_fields(struct buf *out, const char *const *save_names, size_t n,
			      const char *const *field_names, size_t nfields)
{
	put_cells(out, fixed_columns, NFIXED, field_names, nfields, save_names, n);
}

void export_csv_header(struct buf *out, const char *const *save_names,
		       size_t n)
{
	export_csv_header_fields(out, save_names, n, NULL, 0);
}

/* The ISO 8601 form of t in out, or NULL when t is 0 (none). */
static const char *time_or_null(long t, char out[TIME_ISO8601_SIZE])
{
	if (t == 0)
		return NULL;
	time_iso8601(t, out);
	return out;
}

static const char *answer(const struct export_run *r, const char *name)
{
	return r->answers ? fields_get(r->answers, name) : NULL;
}

void export_csv_row(struct buf *out, const struct export_run *r,
		    const char *const *save_names, size_t n)
{
	char started[TIME_ISO8601_SIZE], completed[TIME_ISO8601_SIZE];
	const char *fixed[NFIXED] = {
		r->run_id, r->contact, r->language, r->channel, r->status,
		time_or_null(r->started_at, started),
		time_or_null(r->completed_at, completed),
	};
	const char **answers = xmalloc((n ? n : 1) * sizeof(*answers));

	const char **fields = xcalloc(r->nfields ? r->nfields : 1, sizeof(*fields));

	for (size_t i = 0; i < n; i++)
		answers[i] = answer(r, save_names[i]);
	for (size_t i = 0; i < r->nfields; i++)
		fields[i] = r->field_values ? r->field_values[i] : NULL;
	put_cells(out, fixed, NFIXED, fields, r->nfields, answers, n);
	free(fields);
	free(answers);
}

/* ---- JSON lines --------------------------------------------------------- */

static json_t *json_or_die(json_t *j)
{
	if (!j) {
		fprintf(stderr, "sauti: out of memory building JSON\n");
		abort();
	}
	return j;
}

/* The length of the well-formed UTF-8 sequence at s (of avail bytes), or 0:
 * no overlong forms, surrogates or code points past U+10FFFF, as jansson
 * demands. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
	unsigned c = s[0], cp;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
	if (n == 0 || n > avail)
		return 0;
	cp = c & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A copy of s with every byte that does not start a well-formed sequence
 * replaced by U+FFFD.  The caller frees it. */
static char *utf8_repaired(const char *s)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence(p + i, len - i);
		if (n) {
			buf_append(&b, p + i, n);
			i += n;
		} else {
			buf_puts(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	return buf_detach(&b);
}

static json_t *json_text(const char *s)
{
	if (!s)
		return json_or_die(json_null());
	json_t *j = json_string(s);
	if (!j) {                       /* not UTF-8 */
		char *fixed = utf8_repaired(s);
		j = json_string(fixed);
		free(fixed);
	}
	return json_or_die(j);
}

/* A number answer as a JSON number: an integer when it is one, null when
 * there is none (or it does not read as a number, which a stored number
 * answer always does). */
static json_t *json_number_text(const char *s)
{
	char *end;
	if (!s || !*s)
		return json_or_die(json_null());
	errno = 0;
	long long i = strtoll(s, &end, 10);
	if (!*end && !errno)
		return json_or_die(json_integer((json_int_t)i));
	double d = strtod(s, &end);
	if (*end || !isfinite(d))
		return json_text(s);
	return json_or_die(json_real(d));
}

static json_t *json_time(long t)
{
	char iso[TIME_ISO8601_SIZE];
	return json_text(time_or_null(t, iso));
}

static void json_set(json_t *obj, const char *key, json_t *value)
{
	char *k = utf8_repaired(key);
	if (json_object_set_new(obj, k, value) < 0) {
		fprintf(stderr, "sauti: out of memory building JSON\n");
		abort();
	}
	free(k);
}

static int append_to_buf(const char *data, size_t size, void *b)
{
	buf_append(b, data, size);
	return 0;
}

void export_jsonl_row(struct buf *out, const struct export_run *r,
		      const char *const *save_names, size_t n)
{
	json_t *obj = json_or_die(json_object());
	json_t *answers = json_or_die(json_object());

	json_set(obj, "run_id", json_text(r->run_id));
	json_set(obj, "contact", json_text(r->contact));
	json_set(obj, "language", json_text(r->language));
	json_set(obj, "channel", json_text(r->channel));
	json_set(obj, "status", json_text(r->status));
	json_set(obj, "started_at", json_time(r->started_at));
	json_set(obj, "completed_at", json_time(r->completed_at));
	for (size_t i = 0; i < r->nfields; i++)
		json_set(obj, r->field_names[i],
			 json_text(r->field_values ? r->field_values[i] : NULL));
	for (size_t i = 0; i < n; i++) {
		const char *v = answer(r, save_names[i]);
		json_set(answers, save_names[i],
			 r->is_number && r->is_number[i] ? json_number_text(v) : json_text(v));
	}
	json_set(obj, "answers", answers);
	json_dump_callback(obj, append_to_buf, out,
			   JSON_COMPACT | JSON_PRESERVE_ORDER);
	buf_putc(out, '\n');
	json_decref(obj);
}

/* ---- codebook ----------------------------------------------------------- */

const char *export_variable_type(const struct flow_step *s)
{
	if (s->type == STEP_LANGUAGE)
		return "language";
	switch (s->ask) {
	case ASK_CHOICES:
		return "choice";
	case ASK_NUMBER:
		return "number";
	default:
		return "text";
	}
}

/* One codebook row: variable, type, value, then per language a question
 * and a label (either may be NULL), as people read them ({vars} filled in). */
static void codebook_row(struct buf *out, const struct flow *flow, const char *variable,
			 const char *type, const char *value, const struct flow_text *question,
			 const struct flow_text *label)
{
	const char *cells[3 + 2 * FLOW_MAX_LANGS];
	struct buf shown[2 * FLOW_MAX_LANGS];
	size_t n = 0;
	cells[n++] = variable;
	cells[n++] = type;
	cells[n++] = value;
	for (size_t l = 0; l < flow->nlangs; l++) {
		const struct flow_text *texts[2] = {question, label};
		for (size_t k = 0; k < 2; k++) {
			struct buf *b = &shown[2 * l + k];
			*b = (struct buf)BUF_INIT;
			if (texts[k])
				engine_render_text(flow, texts[k], (int)l, b);
			cells[n++] = texts[k] ? buf_str(b) : NULL;
		}
	}
	csv_write_row(out, cells, n);
	for (size_t i = 0; i < 2 * flow->nlangs; i++)
		buf_release(&shown[i]);
}

/* The number's bounds, "1-10", "0-" or "-10" ("" for none), for the value
 * column of the variable's row. */
static void number_range(const struct flow_step *s, char *out, size_t size)
{
	char lo[32] = "", hi[32] = "";
	if (s->has_min)
		snprintf(lo, sizeof(lo), "%.15g", s->min);
	if (s->has_max)
		snprintf(hi, sizeof(hi), "%.15g", s->max);
	snprintf(out, size, "%s%s%s", lo, s->has_min || s->has_max ? "-" : "", hi);
}

void export_codebook_csv(struct buf *out, const struct flow *flow)
{
	const char *cells[3 + 2 * FLOW_MAX_LANGS];
	char names[2 * FLOW_MAX_LANGS][64];
	size_t n = 0;
	cells[n++] = "variable";
	cells[n++] = "type";
	cells[n++] = "value";
	for (size_t l = 0; l < flow->nlangs; l++) {
		snprintf(names[2 * l], sizeof(names[0]), "question_%s", flow->langs[l]);
		snprintf(names[2 * l + 1], sizeof(names[0]), "label_%s", flow->langs[l]);
		cells[n++] = names[2 * l];
		cells[n++] = names[2 * l + 1];
	}
	csv_write_row(out, cells, n);
	for (size_t i = 0; i < flow->nsteps; i++) {
		const struct flow_step *s = &flow->steps[i];
		if (!s->save || flow_step_saving(flow, s->save) != s)
			continue; /* not saved, or saved by an earlier step too */
		char range[64] = "";
		if (s->ask == ASK_NUMBER)
			number_range(s, range, sizeof(range));
		codebook_row(out, flow, s->save, export_variable_type(s), range, &s->text, NULL);
		for (size_t c = 0; c < s->nchoices; c++)
			codebook_row(out, flow, s->save, export_variable_type(s), s->choices[c].key, NULL,
				     &s->choices[c].label);
		if (s->type == STEP_LANGUAGE)
			for (size_t l = 0; l < flow->nlangs; l++)
				codebook_row(out, flow, s->save, "language", flow->langs[l], NULL,
					     NULL);
	}
}
