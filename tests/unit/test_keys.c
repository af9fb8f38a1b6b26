/* test_keys.c -- the key layout: each name as keys.c builds it, every
 * family in the table once, and every family documented in docs/keys.md
 * (the unit tests run from the repository's root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "keys.h"

#define PHONE "+255700000001"

static void names_are_built_under_the_prefix(void **state)
{
	(void)state;
	struct db_args a = {0};
	for (int i = 0; i < 11; i++)
		db_args_add(&a, "");
	keys_contact(&a, 0, PHONE);
	keys_pointer(&a, 1, "ussd", PHONE);
	keys_limit(&a, 2, PHONE);
	keys_pointer(&a, 3, "sms", PHONE);
	keys_person_replies(&a, 4, PHONE);
	keys_run(&a, 5, "{" PHONE "}:0123456789abcdef");
	keys_reply(&a, 6, PHONE, "kannel-17");
	keys_contacts(&a, 7);
	keys_group(&a, 8, "wachimbaji");
	keys_flow_runs(&a, 9, "roster");
	keys_stats(&a, 10, "roster");
	static const char *const want[] = {
		"sauti:c:{" PHONE "}", "sauti:cur:ussd:{" PHONE "}", "sauti:lim:{" PHONE "}",
		"sauti:cur:sms:{" PHONE "}", "sauti:pm:{" PHONE "}", "sauti:r:{" PHONE "}:0123456789abcdef",
		"sauti:mo:{" PHONE "}:kannel-17", "sauti:contacts", "sauti:g:wachimbaji",
		"sauti:runs:roster", "sauti:stats:roster",
	};
	for (int i = 0; i < 11; i++) {
		const char *v = a.own[i] >= 0 ? a.text.data + a.own[i] : a.v[i];
		assert_string_equal(v, want[i]);
		assert_int_equal(a.len[i], strlen(want[i]));
	}
	assert_memory_equal(KEYS_RUN_PREFIX, "sauti:r:", 8);
	db_args_release(&a);
}

/* Argument i of a, as a string. */
static const char *arg_at(const struct db_args *a, int i)
{
	return a->own[i] >= 0 ? a->text.data + a->own[i] : a->v[i];
}

/* The inbox's, the lane's, the reminders', export's and the others' keys,
 * and the prefixes scripts build a found key from. */
static void inbox_lane_and_other_names(void **state)
{
	(void)state;
	struct db_args a = {0};
	for (int i = 0; i < 14; i++)
		db_args_add(&a, "");
	keys_inbox_item(&a, 0, "abcdefghijkl");
	keys_inbox_person(&a, 1, PHONE);
	keys_inbox_thread(&a, 2, PHONE);
	keys_inbox(&a, 3);
	keys_inbox_open(&a, 4);
	keys_inbox_closed(&a, 5);
	keys_lane(&a, 6);
	keys_lane_item(&a, 7, "00ff00ff00ff00ff");
	keys_remind(&a, 8);
	keys_remind_lease(&a, 9);
	keys_retention(&a, 10);
	keys_people_indexed(&a, 11);
	keys_audit(&a, 12);
	keys_session(&a, 13, "beef");
	static const char *const want[] = {
		"sauti:in:abcdefghijkl", "sauti:in:p:{" PHONE "}", "sauti:in:t:{" PHONE "}",
		"sauti:inbox", "sauti:inbox:open", "sauti:inbox:closed", "sauti:lane",
		"sauti:lane:00ff00ff00ff00ff", "sauti:remind", "sauti:remind:lease",
		"sauti:retention", "sauti:people:indexed", "sauti:audit", "sauti:sess:beef",
	};
	for (int i = 0; i < 14; i++)
		assert_string_equal(arg_at(&a, i), want[i]);
	db_args_release(&a);
	assert_string_equal(KEYS_CONTACT_PREFIX, "sauti:c:");
	assert_string_equal(KEYS_POINTER_PREFIX, "sauti:cur:");
	assert_string_equal(KEYS_PERSON_RUNS_PREFIX, "sauti:pr:");
	assert_string_equal(KEYS_INBOX_ITEM_PREFIX, "sauti:in:");
	assert_string_equal(KEYS_INBOX_PERSON_PREFIX, "sauti:in:p:");
	assert_string_equal(KEYS_INBOX_THREAD_PREFIX, "sauti:in:t:");
	assert_string_equal(KEYS_LANE_ITEM_PREFIX, "sauti:lane:");
	assert_string_equal(KEYS_REMIND, "sauti:remind");
	assert_string_equal(KEYS_LUA(KEYS_RUN_PREFIX, "id"), "('sauti:r:' .. id)");
	assert_string_equal(KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "ph"), "('sauti:c:{' .. ph .. '}')");
	assert_string_equal(KEYS_LUA_POINTER("kind", "p"), "('sauti:cur:' .. kind .. ':{' .. p .. '}')");
	assert_string_equal(KEYS_LUA_REPLY("p", "id"), "('sauti:mo:{' .. p .. '}:' .. id)");
}

