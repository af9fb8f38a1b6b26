/* test_person.c -- `contacts list` rows as CSV and JSON lines and `contacts
 * show`'s record (person.c's pure part), and the one list of a person's
 * parts (store.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

/* contacts show: the parts as stored, read as a person reads them; what the
 * record does not show is under stored, as stored. */
static void test_record(void **state)
{
	(void)state;
	json_t *parts = json_loads(
		"{\"phone\": \"+255712111222\","
		" \"contact\": {\"_groups\": \"wachimbaji;geita\", \"_lang\": \"sw\", \"_v\": \"1\","
		"  \"_since\": \"1796656464\", \"country\": \"TZ\", \"name\": \"Asha\"},"
		" \"runs\": [{\"id\": \"00ff\", \"flow\": \"poll\", \"st\": \"completed\", \"ch\": \"sms\","
		"  \"lang\": \"sw\", \"ph\": \"+255712111222\", \"t0\": \"1796656464\", \"t1\": \"1796656500\","
		"  \"v\": \"3\", \"a:burn_place\": \"home\"}],"
		" \"inbox\": [{\"id\": \"abcdefghijkl\", \"at\": \"1796656464\", \"ph\": \"+255712111222\","
		"  \"text\": \"habari\", \"st\": \"open\", \"why\": \"unmatched\", \"nr\": \"1\","
		"  \"r:1:at\": \"1796656500\", \"r:1:text\": \"karibu\", \"r:1:st\": \"sent\"}],"
		" \"broadcasts\": [{\"id\": \"b1\", \"audience\": \"phones:+255712111222,#\"}],"
		" \"pointers\": {\"sms\": null, \"ussd\": null}, \"limit\": \"2\", \"replies\": []}",
		0, NULL);
	assert_non_null(parts);
	json_t *r = person_record(parts, "0a1b2c3d4e5f6071");
	char *text = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(
		text,
		"{\"broadcasts\":[{\"audience\":\"phones:+255712111222,#\",\"id\":\"b1\",\"state\":null}],"
		"\"contact\":\"0a1b2c3d4e5f6071\",\"country\":\"TZ\",\"fields\":{\"name\":\"Asha\"},"
		"\"first_heard\":\"2026-12-07T15:14:24Z\",\"groups\":[\"wachimbaji\",\"geita\"],"
		"\"inbox\":[{\"at\":\"2026-12-07T15:14:24Z\",\"channel\":\"\",\"contact\":\"0a1b2c3d4e5f6071\","
		"\"flow\":\"\",\"id\":\"abcdefghijkl\",\"language\":\"\",\"replies\":[{\"at\":"
		"\"2026-12-07T15:15:00Z\",\"status\":\"sent\",\"text\":\"karibu\"}],\"status\":\"open\","
		"\"text\":\"habari\",\"thread\":\"abcdefghijkl\",\"why\":\"unmatched\"}],"
		"\"language\":\"sw\",\"opted_out\":false,\"phone\":\"+255712111222\","
		"\"runs\":[{\"answers\":{\"burn_place\":\"home\"},\"broadcast\":null,\"channel\":\"sms\","
		"\"completed_at\":\"2026-12-07T15:15:00Z\",\"flow\":\"poll\",\"id\":\"00ff\","
		"\"language\":\"sw\",\"started_at\":\"2026-12-07T15:14:24Z\",\"status\":\"completed\","
		"\"updated_at\":null}],"
		"\"stored\":{\"broadcasts\":{},\"contact\":{\"_v\":\"1\"},\"inbox\":{\"abcdefghijkl\":"
		"{\"nr\":\"1\"}},\"limit\":\"2\",\"pointers\":{\"sms\":null,\"ussd\":null},"
		"\"replies\":[],\"runs\":{\"00ff\":{\"v\":\"3\"}}}}");
	free(text);
	json_decref(r);
	/* parts are left as they were */
	assert_string_equal(json_string_value(json_object_get(json_object_get(parts, "contact"),
							      "_lang")),
			    "sw");
	json_decref(parts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
