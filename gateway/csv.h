/* csv.h -- RFC 4180 CSV: a reader over a buffer in memory, and a writer.
 *
 * Pure: no I/O, no globals.  Used by contact imports (reader) and exports
 * (writer).
 *
 * Reading: fields are separated by ',' and records by CRLF, LF or a lone CR.
 * A field that starts with '"' is quoted: it may hold commas, line breaks
 * (kept as they are) and '"' written as "".  Spaces or tabs after a closing
 * quote are ignored; anything else there is an error.  A '"' inside an
 * unquoted field is taken literally.  A UTF-8 byte order mark at the start
 * is skipped.  Blank lines (nothing between two line breaks) are skipped:
 * they carry no record.  Cells are bytes as found: no trimming, no UTF-8
 * check.
 *
 * Writing: csv_write_cell() quotes a cell that holds ',', '"', CR or LF, and
 * neutralises spreadsheet formulas (CSV injection, per OWASP): a cell that
 * starts with '=', '+', '-', '@', TAB or CR gets a leading single quote (')
 * inside the cell, so "=1+1" is written as '=1+1.  A cell that is wholly a
 * plain decimal number -- an optional sign, digits, at most one '.', no
 * exponent, e.g. "-3", "+2.5", or an E.164 number "+255712345678" -- is left
 * alone: a spreadsheet reads it as a number, not a formula. */
#ifndef SAUTI_CSV_H
#define SAUTI_CSV_H

#include <stddef.h>

#include "buf.h"

struct csv_reader {
	const char *data;
	size_t len;
	size_t pos;
	int line;               /* 1-based line at pos */
	int failed;             /* an error was reported: no more records */
	int err_line;
	const char *err_what;
};

/* One record.  The record owns cells[] and every cells[i], each
 * NUL-terminated with its length (which excludes the NUL) in lens[i]. */
struct csv_record {
	char **cells;
	size_t *lens;
	size_t n;
	int line;               /* 1-based line where the record starts */
};

#define CSV_RECORD_INIT {NULL, NULL, 0, 0}

/* data must outlive the reader; it need not be NUL-terminated. */
void csv_reader_init(struct csv_reader *r, const char *data, size_t len);

/* Reads the next record into *rec, which is overwritten (release an earlier
 * record first).  Returns 1 with a record, 0 at the end of the data, or -1
 * with "line N: sentence" in err, e.g. for a quoted field that is never
 * closed; *rec is then empty.  After -1 every later call fails the same
 * way. */
int csv_read_record(struct csv_reader *r, struct csv_record *rec, char *err,
		    size_t errsize);

void csv_record_release(struct csv_record *rec);

/* Appends one cell (len bytes of cell), quoted and neutralised as above. */
void csv_write_cell(struct buf *out, const char *cell, size_t len);

/* Appends n NUL-terminated cells separated by ',' and ended by CRLF; a NULL
 * cell is written as an empty one. */
void csv_write_row(struct buf *out, const char *const *cells, size_t n);

#endif
