/* test_broadcast.c -- quiet hours in the recipient's country
 * (broadcast_quiet_ms): what holds back broadcast messages and reminders
 * at night, and for how long; and the broadcasts' scripts' protocol as
 * data: each key and argument at the position its name says, in C and in
 * the Lua locals the script declares (script.h), every key from keys.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "config.h"
#include "db.h"
#include "script_check.h"

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

/* -- the scripts' keys and arguments ------------------------------------------------ */

#define PHONE "+255712345601"
#define PHONE2 "+255712345602"
#define BC "0123456789ab"



/* Every local script's command a declares for KEYS and ARGV sits where
 * broadcast_script_position puts the argument of that name (extra keys
 * after the named ones), and every key is under the prefix. */
static void locals_match_positions(const struct db_args *a, const char *script, int extra)
{
	char names[64][32];
	assert_string_equal(arg(a, 0), "EVAL");
	int nkeys = atoi(arg(a, 2));
	int n = lua_locals(arg(a, 1), "KEYS", names, 64);
	assert_true(n > 2 && n + extra == nkeys);
	for (int i = 0; i < n; i++)
		assert_int_equal(broadcast_script_position(script, names[i], extra), 3 + i);
	int m = lua_locals(arg(a, 1), "ARGV", names, 64);
	assert_true(m > 0);
	for (int i = 0; i < m; i++)
		assert_int_equal(broadcast_script_position(script, names[i], extra), 3 + nkeys + i);
	for (int i = 0; i < nkeys; i++)
		assert_memory_equal(arg(a, 3 + i), "sauti:", 6);
	assert_int_equal(broadcast_script_position(script, "no_such_name", extra), -1);
}

#define AT(a, script, name, extra) arg(a, broadcast_script_position(script, name, extra))

static void page_reads_the_audience_it_is_given(void **state)
{
	(void)state;
	struct db_args a = {0};
	broadcast_page_command(&a, "answer:mkutano.rsvp=ndiyo", "feedc0ffee01", BC, "50", "invite", 1000);
	locals_match_positions(&a, "page", 0);
	assert_string_equal(AT(&a, "page", "k_source", 0), "sauti:runs:mkutano");
	assert_string_equal(AT(&a, "page", "k_seen", 0), "sauti:plan:feedc0ffee01");
	assert_string_equal(AT(&a, "page", "k_plans", 0), "sauti:plans");
	assert_string_equal(AT(&a, "page", "k_bc", 0), "sauti:bc:" BC);
	assert_string_equal(AT(&a, "page", "k_due", 0), "sauti:bc:due");
	assert_string_equal(AT(&a, "page", "mode", 0), "answer");
	assert_string_equal(AT(&a, "page", "field", 0), "rsvp");
	assert_string_equal(AT(&a, "page", "value", 0), "ndiyo");
	assert_string_equal(AT(&a, "page", "cursor", 0), "50");
	assert_string_equal(AT(&a, "page", "count", 0), "50");
	assert_string_equal(AT(&a, "page", "flow", 0), "invite");
	assert_string_equal(AT(&a, "page", "bc", 0), BC);
	assert_string_equal(AT(&a, "page", "now", 0), "1000");
	db_args_release(&a);

	/* a group; a dry run has no broadcast */
	broadcast_page_command(&a, "group:wachimbaji", "feedc0ffee02", NULL, "0", "invite", 1000);
	assert_string_equal(AT(&a, "page", "k_source", 0), "sauti:g:wachimbaji");
	assert_string_equal(AT(&a, "page", "bc", 0), "");
	assert_string_equal(AT(&a, "page", "mode", 0), "set");
	db_args_release(&a);

	broadcast_page_command(&a, "phones:" PHONE "," PHONE2, "feedc0ffee03", BC, "0", "invite", 1);
	assert_string_equal(AT(&a, "page", "mode", 0), "phones");
	assert_string_equal(AT(&a, "page", "phones", 0), PHONE "," PHONE2);
	db_args_release(&a);
}

/* A page's recipients: their contact keys after the named keys, their
 * seven arguments each after the named arguments, in the same order. */
