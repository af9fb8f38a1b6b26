/* test_person.c -- `contacts list` rows as CSV and JSON lines (person.c's
 * pure part), and the one list of a person's parts (store.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "buf.h"
#include "person.h"
#include "store.h"

static json_t *rows(void)
{
	return json_pack("[{s:s,s:s,s:s,s:[s,s],s:b,s:{s:s,s:s}},{s:s,s:n,s:n,s:[],s:b,s:{s:s}}]",
			 "contact", "0a1b2c3d4e5f6071", "language", "sw", "country", "TZ", "groups",
			 "wachimbaji", "geita", "opted_out", 0, "fields", "name", "Neema", "district",
			 "=Geita", "contact", "8f9e0d1c2b3a4958", "language", "country", "groups",
			 "opted_out", 1, "fields", "village", "Nyarugusu");
}

static void test_csv(void **state)
{
	(void)state;
	json_t *r = rows();
	struct buf out = BUF_INIT;
	person_rows_csv(r, &out);
	/* fields become columns in name order; a formula is neutralised */
	assert_string_equal(buf_str(&out),
			    "contact,language,country,groups,opted_out,district,name,village\r\n"
			    "0a1b2c3d4e5f6071,sw,TZ,wachimbaji;geita,no,'=Geita,Neema,\r\n"
			    "8f9e0d1c2b3a4958,,,,yes,,,Nyarugusu\r\n");
	buf_reset(&out);
	person_rows_jsonl(r, &out);
	assert_string_equal(buf_str(&out),
			    "{\"contact\":\"0a1b2c3d4e5f6071\",\"language\":\"sw\",\"country\":\"TZ\","
			    "\"groups\":[\"wachimbaji\",\"geita\"],\"opted_out\":false,"
			    "\"fields\":{\"name\":\"Neema\",\"district\":\"=Geita\"}}\n"
			    "{\"contact\":\"8f9e0d1c2b3a4958\",\"language\":null,\"country\":null,"
			    "\"groups\":[],\"opted_out\":true,\"fields\":{\"village\":\"Nyarugusu\"}}\n");
	buf_release(&out);
	json_decref(r);
}

static void test_empty(void **state)
{
	(void)state;
	json_t *r = json_array();
	struct buf out = BUF_INIT;
	person_rows_csv(r, &out);
	assert_string_equal(buf_str(&out), "contact,language,country,groups,opted_out\r\n");
	buf_reset(&out);
	person_rows_jsonl(r, &out);
	assert_string_equal(buf_str(&out), "");
	buf_release(&out);
	json_decref(r);
}

static void test_parts(void **state)
{
	(void)state;
	size_t n;
	const struct person_part *parts = store_person_parts(&n);
	/* every part can show and forget, and no name is given twice (the
	 * names are the keys of `contacts show`) */
	assert_true(n >= 6);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(parts[i].name);
		assert_non_null(parts[i].show);
		assert_non_null(parts[i].forget);
		assert_non_null(strstr(parts[i].show, "return"));
		assert_non_null(strstr(parts[i].forget, "return"));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(parts[i].name, parts[j].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
