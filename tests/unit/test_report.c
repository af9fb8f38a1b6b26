/* test_report.c -- the report's figures over people (report_numbers) and its
 * text and CSV forms, from a report's JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "report.h"

static void expect(double *v, size_t n, size_t count, double sum, double mean, double median,
		   double min, double max)
{
	struct report_numbers f;
	report_numbers(v, n, &f);
	assert_int_equal(f.count, count);
	assert_true(f.sum == sum);
	assert_true(f.mean == mean);
	assert_true(f.median == median);
	assert_true(f.min == min);
	assert_true(f.max == max);
}

static void test_numbers(void **state)
{
	(void)state;
	double odd[] = {5, 1, 3};
	expect(odd, 3, 3, 9, 3, 3, 1, 5);
	double even[] = {4, 5};
	expect(even, 2, 2, 9, 4.5, 4.5, 4, 5);
	double one[] = {50000};
	expect(one, 1, 1, 50000, 50000, 50000, 50000, 50000);
	double same[] = {2, 2, 2, 2};
	expect(same, 4, 4, 8, 2, 2, 2, 2);
	double neg[] = {-3, 10, 0.5, 7};
	expect(neg, 4, 4, 14.5, 3.625, 3.75, -3, 10);
	expect(NULL, 0, 0, 0, 0, 0, 0, 0);
}

static void test_csv(void **state)
{
	(void)state;
	const char *json =
		"{\"flow\":\"poll\",\"questions\":{"
		"\"mineral\":{\"type\":\"choice\",\"total\":3,\"values\":{\"gold\":2,\"tanzanite\":1},"
		"\"by_language\":{\"sw\":{\"gold\":2}},\"by_channel\":{},"
		"\"people\":{\"total\":2,\"values\":{\"gold\":{\"count\":1,\"share\":0.5},"
		"\"tanzanite\":{\"count\":1,\"share\":0.5},\"other\":{\"count\":0,\"share\":0}}},"
		"\"people_by_language\":{\"sw\":{\"total\":1,\"values\":{\"gold\":{\"count\":1,\"share\":1}}}},"
		"\"people_by_channel\":{}},"
		"\"days\":{\"type\":\"number\",\"total\":3,\"values\":{\"3\":1,\"5\":1,\"4\":1},"
		"\"people\":{\"total\":2,\"number\":{\"count\":2,\"sum\":9,\"mean\":4.5,\"median\":4.5,"
		"\"min\":4,\"max\":5}}}}}";
	struct buf out = BUF_INIT;
	report_csv(json, &out);
	assert_string_equal(buf_str(&out),
			    "question,type,by,group,value,runs,people,share\r\n"
			    "mineral,choice,all,,gold,2,1,0.5000\r\n"
			    "mineral,choice,all,,tanzanite,1,1,0.5000\r\n"
			    "mineral,choice,all,,other,0,0,0.0000\r\n"
			    "mineral,choice,language,sw,gold,2,1,1.0000\r\n"
			    "days,number,all,,count,,2,\r\n"
			    "days,number,all,,sum,,9,\r\n"
			    "days,number,all,,mean,,4.5,\r\n"
			    "days,number,all,,median,,4.5,\r\n"
			    "days,number,all,,min,,4,\r\n"
			    "days,number,all,,max,,5,\r\n");
	buf_reset(&out);
	report_csv("not json", &out);
	assert_string_equal(buf_str(&out), "question,type,by,group,value,runs,people,share\r\n");
	buf_release(&out);
}

static void test_text(void **state)
{
	(void)state;
	const char *json =
		"{\"flow\":\"poll\",\"runs\":3,\"completed\":2,\"completion_pct\":67,"
		"\"completion_by_language\":{\"sw\":{\"runs\":3,\"completed\":2,\"completion_pct\":67},"
		"\"en\":{\"runs\":0,\"completed\":0,\"completion_pct\":0}},"
		"\"completion_by_channel\":{\"sms\":{\"runs\":1,\"completed\":1,\"completion_pct\":100},"
		"\"ussd\":{\"runs\":2,\"completed\":1,\"completion_pct\":50}},"
		"\"people\":1,\"status\":{\"completed\":2,\"active\":1},\"reminded\":0,"
		"\"answered_after_reminder\":0,\"drop_off\":{\"days\":1},\"questions\":{"
		"\"mineral\":{\"type\":\"choice\",\"total\":3,\"values\":{\"gold\":2,\"other\":1,\"none\":0},"
		"\"by_language\":{},\"by_channel\":{\"sms\":{\"gold\":1,\"other\":0,\"none\":0}},"
		"\"people\":{\"total\":1,\"values\":{\"gold\":{\"count\":1,\"share\":1},"
		"\"other\":{\"count\":0,\"share\":0},\"none\":{\"count\":0,\"share\":0}}}},"
		"\"days\":{\"type\":\"number\",\"total\":2,\"values\":{\"5\":2},"
		"\"people\":{\"total\":1,\"number\":{\"count\":1,\"sum\":5,\"mean\":5,\"median\":5,"
		"\"min\":5,\"max\":5},\"values\":{\"5\":{\"count\":1,\"share\":1}}}}}}";
	struct buf out = BUF_INIT;
	report_text(json, &out);
	assert_string_equal(buf_str(&out),
		"flow poll: 3 runs, 2 completed (67%), 1 people\n"
		"completion by language: sw 2 of 3 runs completed (67%), en 0 of 0 runs completed (0%)\n"
		"completion by channel: sms 1 of 1 runs completed (100%), ussd 1 of 2 runs completed (50%)\n"
		"status: completed 2 active 1\n"
		"reminded: 0 runs, 0 answered after a reminder\n"
		"drop-off (runs not completed, by the step they stopped at): days 1\n"
		"answers (people: each contact's latest completed run; runs: every run):\n"
		"  mineral (3 answers in runs)\n"
		"    people       1 person answered; by answer gold: 1 (100%), other: 0 (0%), none: 0 (0%)\n"
		"    runs         3 runs answered; by answer gold: 2 (67%), other: 1 (33%), none: 0 (0%)\n"
		"    runs sms     1 run answered; by answer gold: 1 (100%), other: 0 (0%), none: 0 (0%)\n"
		"  days (2 answers in runs)\n"
		"    people       1 person answered; numbers: count 1, sum 5, mean 5, median 5, min 5, max 5;"
		" by answer 5: 1 (100%)\n"
		"    runs         2 runs answered; by answer 5: 2 (100%)\n");
	buf_reset(&out);
	report_text("not json", &out);
	assert_string_equal(buf_str(&out), "");
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
