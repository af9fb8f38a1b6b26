/* test_audit.c -- the audit trail's pure part: an entry's JSON line (no
 * number gets into `what`: test_phone.c, phone_scrub; a broadcast's count is
 * its audience's size, broadcast.h: 71-api-roles.t). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "buf.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
