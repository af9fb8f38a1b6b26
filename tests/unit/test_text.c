/* test_text.c -- text.c as tables: a text in, what a phone and a person make
 * of it out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

/* ---- sms_cost ------------------------------------------------------------ */

static char *repeat(const char *unit, size_t n)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_puts(&b, unit);
	return buf_detach(&b);
}

/* A text is head x nhead, then mid, then tail x ntail. */
struct cost_case {
	const char *head;
	size_t nhead;
	const char *mid;
	const char *tail;
	size_t ntail;
	bool ucs2;
	size_t units, segments;
	size_t first_ucs2, first_ucs2_len;
};

#define EMOJI "\xF0\x9F\x98\x80"     /* U+1F600: a surrogate pair */
#define EWE_V "\xCA\x8B"               /* U+028B, as in "Eʋegbe" */

static const struct cost_case cost_cases[] = {
	{"", 0, "", "", 0, false, 0, 1, 0, 0},
	{"a", 1, "", "", 0, false, 1, 1, 0, 0},
	{"a", 160, "", "", 0, false, 160, 1, 0, 0},
	{"a", 161, "", "", 0, false, 161, 2, 0, 0},
	{"a", 306, "", "", 0, false, 306, 2, 0, 0},
	{"a", 307, "", "", 0, false, 307, 3, 0, 0},
	/* every character of the default alphabet outside plain ASCII
	 * letters and digits: one septet each */
	{"", 0, "@\xC2\xA3$\xC2\xA5\xC3\xA8\xC3\xA9\xC3\xB9\xC3\xAC"
	 "\xC3\xB2\xC3\x87\n\xC3\x98\xC3\xB8\r\xC3\x85\xC3\xA5"
	 "\xCE\x94_\xCE\xA6\xCE\x93\xCE\x9B\xCE\xA9\xCE\xA0\xCE\xA8"
	 "\xCE\xA3\xCE\x98\xCE\x9E\xC3\x86\xC3\xA6\xC3\x9F\xC3\x89"
	 " !\"#\xC2\xA4%&'()*+,-./:;<=>?\xC2\xA1\xC3\x84\xC3\x96\xC3\x91"
	 "\xC3\x9C\xC2\xA7\xC2\xBF\xC3\xA4\xC3\xB6\xC3\xB1\xC3\xBC"
	 "\xC3\xA0", "", 0, false, 65, 1, 0, 0},
	/* the extension table: ESC + septet, two each */
	{"", 0, "^{}\\[~]|\xE2\x82\xAC\f", "", 0, false, 20, 1, 0, 0},
	{"a", 158, "{", "", 0, false, 160, 1, 0, 0},
	{"a", 159, "{", "", 0, false, 161, 2, 0, 0},
	/* 152 + "{" + 152 is 306 septets, yet three parts: the escape
	 * does not fit the one septet left in part one, and is not split */
	{"a", 152, "{", "b", 152, false, 306, 3, 0, 0},
	{"a", 151, "{", "b", 153, false, 306, 2, 0, 0},
	/* not GSM-7: UCS-2, counted in UTF-16 units; first offender */
	{"a", 3, "\xC3\xA7", "", 0, true, 4, 1, 3, 2},   /* c cedilla */
	{"a", 2, "`", "x", 1, true, 4, 1, 2, 1},          /* backtick */
	{"a", 1, "\t", "", 0, true, 2, 1, 1, 1},          /* tab */
	{"a", 1, "\x7F", "", 0, true, 2, 1, 1, 1},        /* DEL */
	{EWE_V, 70, "", "", 0, true, 70, 1, 0, 2},
	{EWE_V, 71, "", "", 0, true, 71, 2, 0, 2},
	{EWE_V, 134, "", "", 0, true, 134, 2, 0, 2},
	{EWE_V, 135, "", "", 0, true, 135, 3, 0, 2},
	{EMOJI, 1, "", "", 0, true, 2, 1, 0, 4},
	{EMOJI, 35, "", "", 0, true, 70, 1, 0, 4},
	{EMOJI, 36, "", "", 0, true, 72, 2, 0, 4},
	/* 66 + pair + 66 is 134 units, yet three parts: the pair is not
	 * split between parts one and two */
	{"b", 66, EMOJI, "c", 66, true, 134, 3, 66, 4},
	{"b", 65, EMOJI, "c", 67, true, 134, 2, 65, 4},
	/* in a UCS-2 text the euro is one unit like any other */
	{"\xE2\x82\xAC", 2, "\xC3\xA7", "", 0, true, 3, 1, 6, 2},
	/* invalid UTF-8 counts as UCS-2, a unit per bad byte */
	{"ab", 1, "\xFF", "", 0, true, 3, 1, 2, 1},
	{"ab", 1, "\xC0\x80", "", 0, true, 4, 1, 2, 1},
	{"ab", 1, "\xE2\x82", "", 0, true, 4, 1, 2, 1},
	{"ab", 1, "\xED\xA0\x80", "", 0, true, 5, 1, 2, 1},
};

