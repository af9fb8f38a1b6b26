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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marker_is_no_version),
		cmocka_unit_test(test_refusals_say_what_to_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
