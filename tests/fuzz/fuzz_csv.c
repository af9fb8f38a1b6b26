/* fuzz_csv.c -- libFuzzer target: the CSV reader, and the writer read
 * back.
 *
 * The input is a CSV file (the reader is given exactly its bytes, so ASan
 * sees a read past the end).  Every record read is written again with
 * csv_write_cell() and the result read back: each cell must come back as
 * it was, or with the leading ' that neutralises a spreadsheet formula. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 4096

static int formula_start(const char *s, size_t len)
{
	return len > 0 && memchr("=+-@\t\r", s[0], 6) != NULL;
}

static void check_record(const struct csv_record *rec)
{
	FUZZ_CHECK(rec->n >= 1 && rec->line >= 1);
	for (size_t i = 0; i < rec->n; i++)
		FUZZ_CHECK(rec->cells[i][rec->lens[i]] == '\0');
}

/* A sign, digits and at most one '.': a spreadsheet's number, left as is. */
static int plain_number(const char *s, size_t len)
{
	size_t i = len && (s[0] == '+' || s[0] == '-'), digits = 0, dots = 0;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] != '.' || dots++)
			return 0;
	}
	return digits > 0;
}

/* Whether cell b, read back, is cell a as written: a formula gets a
 * leading ', anything else comes back as it was. */
static int same_cell(const char *a, size_t alen, const char *b, size_t blen)
{
	if (formula_start(a, alen) && !plain_number(a, alen))
		return blen == alen + 1 && b[0] == '\'' &&
		       memcmp(a, b + 1, alen) == 0;
	return alen == blen && memcmp(a, b, alen) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = xmalloc(size);
	struct csv_reader r, back;
	struct csv_record rec, rec2;
	struct buf out = BUF_INIT;
	struct csv_record *kept = NULL;
	size_t nkept = 0;
	char err[256];
	int ret = 0, last_line = 0;

	if (size)
		memcpy(copy, data, size);
	csv_reader_init(&r, copy, size);
	/* A first line, so that a byte order mark the input had in its
	 * first cell is not skipped as the file's own. */
	buf_puts(&out, "h\r\n");
	while (nkept < MAX_RECORDS &&
	       (ret = csv_read_record(&r, &rec, err, sizeof(err))) > 0) {
		check_record(&rec);
		FUZZ_CHECK(rec.line > last_line);
		last_line = rec.line;
		for (size_t i = 0; i < rec.n; i++) {
			if (i)
				buf_putc(&out, ',');
			csv_write_cell(&out, rec.cells[i], rec.lens[i]);
		}
		buf_append(&out, "\r\n", 2);
		/* One empty cell is a blank line: it does not come back. */
		if (rec.n == 1 && rec.lens[0] == 0) {
			csv_record_release(&rec);
			continue;
		}
		kept = xrealloc(kept, (nkept + 1) * sizeof(*kept));
		kept[nkept++] = rec;
	}
	if (nkept < MAX_RECORDS && ret < 0) {
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0);
		FUZZ_CHECK(csv_read_record(&r, &rec, err, sizeof(err)) < 0);
	}

	csv_reader_init(&back, out.data, out.len);
	FUZZ_CHECK(csv_read_record(&back, &rec2, err, sizeof(err)) == 1);
	csv_record_release(&rec2);
	for (size_t k = 0; k < nkept; k++) {
		FUZZ_CHECK(csv_read_record(&back, &rec2, err, sizeof(err)) == 1);
		FUZZ_CHECK(rec2.n == kept[k].n);
		for (size_t i = 0; i < rec2.n; i++)
			FUZZ_CHECK(same_cell(kept[k].cells[i], kept[k].lens[i],
					     rec2.cells[i], rec2.lens[i]));
		csv_record_release(&rec2);
		csv_record_release(&kept[k]);
	}
	FUZZ_CHECK(csv_read_record(&back, &rec2, err, sizeof(err)) == 0);
	free(kept);
	buf_release(&out);
	free(copy);
	return 0;
}