static void test_sms_cost(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cost_cases) / sizeof(cost_cases[0]);
	     i++) {
		const struct cost_case *c = &cost_cases[i];
		char *head = repeat(c->head, c->nhead);
		char *tail = repeat(c->tail, c->ntail);
		struct buf t = BUF_INIT;
		struct sms_cost cost;

		buf_printf(&t, "%s%s%s", head, c->mid, tail);
		sms_cost(buf_str(&t), t.len, &cost);
		if (cost.ucs2 != c->ucs2 || cost.units != c->units ||
		    cost.segments != c->segments ||
		    cost.first_ucs2 != c->first_ucs2 ||
		    cost.first_ucs2_len != c->first_ucs2_len)
			fail_msg("case %zu: got ucs2=%d units=%zu segments=%zu "
				 "first=%zu/%zu", i, cost.ucs2, cost.units,
				 cost.segments, cost.first_ucs2,
				 cost.first_ucs2_len);
		free(head);
		free(tail);
		buf_release(&t);
	}
}

static void test_sms_cost_len(void **state)
{
	struct sms_cost cost;
	(void)state;
	/* only len bytes count, NUL or not */
	sms_cost("abc\xC3\xA7", 3, &cost);
	assert_false(cost.ucs2);
	assert_int_equal(cost.units, 3);
	sms_cost(NULL, 0, &cost);
	assert_int_equal(cost.units, 0);
}

/* ---- USSD ---------------------------------------------------------------- */

static void test_ussd(void **state)
{
	bool ucs2 = true;
	char *s;
	(void)state;

	assert_int_equal(ussd_budget(182, false), 182);
	assert_int_equal(ussd_budget(182, true), 79);
	assert_int_equal(ussd_budget(160, true), 70);
	assert_int_equal(ussd_budget(0, true), 0);

	assert_int_equal(ussd_length("Chagua:\n1. Dhahabu", &ucs2), 18);
	assert_false(ucs2);
	assert_int_equal(ussd_length("[x]", &ucs2), 5);
	assert_false(ucs2);
	assert_int_equal(ussd_length("E\xCA\x8B" "egbe", &ucs2), 6);
	assert_true(ucs2);
	assert_int_equal(ussd_length("", NULL), 0);
	/* ASCII after other text, and ASCII that GSM 03.38 lacks. */
	assert_int_equal(ussd_length("\xC3\xA9" "ab{", &ucs2), 5);
	assert_false(ucs2);
	assert_int_equal(ussd_length("a`b", &ucs2), 3);
	assert_true(ucs2);
	assert_int_equal(ussd_length("\xCA\x8B" "a{b", &ucs2), 4);
	assert_true(ucs2);

	s = repeat("a", 182);
	assert_true(ussd_fits(s, 182));
	free(s);
	s = repeat("a", 183);
	assert_false(ussd_fits(s, 182));
	free(s);
	s = repeat("{", 91);
	assert_true(ussd_fits(s, 182));
	free(s);
	s = repeat("{", 92);
	assert_false(ussd_fits(s, 182));
	free(s);
	s = repeat("\xC3\xA7", 79);
	assert_true(ussd_fits(s, 182));
	free(s);
	s = repeat("\xC3\xA7", 80);
	assert_false(ussd_fits(s, 182));
	free(s);
}

/* ---- utf8_valid ---------------------------------------------------------- */

struct utf8_case {
	const char *s;
	size_t len;
	bool valid;
};

