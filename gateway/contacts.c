/* contacts.c -- see contacts.h. */
#include "contacts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "phone.h"
#include "text.h"

/* Longest part of a cell quoted back in an error message. */
#define SHOWN_VALUE_MAX 40

enum column_role {
	COL_UNNAMED, COL_PHONE, COL_COUNTRY, COL_LANGUAGE, COL_GROUPS, COL_FIELD
};

struct column {
	char *name;             /* normalised; "" when unnamed */
	enum column_role role;
};

struct header {
	struct column *cols;
	size_t n;
};

/* A cell of a record, trimmed; points into the record. */
struct cell {
	const char *s;
	size_t len;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static struct cell trimmed(const char *s, size_t len)
{
	struct cell c = {s, len};
	while (c.len && is_space(c.s[0])) {
		c.s++;
		c.len--;
	}
	while (c.len && is_space(c.s[c.len - 1]))
		c.len--;
	return c;
}

static struct cell record_cell(const struct csv_record *rec, size_t i)
{
	return trimmed(rec->cells[i], rec->lens[i]);
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Appends a cell for an error message, cut short (at a UTF-8 character
 * boundary) when long.  Control characters, and every non-ASCII byte of a
 * cell that is not UTF-8, become '?': a message is always printable UTF-8. */
static void put_value(struct buf *b, struct cell c)
{
	size_t n = c.len;
	int utf8 = utf8_valid(c.s, c.len);

	if (n > SHOWN_VALUE_MAX) {
		n = SHOWN_VALUE_MAX;
		while (utf8 && n && ((unsigned char)c.s[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c.s[i];
		if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && !utf8))
			ch = '?';
		buf_putc(b, (char)ch);
	}
	if (n < c.len)
		buf_puts(b, "...");
}

/* Starts the next problem of a row in problems: a row's problems become one
 * message, "phone 'x': contains letters; language 'y': ...". */
static void problem_start(struct buf *problems)
{
	if (problems->len)
		buf_puts(problems, "; ");
}

static void problemf(struct buf *problems, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problemf(struct buf *problems, const char *fmt, ...)
{
	va_list ap;

	problem_start(problems);
	va_start(ap, fmt);
	buf_vprintf(problems, fmt, ap);
	va_end(ap);
}

/* "what 'value': why" */
static void value_problem(struct buf *problems, const char *what,
			  struct cell value, const char *why)
{
	problem_start(problems);
	buf_printf(problems, "%s '", what);
	put_value(problems, value);
	buf_printf(problems, "': %s", why);
}

/* Makes room in an array of n elements for one more, doubling its size at
 * every power of two so that a file of many rows is read in linear time. */
static void *array_grow(void *items, size_t n, size_t size)
{
	if (n < 8 ? n != 0 : (n & (n - 1)) != 0)
		return items;
	return xrealloc(items, (n < 8 ? 8 : 2 * n) * size);
}

static void add_error(struct contacts_import *imp, int line,
		      const struct buf *problems)
{
	struct buf msg = BUF_INIT;

	buf_printf(&msg, "line %d: %s", line, buf_str(problems));
	imp->errors = array_grow(imp->errors, imp->nerrors,
				 sizeof(*imp->errors));
	imp->errors[imp->nerrors].line = line;
	imp->errors[imp->nerrors].message = buf_detach(&msg);
	imp->nerrors++;
}

/* ---- the header --------------------------------------------------------- */

/* Lower-cases ASCII letters and turns runs of spaces and '-' into one '_'. */
static char *column_name(struct cell c)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < c.len; i++) {
		if (c.s[i] == ' ' || c.s[i] == '\t' || c.s[i] == '-') {
			if (b.len == 0 || b.data[b.len - 1] != '_')
				buf_putc(&b, '_');
			continue;
		}
		buf_putc(&b, ascii_lower(c.s[i]));
	}
	return buf_detach(&b);
}

static int column_name_ok(const char *name)
{
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return 0;
	return 1;
}

static enum column_role column_role(const char *name)
{
	if (!*name)
		return COL_UNNAMED;
	if (strcmp(name, "phone") == 0)
		return COL_PHONE;
	if (strcmp(name, "country") == 0)
		return COL_COUNTRY;
	if (strcmp(name, "language") == 0)
		return COL_LANGUAGE;
	if (strcmp(name, "groups") == 0)
		return COL_GROUPS;
	return COL_FIELD;
}

static void header_release(struct header *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->cols[i].name);
	free(h->cols);
	h->cols = NULL;
	h->n = 0;
}

static int header_error(struct header *h, struct buf *msg, char *err,
			size_t errsize)
{
	if (errsize)
		str_copy(err, errsize, buf_str(msg));
	buf_release(msg);
	header_release(h);
	return -1;
}

static int header_parse(const struct csv_record *rec, struct header *h,
			char *err, size_t errsize)
{
	struct buf msg = BUF_INIT;
	int has_phone = 0;

	h->cols = xcalloc(rec->n, sizeof(*h->cols));
	h->n = rec->n;
	for (size_t i = 0; i < rec->n; i++) {
		struct column *col = &h->cols[i];
		col->name = column_name(record_cell(rec, i));
		col->role = column_role(col->name);
		if (!column_name_ok(col->name)) {
			buf_printf(&msg, "line %d: column %zu '", rec->line, i + 1);
			put_value(&msg, record_cell(rec, i));
			buf_puts(&msg, "': a column name may have only letters, "
				       "digits, spaces, '-' and '_'");
			return header_error(h, &msg, err, errsize);
		}
		for (size_t j = 0; j < i && col->role != COL_UNNAMED; j++) {
			if (strcmp(h->cols[j].name, col->name) == 0) {
				buf_printf(&msg, "line %d: column '%s' appears "
					   "twice", rec->line, col->name);
				return header_error(h, &msg, err, errsize);
			}
		}
		has_phone |= col->role == COL_PHONE;
	}
	if (!has_phone) {
		buf_printf(&msg, "line %d: no 'phone' column in the header",
			   rec->line);
		const char *sep = " (it has: ";
		for (size_t i = 0; i < h->n; i++) {
			if (h->cols[i].role == COL_UNNAMED)
				continue;
			buf_printf(&msg, "%s%s", sep, h->cols[i].name);
			sep = ", ";
		}
		if (*sep == ',')
			buf_putc(&msg, ')');
		return header_error(h, &msg, err, errsize);
	}
	return 0;
}

/* ---- rows --------------------------------------------------------------- */

static void row_release(struct contact_row *row)
{
	free(row->phone);
	fields_release(&row->fields);
	for (size_t i = 0; i < row->ngroups; i++)
		free(row->groups[i]);
	free(row->groups);
	memset(row, 0, sizeof(*row));
}

static void row_add_group(struct contact_row *row, struct cell g)
{
	for (size_t i = 0; i < row->ngroups; i++)
		if (strlen(row->groups[i]) == g.len &&
		    memcmp(row->groups[i], g.s, g.len) == 0)
			return;
	row->groups = xrealloc(row->groups,
			       (row->ngroups + 1) * sizeof(*row->groups));
	row->groups[row->ngroups++] = xstrndup(g.s, g.len);
}

static void row_set_groups(struct contact_row *row, struct cell c)
{
	size_t start = 0;

	for (size_t i = 0; i <= c.len; i++) {
		if (i < c.len && c.s[i] != ';')
			continue;
		struct cell g = trimmed(c.s + start, i - start);
		if (g.len)
			row_add_group(row, g);
		start = i + 1;
	}
}

/* A contact is sent SMS: only a valid mobile number is taken.  The stored
 * country is the number's own, which differs from the row's when the
 * number was written with its country code. */
static void row_set_phone(struct buf *problems, struct contact_row *row,
			  struct cell c, const char *country)
{
	char e164[PHONE_E164_SIZE], region[PHONE_REGION_SIZE];
	const char *reason;
	char *input = xstrndup(c.s, c.len);

