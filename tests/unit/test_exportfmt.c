/* test_exportfmt.c -- exported runs as CSV rows and JSON lines, and the ISO
 * 8601 times they carry (timeutil). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "buf.h"
#include "csv.h"
#include "exportfmt.h"
#include "fields.h"
#include "flow.h"
#include "timeutil.h"

/* 2026-11-22T09:14:03Z, from python3: calendar.timegm(datetime.datetime(
 * 2026, 11, 22, 9, 14, 3).timetuple()) */
#define T_START 1795338843L

static const char *const save_names[] = {"consent", "mineral", "years",
					 "change"};
#define NSAVE (sizeof(save_names) / sizeof(save_names[0]))

/* ---- times -------------------------------------------------------------- */

static void expect_iso(long t, const char *want)
{
	char out[TIME_ISO8601_SIZE];
	time_iso8601(t, out);
	assert_string_equal(out, want);
}

static void expect_parse(const char *s, long want)
{
	long t = 12345;
	if (time_parse_iso8601(s, &t) != 0)
		fail_msg("'%s' refused", s);
	assert_int_equal(t, want);
}

static void expect_refused(const char *s)
{
	long t = 12345;
	if (time_parse_iso8601(s, &t) == 0)
		fail_msg("'%s' accepted as %ld", s, t);
	assert_int_equal(t, 12345);
}

static void test_time_format(void **state)
{
	(void)state;
	expect_iso(T_START, "2026-11-22T09:14:03Z");
	expect_iso(0, "1970-01-01T00:00:00Z");
	expect_iso(-1, "1969-12-31T23:59:59Z");
	expect_iso(1709251199L, "2024-02-29T23:59:59Z");
	expect_iso(2147483648L, "2038-01-19T03:14:08Z");
}

static void test_time_parse(void **state)
{
	(void)state;
	expect_parse("2026-11-22T09:14:03Z", T_START);
	expect_parse("2026-11-22t09:14:03z", T_START);
	expect_parse("2026-11-22 09:14:03Z", T_START);
	expect_parse("2026-11-22T12:14:03+03:00", T_START);
	expect_parse("2026-11-22T12:14:03+0300", T_START);
	expect_parse("2026-11-22T12:14:03+03", T_START);
	expect_parse("2026-11-22T07:44:03-01:30", T_START);
	/* a '+' sent unencoded in a URL's query decodes to a space */
	expect_parse("2026-11-22T12:14:03 03:00", T_START);
	expect_parse("2026-11-22 12:14:03 0300", T_START);
	expect_parse("2026-11-22T09:14:03.987Z", T_START);
	expect_parse("2026-11-22T09:14Z", T_START - 3);
	expect_parse("2026-11-22", 1795305600L);
	expect_parse("2026-11-22T00:00:00+03:00", 1795305600L - 3 * 3600);
	expect_parse("1970-01-01T00:00:00Z", 0);
	expect_parse("1969-12-31T23:59:59Z", -1);
	expect_parse("2024-02-29T23:59:59Z", 1709251199L);
	expect_parse("2000-03-01", 951868800L);
	expect_parse("9999-12-31T23:59:59Z", 253402300799L);
	expect_parse("2016-12-31T23:59:60Z", 1483228800L);  /* leap second */
}

static void test_time_parse_refuses(void **state)
{
	(void)state;
	expect_refused("");
	expect_refused("2026-11-22T09:14:03");          /* no offset */
	expect_refused("2026-11-22T09:14");
	expect_refused("2026-11-22T");
	expect_refused("2026-11-22Z");
	expect_refused("26-11-22");
	expect_refused("2026-1-22");
	expect_refused("2026/11/22");
	expect_refused("2026-13-01");
	expect_refused("2026-00-01");
	expect_refused("2026-11-31");
	expect_refused("2026-02-29");                   /* not a leap year */
	expect_refused("1900-02-29");
	expect_refused("2026-11-22T24:00:00Z");
	expect_refused("2026-11-22T09:60:00Z");
	expect_refused("2026-11-22T09:14:61Z");
	expect_refused("2026-11-22T09:14:03+24:00");
	expect_refused("2026-11-22T09:14:03+03:60");
	expect_refused("2026-11-22T09:14:03+3");
	expect_refused("2026-11-22T09:14:03+03:0");
	expect_refused("2026-11-22T09:14:03.Z");
	expect_refused("2026-11-22T09:14:03Z ");
	expect_refused("2026-11-22T09:14:03 ");
	expect_refused("2026-11-22T09:14:03  03:00");
	expect_refused("2026-11-22T09:14:03 Z");
	expect_refused(" 2026-11-22");
	expect_refused("2026-11-22T09:14:03ZZ");
	expect_refused("tomorrow");
}