static void enqueue_gives_each_recipients_contact(void **state)
{
	(void)state;
	struct db_args a = {0};
	int first = broadcast_enqueue_command(&a, BC, "invite", 2);
	broadcast_enqueue_add(&a, first, 0, PHONE, false, true, "Habari!", "sw", "rsvp", false);
	broadcast_enqueue_add(&a, first, 1, PHONE2, true, false, "", "en", "", true);
	locals_match_positions(&a, "enqueue", 2);
	assert_string_equal(AT(&a, "enqueue", "k_bc", 2), "sauti:bc:" BC);
	assert_string_equal(AT(&a, "enqueue", "k_recipients", 2), "sauti:bc:" BC ":r");
	assert_string_equal(AT(&a, "enqueue", "k_totals", 2), "sauti:bc:totals");
	assert_string_equal(AT(&a, "enqueue", "k_outbox", 2), "sauti:outbox");
	assert_string_equal(AT(&a, "enqueue", "bc", 2), BC);
	assert_string_equal(AT(&a, "enqueue", "flow", 2), "invite");
	assert_int_equal(first, broadcast_script_position("enqueue", "k_outbox", 2) + 1);
	assert_string_equal(arg(&a, first), "sauti:c:{" PHONE "}");
	assert_string_equal(arg(&a, first + 1), "sauti:c:{" PHONE2 "}");
	int v = broadcast_script_position("enqueue", "flow", 2) + 1;
	assert_int_equal(a.n, v + 2 * 7);
	static const char *const want[] = {PHONE,  "0", "1", "Habari!", "sw", "rsvp", "0",
					   PHONE2, "1", "0", "",        "en", "",     "1"};
	for (int i = 0; i < 14; i++)
		assert_string_equal(arg(&a, v + i), want[i]);
	db_args_release(&a);
}

static void create_writes_the_broadcast_and_both_indexes(void **state)
{
	(void)state;
	struct db_args a = {0};
	broadcast_create_command(&a, BC, "invite", "group:wachimbaji", 2000, 1000, 40);
	locals_match_positions(&a, "create", 0);
	assert_string_equal(AT(&a, "create", "k_bc", 0), "sauti:bc:" BC);
	assert_string_equal(AT(&a, "create", "k_due", 0), "sauti:bc:due");
	assert_string_equal(AT(&a, "create", "k_all", 0), "sauti:bcs");
	assert_string_equal(AT(&a, "create", "id", 0), BC);
	assert_string_equal(AT(&a, "create", "to", 0), "group:wachimbaji");
	assert_string_equal(AT(&a, "create", "at", 0), "2000");
	assert_string_equal(AT(&a, "create", "created", 0), "1000");
	assert_string_equal(AT(&a, "create", "size", 0), "40");
	db_args_release(&a);
}

/* The hand-off to Kannel: the person's keys (contact, pointers, runs), the
 * run it creates, the broadcast's, the rate's. */
static void begin_gives_the_persons_and_the_runs_keys(void **state)
{
	(void)state;
	struct db_args a = {0};
	broadcast_begin_command(&a, BC, PHONE, 20, "invite", "{" PHONE "}:fedcba9876543210", 1000);
	locals_match_positions(&a, "begin", 0);
	assert_string_equal(AT(&a, "begin", "k_bc", 0), "sauti:bc:" BC);
	assert_string_equal(AT(&a, "begin", "k_recipients", 0), "sauti:bc:" BC ":r");
	assert_string_equal(AT(&a, "begin", "k_totals", 0), "sauti:bc:totals");
	assert_string_equal(AT(&a, "begin", "k_contact", 0), "sauti:c:{" PHONE "}");
	assert_string_equal(AT(&a, "begin", "k_sms", 0), "sauti:cur:sms:{" PHONE "}");
	assert_string_equal(AT(&a, "begin", "k_ussd", 0), "sauti:cur:ussd:{" PHONE "}");
	assert_string_equal(AT(&a, "begin", "k_run", 0), "sauti:r:{" PHONE "}:fedcba9876543210");
	assert_string_equal(AT(&a, "begin", "k_flow_runs", 0), "sauti:runs:invite");
	assert_string_equal(AT(&a, "begin", "k_rate_log", 0), "sauti:rate:log");
	assert_string_equal(AT(&a, "begin", "bc", 0), BC);
	assert_string_equal(AT(&a, "begin", "phone", 0), PHONE);
	assert_string_equal(AT(&a, "begin", "rate", 0), "20");
	assert_string_equal(AT(&a, "begin", "flow", 0), "invite");
	assert_string_equal(AT(&a, "begin", "run_id", 0), "{" PHONE "}:fedcba9876543210");
	assert_string_equal(AT(&a, "begin", "now", 0), "1000");
	/* the run's fields follow the named arguments */
	assert_int_equal(a.n, broadcast_script_position("begin", "now", 0) + 1);
	db_args_release(&a);
}

