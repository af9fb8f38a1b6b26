/* test_broadcast.c -- quiet hours in the recipient's country
 * (broadcast_quiet_ms): what holds back broadcast messages and reminders
 * at night, and for how long. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "broadcast.h"
#include "config.h"

#define DEC3 1796256000LL /* 2026-12-03T00:00:00Z */
#define HOUR (3600LL * 1000)
#define MIN (60LL * 1000)

static long long quiet_ms(int start, int end, const char *phone, long long utc_ms)
{
	struct config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.quiet_hours.start = start;
	cfg.quiet_hours.end = end;
	return broadcast_quiet_ms(&cfg, phone, utc_ms);
}

/* 21:00 to 07:00 local: Tanzania is UTC+3, Ghana UTC+0. */
static void night_in_the_recipients_country(void **state)
{
	(void)state;
	const char *tz = "+255712345678", *gh = "+233241234567";
	long long t = DEC3 * 1000 + 18 * HOUR + 30 * MIN; /* 21:30 in Dar, 18:30 in Accra */
	assert_int_equal(quiet_ms(21, 7, tz, t), 9 * HOUR + 30 * MIN); /* until 07:00 EAT */
	assert_int_equal(quiet_ms(21, 7, gh, t), 0);
	t = DEC3 * 1000 + 2 * HOUR; /* 05:00 in Dar, 02:00 in Accra: past midnight */
	assert_int_equal(quiet_ms(21, 7, tz, t), 2 * HOUR);
	assert_int_equal(quiet_ms(21, 7, gh, t), 5 * HOUR);
	t = DEC3 * 1000 + 4 * HOUR; /* 07:00 in Dar: the end is not quiet */
	assert_int_equal(quiet_ms(21, 7, tz, t), 0);
	t = DEC3 * 1000 + 18 * HOUR; /* 21:00 in Dar: the start is */
	assert_int_equal(quiet_ms(21, 7, tz, t), 10 * HOUR);
}

/* A window within one day (13:00 to 14:00, a siesta) works the same. */
static void a_window_within_the_day(void **state)
{
	(void)state;
	long long t = DEC3 * 1000 + 10 * HOUR + 15 * MIN; /* 13:15 in Dar */
	assert_int_equal(quiet_ms(13, 14, "+255712345678", t), 45 * MIN);
	assert_int_equal(quiet_ms(13, 14, "+233241234567", t), 0);
}

/* Off: unset (-1), an empty window, or a number of no known country. */
static void off_when_unset_or_unknown(void **state)
{
	(void)state;
	long long t = DEC3 * 1000 + 20 * HOUR; /* 23:00 in Dar */
	assert_int_equal(quiet_ms(-1, -1, "+255712345678", t), 0);
	assert_int_equal(quiet_ms(21, 21, "+255712345678", t), 0);
	assert_int_equal(quiet_ms(21, 7, "not a number", t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(night_in_the_recipients_country),
		cmocka_unit_test(a_window_within_the_day),
		cmocka_unit_test(off_when_unset_or_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