static void test_time_round_trip(void **state)
{
	char iso[TIME_ISO8601_SIZE];
	long back;
	(void)state;
	for (long t = -86400L * 800; t < 86400L * 365 * 80; t += 86399L * 7 + 13) {
		time_iso8601(t, iso);
		assert_int_equal(time_parse_iso8601(iso, &back), 0);
		assert_int_equal(back, t);
	}
}

/* ---- CSV ---------------------------------------------------------------- */

static void test_csv_header(void **state)
{
	struct buf out = BUF_INIT;
	(void)state;
	export_csv_header(&out, save_names, NSAVE);
	assert_string_equal(buf_str(&out),
			    "run_id,contact,language,channel,status,started_at,"
			    "completed_at,consent,mineral,years,change\r\n");
	buf_reset(&out);
	export_csv_header(&out, NULL, 0);
	assert_string_equal(buf_str(&out),
			    "run_id,contact,language,channel,status,started_at,"
			    "completed_at\r\n");
	buf_release(&out);
}

static void test_csv_rows(void **state)
{
	struct fields answers = FIELDS_INIT;
	struct buf out = BUF_INIT;
	struct export_run r = {
		"r1", "798c69248ea5ee7f", "sw", "sms", "completed",
		T_START, T_START + 120, &answers, NULL, NULL, 0, NULL};
	(void)state;
	/* stored in another order than the flow's: the save names decide */
	fields_set(&answers, "years", "12.5");
	fields_set(&answers, "change", "Maji safi, na \"barabara\"\nnzuri");
	fields_set(&answers, "consent", "yes");
	export_csv_row(&out, &r, save_names, NSAVE);
	assert_string_equal(buf_str(&out),
			    "r1,798c69248ea5ee7f,sw,sms,completed,"
			    "2026-11-22T09:14:03Z,2026-11-22T09:16:03Z,"
			    "yes,,12.5,\"Maji safi, na \"\"barabara\"\"\nnzuri\""
			    "\r\n");

	/* an active run: no completion time; formula text is neutralised;
	 * a raw phone is left alone; an invalid-after-retries answer is "" */
	buf_reset(&out);
	fields_release(&answers);
	fields_set(&answers, "change", "=HYPERLINK(\"http://evil\")");
	fields_set(&answers, "years", "-3");
	fields_set(&answers, "mineral", "");
	r.contact = "+255712345678";
	r.status = "active";
	r.completed_at = 0;
	r.channel = "ussd";
	export_csv_row(&out, &r, save_names, NSAVE);
	assert_string_equal(buf_str(&out),
			    "r1,+255712345678,sw,ussd,active,"
			    "2026-11-22T09:14:03Z,,"
			    ",,-3,\"'=HYPERLINK(\"\"http://evil\"\")\"\r\n");

	/* no answers at all, NULL strings */
	buf_reset(&out);
	struct export_run bare = {"r2", NULL, NULL, "sms", "expired", 0, 0,
				  NULL, NULL, NULL, 0, NULL};
	export_csv_row(&out, &bare, save_names, NSAVE);
	assert_string_equal(buf_str(&out), "r2,,,sms,expired,,,,,,\r\n");
	fields_release(&answers);
	buf_release(&out);
}

static void test_csv_reads_back(void **state)
{
	struct fields answers = FIELDS_INIT;
	struct buf out = BUF_INIT;
	struct export_run r = {
		"r1", "abc", "sw", "sms", "completed", T_START, T_START + 60,
		&answers, NULL, NULL, 0, NULL};
	struct csv_reader reader;
	struct csv_record rec;
	char err[128];
	(void)state;
	fields_set(&answers, "change", "Tunahitaji soko la dhahabu – asante!\r\n"
				       "Mstari wa pili, \"mwisho\"");
	export_csv_header(&out, save_names, NSAVE);
	export_csv_row(&out, &r, save_names, NSAVE);
	csv_reader_init(&reader, out.data, out.len);
	assert_int_equal(csv_read_record(&reader, &rec, err, sizeof(err)), 1);
	assert_int_equal(rec.n, 11);
	csv_record_release(&rec);
	assert_int_equal(csv_read_record(&reader, &rec, err, sizeof(err)), 1);
	assert_int_equal(rec.n, 11);
	assert_string_equal(rec.cells[10], fields_get(&answers, "change"));
	assert_string_equal(rec.cells[5], "2026-11-22T09:14:03Z");
	csv_record_release(&rec);
	assert_int_equal(csv_read_record(&reader, &rec, err, sizeof(err)), 0);
	fields_release(&answers);
	buf_release(&out);
}

/* ---- JSON lines --------------------------------------------------------- */

