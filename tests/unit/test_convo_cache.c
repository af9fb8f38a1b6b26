/* test_convo_cache.c -- the conversations a daemon keeps between turns, and
 * the contact changes applied to a kept copy as the commit applies them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "convo_cache.h"
#include "store.h"

/* A conversation whose run is named by id. */
static struct convo *convo_with_run(const char *id)
{
	struct convo *c = xcalloc(1, sizeof(*c));
	c->has_run = true;
	snprintf(c->run.id, sizeof(c->run.id), "%s", id);
	c->run.flow = xstrdup("roster");
	return c;
}

static void take_gives_what_was_put_once(void **state)
{
	(void)state;
	struct convo_cache *cache = convo_cache_new(8, 60);
	convo_cache_put(cache, "ussd", "+255700000001", convo_with_run("a"), 100);
	convo_cache_put(cache, "sms", "+255700000001", convo_with_run("b"), 100);
	assert_int_equal(convo_cache_size(cache), 2);

	struct convo *c = convo_cache_take(cache, "ussd", "+255700000001", 110);
	assert_non_null(c);
	assert_string_equal(c->run.id, "a");
	convo_release(c);
	assert_null(convo_cache_take(cache, "ussd", "+255700000001", 110));
	assert_null(convo_cache_take(cache, "ussd", "+255700000002", 110));
	assert_int_equal(convo_cache_size(cache), 1);
	convo_cache_free(cache);
}

static void put_replaces_and_drop_forgets(void **state)
{
	(void)state;
	struct convo_cache *cache = convo_cache_new(8, 60);
	convo_cache_put(cache, "ussd", "+255700000001", convo_with_run("old"), 100);
	convo_cache_put(cache, "ussd", "+255700000001", convo_with_run("new"), 101);
	assert_int_equal(convo_cache_size(cache), 1);
	struct convo *c = convo_cache_take(cache, "ussd", "+255700000001", 102);
	assert_string_equal(c->run.id, "new");
	convo_release(c);

	convo_cache_put(cache, "ussd", "+255700000003", convo_with_run("x"), 100);
	convo_cache_drop(cache, "ussd", "+255700000003");
	convo_cache_drop(cache, "ussd", "+255700000004"); /* never kept: nothing */
	assert_int_equal(convo_cache_size(cache), 0);
	assert_null(convo_cache_take(cache, "ussd", "+255700000003", 100));
	convo_cache_free(cache);
}

static void idle_entries_are_not_given(void **state)
{
	(void)state;
	struct convo_cache *cache = convo_cache_new(8, 60);
	convo_cache_put(cache, "ussd", "+255700000001", convo_with_run("a"), 100);
	assert_null(convo_cache_take(cache, "ussd", "+255700000001", 160));
	assert_int_equal(convo_cache_size(cache), 0);
	convo_cache_free(cache);
}

/* Full: the longest idle go first, and the newest always finds room. */
static void full_cache_drops_the_longest_idle(void **state)
{
	(void)state;
	struct convo_cache *cache = convo_cache_new(4, 64);
	char phone[32];
	for (int i = 0; i < 4; i++) {
		snprintf(phone, sizeof(phone), "+25570000001%d", i);
		convo_cache_put(cache, "ussd", phone, convo_with_run("a"), 100 + 10 * i);
	}
	assert_int_equal(convo_cache_size(cache), 4);
	convo_cache_put(cache, "ussd", "+255700000099", convo_with_run("z"), 135);
	assert_true(convo_cache_size(cache) <= 4);
	struct convo *c = convo_cache_take(cache, "ussd", "+255700000099", 135);
	assert_non_null(c);
	convo_release(c);
	assert_null(convo_cache_take(cache, "ussd", "+255700000010", 135)); /* idle 35 s */
	c = convo_cache_take(cache, "ussd", "+255700000013", 135);     /* idle 5 s */
	assert_non_null(c);
	convo_release(c);
	convo_cache_free(cache);
}

/* Full of entries kept in the same second: the oldest still goes, so a
 * burst of new sessions never finds the cache closed. */
static void full_of_recent_entries_drops_the_oldest(void **state)
{
	(void)state;
	struct convo_cache *cache = convo_cache_new(3, 180);
	char phone[32], id[17];
	for (int i = 0; i < 10; i++) {
		snprintf(phone, sizeof(phone), "+2557000000%02d", i);
		snprintf(id, sizeof(id), "r%d", i);
		convo_cache_put(cache, "ussd", phone, convo_with_run(id), 100);
		assert_true(convo_cache_size(cache) <= 3);
	}
	for (int i = 0; i < 10; i++) {
		snprintf(phone, sizeof(phone), "+2557000000%02d", i);
		struct convo *c = convo_cache_take(cache, "ussd", phone, 100);
		if (i < 7) {
			assert_null(c);
		} else {
			assert_non_null(c);
			convo_release(c);
		}
	}
	convo_cache_free(cache);
}

/* Idle entries go when another is kept, full or not. */
static void idle_entries_go_when_another_is_kept(void **state)
{
	(void)state;
	struct convo_cache *cache = convo_cache_new(100, 60);
	convo_cache_put(cache, "ussd", "+255700000001", convo_with_run("a"), 100);
	convo_cache_put(cache, "ussd", "+255700000002", convo_with_run("b"), 130);
	convo_cache_put(cache, "ussd", "+255700000003", convo_with_run("c"), 165);
	assert_int_equal(convo_cache_size(cache), 2); /* a, idle 65 s, went */
	convo_cache_free(cache);
}