	if (phone_normalise_mobile(input, country, e164, sizeof(e164), region,
				   &reason) < 0) {
		value_problem(problems, "phone", c, reason);
	} else {
		row->phone = xstrdup(e164);
		if (region[0])          /* a valid mobile always has one */
			fields_set(&row->fields, "country", region);
	}
	free(input);
}

/* The row's country column, upper-cased into out (size >= 3); 0 when the
 * row has none, -1 after reporting a bad one. */
static int row_country(struct buf *problems, const struct header *h,
		       const struct csv_record *rec, char *out)
{
	for (size_t i = 0; i < rec->n && i < h->n; i++) {
		struct cell c = record_cell(rec, i);
		if (h->cols[i].role != COL_COUNTRY || !c.len)
			continue;
		if (c.len == 2) {
			out[0] = (char)(c.s[0] & ~0x20);   /* ASCII upper case */
			out[1] = (char)(c.s[1] & ~0x20);
			out[2] = '\0';
			if (phone_country_known(out))
				return 1;
		}
		value_problem(problems, "country", c,
			      "use a country code of 2 letters, such as TZ or GH");
		return -1;
	}
	return 0;
}

static void row_set_language(struct buf *problems, struct contact_row *row,
			     struct cell c)
{
	char code[4];
	size_t i;