/* Parses the one line in out back with jansson and checks it is all. */
static json_t *parse_line(const struct buf *out)
{
	json_error_t jerr;
	assert_true(out->len > 0);
	assert_int_equal(out->data[out->len - 1], '\n');
	assert_null(memchr(out->data, '\n', out->len - 1));
	json_t *j = json_loadb(out->data, out->len, 0, &jerr);
	if (!j)
		fail_msg("not JSON: %s (%s)", jerr.text, out->data);
	assert_true(json_is_object(j));
	return j;
}

static void test_jsonl_row(void **state)
{
	struct fields answers = FIELDS_INIT;
	struct buf out = BUF_INIT;
	struct export_run r = {
		"r1", "798c69248ea5ee7f", "sw", "sms", "completed",
		T_START, T_START + 120, &answers, NULL, NULL, 0, NULL};
	(void)state;
	fields_set(&answers, "years", "12.5");
	fields_set(&answers, "change", "Maji safi, na \"barabara\"\nnzuri ☺");
	fields_set(&answers, "consent", "yes");
	fields_set(&answers, "mineral", "");
	export_jsonl_row(&out, &r, save_names, NSAVE);
	/* exact bytes: compact, keys in contract order, answers nested */
	assert_string_equal(buf_str(&out),
			    "{\"run_id\":\"r1\",\"contact\":\"798c69248ea5ee7f\","
			    "\"language\":\"sw\",\"channel\":\"sms\","
			    "\"status\":\"completed\","
			    "\"started_at\":\"2026-11-22T09:14:03Z\","
			    "\"completed_at\":\"2026-11-22T09:16:03Z\","
			    "\"answers\":{\"consent\":\"yes\",\"mineral\":\"\","
			    "\"years\":\"12.5\",\"change\":\"Maji safi, na "
			    "\\\"barabara\\\"\\nnzuri ☺\"}}\n");

	json_t *j = parse_line(&out);
	json_t *a = json_object_get(j, "answers");
	assert_string_equal(json_string_value(json_object_get(j, "run_id")),
			    "r1");
	assert_string_equal(json_string_value(json_object_get(a, "change")),
			    "Maji safi, na \"barabara\"\nnzuri ☺");
	assert_int_equal(json_object_size(j), 8);
	assert_int_equal(json_object_size(a), NSAVE);
	json_decref(j);
	fields_release(&answers);
	buf_release(&out);
}

static void test_jsonl_nulls(void **state)
{
	struct fields answers = FIELDS_INIT;
	struct buf out = BUF_INIT;
	struct export_run r = {"r9", "+255712345678", NULL, "ussd", "active",
			       T_START, 0, &answers, NULL, NULL, 0, NULL};
	(void)state;
	fields_set(&answers, "consent", "yes");
	export_jsonl_row(&out, &r, save_names, NSAVE);
	json_t *j = parse_line(&out);
	json_t *a = json_object_get(j, "answers");
	assert_true(json_is_null(json_object_get(j, "completed_at")));
	assert_true(json_is_null(json_object_get(j, "language")));
	assert_string_equal(json_string_value(json_object_get(j, "contact")),
			    "+255712345678");
	assert_string_equal(json_string_value(json_object_get(a, "consent")),
			    "yes");
	assert_true(json_is_null(json_object_get(a, "mineral")));
	assert_true(json_is_null(json_object_get(a, "change")));
	json_decref(j);

	/* no answers and no save names */
	buf_reset(&out);
	r.answers = NULL;
	export_jsonl_row(&out, &r, NULL, 0);
	assert_non_null(strstr(buf_str(&out), "\"answers\":{}}\n"));
	json_decref(parse_line(&out));
	fields_release(&answers);
	buf_release(&out);
}

static void test_jsonl_invalid_utf8(void **state)
{
	struct fields answers = FIELDS_INIT;
	struct buf out = BUF_INIT;
	const char *names[] = {"change", "bad\xff"};
	struct export_run r = {"r1", "c", "sw", "sms", "completed", T_START, 0,
			       &answers, NULL, NULL, 0, NULL};
	(void)state;
	/* a Latin-1 byte, a truncated sequence, an overlong '/' and a
	 * surrogate: each becomes U+FFFD and the line is still JSON */
	fields_set(&answers, "change", "Jos\xe9 \xe2\x82 \xc0\xaf \xed\xa0\x80!");
	fields_set(&answers, "bad\xff", "x");
	export_jsonl_row(&out, &r, names, 2);
	json_t *j = parse_line(&out);
	json_t *a = json_object_get(j, "answers");
	assert_string_equal(json_string_value(json_object_get(a, "change")),
			    "Jos\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
			    "\xef\xbf\xbd\xef\xbf\xbd "
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
	assert_string_equal(json_string_value(json_object_get(a,
				"bad\xef\xbf\xbd")), "x");
	json_decref(j);
	fields_release(&answers);
	buf_release(&out);
}

static void test_jsonl_many_lines(void **state)
{
	struct buf out = BUF_INIT;
	struct export_run r = {"r", "c", "en", "sms", "stopped", T_START, 0,
			       NULL, NULL, NULL, 0, NULL};
	json_error_t jerr;
	size_t lines = 0;
	(void)state;
	for (int i = 0; i < 3; i++)
		export_jsonl_row(&out, &r, save_names, NSAVE);
	for (const char *p = out.data; p < out.data + out.len; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(out.data + out.len - p));
		assert_non_null(nl);
		json_t *j = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		assert_non_null(j);
		json_decref(j);
		p = nl + 1;
	}
	assert_int_equal(lines, 3);
	buf_release(&out);
}

