/* test_phone.c -- phone numbers as people write them, into E.164, as data:
 * the input, the default country, and the number or the reason expected,
 * both for any number the network hands us (phone_normalise) and for
 * contacts, who must have a mobile (phone_normalise_mobile). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "phone.h"
#include "phonenumber.h"

enum rule { ANY, MOBILE, BOTH };

struct phone_case {
	const char *input, *country;
	enum rule rule;         /* which function(s) the row is about */
	const char *want;       /* E.164, or NULL when refused ... */
	const char *reason;     /* ... for this reason */
};

static void check_one(const struct phone_case *c, int mobile)
{
	char out[PHONE_E164_SIZE] = "untouched", region[PHONE_REGION_SIZE] = "";
	const char *reason = NULL;
	int rc = mobile ? phone_normalise_mobile(c->input, c->country, out,
						 sizeof(out), region, &reason)
			: phone_normalise(c->input, c->country, out, sizeof(out),
					  &reason);
	const char *what = mobile ? "mobile" : "any";
	const char *country = c->country ? c->country : "no country";
	if (c->want) {
		if (rc != 0)
			fail_msg("'%s' (%s, %s): refused: %s", c->input, country,
				 what, reason);
		if (strcmp(out, c->want) != 0)
			fail_msg("'%s' (%s, %s): %s, expected %s", c->input,
				 country, what, out, c->want);
		assert_true(phone_is_e164(out));
		if (mobile) {   /* the region given is the number's own */
			char again[PHONE_REGION_SIZE];
			assert_int_equal(phone_region(out, again), 0);
			assert_string_equal(region, again);
		}
		return;
	}
	if (rc == 0)
		fail_msg("'%s' (%s, %s): accepted as %s, expected '%s'", c->input,
			 country, what, out, c->reason);
	assert_non_null(reason);
	if (strcmp(reason, c->reason) != 0)
		fail_msg("'%s' (%s, %s): '%s', expected '%s'", c->input, country,
			 what, reason, c->reason);
}

static void check_cases(const struct phone_case *cases, size_t n)
{
	/* Twice: the second pass is answered from the answers kept lately
	 * (phone.c), which must say the same, refusals and reasons too. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			if (cases[i].rule != MOBILE)
				check_one(&cases[i], 0);
			if (cases[i].rule != ANY)
				check_one(&cases[i], 1);
		}
	}
}

#define CHECK(cases) check_cases(cases, sizeof(cases) / sizeof(cases[0]))

static void test_tanzanian_forms(void **state)
{
	static const struct phone_case cases[] = {
		{"0712 345 678", "TZ", BOTH, "+255712345678", NULL},
		{"0712345678", "TZ", BOTH, "+255712345678", NULL},
		{"712345678", "TZ", BOTH, "+255712345678", NULL},
		{"255712345678", "TZ", BOTH, "+255712345678", NULL},
		{"0712-345-678", "TZ", BOTH, "+255712345678", NULL},
		{"0712.345.678", "TZ", BOTH, "+255712345678", NULL},
		{"0712/345678", "TZ", BOTH, "+255712345678", NULL},
		{"(0712) 345 678", "TZ", BOTH, "+255712345678", NULL},
		{"  0712 345 678\t", "TZ", BOTH, "+255712345678", NULL},
		{"0712\xc2\xa0" "345\xc2\xa0" "678", "TZ", BOTH, "+255712345678", NULL},
		{"0712345678", "tz", BOTH, "+255712345678", NULL},
		{"0754 111 222", "TZ", BOTH, "+255754111222", NULL},
		{"0621 234 567", "TZ", BOTH, "+255621234567", NULL},
		{"+255 712 345 678", "GH", BOTH, "+255712345678", NULL},
		{"00255712345678", "GH", BOTH, "+255712345678", NULL},
		{"000255712345678", "TZ", BOTH, "+255712345678", NULL},  /* TZ's own prefix */
		{"+255 (0)712 345 678", "TZ", BOTH, "+255712345678", NULL},
		{"(+255) 712-345-678", "TZ", BOTH, "+255712345678", NULL},
		/* landlines: a number, but no contact's */
		{"022 234 5678", "TZ", ANY, "+255222345678", NULL},
		{"022 234 5678", "TZ", MOBILE, NULL, "a landline, not a mobile number"},
		{"0800 12 3456", "TZ", MOBILE, NULL, "a toll-free number, not a mobile number"},
		/* a range not in use: taken from the network, not from a sheet */
		{"+255700000123", "TZ", ANY, "+255700000123", NULL},
		{"+255700000123", "TZ", MOBILE, NULL, "not a valid number in its country"},
		/* +233000002121 would read back as +23300002121 */
		{"0000002121", "GH", BOTH, NULL, "invalid country code"},
		{"071234567", "TZ", MOBILE, NULL, "not a valid number in its country"},
		{"07123456789", "TZ", BOTH, NULL, "too long"},
		{"+255 712 345 67", "TZ", BOTH, NULL, "too short"},
		{"+255 712 345 6789", "TZ", BOTH, NULL, "too long"},
	};
	(void)state;
	CHECK(cases);
}

