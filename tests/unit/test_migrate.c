/* test_migrate.c -- what the key layout check tells (migrate.h): a
 * migration that did not end well is refused like the old layout, naming
 * `sauti migrate-keys` (docs/operations.md "Upgrading the key layout").
 * The check itself is a Lua script: tests/integration/78-migrate-keys.t. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "keys.h"
#include "migrate.h"

static void test_marker_is_no_version(void **state)
{
	(void)state;
	assert_string_not_equal(MIGRATE_MARKER, KEYS_LAYOUT_VERSION);
	assert_int_not_equal(MIGRATE_INTERRUPTED, MIGRATE_CURRENT);
}

static void test_refusals_say_what_to_run(void **state)
{
	(void)state;
	assert_non_null(strstr(migrate_refusal(MIGRATE_OLD), "`sauti migrate-keys`"));
	const char *r = migrate_refusal(MIGRATE_INTERRUPTED);
	assert_non_null(strstr(r, "`sauti migrate-keys` again"));
	assert_non_null(strstr(r, "did not end well"));
	assert_string_not_equal(r, migrate_refusal(MIGRATE_OLD));
	assert_string_not_equal(r, migrate_refusal(MIGRATE_CURRENT));
	assert_null(strstr(migrate_refusal(MIGRATE_FAILED), "current"));
}

/* CLIENT LIST lines (Redis 7.0's fields, shortened): what keeps
 * migrate-keys from beginning. */
static void test_busy_clients(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		bool busy;
	} cases[] = {
		{"id=7 addr=127.0.0.1:5 name= age=9 idle=0 flags=N db=0 cmd=evalsha user=default", true},
		{"id=7 addr=127.0.0.1:5 name= age=9 idle=4 flags=N db=0 cmd=hgetall user=default", true},
		{"id=7 addr=127.0.0.1:5 name= age=9 idle=5 flags=N db=0 cmd=evalsha user=default", false},
		{"id=8 addr=127.0.0.1:6 name= age=0 idle=0 flags=N db=0 cmd=client|list user=default", false},
		{"id=9 addr=127.0.0.1:7 name= age=9 idle=0 flags=S db=0 cmd=replconf user=default", false},
		{"id=9 addr=127.0.0.1:7 name= age=9 idle=0 flags=O db=0 cmd=monitor user=default", false},
		{"id=3 addr=127.0.0.1:8 name=sentinel-1f2e-cmd age=9 idle=0 flags=N db=0 cmd=ping", false},
		/* a field is read from its own line only */
		{"id=7 addr=127.0.0.1:5 name= age=9 flags=N cmd=get\nid=8 idle=0", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(migrate_client_busy(cases[i].line), cases[i].busy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marker_is_no_version),
		cmocka_unit_test(test_refusals_say_what_to_run),
		cmocka_unit_test(test_busy_clients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