#define U(lit, v) {lit, sizeof(lit) - 1, v}

static const struct utf8_case utf8_cases[] = {
	U("", true),
	U("Habari", true),
	U("\xC3\xA7", true),
	U("\xE2\x82\xAC", true),
	U("\xF0\x9F\x98\x80", true),
	U("\xF4\x8F\xBF\xBF", true),            /* U+10FFFF */
	U("\xEF\xBF\xBF", true),                /* U+FFFF */
	U("a\0b", true),
	U("\x80", false),                       /* stray continuation */
	U("\xC3", false),                       /* truncated */
	U("\xE2\x82", false),
	U("\xF0\x9F\x98", false),
	U("\xC0\x80", false),                   /* overlong NUL */
	U("\xC1\xBF", false),                   /* overlong */
	U("\xE0\x80\xAF", false),               /* overlong '/' */
	U("\xE0\x9F\xBF", false),               /* overlong U+07FF */
	U("\xF0\x8F\xBF\xBF", false),           /* overlong U+FFFF */
	U("\xED\xA0\x80", false),               /* surrogate U+D800 */
	U("\xED\xBF\xBF", false),               /* surrogate U+DFFF */
	U("\xF4\x90\x80\x80", false),           /* U+110000 */
	U("\xF5\x80\x80\x80", false),
	U("\xF8\x88\x80\x80\x80", false),       /* 5 bytes */
	U("\xFE", false),
	U("\xC3\x28", false),                   /* bad continuation */
	U("ok\xE2\x82\xACok\xC3", false),
};

static void test_utf8_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]);
	     i++)
		if (utf8_valid(utf8_cases[i].s, utf8_cases[i].len) !=
		    utf8_cases[i].valid)
			fail_msg("case %zu: expected %s", i,
				 utf8_cases[i].valid ? "valid" : "invalid");
	assert_true(utf8_valid(NULL, 0));
}

/* ---- reply_fold ---------------------------------------------------------- */

static const char *const fold_cases[][2] = {
	{"1", "1"},
	{" 1.", "1"},
	{"1)", "1"},
	{"NDIYO", "ndiyo"},
	{"  Ndiyo  ", "ndiyo"},
	{"\tndiyo\r\n", "ndiyo"},
	{"Ndiyo. ", "ndiyo"},
	{"ndiyo.,) . ", "ndiyo"},
	{"...", ""},
	{"", ""},
	{"   ", ""},
	{"\xC2\xA0" "Yes\xC2\xA0", "yes"},                /* no-break space */
	{"\xE2\x80\xAF" "yes" "\xE3\x80\x80", "yes"},     /* narrow, ideographic */
	{"\xEF\xBB\xBFyes", "yes"},                       /* BOM */
	{"Sina   kazi\t\tkabisa", "sina kazi kabisa"},
	{"a \xC2\xA0 b", "a b"},
	{"1.5", "1.5"},
	{"(1)", "(1"},
	/* case in all of Unicode, each code point to its simple lowercase
	 * (docs/flows.md: a choice's label in any case) */
	{"D\xC3\x89" "J\xC3\x80", "d\xC3\xA9" "j\xC3\xA0"},   /* DÉJÀ */
	{"\xC3\xA9" "leveur", "\xC3\xA9" "leveur"},             /* éleveur */
	{"\xC3\x89" "LEVEUR", "\xC3\xA9" "leveur"},             /* ÉLEVEUR */
	{"\xC3\x89" "leveur.", "\xC3\xA9" "leveur"},            /* Éleveur. */
	{" \xC3\x89" "cole  PRIMAIRE ", "\xC3\xA9" "cole primaire"},
	{"FRAN\xC3\x87" "AIS", "fran\xC3\xA7" "ais"},           /* FRANÇAIS */
	{"ARR\xC3\x8A" "T", "arr\xC3\xAA" "t"},                 /* ARRÊT */
	{"\xC6\x90", "\xC9\x9B"},                               /* Ɛ: ɛ */
	{"\xC6\x86" "d\xC6\x90", "\xC9\x94" "d\xC9\x9B"},       /* ƆdƐ: ɔdɛ */
	{"\xC6\x89" "\xC6\xB2", "\xC9\x96" "\xCA\x8B"},          /* ƉƲ: ɖʋ */
	{"\xC9\x9B" "\xC9\x94", "\xC9\x9B" "\xC9\x94"},          /* ɛɔ kept */
	{"\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2",     /* ПРИВЕТ */
	 "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"},
	{"\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91",               /* ΣΟΦΙΑ */
	 "\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1"},
	{"\xC4\xB0", "i"},                                     /* İ: simple */
	{"\xE2\x84\xAA", "k"},                                 /* Kelvin */
	{"\xC8\xBA" "\xC8\xBA", "\xE2\xB1\xA5" "\xE2\xB1\xA5"},    /* longer */
	{"\xF0\x90\x90\x80", "\xF0\x90\x90\xA8"},                 /* Deseret */
	{"\xE2\x82\xAC" "5", "\xE2\x82\xAC" "5"},                   /* no case */
	/* invalid UTF-8: each bad byte kept as it is, the rest folded */
	{"\xFF\xFE x", "\xFF\xFE x"},
	{"A\xC3", "a\xC3"},                                     /* truncated */
	{"\xC3(X", "\xC3(x"},                                   /* bad follow */
	{"\xC0\x80" "\xC3\x89", "\xC0\x80" "\xC3\xA9"},           /* overlong */
	{"\xED\xA0\x80" "Z", "\xED\xA0\x80" "z"},                 /* surrogate */
};

