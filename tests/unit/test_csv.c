/* test_csv.c -- the RFC 4180 reader and the neutralising writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "csv.h"

/* Reads the next record of r and checks its line and cells (NULL-ended). */
static void expect_record(struct csv_reader *r, int line, ...)
{
	struct csv_record rec;
	char err[256] = "";
	va_list ap;
	size_t i = 0;
	const char *want;

	int rc = csv_read_record(r, &rec, err, sizeof(err));
	if (rc != 1)
		fail_msg("expected a record at line %d, got %d (%s)", line, rc,
			 err);
	assert_int_equal(rec.line, line);
	va_start(ap, line);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= rec.n)
			fail_msg("line %d: only %zu cells", line, rec.n);
		assert_string_equal(rec.cells[i], want);
		assert_int_equal(rec.lens[i], strlen(want));
		i++;
	}
	va_end(ap);
	assert_int_equal(rec.n, i);
	csv_record_release(&rec);
}

static void expect_end(struct csv_reader *r)
{
	struct csv_record rec;
	char err[256] = "";
	assert_int_equal(csv_read_record(r, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.n, 0);
	assert_null(rec.cells);
	/* and again: the end stays the end */
	assert_int_equal(csv_read_record(r, &rec, err, sizeof(err)), 0);
}

static void expect_error(struct csv_reader *r, const char *want)
{
	struct csv_record rec;
	char err[256] = "";
	assert_int_equal(csv_read_record(r, &rec, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(rec.n, 0);
	assert_null(rec.cells);
}

static void test_plain_records(void **state)
{
	static const char data[] = "phone,name\n0712345678,Asha\n0754,Juma";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "phone", "name", NULL);
	expect_record(&r, 2, "0712345678", "Asha", NULL);
	expect_record(&r, 3, "0754", "Juma", NULL);
	expect_end(&r);
}

static void test_line_endings(void **state)
{
	/* CRLF, LF and a lone CR all end a record; a trailing one is fine */
	static const char data[] = "a,b\r\nc,d\ne,f\rg,h\r\n";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "a", "b", NULL);
	expect_record(&r, 2, "c", "d", NULL);
	expect_record(&r, 3, "e", "f", NULL);
	expect_record(&r, 4, "g", "h", NULL);
	expect_end(&r);
}

static void test_empty_cells(void **state)
{
	static const char data[] = ",\na,,b,\n\"\",x\n";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "", "", NULL);
	expect_record(&r, 2, "a", "", "b", "", NULL);
	expect_record(&r, 3, "", "x", NULL);
	expect_end(&r);
}

static void test_quoted_fields(void **state)
{
	static const char data[] =
	    "\"Mwanaisha, Zuhura\",\"she said \"\"ndiyo\"\"\",plain\r\n"
	    "\"line one\r\nline two\nline three\",after\r\n"
	    "last,\"\"\"\"\r\n";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "Mwanaisha, Zuhura", "she said \"ndiyo\"",
		      "plain", NULL);
	/* the quoted line breaks are kept as they were, and counted */
	expect_record(&r, 2, "line one\r\nline two\nline three", "after", NULL);
	expect_record(&r, 5, "last", "\"", NULL);
	expect_end(&r);
}

static void test_quirks(void **state)
{
	/* a quote inside an unquoted field is literal; space after a closing
	 * quote is ignored; spaces around unquoted fields are kept */
	static const char data[] = "5\" pipe,\"x\"  ,  y \n";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "5\" pipe", "x", "  y ", NULL);
	expect_end(&r);
}

static void test_bom_and_blank_lines(void **state)
{
	static const char data[] = "\xef\xbb\xbfphone,jina\r\n\r\n\n"
				   "0712345678,Bi. Asha Shaaban\r\n\r\n";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "phone", "jina", NULL);
	expect_record(&r, 4, "0712345678", "Bi. Asha Shaaban", NULL);
	expect_end(&r);
}

static void test_swahili_utf8(void **state)
{
	static const char data[] = "jina,maoni\n"
				   "Zuhura,\"Tunahitaji maji safi, na barabara "
				   "nzuri – asante ☺\"\n";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "jina", "maoni", NULL);
	expect_record(&r, 2, "Zuhura",
		      "Tunahitaji maji safi, na barabara nzuri – asante ☺",
		      NULL);
	expect_end(&r);
}

static void test_empty_input(void **state)
{
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, "", 0);
	expect_end(&r);
	csv_reader_init(&r, "\xef\xbb\xbf", 3);
	expect_end(&r);
	csv_reader_init(&r, "\r\n\n", 3);
	expect_end(&r);
}

static void test_not_nul_terminated(void **state)
{
	/* the reader must stop at len, not at a NUL */
	static const char data[] = "a,\"b\"XXXX";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, 5);
	expect_record(&r, 1, "a", "b", NULL);
	expect_end(&r);
	csv_reader_init(&r, data, 4);   /* "a,\"b": the quote never closes */
	expect_error(&r, "line 1: quoted field never closed (a '\"' is missing)");
}

