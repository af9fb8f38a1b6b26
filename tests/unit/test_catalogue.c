/* test_catalogue.c -- catalogue.c as data: the built-in texts, a
 * deployment's file on top of them, what a broken file is told, and the
 * words that always work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "catalogue.h"
#include "flow.h"
#include "text.h"

#define MESSAGES "tests/messages/"

/* Placeholder values as large as a deployment gives them. */
static const struct msg_args big_args = {
	.keywords = "UTAFITI, WILAYA, MKUTANO",
	.language = "Kiswahili",
	.min = "1000",
	.max = "10000",
};

/* Every built-in text of en, sw and fr: present, GSM-7 (but the name), one
 * SMS and one USSD screen with its placeholders filled. */
static void test_builtin_texts(void **state)
{
	(void)state;
	static const char *const langs[] = {"en", "sw", "fr"};
	struct catalogue *c = catalogue_builtin(NULL);
	struct buf b = BUF_INIT;
	for (size_t l = 0; l < 3; l++) {
		assert_true(catalogue_has(c, langs[l]));
		for (int m = 0; m < MSG_COUNT; m++) {
			buf_reset(&b);
			msg_render(c, (enum msg)m, langs[l], &big_args, &b);
			assert_true(b.len > 0);
			assert_null(strchr(buf_str(&b), '{'));
			struct sms_cost cost;
			sms_cost(buf_str(&b), b.len, &cost);
			if (m != MSG_NAME && cost.ucs2)
				fail_msg("%s %s is not GSM-7: %s", langs[l],
					 msg_key((enum msg)m), buf_str(&b));
			if (cost.segments != 1 || !ussd_fits(buf_str(&b), 182))
				fail_msg("%s %s is longer than one SMS: %s", langs[l],
					 msg_key((enum msg)m), buf_str(&b));
		}
	}
	/* Each language's own texts, not English copies. */
	assert_string_equal(msg_text(c, MSG_PAGE_MORE, "sw"), "Zaidi");
	assert_string_equal(msg_text(c, MSG_PAGE_BACK, "fr"), "Retour");
	assert_string_equal(msg_text(c, MSG_NAME, "fr"), "Français");
	buf_release(&b);
	catalogue_unref(c);
}

static void test_render(void **state)
{
	(void)state;
	struct catalogue *c = catalogue_builtin(NULL);
	struct buf b = BUF_INIT;
	struct msg_args a = {.min = "0", .max = "80"};
	msg_render(c, MSG_INVALID_NUMBER, "sw", &a, &b);
	assert_string_equal(buf_str(&b), "Tafadhali jibu kwa namba kati ya 0 na 80.");
	buf_reset(&b);
	msg_render(c, MSG_INVALID_CHOICE, "en", &(struct msg_args){.max = "12"}, &b);
	assert_string_equal(buf_str(&b), "Please reply with a number from 1 to 12.");
	buf_reset(&b);
	/* A value not given stays as written. */
	msg_render(c, MSG_LANGUAGE_SET, "fr", NULL, &b);
	assert_string_equal(buf_str(&b), "Votre langue est maintenant : .");
	buf_reset(&b);
	/* No keyword to offer: HELP at least answers. */
	msg_render(c, MSG_UNKNOWN, "sw", &(struct msg_args){.keywords = ""}, &b);
	assert_non_null(strstr(buf_str(&b), "Tuma HELP kuanza"));
	buf_release(&b);
	catalogue_unref(c);
}

/* A language with only a name in the built-in catalogue: listed by it,
 * spoken to in the fallback. */
static void test_fallback(void **state)
{
	(void)state;
	struct catalogue *c = catalogue_builtin("fr");
	assert_false(catalogue_has(c, "tw"));
	assert_string_equal(language_own_name(c, "tw"), "Twi");
	assert_string_equal(language_own_name(c, "ee"), "E\xCA\x8B" "egbe");
	assert_string_equal(language_own_name(c, "xx"), "xx");
	assert_string_equal(msg_text(c, MSG_PAGE_MORE, "tw"), "Suite");
	assert_string_equal(msg_text(c, MSG_PAGE_MORE, NULL), "Suite");
	/* A region falls back to its language first. */
	assert_string_equal(msg_text(c, MSG_PAGE_MORE, "sw-TZ"), "Zaidi");
	catalogue_unref(c);

	struct flow_diags d = {0};
	assert_null(catalogue_load(NULL, "tw", &d));
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.items[0].message, "fallback_language"));
	flow_diags_release(&d);
}