static void test_reply_fold(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fold_cases) / sizeof(fold_cases[0]);
	     i++) {
		char *f = reply_fold(fold_cases[i][0]);
		if (strcmp(f, fold_cases[i][1]) != 0)
			fail_msg("case %zu: \"%s\" folded to \"%s\", not \"%s\"",
				 i, fold_cases[i][0], f, fold_cases[i][1]);
		char *again = reply_fold(f);
		if (strcmp(again, f) != 0)
			fail_msg("case %zu: \"%s\" folded again to \"%s\"", i,
				 f, again);
		free(again);
		free(f);
	}
	char *f = reply_fold(NULL);
	assert_string_equal(f, "");
	free(f);
}

/* Every code point alone folds to valid UTF-8 that folds to itself (what
 * tests/fuzz/fuzz_reply checks) and at most half as long again. */
static void test_reply_fold_every_code_point(void **state)
{
	(void)state;
	assert_true(reply_fold_unicode());
	for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
		char s[5] = {0};
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		if (cp < 0x800) {
			s[0] = (char)(0xC0 | cp >> 6);
			s[1] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			s[0] = (char)(0xE0 | cp >> 12);
			s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			s[2] = (char)(0x80 | (cp & 0x3F));
		} else {
			s[0] = (char)(0xF0 | cp >> 18);
			s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
			s[3] = (char)(0x80 | (cp & 0x3F));
		}
		char *f = reply_fold(s);
		char *again = reply_fold(f);
		size_t n = strlen(f);
		if (!utf8_valid(f, n) || strcmp(f, again) != 0 ||
		    2 * n > 3 * strlen(s))
			fail_msg("U+%04X folded to \"%s\", again \"%s\"",
				 (unsigned)cp, f, again);
		free(again);
		free(f);
	}
}

/* ---- reply_number / number_format ---------------------------------------- */

struct number_case {
	const char *input;
	int ret;
	double value;
	const char *saved;      /* number_format of value */
};

