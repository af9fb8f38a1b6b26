/* test_phone.c -- phone numbers as people write them, into E.164. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "phone.h"

static void assert_normalises(const char *input, const char *country,
			      const char *want)
{
	char out[PHONE_E164_SIZE];
	const char *reason = NULL;
	int rc = phone_normalise(input, country, out, sizeof(out), &reason);
	if (rc != 0)
		fail_msg("'%s' (%s): rejected: %s", input,
			 country ? country : "no country", reason);
	assert_string_equal(out, want);
	assert_true(phone_is_e164(out));
}

static void assert_rejects(const char *input, const char *country,
			   const char *want_reason)
{
	char out[PHONE_E164_SIZE] = "untouched";
	const char *reason = NULL;
	int rc = phone_normalise(input, country, out, sizeof(out), &reason);
	if (rc == 0)
		fail_msg("'%s' (%s): accepted as %s", input,
			 country ? country : "no country", out);
	assert_int_equal(rc, -1);
	assert_non_null(reason);
	assert_string_equal(reason, want_reason);
}

static void test_tanzanian_local_forms(void **state)
{
	(void)state;
	assert_normalises("0712 345 678", "TZ", "+255712345678");
	assert_normalises("0712345678", "TZ", "+255712345678");
	assert_normalises("712345678", "TZ", "+255712345678");
	assert_normalises("255712345678", "TZ", "+255712345678");
	assert_normalises("0712-345-678", "TZ", "+255712345678");
	assert_normalises("0712.345.678", "TZ", "+255712345678");
	assert_normalises("(0712) 345 678", "TZ", "+255712345678");
	assert_normalises("  0712 345 678\t", "TZ", "+255712345678");
	assert_normalises("0712\xc2\xa0" "345\xc2\xa0" "678", "TZ",
			  "+255712345678");       /* no-break spaces */
	assert_normalises("0712345678", "tz", "+255712345678");
	assert_normalises("2550712345678", "TZ", "+255712345678");
}

static void test_international_forms(void **state)
{
	(void)state;
	assert_normalises("+255 712 345 678", "TZ", "+255712345678");
	assert_normalises("00255712345678", "TZ", "+255712345678");
	assert_normalises("+255 (0)712 345 678", "TZ", "+255712345678");
	assert_normalises("(+255) 712-345-678", "TZ", "+255712345678");
	/* a known country other than the default is checked by its own rules */
	assert_normalises("+233 24 123 4567", "TZ", "+233241234567");
	assert_normalises("+234 803 123 4567", "TZ", "+2348031234567");
	/* no default country is needed for an international number */
	assert_normalises("+255712345678", NULL, "+255712345678");
	assert_normalises("+255712345678", "XX", "+255712345678");
	/* countries outside the table: 8 to 15 digits in all */
	assert_normalises("+44 20 7946 0958", "TZ", "+442079460958");
	assert_normalises("+1 (202) 555-0143", "GH", "+12025550143");
	assert_normalises("0044 7911 123456", "TZ", "+447911123456");
	assert_normalises("+12345678", "TZ", "+12345678");
	assert_normalises("+123456789012345", "TZ", "+123456789012345");
}