	for (i = 0; i < c.len && i < 3; i++) {
		code[i] = ascii_lower(c.s[i]);
		if (code[i] < 'a' || code[i] > 'z')
			break;
	}
	if (c.len < 2 || c.len > 3 || i != c.len) {
		value_problem(problems, "language", c,
			      "use a code of 2 or 3 letters, such as sw or en");
		return;
	}
	code[i] = '\0';
	fields_set(&row->fields, "language", code);
}

/* Extra cells beyond the header are an error unless they are empty. */
static void check_extra_cells(struct buf *problems, const struct header *h,
			      const struct csv_record *rec)
{
	for (size_t i = h->n; i < rec->n; i++) {
		if (record_cell(rec, i).len) {
			problemf(problems, "%zu cells but the header has %zu "
				 "columns (a comma in a value needs the value "
				 "in double quotes)", rec->n, h->n);
			return;
		}
	}
}

static void row_set_cell(struct buf *problems, struct contact_row *row,
			 const struct column *col, size_t index, struct cell c,
			 const char *country)
{
	if (!utf8_valid(c.s, c.len) || memchr(c.s, '\0', c.len)) {
		problemf(problems, "column '%s' is not UTF-8 text (save the "
			 "file as CSV UTF-8)",
			 col->role == COL_UNNAMED ? "?" : col->name);
		return;
	}
	switch (col->role) {
	case COL_UNNAMED:
		problemf(problems, "a value in column %zu, which has no name "
			 "in the header", index + 1);
		break;
	case COL_PHONE:
		row_set_phone(problems, row, c, country);
		break;
	case COL_COUNTRY:
		break;   /* read first, by row_country(); stored from the number */
	case COL_LANGUAGE:
		row_set_language(problems, row, c);
		break;
	case COL_GROUPS:
		row_set_groups(row, c);
		break;
	case COL_FIELD:
		fields_setn(&row->fields, col->name, c.s, c.len);
		break;
	}
}

static int record_blank(const struct csv_record *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		if (record_cell(rec, i).len)
			return 0;
	return 1;
}

/* Adds the row of rec to imp, or one error with all its problems. */
static void row_parse(struct contacts_import *imp, const struct header *h,
		      const struct csv_record *rec, const char *country)
{
	struct contact_row row = {0};
	struct buf problems = BUF_INIT;
	int phone_given = 0;

	if (record_blank(rec))
		return;
	row.line = rec->line;
	check_extra_cells(&problems, h, rec);
	char own[3];
	int has_country = row_country(&problems, h, rec, own);
	for (size_t i = 0; i < rec->n && i < h->n; i++) {
		struct cell c = record_cell(rec, i);
		if (!c.len)
			continue;
		phone_given |= h->cols[i].role == COL_PHONE;
		/* With a bad country, the phone is not read in a guessed one. */
		if (h->cols[i].role == COL_PHONE && has_country < 0)
			continue;
		row_set_cell(&problems, &row, &h->cols[i], i, c,
			     has_country > 0 ? own : country);
	}
	if (!phone_given)
		problemf(&problems, "phone is missing");
	if (problems.len) {
		add_error(imp, row.line, &problems);
		row_release(&row);
	} else {
		imp->rows = array_grow(imp->rows, imp->nrows,
				       sizeof(*imp->rows));
		imp->rows[imp->nrows++] = row;
	}
	buf_release(&problems);
}

/* ---- duplicates --------------------------------------------------------- */

struct phone_index {
	const char *phone;
	size_t row;
};

static int phone_index_cmp(const void *a, const void *b)
{
	const struct phone_index *x = a, *y = b;
	int c = strcmp(x->phone, y->phone);
	if (c)
		return c;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Drops every row whose phone comes again in a later row. */
static void drop_duplicates(struct contacts_import *imp)
{
	struct phone_index *idx;
	char *drop;
	size_t kept = 0;

	if (imp->nrows < 2)
		return;
	idx = xmalloc(imp->nrows * sizeof(*idx));
	drop = xcalloc(imp->nrows, 1);
	for (size_t i = 0; i < imp->nrows; i++) {
		idx[i].phone = imp->rows[i].phone;
		idx[i].row = i;
	}
	qsort(idx, imp->nrows, sizeof(*idx), phone_index_cmp);
	for (size_t i = 0; i + 1 < imp->nrows; i++)
		if (strcmp(idx[i].phone, idx[i + 1].phone) == 0)
			drop[idx[i].row] = 1;
	for (size_t i = 0; i < imp->nrows; i++) {
		if (drop[i]) {
			row_release(&imp->rows[i]);
			imp->nduplicates++;
		} else {
			imp->rows[kept++] = imp->rows[i];
		}
	}
	imp->nrows = kept;
	free(drop);
	free(idx);
}

/* ---- the file ----------------------------------------------------------- */

int contacts_parse(const char *data, size_t len, const char *country,
		   struct contacts_import *imp, char *err, size_t errsize)
{
	struct csv_reader reader;
	struct csv_record rec;
	struct header header = {NULL, 0};
	int ret;

	memset(imp, 0, sizeof(*imp));
	csv_reader_init(&reader, data, len);
	ret = csv_read_record(&reader, &rec, err, errsize);
	if (ret == 0 && errsize)
		snprintf(err, errsize, "line 1: the file is empty: it needs a "
			 "header row with a 'phone' column");
	if (ret <= 0)
		return -1;
	ret = header_parse(&rec, &header, err, errsize);
	csv_record_release(&rec);
	if (ret < 0)
		return -1;
	while ((ret = csv_read_record(&reader, &rec, err, errsize)) > 0) {
		row_parse(imp, &header, &rec, country);
		csv_record_release(&rec);
	}
	header_release(&header);
	if (ret < 0) {
		contacts_import_release(imp);
		return -1;
	}
	drop_duplicates(imp);
	return 0;
}

void contacts_import_release(struct contacts_import *imp)
{
	for (size_t i = 0; i < imp->nrows; i++)
		row_release(&imp->rows[i]);
	free(imp->rows);
	for (size_t i = 0; i < imp->nerrors; i++)
		free(imp->errors[i].message);
	free(imp->errors);
	memset(imp, 0, sizeof(*imp));
}