static void test_unterminated_quote(void **state)
{
	static const char data[] = "phone,name\n"
				   "0712345678,Asha\n"
				   "0754,\"Juma\n"
				   "0765,Neema\n";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "phone", "name", NULL);
	expect_record(&r, 2, "0712345678", "Asha", NULL);
	/* reported at the line where the quote opened */
	expect_error(&r, "line 3: quoted field never closed (a '\"' is missing)");
	/* and every later call fails the same way */
	expect_error(&r, "line 3: quoted field never closed (a '\"' is missing)");
}

static void test_text_after_closing_quote(void **state)
{
	static const char data[] = "a\n\"multi\nline\"x,b\n";
	struct csv_reader r;
	(void)state;
	csv_reader_init(&r, data, strlen(data));
	expect_record(&r, 1, "a", NULL);
	expect_error(&r, "line 3: text after the closing quote of a field");
}

static void test_small_error_buffer(void **state)
{
	struct csv_reader r;
	struct csv_record rec;
	char err[8];
	(void)state;
	csv_reader_init(&r, "\"abc", 4);
	assert_int_equal(csv_read_record(&r, &rec, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1:");
	assert_int_equal(csv_read_record(&r, &rec, NULL, 0), -1);
}

/* ---- writing ------------------------------------------------------------ */

static void expect_cell(const char *cell, const char *want)
{
	struct buf out = BUF_INIT;
	csv_write_cell(&out, cell, strlen(cell));
	assert_string_equal(buf_str(&out), want);
	buf_release(&out);
}

static void test_write_plain_and_quoted(void **state)
{
	(void)state;
	expect_cell("", "");
	expect_cell("gold", "gold");
	expect_cell("Dhahabu na vito", "Dhahabu na vito");
	expect_cell("salt, gold", "\"salt, gold\"");
	expect_cell("he said \"yes\"", "\"he said \"\"yes\"\"\"");
	expect_cell("\"", "\"\"\"\"");
	expect_cell("one\ntwo", "\"one\ntwo\"");
	expect_cell("one\r\ntwo", "\"one\r\ntwo\"");
	expect_cell("Tunahitaji maji safi – asante", "Tunahitaji maji safi – asante");
	expect_cell("'quoted already'", "'quoted already'");
}

static void test_write_neutralises_formulas(void **state)
{
	(void)state;
	expect_cell("=1+1", "'=1+1");
	expect_cell("=HYPERLINK(\"http://x\",\"y\")",
		    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	expect_cell("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0");
	expect_cell("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0");
	expect_cell("@SUM(A1:A9)", "'@SUM(A1:A9)");
	expect_cell("\t=1", "'\t=1");
	expect_cell("\r=1", "\"'\r=1\"");
	expect_cell("=a,b", "\"'=a,b\"");
	expect_cell("-", "'-");
	expect_cell("+", "'+");
	expect_cell("-.", "'-.");
	expect_cell("-1e5", "'-1e5");
	expect_cell("-1.2.3", "'-1.2.3");
	/* plain numbers are numbers, not formulas */
	expect_cell("-3", "-3");
	expect_cell("+2.5", "+2.5");
	expect_cell("-0.25", "-0.25");
	expect_cell("-.5", "-.5");
	expect_cell("+255712345678", "+255712345678");
	expect_cell("12", "12");
	/* only the first character counts */
	expect_cell("a=1", "a=1");
	expect_cell(" =1", " =1");
}

static void test_write_row(void **state)
{
	const char *cells[] = {"r1", NULL, "a,b", "=x", "", "Ndiyo"};
	struct buf out = BUF_INIT;
	(void)state;
	csv_write_row(&out, cells, 6);
	csv_write_row(&out, cells, 1);
	csv_write_row(&out, cells, 0);
	assert_string_equal(buf_str(&out), "r1,,\"a,b\",'=x,,Ndiyo\r\nr1\r\n\r\n");
	buf_release(&out);
}

static void test_round_trip(void **state)
{
	static const char *const cells[] = {
		"plain", "with, comma", "with \"quotes\"", "multi\r\nline",
		"", "Asante sana – ☺", "lf\nonly", "-3",
	};
	const size_t n = sizeof(cells) / sizeof(cells[0]);
	struct buf out = BUF_INIT;
	struct csv_reader r;
	struct csv_record rec;
	char err[128];
	(void)state;
	csv_write_row(&out, cells, n);
	csv_write_row(&out, cells, n);
	csv_reader_init(&r, out.data, out.len);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(csv_read_record(&r, &rec, err, sizeof(err)), 1);
		assert_int_equal(rec.line, k == 0 ? 1 : 4);
		assert_int_equal(rec.n, n);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(rec.cells[i], cells[i]);
		csv_record_release(&rec);
	}
	assert_int_equal(csv_read_record(&r, &rec, err, sizeof(err)), 0);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_records),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_empty_cells),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_quirks),
		cmocka_unit_test(test_bom_and_blank_lines),
		cmocka_unit_test(test_swahili_utf8),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_text_after_closing_quote),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_write_plain_and_quoted),
		cmocka_unit_test(test_write_neutralises_formulas),
		cmocka_unit_test(test_write_row),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