static void done_settles_with_the_entry_fields_last(void **state)
{
	(void)state;
	struct db_args a = {0};
	const char *fields[] = {"fl", "invite", "txt", "Habari!"};
	broadcast_done_command(&a, "1-0", BC, PHONE, "3", 2, 123456789012LL, fields, 4);
	locals_match_positions(&a, "done", 0);
	assert_string_equal(AT(&a, "done", "k_outbox", 0), "sauti:outbox");
	assert_string_equal(AT(&a, "done", "k_bc", 0), "sauti:bc:" BC);
	assert_string_equal(AT(&a, "done", "k_recipients", 0), "sauti:bc:" BC ":r");
	assert_string_equal(AT(&a, "done", "k_totals", 0), "sauti:bc:totals");
	assert_string_equal(AT(&a, "done", "k_retry", 0), "sauti:outbox:retry");
	assert_string_equal(AT(&a, "done", "k_sms", 0), "sauti:cur:sms:{" PHONE "}");
	assert_string_equal(AT(&a, "done", "k_remind", 0), "sauti:remind");
	assert_string_equal(AT(&a, "done", "entry", 0), "1-0");
	assert_string_equal(AT(&a, "done", "outcome", 0), "3");
	assert_string_equal(AT(&a, "done", "attempt", 0), "2");
	assert_string_equal(AT(&a, "done", "retry_at", 0), "123456789012");
	assert_string_equal(AT(&a, "done", "max_attempts", 0), "10");
	int v = broadcast_script_position("done", "max_attempts", 0) + 1;
	assert_int_equal(a.n, v + 4);
	assert_string_equal(arg(&a, v), "fl");
	assert_string_equal(arg(&a, v + 3), "Habari!");
	db_args_release(&a);
}

static void dlr_moves_the_recipient_of_its_broadcast(void **state)
{
	(void)state;
	struct db_args a = {0};
	broadcast_dlr_command(&a, BC, PHONE, "1");
	locals_match_positions(&a, "dlr", 0);
	assert_string_equal(AT(&a, "dlr", "k_bc", 0), "sauti:bc:" BC);
	assert_string_equal(AT(&a, "dlr", "k_recipients", 0), "sauti:bc:" BC ":r");
	assert_string_equal(AT(&a, "dlr", "k_totals", 0), "sauti:bc:totals");
	assert_string_equal(AT(&a, "dlr", "phone", 0), PHONE);
	assert_string_equal(AT(&a, "dlr", "status", 0), "1");
	assert_int_equal(broadcast_script_position("no such script", "k_bc", 0), -1);
	db_args_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(night_in_the_recipients_country),
		cmocka_unit_test(a_window_within_the_day),
		cmocka_unit_test(off_when_unset_or_unknown),
		cmocka_unit_test(page_reads_the_audience_it_is_given),
		cmocka_unit_test(enqueue_gives_each_recipients_contact),
		cmocka_unit_test(create_writes_the_broadcast_and_both_indexes),
		cmocka_unit_test(begin_gives_the_persons_and_the_runs_keys),
		cmocka_unit_test(done_settles_with_the_entry_fields_last),
		cmocka_unit_test(dlr_moves_the_recipient_of_its_broadcast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
