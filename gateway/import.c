/* import.c -- see import.h. */
#include "import.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "store.h"
#include "store.h"

/* -- a file, a chunk at a time ----------------------------------------------------- */

#define CHUNK_BYTES (256 << 10)  /* a few thousand rows: parsed in a fraction of a second */

/* Where the last complete record of data ends (after its line break), or
 * the first when first is set, by the rules of csv.h: a quote opens only at
 * a field's start, "" inside a quoted field is a quote.  0 when no record
 * ends in data.  *lines gets the line breaks before that end. */
static size_t records_end(const char *data, size_t len, bool first, long *lines)
{
	size_t end = 0;
	long n = 0, n_at_end = 0;
	bool quoted = false, field_start = true;
	for (size_t i = 0; i < len; i++) {
		char ch = data[i];
		if (quoted) {
			if (ch == '"') {
				if (i + 1 < len && data[i + 1] == '"')
					i++;
				else
					quoted = false;
			} else if (ch == '\n') {
				n++;
			}
			continue;
		}
		if (ch == '"' && field_start) {
			quoted = true;
			field_start = false;
		} else if (ch == ',') {
			field_start = true;
		} else if (ch == '\n') {
			n++;
			end = i + 1;
			n_at_end = n;
			field_start = true;
			if (first)
				break;
		} else if (ch != '\r') {
			field_start = false;
		}
	}
	*lines = n_at_end;
	return end;
}

struct file_import {
	struct db *db;
	FILE *f;
	const char *country;
	struct import_cbs cbs;
	struct buf header;            /* the header record, with its line break */
	long header_lines;
	struct buf pending;           /* read, not yet parsed */
	long line;                    /* file line of pending's first byte */
	bool eof;
	struct contacts_import ready; /* parsed, not yet handed to the store */
	bool have_ready, storing, at_end, failed;
	bool stepping, again;         /* in file_step; another pass wanted */
	struct import_totals t;
};

static void file_step(struct file_import *fi);

static void file_finish(struct file_import *fi, int rc)
{
	fi->cbs.done(rc, &fi->t, fi->cbs.arg);
	contacts_import_release(&fi->ready);
	buf_release(&fi->header);
	buf_release(&fi->pending);
	free(fi);
}

/* "line N: why" of a chunk, as a line of the file. */
static void report(struct file_import *fi, const char *message)
{
	long n;
	int used = 0;
	if (sscanf(message, "line %ld: %n", &n, &used) == 1 && used > 0) {
		struct buf m = BUF_INIT;
		long line = n > fi->header_lines ? n - fi->header_lines - 1 + fi->line : n;
		buf_printf(&m, "line %ld: %s", line, message + used);
		fi->cbs.problem(buf_str(&m), fi->cbs.arg);
		buf_release(&m);
	} else {
		fi->cbs.problem(message, fi->cbs.arg);
	}
}

static void on_chunk_stored(long stored, void *arg)
{
	struct file_import *fi = arg;
	fi->storing = false;
	if (stored < 0)
		fi->failed = true;
	else
		fi->t.stored += stored;
	if (fi->cbs.progress)
		fi->cbs.progress(&fi->t, fi->cbs.arg);
	file_step(fi);
}

/* Reads until pending holds a complete record (or the file ends). */
static int fill(struct file_import *fi, size_t *end, long *lines)
{
	char chunk[65536];
	for (;;) {
		*end = records_end(buf_str(&fi->pending), fi->pending.len, false, lines);
		if ((*end && fi->pending.len >= CHUNK_BYTES) || fi->eof)
			break;
		size_t n = fread(chunk, 1, sizeof(chunk), fi->f);
		if (n == 0) {
			if (ferror(fi->f))
				return -1;
			fi->eof = true;
			/* A last record without a line break ends the file. */
			if (fi->pending.len && fi->pending.data[fi->pending.len - 1] != '\n')
				buf_putc(&fi->pending, '\n');
			continue;
		}
		fi->t.bytes += (long)n;
		buf_append(&fi->pending, chunk, n);
	}
	return 0;
}