static void test_ghanaian_forms(void **state)
{
	static const struct phone_case cases[] = {
		{"024 123 4567", "GH", BOTH, "+233241234567", NULL},
		{"0201234567", "GH", BOTH, "+233201234567", NULL},
		{"233 24 123 4567", "GH", BOTH, "+233241234567", NULL},
		{"+233 24 123 4567", "TZ", BOTH, "+233241234567", NULL},
		{"00233241234567", "TZ", BOTH, "+233241234567", NULL},
		{"0302 123456", "GH", ANY, "+233302123456", NULL},
		{"0302 123456", "GH", MOBILE, NULL, "a landline, not a mobile number"},
		/* a Ghanaian local number read as Tanzanian is not taken */
		{"024 123 4567", "TZ", MOBILE, NULL, "a landline, not a mobile number"},
		{"0712345678", "GH", MOBILE, NULL, "not a valid number in its country"},
	};
	(void)state;
	CHECK(cases);
}

/* Burkina Faso has a closed plan (no trunk 0), Peru and Colombia write
 * area codes in brackets, India and Ethiopia have their own lengths. */
static void test_other_countries(void **state)
{
	static const struct phone_case cases[] = {
		{"70 12 34 56", "BF", BOTH, "+22670123456", NULL},
		{"+226 70 12 34 56", "TZ", BOTH, "+22670123456", NULL},
		{"20 49 12 34", "BF", MOBILE, NULL, "a landline, not a mobile number"},
		{"7012345", "BF", BOTH, NULL, "too short"},
		{"912 345 678", "PE", BOTH, "+51912345678", NULL},
		{"+51 912 345 678", "GH", BOTH, "+51912345678", NULL},
		{"(01) 1234567", "PE", MOBILE, NULL, "a landline, not a mobile number"},
		{"321 1234567", "CO", BOTH, "+573211234567", NULL},
		{"(601) 2345678", "CO", MOBILE, NULL, "a landline, not a mobile number"},
		{"081234 56789", "IN", BOTH, "+918123456789", NULL},
		{"+91 81234 56789", "TZ", BOTH, "+918123456789", NULL},
		{"1800 12 3456", "IN", MOBILE, NULL, "a toll-free number, not a mobile number"},
		{"091 123 4567", "ET", BOTH, "+251911234567", NULL},
		{"011 111 2345", "ET", MOBILE, NULL, "a landline, not a mobile number"},
		/* where the plan cannot tell a mobile from a landline, it counts */
		{"+1 (201) 555-0123", "TZ", BOTH, "+12015550123", NULL},
		{"0707 12 34 56", "CI", BOTH, "+2250707123456", NULL},
		{"84 123 4567", "MZ", BOTH, "+258841234567", NULL},
		{"0803 123 4567", "NG", BOTH, "+2348031234567", NULL},
		{"0772 123456", "UG", BOTH, "+256772123456", NULL},
		{"0712 345678", "KE", BOTH, "+254712345678", NULL},
	};
	(void)state;
	CHECK(cases);
}

