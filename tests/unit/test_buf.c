/* test_buf.c -- the byte string every module builds text in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

static void put_long_writes_decimal(void **state)
{
	(void)state;
	const long values[] = {0, 7, -7, 10, 1795442981L, LONG_MAX, LONG_MIN};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct buf b = BUF_INIT;
		buf_puts(&b, "x=");
		buf_put_long(&b, values[i]);
		char want[32];
		snprintf(want, sizeof(want), "x=%ld", values[i]);
		assert_string_equal(buf_str(&b), want);
		assert_int_equal(b.len, strlen(want));
		buf_release(&b);
	}
}

/* buf_printf formats into the room left when it fits, and grows and formats
 * again when it does not: both must give the same text. */
static void printf_fits_and_grows(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s:%d", "a", 1);
	assert_string_equal(buf_str(&b), "a:1");
	size_t cap = b.cap;
	buf_printf(&b, "|%s", "bb"); /* fits in what is there */
	assert_int_equal(b.cap, cap);
	assert_string_equal(buf_str(&b), "a:1|bb");
	char big[300];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "<%s>", big); /* cannot fit: grows */
	assert_true(b.cap > cap);
	assert_int_equal(b.len, 6 + 2 + 299);
	assert_int_equal(b.data[6], '<');
	assert_int_equal(b.data[b.len - 1], '>');
	assert_int_equal(b.data[b.len], '\0');
	buf_release(&b);
}

static void printf_on_exactly_full_buffer(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_grow(&b, 10); /* cap 64 */
	char fill[64];
	memset(fill, 'f', 62);
	fill[62] = '\0';
	buf_puts(&b, fill); /* room for one byte: the NUL */
	buf_printf(&b, "%d", 42);
	assert_int_equal(b.len, 64);
	assert_string_equal(b.data + 62, "42");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_long_writes_decimal),
		cmocka_unit_test(printf_fits_and_grows),
		cmocka_unit_test(printf_on_exactly_full_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