/* ---- contact fields, numbers, the codebook ------------------------------ */

static void test_fields_and_numbers(void **state)
{
	struct fields answers = FIELDS_INIT;
	struct buf out = BUF_INIT;
	const char *names[] = {"district", "village"};
	const char *values[] = {"Geita", NULL};
	const bool numbers[] = {false, false, true, false};
	struct export_run r = {"r1", "c", "sw", "ussd", "completed", T_START, T_START + 60,
			       &answers, names, values, 2, numbers};
	(void)state;
	export_csv_header_fields(&out, save_names, NSAVE, names, 2);
	assert_string_equal(buf_str(&out), "run_id,contact,language,channel,status,started_at,"
					   "completed_at,district,village,consent,mineral,years,"
					   "change\r\n");
	buf_reset(&out);
	fields_set(&answers, "years", "12.5");
	fields_set(&answers, "mineral", "gold");
	export_csv_row(&out, &r, save_names, NSAVE);
	assert_string_equal(buf_str(&out), "r1,c,sw,ussd,completed,2026-11-22T09:14:03Z,"
					   "2026-11-22T09:15:03Z,Geita,,,gold,12.5,\r\n");
	buf_reset(&out);
	export_jsonl_row(&out, &r, save_names, NSAVE);
	assert_non_null(strstr(buf_str(&out), "\"completed_at\":\"2026-11-22T09:15:03Z\","
					      "\"district\":\"Geita\",\"village\":null,"));
	assert_non_null(strstr(buf_str(&out), "\"mineral\":\"gold\",\"years\":12.5,"));
	/* a whole number is an integer; a number given up on is null */
	buf_reset(&out);
	fields_set(&answers, "years", "50000");
	export_jsonl_row(&out, &r, save_names, NSAVE);
	assert_non_null(strstr(buf_str(&out), "\"years\":50000,"));
	buf_reset(&out);
	fields_set(&answers, "years", "");
	export_jsonl_row(&out, &r, save_names, NSAVE);
	assert_non_null(strstr(buf_str(&out), "\"years\":null,"));
	fields_release(&answers);
	buf_release(&out);
}

static void test_codebook(void **state)
{
	(void)state;
	struct flow_diags diags = {0};
	struct flow_load_opts opts = {.ussd_max_chars = 182};
	const char *paths[] = {"tests/flows/people/poll.yaml"};
	struct flow_set *set = flow_set_load(paths, 1, &opts, &diags);
	const struct flow *f = flow_set_find(set, "poll");
	assert_non_null(f);
	struct buf out = BUF_INIT;
	export_codebook_csv(&out, f);
	assert_string_equal(buf_str(&out),
		"variable,type,value,question_sw,label_sw,question_en,label_en\r\n"
		"mineral,choice,,Unachimba nini?,,What do you mine?,\r\n"
		"mineral,choice,gold,,Dhahabu,,Gold\r\n"
		"mineral,choice,tanzanite,,Tanzanite,,Tanzanite\r\n"
		"mineral,choice,other,,Kingine,,Something else\r\n"
		"days,number,0-7,Ulifanya kazi siku ngapi wiki iliyopita?,,"
		"How many days did you work last week?,\r\n"
		"note,text,,Neno lolote zaidi?,,Anything else to say?,\r\n");
	buf_release(&out);
	flow_diags_release(&diags);
	flow_set_unref(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_parse_refuses),
		cmocka_unit_test(test_time_round_trip),
		cmocka_unit_test(test_csv_header),
		cmocka_unit_test(test_csv_rows),
		cmocka_unit_test(test_csv_reads_back),
		cmocka_unit_test(test_jsonl_row),
		cmocka_unit_test(test_jsonl_nulls),
		cmocka_unit_test(test_jsonl_invalid_utf8),
		cmocka_unit_test(test_jsonl_many_lines),
		cmocka_unit_test(test_fields_and_numbers),
		cmocka_unit_test(test_codebook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