/* The hash tag of a key: what Redis Cluster hashes (between the first '{'
 * and the next '}'), or NULL when the key has none. */
static char *hash_tag(const char *key)
{
	const char *open = strchr(key, '{');
	const char *close = open ? strchr(open + 1, '}') : NULL;
	if (!close || close == open + 1)
		return NULL;
	return strndup(open + 1, (size_t)(close - open - 1));
}

/* Every family of one person's carries the tag {PHONE} (docs/keys.md, On a
 * Redis Cluster); the others none. */
static void person_families_carry_the_tag(void **state)
{
	(void)state;
	size_t n;
	const struct keys_family *f = keys_layout(&n);
	for (size_t i = 0; i < n; i++) {
		char *tag = hash_tag(f[i].pattern);
		if (f[i].scope == KEYS_PERSON && (!tag || strcmp(tag, "PHONE") != 0))
			fail_msg("%s is a person's and has no {PHONE} tag", f[i].pattern);
		if (f[i].scope != KEYS_PERSON && tag)
			fail_msg("%s is not a person's and has a tag", f[i].pattern);
		free(tag);
	}
}

/* Two keys of one phone, as built, hash alike: the same tag. */
static void a_persons_keys_share_the_tag(void **state)
{
	(void)state;
	struct db_args a = {0};
	for (int i = 0; i < 10; i++)
		db_args_add(&a, "");
	keys_contact(&a, 0, PHONE);
	keys_pointer(&a, 1, "sms", PHONE);
	keys_pointer(&a, 2, "ussd", PHONE);
	keys_limit(&a, 3, PHONE);
	keys_contact(&a, 4, PHONE);
	keys_person_replies(&a, 5, PHONE);
	keys_run(&a, 6, "{" PHONE "}:00ff00ff00ff00ff");
	keys_reply(&a, 7, PHONE, "ussd-{x}-9");
	keys_inbox_person(&a, 8, PHONE);
	keys_inbox_thread(&a, 9, PHONE);
	for (int i = 0; i < 10; i++) {
		char *tag = hash_tag(arg_at(&a, i));
		assert_non_null(tag);
		assert_string_equal(tag, PHONE);
		free(tag);
	}
	db_args_release(&a);
}

static void every_family_once(void **state)
{
	(void)state;
	size_t n;
	const struct keys_family *f = keys_layout(&n);
	assert_true(n >= 11);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(f[i].pattern);
		assert_non_null(f[i].type);
		assert_non_null(f[i].what);
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(f[i].pattern, f[j].pattern);
	}
}

/* docs/keys.md names each family as `PATTERN` in its table. */
static void every_family_documented(void **state)
{
	(void)state;
	FILE *fp = fopen("docs/keys.md", "r");
	assert_non_null(fp);
	struct buf doc = BUF_INIT;
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&doc, chunk, got);
	fclose(fp);
	size_t n, missing = 0;
	const struct keys_family *f = keys_layout(&n);
	for (size_t i = 0; i < n; i++) {
		char want[128];
		snprintf(want, sizeof(want), "| `%s` |", f[i].pattern);
		if (!strstr(buf_str(&doc), want)) {
			print_message("docs/keys.md has no row for %s\n", f[i].pattern);
			missing++;
		}
	}
	buf_release(&doc);
	assert_int_equal(missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_built_under_the_prefix),
		cmocka_unit_test(inbox_lane_and_other_names),
		cmocka_unit_test(every_family_once),
		cmocka_unit_test(person_families_carry_the_tag),
		cmocka_unit_test(a_persons_keys_share_the_tag),
		cmocka_unit_test(every_family_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