static void test_twi_file(void **state)
{
	(void)state;
	struct flow_diags d = {0};
	struct catalogue *c = catalogue_load(MESSAGES "tw.yaml", "en", &d);
	for (size_t i = 0; i < d.n; i++)
		fail_msg("unexpected: %s:%d:%d: %s", d.items[i].file, d.items[i].line,
			 d.items[i].column, d.items[i].message);
	assert_non_null(c);
	assert_true(catalogue_has(c, "tw"));
	assert_string_equal(msg_text(c, MSG_PAGE_BACK, "tw"), "San k\xC9\x94");
	struct buf b = BUF_INIT;
	msg_render(c, MSG_INVALID_CHOICE, "tw", &(struct msg_args){.max = "4"}, &b);
	assert_string_equal(buf_str(&b), "Y\xC9\x9Bsr\xC9\x9B wo, fa n\xC9\x94ma 1 kosi 4 bua.");
	buf_release(&b);
	/* Twi has no finer variants: its base texts stand in, never English. */
	buf_reset(&b);
	msg_render(c, MSG_INVALID_NUMBER_MIN, "tw", &(struct msg_args){.min = "10", .max = "..."}, &b);
	assert_string_equal(buf_str(&b), "Y\xC9\x9Bsr\xC9\x9B wo, fa n\xC9\x94ma a \xC9\x9B"
					 "firi 10 kosi ... bua.");
	assert_string_equal(msg_text(c, MSG_REPLIES_FREE, "tw"), "");
	assert_string_equal(msg_text(c, MSG_REPLIES_FREE, "sw"), "Kujibu ni bure.");
	assert_string_equal(msg_text(c, MSG_INVALID_TEXT_EMPTY, "sw"), "Tafadhali andika jibu lako.");
	buf_release(&b);
	/* The built-in languages are still there. */
	assert_string_equal(msg_text(c, MSG_PAGE_MORE, "sw"), "Zaidi");
	/* Twi's words work beside everybody else's. */
	assert_int_equal(word_lookup(c, "gyae", NULL), WORD_STOP);
	assert_int_equal(word_lookup(c, " San  ba. ", NULL), WORD_JOIN);
	assert_int_equal(word_lookup(c, "KASA", NULL), WORD_LANGUAGE);
	assert_int_equal(word_lookup(c, "STOP", NULL), WORD_STOP);
	assert_int_equal(word_lookup(c, "acha", NULL), WORD_STOP);
	assert_int_equal(word_lookup(c, "aide", NULL), WORD_HELP);
	assert_int_equal(word_lookup(c, "gyae wo", NULL), WORD_NONE);
	/* in any case, beyond ASCII too: MEMPƐ, mempɛ */
	assert_int_equal(word_lookup(c, "MEMP\xC6\x90", NULL), WORD_STOP);
	assert_int_equal(word_lookup(c, "memp\xC9\x9B", NULL), WORD_STOP);
	assert_int_equal(word_lookup(c, "ARR\xC3\x8A" "T", NULL), WORD_STOP);
	assert_int_equal(word_lookup(c, "arr\xC3\xAA" "t.", NULL), WORD_STOP);
	assert_int_equal(word_lookup(c, "Arret", NULL), WORD_STOP);
	/* A configured list replaces the built-in words, not the file's. */
	char *stop[] = {"basi"};
	struct word_lists cfg = {.lists = {[WORD_STOP] = stop}, .counts = {[WORD_STOP] = 1}};
	assert_int_equal(word_lookup(c, "BASI", &cfg), WORD_STOP);
	assert_int_equal(word_lookup(c, "STOP", &cfg), WORD_NONE);
	assert_int_equal(word_lookup(c, "GYAE", &cfg), WORD_STOP);
	assert_int_equal(word_lookup(c, "JOIN", &cfg), WORD_JOIN);
	catalogue_unref(c);
}

static void test_override(void **state)
{
	(void)state;
	struct flow_diags d = {0};
	struct catalogue *c = catalogue_load(MESSAGES "override.yaml", "en", &d);
	assert_non_null(c);
	assert_int_equal(d.n, 0);
	assert_string_equal(msg_text(c, MSG_UNKNOWN, "en"),
			    "Sorry, we did not get that. Send {keywords} to begin.");
	assert_string_equal(msg_text(c, MSG_PAGE_MORE, "en"), "More");
	/* The file's invalid_number wins over the built-in finer variants. */
	assert_string_equal(msg_text(c, MSG_INVALID_NUMBER_MIN, "en"),
			    "Send a number, {min} or more, up to {max}.");
	assert_string_equal(msg_text(c, MSG_INVALID_CHOICE_ONE, "en"),
			    "Please reply with the number 1.");
	/* Ewe: its own texts where given, its built-in name, English else. */
	assert_true(catalogue_has(c, "ee"));
	assert_string_equal(msg_text(c, MSG_LANGUAGE_ASK, "ee"), "Tia w\xC3\xB2 gbe:");
	assert_string_equal(msg_text(c, MSG_PAGE_MORE, "ee"), "More");
	assert_string_equal(language_own_name(c, "ee"), "E\xCA\x8B" "egbe");
	assert_int_equal(word_lookup(c, "etso", NULL), WORD_STOP);
	catalogue_unref(c);
}