/* Five hundred keys in 512 buckets: some share one, every one is found. */
static void many_keys_are_each_found(void **state)
{
	(void)state;
	struct convo_cache *cache = convo_cache_new(512, 600);
	char phone[32], id[17];
	for (int i = 0; i < 500; i++) {
		snprintf(phone, sizeof(phone), "+255700%06d", i);
		snprintf(id, sizeof(id), "r%d", i);
		convo_cache_put(cache, "ussd", phone, convo_with_run(id), 100);
	}
	assert_int_equal(convo_cache_size(cache), 500);
	for (int i = 499; i >= 0; i--) {
		snprintf(phone, sizeof(phone), "+255700%06d", i);
		snprintf(id, sizeof(id), "r%d", i);
		struct convo *c = convo_cache_take(cache, "ussd", phone, 101);
		assert_non_null(c);
		assert_string_equal(c->run.id, id);
		convo_release(c);
	}
	assert_int_equal(convo_cache_size(cache), 0);
	convo_cache_free(cache);
}

/* The commit sets, then deletes, and bumps _v once when it wrote anything. */
/* After a reconnection nothing kept is given again (db_set_on_ready). */
static void clear_forgets_everything(void **state)
{
	(void)state;
	struct convo_cache *cache = convo_cache_new(8, 60);
	convo_cache_put(cache, "ussd", "+255700000001", convo_with_run("a"), 100);
	convo_cache_put(cache, "ussd", "+255700000002", convo_with_run("b"), 100);
	convo_cache_clear(cache);
	assert_int_equal(convo_cache_size(cache), 0);
	assert_null(convo_cache_take(cache, "ussd", "+255700000001", 100));
	assert_null(convo_cache_take(cache, "ussd", "+255700000002", 100));
	convo_cache_put(cache, "ussd", "+255700000001", convo_with_run("c"), 101);
	struct convo *c = convo_cache_take(cache, "ussd", "+255700000001", 101);
	assert_non_null(c);
	assert_string_equal(c->run.id, "c");
	convo_release(c);
	convo_cache_free(cache);
}

static void contact_apply_mirrors_the_commit(void **state)
{
	(void)state;
	struct contact c = {0};
	c.version = 3;
	struct fields set = FIELDS_INIT;
	fields_set(&set, "_lang", "sw");
	fields_set(&set, "name", "Amina");
	fields_set(&set, "district", "Geita");
	fields_set(&set, "_since", "1795000000");
	contact_apply(&c, &set, NULL, 0);
	assert_int_equal(c.version, 4);
	assert_true(c.known);
	assert_string_equal(c.lang, "sw");
	assert_string_equal(fields_get(&c.fields, "name"), "Amina");
	assert_null(fields_get(&c.fields, "_since")); /* internal: not a field */

	const char *del[] = {"_lang", "name"};
	contact_apply(&c, NULL, del, 2);
	assert_int_equal(c.version, 5);
	assert_null(c.lang);
	assert_null(fields_get(&c.fields, "name"));
	assert_string_equal(fields_get(&c.fields, "district"), "Geita");
	assert_int_equal(c.fields.n, 1);

	contact_apply(&c, NULL, NULL, 0); /* nothing written: no new version */
	assert_int_equal(c.version, 5);
	fields_release(&set);
	contact_release(&c);
}

/* A kept conversation serves a turn only when loading would add nothing. */
static void covers_only_what_the_load_would_not_add(void **state)
{
	(void)state;
	struct convo *c = convo_with_run("a");
	c->run.ussd_session = xstrdup("s1");
	struct convo_query q = {.kind = "ussd", .phone = "+255700000001"};
	assert_true(convo_covers(c, &q)); /* no message id to look up */
	q.msg_id = "u:1";
	assert_false(convo_covers(c, &q)); /* its reply must be looked up */
	q.session = "s1";
	assert_true(convo_covers(c, &q)); /* a repeat in the session: the run tells */
	q.session = "s2";
	assert_false(convo_covers(c, &q)); /* a new session */
	q.session = "s1";
	q.limit = 10;
	assert_false(convo_covers(c, &q)); /* the message must be counted */
	q.limit = 0;
	char *flows[] = {"roster"};
	q.stats_flows = flows;
	q.nstats = 1;
	assert_false(convo_covers(c, &q)); /* counters are never kept */
	convo_release(c);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(take_gives_what_was_put_once),
		cmocka_unit_test(put_replaces_and_drop_forgets),
		cmocka_unit_test(idle_entries_are_not_given),
		cmocka_unit_test(full_cache_drops_the_longest_idle),
		cmocka_unit_test(full_of_recent_entries_drops_the_oldest),
		cmocka_unit_test(idle_entries_go_when_another_is_kept),
		cmocka_unit_test(many_keys_are_each_found),
		cmocka_unit_test(clear_forgets_everything),
		cmocka_unit_test(contact_apply_mirrors_the_commit),
		cmocka_unit_test(covers_only_what_the_load_would_not_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