static void test_not_numbers(void **state)
{
	static const struct phone_case cases[] = {
		{"", "TZ", BOTH, NULL, "empty"},
		{"   ", "TZ", BOTH, NULL, "empty"},
		{NULL, "TZ", BOTH, NULL, "empty"},
		{"07x", "TZ", BOTH, NULL, "contains letters"},
		{"0712 345 67B", "TZ", BOTH, NULL, "contains letters"},
		{"tel:+255712345678", "TZ", BOTH, NULL, "contains letters"},
		{"2.55712E+11", "TZ", BOTH, NULL, "contains letters"},
		{"0712_345_678", "TZ", BOTH, NULL, "contains invalid characters"},
		{"*150*88#", "TZ", BOTH, NULL, "a ussd code, not a phone number"},
		{"15055", "TZ", BOTH, NULL, "short code, not a phone number"},
		{"100", "TZ", BOTH, NULL, "short code, not a phone number"},
		{"1515", "GH", BOTH, NULL, "short code, not a phone number"},
		{"+-()", "TZ", BOTH, NULL, "no digits"},
		{"0", "TZ", BOTH, NULL, "not a phone number"},
		{"+1234567890123456789012345678901234567890", "TZ", BOTH, NULL, "too long"},
		{"0712345678901234567890123456789012345678", "TZ", BOTH, NULL, "too long"},
		{"+0712345678", "TZ", BOTH, NULL, "invalid country code"},
		{"+999 712345678", "TZ", BOTH, NULL, "invalid country code"},
		{"255+712345678", "TZ", BOTH, NULL, "misplaced '+'"},
		{"++255712345678", "TZ", BOTH, NULL, "misplaced '+'"},
		{"0712345678", "XX", BOTH, NULL, "unknown country"},
		{"0712345678", NULL, BOTH, NULL, "local number without a country"},
		{"+255712345678", NULL, BOTH, "+255712345678", NULL},
		{"+255712345678", "XX", BOTH, "+255712345678", NULL},
	};
	(void)state;
	CHECK(cases);
}

/* What comes out goes back in unchanged, under any default country. */
static void test_idempotent(void **state)
{
	static const char *const numbers[] = {
		"+255712345678", "+233241234567", "+22670123456", "+51912345678",
		"+573211234567", "+918123456789", "+251911234567", "+2250707123456",
	};
	static const char *const defaults[] = {"TZ", "GH", "PE", NULL};
	(void)state;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		for (size_t d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++) {
			struct phone_case c = {numbers[i], defaults[d], BOTH,
					       numbers[i], NULL};
			check_cases(&c, 1);
		}
}

static void test_small_output_buffer(void **state)
{
	char out[8];
	const char *reason = NULL;
	(void)state;
	assert_int_equal(phone_normalise("0712345678", "TZ", out, sizeof(out),
					 &reason), -1);
	assert_string_equal(reason, "output buffer too small");
	/* a NULL reason is allowed */
	assert_int_equal(phone_normalise("x", "TZ", out, sizeof(out), NULL), -1);
}

static void test_country_known(void **state)
{
	(void)state;
	assert_true(phone_country_known("TZ"));
	assert_true(phone_country_known("gh"));
	assert_true(phone_country_known("Pe"));
	assert_true(phone_country_known("ET"));
	assert_false(phone_country_known("XX"));
	assert_false(phone_country_known("ZZ"));
	assert_false(phone_country_known("TZA"));
	assert_false(phone_country_known(""));
	assert_false(phone_country_known(NULL));
}

static void test_region(void **state)
{
	static const struct {
		const char *e164, *region;
	} cases[] = {
		{"+255712345678", "TZ"}, {"+233241234567", "GH"},
		{"+22670123456", "BF"},  {"+51912345678", "PE"},
		{"+573211234567", "CO"}, {"+918123456789", "IN"},
		{"+251911234567", "ET"}, {"+12015550123", "US"},
	};
	char region[PHONE_REGION_SIZE];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(phone_region(cases[i].e164, region), 0);
		assert_string_equal(region, cases[i].region);
	}
	assert_int_equal(phone_region("0712345678", region), -1);
	assert_int_equal(phone_region("+999712345678", region), -1);
	assert_int_equal(phone_region(NULL, region), -1);
}

static void test_utc_offset(void **state)
{
	int minutes = 0;
	(void)state;
	assert_int_equal(phone_utc_offset("+255712345678", &minutes), 0);
	assert_int_equal(minutes, 180);
	assert_int_equal(phone_utc_offset("+233241234567", &minutes), 0);
	assert_int_equal(minutes, 0);
	assert_int_equal(phone_utc_offset("+918123456789", &minutes), 0);
	assert_int_equal(minutes, 330);
	assert_int_equal(phone_utc_offset("+12015550123", &minutes), -1);
}