static const struct number_case number_cases[] = {
	{"12", 0, 12, "12"},
	{" 1,5 ", 0, 1.5, "1.5"},
	{"1.5", 0, 1.5, "1.5"},
	{"-3", 0, -3, "-3"},
	{"+2", 0, 2, "2"},
	{"0", 0, 0, "0"},
	{"-0", 0, 0, "0"},
	{"007", 0, 7, "7"},
	{"12.", 0, 12, "12"},
	{"5,", 0, 5, "5"},
	{".5", 0, 0.5, "0.5"},
	{",25", 0, 0.25, "0.25"},
	{"2.50", 0, 2.5, "2.5"},
	{"1,5", 0, 1.5, "1.5"},        /* a ',' before other than 3 digits: decimal */
	{"1,000", 0, 1000, "1000"},    /* before 3 digits: thousands */
	{"Tsh 50,000", 0, 50000, "50000"},
	{"50,000/=", 0, 50000, "50000"},
	{"50 000", 0, 50000, "50000"},
	{"1 250 000 shs", 0, 1250000, "1250000"},
	{"TZS1,250,000.50", 0, 1250000.5, "1250000.5"},
	{"sh. 700", 0, 700, "700"},
	{"GH\xE2\x82\xB5 20", 0, 20, "20"},
	{"50,00", 0, 50, "50"},        /* two decimals */
	{"1,000 000", -1, 0, NULL},    /* two kinds of separator */
	{"1234,567", 0, 1234.567, "1234.567"}, /* not groups: decimal */
	{"tsh", -1, 0, NULL},
	{"\xC2\xA0" "42\n", 0, 42, "42"},
	{"1.2.3", -1, 0, NULL},
	{"1,2.3", -1, 0, NULL},
	{"12abc", -1, 0, NULL},
	{"abc", -1, 0, NULL},
	{"", -1, 0, NULL},
	{"   ", -1, 0, NULL},
	{".", -1, 0, NULL},
	{"-", -1, 0, NULL},
	{"+-1", -1, 0, NULL},
	{"1 00", -1, 0, NULL},
	{"- 3", -1, 0, NULL},
	{"nan", -1, 0, NULL},
	{"inf", -1, 0, NULL},
	{"infinity", -1, 0, NULL},
	{"0x10", -1, 0, NULL},
	{"1e5", -1, 0, NULL},
	{"\xD9\xA3", -1, 0, NULL},     /* Arabic-Indic digit three */
};

static void test_reply_number(void **state)
{
	char out[64];
	(void)state;

	for (size_t i = 0; i < sizeof(number_cases) / sizeof(number_cases[0]);
	     i++) {
		const struct number_case *c = &number_cases[i];
		double v = -999;
		int ret = reply_number(c->input, &v);
		if (ret != c->ret)
			fail_msg("case %zu \"%s\": returned %d", i, c->input,
				 ret);
		if (ret == 0) {
			if (v != c->value)
				fail_msg("case %zu \"%s\": read %.17g", i,
					 c->input, v);
			number_format(v, out, sizeof(out));
			if (strcmp(out, c->saved) != 0)
				fail_msg("case %zu: formatted \"%s\"", i, out);
		}
	}
	/* far too many digits is infinite, not a number */
	char *big = repeat("9", 400);
	assert_int_equal(reply_number(big, NULL), -1);
	free(big);
	assert_int_equal(reply_number(NULL, NULL), -1);
}

/* A locale whose decimal point is ',' must not change what is read. */
static void test_reply_number_locale(void **state)
{
	double v = 0;
	(void)state;
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") &&
	    !setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
		skip();
		return;
	}
	assert_int_equal(reply_number("1.5", &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(reply_number("2,25", &v), 0);
	assert_true(v == 2.25);
	setlocale(LC_NUMERIC, "C");
}

static const struct {
	double value;
	const char *out;
} format_cases[] = {
	{12, "12"},
	{1.5, "1.5"},
	{0.25, "0.25"},
	{-3, "-3"},
	{0, "0"},
	{-0.0, "0"},
	{80, "80"},
	{0.1 + 0.2, "0.3"},
	{1e15, "1000000000000000"},
	{1e20, "100000000000000000000"},
	{123456789012.5, "123456789012.5"},
	{1e-7, "0.0000001"},
	{-2.5e-6, "-0.0000025"},
	{1.0 / 3, "0.333333333333333"},
};

static void test_number_format(void **state)
{
	char out[64];
	(void)state;
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]);
	     i++) {
		number_format(format_cases[i].value, out, sizeof(out));
		if (strcmp(out, format_cases[i].out) != 0)
			fail_msg("case %zu: \"%s\", not \"%s\"", i, out,
				 format_cases[i].out);
	}
	/* never more than size bytes */
	memset(out, 'x', sizeof(out));
	number_format(123.25, out, 4);
	assert_string_equal(out, "123");
	assert_int_equal(out[4], 'x');
	number_format(1, out, 0);
	assert_int_equal(out[0], '1');
}

/* ---- first_word_len, text_upper ------------------------------------------ */

