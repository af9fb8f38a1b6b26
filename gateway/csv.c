/* csv.c -- see csv.h. */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ------------------------------------------------------------ */

void csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->data = data;
	r->len = len;
	r->line = 1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r->pos = 3;
}

static int at_line_break(const struct csv_reader *r)
{
	return r->pos < r->len &&
	       (r->data[r->pos] == '\r' || r->data[r->pos] == '\n');
}

/* Steps over one CRLF, LF or CR. */
static void skip_line_break(struct csv_reader *r)
{
	if (r->data[r->pos] == '\r' && r->pos + 1 < r->len &&
	    r->data[r->pos + 1] == '\n')
		r->pos++;
	r->pos++;
	r->line++;
}

static int fail(struct csv_reader *r, int line, const char *what, char *err,
		size_t errsize)
{
	r->failed = 1;
	r->err_line = line;
	r->err_what = what;
	if (errsize)
		snprintf(err, errsize, "line %d: %s", line, what);
	return -1;
}

static void record_push(struct csv_record *rec, char *cell, size_t len)
{
	rec->cells = xrealloc(rec->cells, (rec->n + 1) * sizeof(*rec->cells));
	rec->lens = xrealloc(rec->lens, (rec->n + 1) * sizeof(*rec->lens));
	rec->cells[rec->n] = cell;
	rec->lens[rec->n] = len;
	rec->n++;
}

/* Reads a quoted field, r->pos at its opening quote, into cell.  Returns 0,
 * or -1 with the error in err. */
static int read_quoted(struct csv_reader *r, struct buf *cell, char *err,
		       size_t errsize)
{
	int open_line = r->line;

	r->pos++;
	for (;;) {
		if (r->pos >= r->len)
			return fail(r, open_line,
				    "quoted field never closed (a '\"' is missing)",
				    err, errsize);
		size_t start = r->pos;
		while (r->pos < r->len && r->data[r->pos] != '"' &&
		       r->data[r->pos] != '\r' && r->data[r->pos] != '\n')
			r->pos++;
		buf_append(cell, r->data + start, r->pos - start);
		if (r->pos >= r->len)
			continue;
		if (r->data[r->pos] == '"') {
			if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
				buf_putc(cell, '"');
				r->pos += 2;
				continue;
			}
			r->pos++;
			break;
		}
		/* A line break inside the quotes belongs to the cell. */
		start = r->pos;
		skip_line_break(r);
		buf_append(cell, r->data + start, r->pos - start);
	}
	while (r->pos < r->len &&
	       (r->data[r->pos] == ' ' || r->data[r->pos] == '\t'))
		r->pos++;
	if (r->pos < r->len && r->data[r->pos] != ',' && !at_line_break(r))
		return fail(r, r->line, "text after the closing quote of a field",
			    err, errsize);
	return 0;
}

static void read_unquoted(struct csv_reader *r, struct buf *cell)
{
	size_t start = r->pos;
	while (r->pos < r->len && r->data[r->pos] != ',' &&
	       r->data[r->pos] != '\r' && r->data[r->pos] != '\n')
		r->pos++;
	buf_append(cell, r->data + start, r->pos - start);
}

int csv_read_record(struct csv_reader *r, struct csv_record *rec, char *err,
		    size_t errsize)
{
	struct buf cell = BUF_INIT;
	int ret = 1;

	memset(rec, 0, sizeof(*rec));
	if (r->failed)
		return fail(r, r->err_line, r->err_what, err, errsize);
	while (at_line_break(r))
		skip_line_break(r);
	if (r->pos >= r->len)
		return 0;
	rec->line = r->line;
	for (;;) {
		buf_reset(&cell);
		if (r->pos < r->len && r->data[r->pos] == '"') {
			if (read_quoted(r, &cell, err, errsize) < 0) {
				csv_record_release(rec);
				ret = -1;
				break;
			}
		} else {
			read_unquoted(r, &cell);
		}
		record_push(rec, xstrndup(buf_str(&cell), cell.len), cell.len);
		if (r->pos < r->len && r->data[r->pos] == ',') {
			r->pos++;
			continue;
		}
		if (at_line_break(r))
			skip_line_break(r);
		break;
	}
	buf_release(&cell);
	return ret;
}

void csv_record_release(struct csv_record *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		free(rec->cells[i]);
	free(rec->cells);
	free(rec->lens);
	memset(rec, 0, sizeof(*rec));
}

/* ---- writing ------------------------------------------------------------ */

/* An optional sign, digits and at most one '.', with at least one digit. */
static int is_plain_number(const char *s, size_t len)
{
	size_t i = 0, digits = 0, dots = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && dots++ == 0)
			continue;
		else
			return 0;
	}
	return digits > 0;
}

static int looks_like_formula(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	switch (s[0]) {
	case '=': case '+': case '-': case '@': case '\t': case '\r':
		return !is_plain_number(s, len);
	default:
		return 0;
	}
}

static int needs_quotes(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return 1;
	return 0;
}

void csv_write_cell(struct buf *out, const char *cell, size_t len)
{
	int quoted = needs_quotes(cell, len);

	if (quoted)
		buf_putc(out, '"');
	if (looks_like_formula(cell, len))
		buf_putc(out, '\'');
	if (!quoted) {
		buf_append(out, cell, len);
		return;
	}
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (cell[i] != '"')
			continue;
		buf_append(out, cell + start, i + 1 - start);  /* through the '"' */
		buf_putc(out, '"');
		start = i + 1;
	}
	buf_append(out, cell + start, len - start);
	buf_putc(out, '"');
}

void csv_write_row(struct buf *out, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		if (cells[i])
			csv_write_cell(out, cells[i], strlen(cells[i]));
	}
	buf_append(out, "\r\n", 2);
}