static void test_is_e164(void **state)
{
	(void)state;
	assert_true(phone_is_e164("+255712345678"));
	assert_true(phone_is_e164("+6834002"));          /* Niue: 7 digits */
	assert_true(phone_is_e164("+123456789012345"));
	assert_false(phone_is_e164("+123456"));
	assert_false(phone_is_e164("+1234567890123456"));
	assert_false(phone_is_e164("255712345678"));
	assert_false(phone_is_e164("+0255712345678"));
	assert_false(phone_is_e164("+255 712345678"));
	assert_false(phone_is_e164("+255712345678 "));
	assert_false(phone_is_e164("+"));
	assert_false(phone_is_e164(""));
	assert_false(phone_is_e164(NULL));
}

/* More numbers than the table of kept answers holds, read twice in three
 * ways: slots taken over by other questions answer for their own only, and
 * the second reading says what the first did. */
static void test_kept_answers(void **state)
{
	(void)state;
	enum { N = 3000 };
	static char first[N][3][PHONE_E164_SIZE];
	const char *countries[3] = {"TZ", "GH", NULL};
	char in[32], out[PHONE_E164_SIZE];
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++) {
			snprintf(in, sizeof(in), "0712 %06d", i);
			for (int c = 0; c < 3; c++) {
				int rc = phone_normalise(in, countries[c], out, sizeof(out), NULL);
				if (rc < 0)
					strcpy(out, "-");
				if (pass == 0)
					strcpy(first[i][c], out);
				else
					assert_string_equal(out, first[i][c]);
			}
			if (pass == 0) {
				snprintf(in, sizeof(in), "+255712%06d", i);
				assert_string_equal(first[i][0], in);
				assert_string_equal(first[i][2], "-");
			}
		}
	}
}

/* A number in its own E.164 form, as networks give them, is read without
 * libphonenumber's Parse() when it reads back as itself (phonenumber.cc):
 * both readings must agree for every calling code, written bare and with
 * the national prefixes plans allow after it ("+52 1", "+7 8", "+54 9",
 * "+55 0 15"...), which Parse() strips.  pn_parse() always parses. */
static void test_own_form_as_parse(void **state)
{
	(void)state;
	static const char *const prefixes[] = {"", "0", "1", "8", "9", "06", "01",
					       "15", "90", "183", "19", "10"};
	static const char *const bodies[] = {"2345", "712345", "5512345", "23456789",
					     "612345678", "9123456789", "55123456789",
					     "712345678901", "4123456789012"};
	int agreed = 0, stripped = 0;
	char in[40];
	for (int code = 1; code <= 999; code++) {
		for (size_t p = 0; p < sizeof(prefixes) / sizeof(*prefixes); p++) {
			for (size_t b = 0; b < sizeof(bodies) / sizeof(*bodies); b++) {
				snprintf(in, sizeof(in), "+%d%s%s", code, prefixes[p], bodies[b]);
				struct pn_number form, parsed;
				enum pn_status fs = pn_parse_form(in, NULL, &form);
				enum pn_status ps = pn_parse(in, NULL, &parsed);
				if (fs != ps)
					fail_msg("%s: status %d read as its form, %d parsed", in, fs, ps);
				if (ps != PN_OK)
					continue;
				if (strcmp(form.e164, parsed.e164) != 0)
					fail_msg("%s: %s read as its form, %s parsed", in, form.e164,
						 parsed.e164);
				if (form.typed != (strcmp(parsed.e164, in) != 0))
					fail_msg("%s: judged %d, parsed as %s", in, form.typed, parsed.e164);
				agreed++;
				stripped += strcmp(parsed.e164, in) != 0;
			}
		}
	}
	/* The grid reaches both sides: numbers that read as themselves, and
	 * numbers whose national prefix Parse() strips. */
	assert_true(agreed > 10000);
	assert_true(stripped > 100);
}

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
		phone_scrub(cases[i].in, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
	char tiny[4];
	phone_scrub("abcdef", tiny, sizeof(tiny));
	assert_string_equal(tiny, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tanzanian_forms),
		cmocka_unit_test(test_ghanaian_forms),
		cmocka_unit_test(test_other_countries),
		cmocka_unit_test(test_not_numbers),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_small_output_buffer),
		cmocka_unit_test(test_country_known),
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_utc_offset),
		cmocka_unit_test(test_is_e164),
		cmocka_unit_test(test_kept_answers),
		cmocka_unit_test(test_own_form_as_parse),
		cmocka_unit_test(test_scrub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
