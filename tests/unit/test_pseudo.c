/* test_pseudo.c -- pseudonyms are HMAC-SHA-256, hex, first 16 characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pseudo.h"

/* Both ways: the key set up for this call, and set up once and used twice
 * (the second use must not see what the first left in the state). */
static void expect_pseudonym(const char *key, size_t keylen, const char *e164,
			     const char *want)
{
	char out[PSEUDONYM_SIZE];
	memset(out, 'X', sizeof(out));
	pseudonym(key, keylen, e164, out);
	assert_string_equal(out, want);
	struct pseudonym_key *k = pseudonym_key_new(key, keylen);
	for (int i = 0; i < 2; i++) {
		memset(out, 'X', sizeof(out));
		pseudonym_keyed(k, e164, out);
		assert_string_equal(out, want);
	}
	pseudonym_key_free(k);
}

/* Computed independently with Python's hmac module:
 *   python3 -c 'import hmac, hashlib; print(hmac.new(b"sauti-test-key",
 *       b"+255712345678", hashlib.sha256).hexdigest()[:16])'
 * and likewise for the other keys and numbers below. */
static void test_known_vectors(void **state)
{
	static const char key[] = "sauti-test-key";
	char long_key[100];
	(void)state;
	expect_pseudonym(key, strlen(key), "+255712345678", "798c69248ea5ee7f");
	expect_pseudonym(key, strlen(key), "+233241234567", "9279c19c67071054");
	expect_pseudonym("other-key", 9, "+255712345678", "9e89972a975aa27a");
	/* a key longer than SHA-256's 64-byte block is hashed first:
	 *   hmac.new(b"k" * 100, b"+255712345678", hashlib.sha256) */
	memset(long_key, 'k', sizeof(long_key));
	expect_pseudonym(long_key, sizeof(long_key), "+255712345678",
			 "3692c7c165d94680");
}

/* RFC 4231 test case 2: HMAC-SHA-256("Jefe", "what do ya want for
 * nothing?") = 5bdcc146bf60754e6a042426089575c7... */
static void test_rfc4231(void **state)
{
	(void)state;
	expect_pseudonym("Jefe", 4, "what do ya want for nothing?",
			 "5bdcc146bf60754e");
}

static void test_key_bytes_not_string(void **state)
{
	/* keylen counts, not a NUL: "ab\0c" differs from "ab" */
	char a[PSEUDONYM_SIZE], b[PSEUDONYM_SIZE];
	(void)state;
	pseudonym("ab\0c", 4, "+255712345678", a);
	pseudonym("ab", 2, "+255712345678", b);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), 16);
	for (size_t i = 0; i < 16; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
}

/* One key set up, many numbers in turn: each as if set up afresh. */
static void test_keyed_interleaved(void **state)
{
	static const char key[] = "sauti-test-key";
	char out[PSEUDONYM_SIZE];
	(void)state;
	struct pseudonym_key *k = pseudonym_key_new(key, strlen(key));
	pseudonym_keyed(k, "+255712345678", out);
	assert_string_equal(out, "798c69248ea5ee7f");
	pseudonym_keyed(k, "+233241234567", out);
	assert_string_equal(out, "9279c19c67071054");
	pseudonym_keyed(k, "+255712345678", out);
	assert_string_equal(out, "798c69248ea5ee7f");
	pseudonym_key_free(k);
	pseudonym_key_free(NULL);
}

static void test_stable(void **state)
{
	char a[PSEUDONYM_SIZE], b[PSEUDONYM_SIZE];
	(void)state;
	pseudonym("k", 1, "+255712345678", a);
	pseudonym("k", 1, "+255712345678", b);
	assert_string_equal(a, b);
	pseudonym("k", 1, "+255712345679", b);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_key_bytes_not_string),
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_keyed_interleaved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