/* A word that begins with a digit would be read before the number of a
 * choice: the file is refused, and no reply that begins with one is looked
 * up as a word. */
static void test_digit_word(void **state)
{
	(void)state;
	char path[] = "/tmp/test_catalogue_XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	static const char yaml[] = "tw:\n  words:\n    stop: [GYAE, 9stop]\n";
	assert_int_equal(write(fd, yaml, sizeof(yaml) - 1), (ssize_t)(sizeof(yaml) - 1));
	close(fd);
	struct flow_diags d = {0};
	assert_null(catalogue_load(path, "en", &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].line, 3);
	assert_int_equal(d.items[0].column, 18);
	assert_non_null(strstr(d.items[0].message, "the tw words.stop '9stop' begins with a digit"));
	flow_diags_release(&d);
	unlink(path);
	assert_int_equal(word_lookup(NULL, " 1.", NULL), WORD_NONE);
	assert_int_equal(word_lookup(NULL, "Acha", NULL), WORD_STOP);
}

/* file:line:column: sentence for each problem; nothing loads. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		int line, column;
		bool warning;
		const char *says;
	} want[] = {
		{3, 19, false, "unknown placeholder '{keyword}' in the tw unknown (it may use {keywords})"},
		{4, 3, false, "unknown key 'helpp'"},
		{5, 23, false, "unknown key 'leave'"},
		{6, 1, false, "'Twi' is not a language code"},
		{9, 3, false, "unknown key 'replies_free'"},
		{10, 15, true, "the fr more needs UCS-2 because of '\xE2\x80\xA6'; write '...' instead"},
		{11, 8, false, "the fr back must be a text, not empty"},
	};
	struct flow_diags d = {0};
	assert_null(catalogue_load(MESSAGES "bad.yaml", "en", &d));
	for (size_t i = 0; i < d.n; i++)
		printf("# %s:%d:%d: %s\n", d.items[i].file, d.items[i].line, d.items[i].column,
		       d.items[i].message);
	assert_int_equal(d.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < d.n; i++) {
		assert_string_equal(d.items[i].file, MESSAGES "bad.yaml");
		assert_int_equal(d.items[i].line, want[i].line);
		assert_int_equal(d.items[i].column, want[i].column);
		assert_int_equal(d.items[i].warning, want[i].warning);
		if (!strstr(d.items[i].message, want[i].says))
			fail_msg("'%s' does not say '%s'", d.items[i].message, want[i].says);
	}
	flow_diags_release(&d);

	/* A syntax error and a file that is not there, with their place. */
	FILE *f = fopen("build/test-catalogue-syntax.yaml", "w");
	assert_non_null(f);
	fputs("tw:\n  name: \"Twi\n", f);
	fclose(f);
	assert_null(catalogue_load("build/test-catalogue-syntax.yaml", "en", &d));
	assert_int_equal(d.n, 1);
	assert_true(d.items[0].line > 0);
	assert_non_null(strstr(d.items[0].message, "syntax error"));
	flow_diags_release(&d);
	assert_null(catalogue_load(MESSAGES "none.yaml", "en", &d));
	assert_non_null(strstr(d.items[0].message, "cannot open"));
	flow_diags_release(&d);
}

static void test_countries(void **state)
{
	(void)state;
	assert_string_equal(catalogue_country_lang("TZ"), "sw");
	assert_string_equal(catalogue_country_lang("GH"), "en");
	assert_string_equal(catalogue_country_lang("BF"), "fr");
	assert_string_equal(catalogue_country_lang("ZZ"), "en");
	assert_true(catalogue_country_rank("GH", "tw") < catalogue_country_rank("GH", "sw"));
	assert_true(catalogue_country_rank("TZ", "sw") < catalogue_country_rank("TZ", "en"));
	assert_int_equal(catalogue_country_rank("TZ", "sw"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_texts),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_twi_file),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_digit_word),
		cmocka_unit_test(test_countries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