static void test_every_country(void **state)
{
	static const struct {
		const char *iso, *local, *want;
	} cases[] = {
		{"TZ", "0712345678", "+255712345678"},
		{"GH", "024 123 4567", "+233241234567"},
		{"KE", "0712 345678", "+254712345678"},
		{"UG", "0772 123456", "+256772123456"},
		{"NG", "0803 123 4567", "+2348031234567"},
		{"CD", "0812345678", "+243812345678"},
		{"ZM", "0971234567", "+260971234567"},
		{"RW", "0781234567", "+250781234567"},
		{"BF", "70 12 34 56", "+22670123456"},
		{"ML", "76 12 34 56", "+22376123456"},
		{"SL", "076 123456", "+23276123456"},
		{"ZW", "0771234567", "+263771234567"},
		{"MZ", "84 123 4567", "+258841234567"},
		{"SN", "77 123 45 67", "+221771234567"},
		{"CI", "07 07 12 34 56", "+2250707123456"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(phone_country_known(cases[i].iso));
		assert_normalises(cases[i].local, cases[i].iso, cases[i].want);
		/* and back in from its own E.164 form under any default */
		assert_normalises(cases[i].want, "TZ", cases[i].want);
	}
}

static void test_eight_digit_countries(void **state)
{
	(void)state;
	/* BF numbers have 8 digits, so "22670123456" is the code + NSN ... */
	assert_normalises("22670123456", "BF", "+22670123456");
	/* ... but an 8-digit number starting 226 is a national one */
	assert_normalises("22612345", "BF", "+22622612345");
	assert_rejects("7012345", "BF", "too short");
	assert_rejects("701234567", "BF", "too long");
}

static void test_closed_numbering_plans(void **state)
{
	(void)state;
	/* Cote d'Ivoire: the leading 0 belongs to the number */
	assert_normalises("07 07 12 34 56", "CI", "+2250707123456");
	assert_normalises("+225 07 07 12 34 56", "TZ", "+2250707123456");
	assert_normalises("2250707123456", "CI", "+2250707123456");
	assert_normalises("00225 0707123456", "GH", "+2250707123456");
	assert_rejects("+225 707 123 456", "TZ", "too short");
	/* no trunk prefix to drop elsewhere either */
	assert_rejects("070123456", "BF", "too long");
	assert_rejects("0841234567", "MZ", "too long");
	assert_rejects("+221 0771234567", "TZ", "too long");
	assert_normalises("+221 771234567", "TZ", "+221771234567");
}

static void test_rejects(void **state)
{
	(void)state;
	assert_rejects("", "TZ", "empty");
	assert_rejects("   ", "TZ", "empty");
	assert_rejects(NULL, "TZ", "empty");
	assert_rejects("07x", "TZ", "contains letters");
	assert_rejects("0712 345 67B", "TZ", "contains letters");
	assert_rejects("tel:+255712345678", "TZ", "contains letters");
	assert_rejects("2.55712E+11", "TZ", "contains letters");
	assert_rejects("0712/345678", "TZ", "contains invalid characters");
	assert_rejects("0712_345_678", "TZ", "contains invalid characters");
	assert_rejects("*150*88#", "TZ", "a ussd code, not a phone number");
	assert_rejects("15055", "TZ", "short code, not a phone number");
	assert_rejects("100", "TZ", "short code, not a phone number");
	assert_rejects("+-()", "TZ", "no digits");
	assert_rejects("071234567", "TZ", "too short");
	assert_rejects("07123456789", "TZ", "too long");
	assert_rejects("71234567", "TZ", "too short");
	assert_rejects("7123456789", "TZ", "too long");
	assert_rejects("25571234567", "TZ", "too short");
	assert_rejects("2557123456789", "TZ", "too long");
	assert_rejects("0", "TZ", "too short");
	assert_rejects("+255 712 345 67", "TZ", "too short");
	assert_rejects("+255 712 345 6789", "TZ", "too long");
	assert_rejects("+233 24 123 456", "TZ", "too short");
	assert_rejects("+1234567", "TZ", "too short");
	assert_rejects("+1234567890123456", "TZ", "too long");
	assert_rejects("+1234567890123456789012345678901234567890", "TZ",
		       "too long");
	assert_rejects("0712345678901234567890123456789012345678", "TZ",
		       "too long");
	assert_rejects("+0712345678", "TZ", "invalid country code");
	assert_rejects("000712345678", "TZ", "invalid country code");
	assert_rejects("255+712345678", "TZ", "misplaced '+'");
	assert_rejects("++255712345678", "TZ", "misplaced '+'");
	assert_rejects("0712345678", "XX", "unknown country");
	assert_rejects("0712345678", NULL, "local number without a country");
	/* 12 digits without '+' are not the default country's: refused, not
	 * guessed to be another country's */
	assert_rejects("233241234567", "TZ", "too long");
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
	assert_true(phone_country_known("Ci"));
	assert_false(phone_country_known("XX"));
	assert_false(phone_country_known("TZA"));
	assert_false(phone_country_known(""));
	assert_false(phone_country_known(NULL));
}

static void test_is_e164(void **state)
{
	(void)state;
	assert_true(phone_is_e164("+255712345678"));
	assert_true(phone_is_e164("+12345678"));
	assert_true(phone_is_e164("+123456789012345"));
	assert_false(phone_is_e164("+1234567"));
	assert_false(phone_is_e164("+1234567890123456"));
	assert_false(phone_is_e164("255712345678"));
	assert_false(phone_is_e164("+0255712345678"));
	assert_false(phone_is_e164("+255 712345678"));
	assert_false(phone_is_e164("+255712345678 "));
	assert_false(phone_is_e164("+"));
	assert_false(phone_is_e164(""));
	assert_false(phone_is_e164(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tanzanian_local_forms),
		cmocka_unit_test(test_international_forms),
		cmocka_unit_test(test_every_country),
		cmocka_unit_test(test_eight_digit_countries),
		cmocka_unit_test(test_closed_numbering_plans),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_small_output_buffer),
		cmocka_unit_test(test_country_known),
		cmocka_unit_test(test_is_e164),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