/* The first record is the header, kept for every chunk.  -1 when none. */
static int take_header(struct file_import *fi)
{
	long hl;
	size_t hend = records_end(buf_str(&fi->pending), fi->pending.len, true, &hl);
	if (!hend) {
		fi->cbs.problem("line 1: the file is empty: it needs a header row with a "
				"'phone' column", fi->cbs.arg);
		return -1;
	}
	buf_append(&fi->header, fi->pending.data, hend);
	fi->header_lines = hl;
	memmove(fi->pending.data, fi->pending.data + hend, fi->pending.len - hend);
	fi->pending.len -= hend;
	fi->line = 1 + hl;
	return 0;
}

/* Reads and parses the next chunk into fi->ready: 1, 0 at the end of the
 * file, -1 when it cannot be read or parsed (told to problem). */
static int parse_next(struct file_import *fi)
{
	size_t end;
	long lines;
	if (fill(fi, &end, &lines) < 0) {
		fi->cbs.problem("cannot read the file", fi->cbs.arg);
		return -1;
	}
	if (!fi->header.len) {
		if (take_header(fi) < 0)
			return -1;
		end = records_end(buf_str(&fi->pending), fi->pending.len, false, &lines);
	}
	if (end == 0 && fi->eof)
		return 0;
	struct buf chunk = BUF_INIT;
	buf_append(&chunk, fi->header.data, fi->header.len);
	buf_append(&chunk, fi->pending.data, end);
	char err[512];
	int rc = contacts_parse(chunk.data, chunk.len, fi->country, &fi->ready, err, sizeof(err));
	buf_release(&chunk);
	if (rc < 0) {
		report(fi, err);
		return -1;
	}
	for (size_t i = 0; i < fi->ready.nerrors; i++)
		report(fi, fi->ready.errors[i].message);
	fi->t.rows += (long)(fi->ready.nrows + fi->ready.nerrors + fi->ready.nduplicates);
	fi->t.rejected += (long)fi->ready.nerrors;
	memmove(fi->pending.data, fi->pending.data + end, fi->pending.len - end);
	fi->pending.len -= end;
	fi->line += lines;
	return 1;
}

/* Parses a chunk, hands it to the store, and when it is stored parses the
 * next; finishes at the end of the file.  A store that answers at
 * once (Redis gone) calls back into here: that call only asks for another
 * pass, so fi is freed by the outermost call alone. */
static void file_step(struct file_import *fi)
{
	if (fi->stepping) {
		fi->again = true;
		return;
	}
	fi->stepping = true;
	do {
		fi->again = false;
		if (!fi->failed && !fi->storing && fi->have_ready) {
			fi->have_ready = false;
			fi->storing = true;
			store_contacts(fi->db, &fi->ready, on_chunk_stored, fi);
			contacts_import_release(&fi->ready);
		}
		/* Parsed only while nothing is in flight: the parse holds the
		 * loop, and commands queued before it would wait for it to be
		 * written (and might time out). */
		if (!fi->failed && !fi->have_ready && !fi->at_end && !fi->storing) {
			int rc = parse_next(fi);
			fi->failed |= rc < 0;
			fi->at_end = rc == 0;
			fi->have_ready = rc > 0;
			fi->again |= rc > 0 && !fi->storing;
		}
	} while (fi->again);
	fi->stepping = false;
	if (!fi->storing && (fi->failed || (fi->at_end && !fi->have_ready)))
		file_finish(fi, fi->failed ? -1 : 0);
}

int import_file(struct db *db, FILE *f, const char *country, const struct import_cbs *cbs)
{
	if (!db_ready(db))
		return -1;
	struct file_import *fi = xcalloc(1, sizeof(*fi));
	fi->db = db;
	fi->f = f;
	fi->country = country;
	fi->cbs = *cbs;
	file_step(fi);
	return 0;
}
