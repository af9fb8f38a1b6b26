/* test_audit.c -- the audit trail's pure parts: no number gets into `what`,
 * an entry's JSON line, a broadcast's count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "buf.h"

static void test_scrub(void **state)
{
	(void)state;
	static const struct { const char *in, *out; } cases[] = {
		{"poll to phones:+255700000101,+255700000102", "poll to phones:#,#"},
		{"phones:255700000101", "phones:#"},
		{"phones:0700000101", "phones:#"},
		{"call +255 700 000 101 now", "call # now"},
		{"livelihoods", "livelihoods"},
		{"survey2025 to group:kikundi_12", "survey2025 to group:kikundi_12"},
		{"since 2026-11-22", "since 2026-11-22"},
		{"123456 is six", "123456 is six"},
		{"1234567", "#"},
		{"+", "+"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[128];
		audit_scrub(cases[i].in, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
	char tiny[4];
	audit_scrub("abcdef", tiny, sizeof(tiny));
	assert_string_equal(tiny, "abc");
}

static void test_entry_json(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	/* 2026-11-22T09:14:03Z */
	struct audit_entry e = {1795338843L, "mtl", AUDIT_EXPORT, "livelihoods", 118};
	audit_entry_json(&e, &out);
	assert_string_equal(buf_str(&out), "{\"at\":\"2026-11-22T09:14:03Z\",\"who\":\"mtl\","
					   "\"action\":\"export\",\"what\":\"livelihoods\","
					   "\"count\":118}\n");
	buf_release(&out);
}

static void test_audience_size(void **state)
{
	(void)state;
	assert_int_equal(audit_audience_size("phones:+255700000101"), 1);
	assert_int_equal(audit_audience_size("phones:+255700000101,+233200000102"), 2);
	assert_int_equal(audit_audience_size("group:wachimbaji"), 0);
	assert_int_equal(audit_audience_size("all"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_entry_json),
		cmocka_unit_test(test_audience_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
