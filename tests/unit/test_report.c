/* test_report.c -- the report's figures over people (report_numbers) and its
 * CSV form, from a report's JSON. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_csv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