static const struct {
	const char *text; /* as a person typed it */
	const char *word; /* its first word, folded */
} word_cases[] = {
	{"utafiti", "utafiti"},
	{"  Survey please", "survey"},
	{"\tjoin\n", "join"},
	{"Utafiti.", "utafiti"},
	{"stop!", "stop"},
	{"Utafiti! sasa", "utafiti"},
	{"\xC2\xA0lugha sw", "lugha"},
	{"", ""},
	{"   ", ""},
	{"...", ""},
	{"CAF\xC3\x89 x", "caf\xC3\xA9"},
	{"\xC6\x86" "DWUMA?", "\xC9\x94" "dwuma"},
};

static void test_first_word_len(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(word_cases) / sizeof(word_cases[0]);
	     i++) {
		char *folded = reply_fold(word_cases[i].text);
		size_t n = first_word_len(folded);
		if (n != strlen(word_cases[i].word) ||
		    strncmp(folded, word_cases[i].word, n) != 0)
			fail_msg("case %zu: \"%.*s\" (%zu)", i, (int)n, folded, n);
		free(folded);
	}
	assert_int_equal(first_word_len(NULL), 0);
}

static void test_text_upper(void **state)
{
	static const char *const cases[][2] = {
		{"utafiti", "UTAFITI"},
		{"\xC3\xA9leveur", "\xC3\x89LEVEUR"},     /* é */
		{"\xC9\x94" "dwuma \xC9\x9B", "\xC6\x86" "DWUMA \xC6\x90"}, /* Twi */
		{"Mix 12-x", "MIX 12-X"},
		{"\xFF" "a", "\xFF" "A"},                   /* an invalid byte kept */
		{"", ""},
	};
	(void)state;
	if (!reply_fold_unicode())
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = text_upper(cases[i][0]);
		assert_string_equal(u, cases[i][1]);
		free(u);
	}
}

/* ---- robustness ---------------------------------------------------------- */

/* A screen's size as the sum of its lines' sizes: what the engine lays out
 * USSD pages with.  Each piece counts both ways; the sum picks the coding. */
static void test_ussd_size(void **state)
{
	static const struct {
		const char *s;
		size_t septets, units;
		bool ucs2;
	} sizes[] = {
		{"", 0, 0, false},
		{"1. Dhahabu", 10, 10, false},
		{"\xE2\x82\xAC" "5", 3, 2, false},          /* euro: ESC + e */
		{"{x}", 5, 3, false},
		{"\xC3\xA9t\xC3\xA9", 3, 3, false},         /* e acute: GSM-7 */
		{"E\xCA\x8B" "e", 2, 3, true},              /* U+028B */
		{"`", 0, 1, true},                          /* ASCII, not GSM-7 */
		{"\xF0\x9F\x98\x80!", 1, 3, true},          /* U+1F600 */
		{"ab\xC3", 2, 3, true},                     /* cut short */
	};
	static const char *const pieces[] = {
		"Chagua moja:", "1. Dhahabu", "2. Vito \xE2\x82\xAC", "98. Zaidi",
		"3. [Chumvi]", "4. E\xCA\x8B" "egbe", "5. \xF0\x9F\x98\x80",
		"0. Rudi", "6. \xC3", "\x82" "7.", "", "8. Fran\xC3\xA7" "ais",
	};
	size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint32_t seed = 99;
	struct ussd_size size;
	(void)state;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ussd_measure(sizes[i].s, strlen(sizes[i].s), &size);
		assert_int_equal(size.septets, sizes[i].septets);
		assert_int_equal(size.units, sizes[i].units);
		assert_int_equal(size.ucs2, sizes[i].ucs2);
	}
	ussd_measure(NULL, 3, &size);
	assert_int_equal(size.units, 0);

	/* lines joined by "\n", cut characters and all: the sum of the
	 * sizes is the size of the screen, and fits as the screen does */
	for (int round = 0; round < 2000; round++) {
		struct buf screen = BUF_INIT;
		struct ussd_size sum = {0, 0, false}, nl, piece;
		size_t n = (seed = seed * 1103515245 + 12345) >> 8 & 7;
		bool ucs2;

		ussd_measure("\n", 1, &nl);
		for (size_t k = 0; k < n; k++) {
			const char *p;
			seed = seed * 1103515245 + 12345;
			p = pieces[(seed >> 8) % npieces];
			if (k) {
				buf_putc(&screen, '\n');
				ussd_size_add(&sum, &nl);
			}
			buf_puts(&screen, p);
			ussd_measure(p, strlen(p), &piece);
			ussd_size_add(&sum, &piece);
		}
		size_t len = ussd_length(buf_str(&screen), &ucs2);
		assert_int_equal(ucs2, sum.ucs2);
		assert_int_equal(len, sum.ucs2 ? sum.units : sum.septets);
		for (size_t max = 0; max < 100; max += 3)
			assert_int_equal(ussd_size_fits(&sum, max),
					 ussd_fits(buf_str(&screen), max));
		buf_release(&screen);
	}
}

