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

#define CHUNK_BYTES (1 << 20)

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
	struct import_totals t;
};

static void file_next(struct file_import *fi);

static void file_finish(struct file_import *fi, int rc)
{
	fi->cbs.done(rc, &fi->t, fi->cbs.arg);
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
	if (stored < 0) {
		file_finish(fi, -1);
		return;
	}
	fi->t.stored += stored;
	if (fi->cbs.progress)
		fi->cbs.progress(&fi->t, fi->cbs.arg);
	file_next(fi);
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

static void file_next(struct file_import *fi)
{
	size_t end;
	long lines;
	if (fill(fi, &end, &lines) < 0) {
		fi->cbs.problem("cannot read the file", fi->cbs.arg);
		file_finish(fi, -1);
		return;
	}
	if (!fi->header.len) {
		/* The first record is the header, kept for every chunk. */
		long hl;
		size_t hend = records_end(buf_str(&fi->pending), fi->pending.len, true, &hl);
		if (!hend) {
			fi->cbs.problem("line 1: the file is empty: it needs a header row with a "
					"'phone' column", fi->cbs.arg);
			file_finish(fi, -1);
			return;
		}
		buf_append(&fi->header, fi->pending.data, hend);
		fi->header_lines = hl;
		memmove(fi->pending.data, fi->pending.data + hend, fi->pending.len - hend);
		fi->pending.len -= hend;
		fi->line = 1 + hl;
		end = records_end(buf_str(&fi->pending), fi->pending.len, false, &lines);
	}
	if (end == 0 && fi->eof) {
		file_finish(fi, 0);
		return;
	}
	struct buf chunk = BUF_INIT;
	buf_append(&chunk, fi->header.data, fi->header.len);
	buf_append(&chunk, fi->pending.data, end);
	struct contacts_import imp = CONTACTS_IMPORT_INIT;
	char err[512];
	int rc = contacts_parse(chunk.data, chunk.len, fi->country, &imp, err, sizeof(err));
	buf_release(&chunk);
	if (rc < 0) {
		report(fi, err);
		contacts_import_release(&imp);
		file_finish(fi, -1);
		return;
	}
	for (size_t i = 0; i < imp.nerrors; i++)
		report(fi, imp.errors[i].message);
	fi->t.rows += (long)(imp.nrows + imp.nerrors + imp.nduplicates);
	fi->t.rejected += (long)imp.nerrors;
	memmove(fi->pending.data, fi->pending.data + end, fi->pending.len - end);
	fi->pending.len -= end;
	fi->line += lines;
	store_contacts(fi->db, &imp, on_chunk_stored, fi);
	contacts_import_release(&imp);
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
	file_next(fi);
	return 0;
}