/* Arbitrary bytes: nothing crashes, and what is said about them holds. */
static void test_random_bytes(void **state)
{
	uint32_t seed = 12345;
	char s[300];
	(void)state;

	for (int round = 0; round < 20000; round++) {
		size_t len = 0, n = (seed = seed * 1103515245 + 12345) % 299;
		for (; len < n; len++) {
			seed = seed * 1103515245 + 12345;
			char c = (char)(seed >> 16);
			s[len] = c ? c : 'x';
		}
		s[len] = '\0';
		struct sms_cost cost;
		sms_cost(s, len, &cost);
		if (!utf8_valid(s, len))
			assert_true(cost.ucs2);
		if (cost.ucs2) {
			assert_true(cost.first_ucs2 < len);
			assert_true(cost.first_ucs2_len >= 1);
		}
		char *f = reply_fold(s);
		/* a lowercase letter takes at most half as many bytes again */
		assert_true(2 * strlen(f) <= 3 * len);
		double v;
		(void)reply_number(s, &v);
		assert_true(first_word_len(f) <= strlen(f));
		free(text_upper(s));
		(void)ussd_fits(s, 182);
		free(f);
	}
}

/* ---- GSM-7 substitutes ------------------------------------------------ */

static void test_gsm7_substitute(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"It\xE2\x80\x99s \xE2\x80\x9Cmain\xE2\x80\x9D \xE2\x80\x93 ok\xE2\x80\xA6",
		 "It's \"main\" - ok..."},
		{"\xC2\xABOui\xC2\xBB\xC2\xA0!", "\"Oui\" !"},
		{"plain GSM-7 text", "plain GSM-7 text"},
		{"Tw\xC9\x9B \xE2\x80\x98x\xE2\x80\x99", "Tw\xC9\x9B 'x'"}, /* ɛ stays */
		{"caf\xC3\xA9 \xE2\x80\x94", "caf\xC3\xA9 -"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		gsm7_substitute(cases[i].in, strlen(cases[i].in), &b);
		assert_string_equal(buf_str(&b), cases[i].out);
		buf_release(&b);
	}
	size_t n;
	assert_string_equal(gsm7_substitute_of("\xE2\x80\xA6x", 4, &n), "...");
	assert_int_equal(n, 3);
	assert_null(gsm7_substitute_of("\xC9\x9B", 2, &n));
	assert_int_equal(n, 2);
	assert_null(gsm7_substitute_of("\xE2\x80", 2, &n)); /* cut short */
	assert_int_equal(n, 0);
	/* What it is for: the SMS becomes GSM-7 again. */
	struct buf b = BUF_INIT;
	const char *curly = "Asante \xE2\x80\x98sana\xE2\x80\x99";
	gsm7_substitute(curly, strlen(curly), &b);
	struct sms_cost cost;
	sms_cost(buf_str(&b), b.len, &cost);
	assert_false(cost.ucs2);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sms_cost),
		cmocka_unit_test(test_sms_cost_len),
		cmocka_unit_test(test_ussd),
		cmocka_unit_test(test_ussd_size),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_reply_fold),
		cmocka_unit_test(test_reply_fold_every_code_point),
		cmocka_unit_test(test_reply_number),
		cmocka_unit_test(test_reply_number_locale),
		cmocka_unit_test(test_number_format),
		cmocka_unit_test(test_first_word_len),
	    cmocka_unit_test(test_text_upper),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_gsm7_substitute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
