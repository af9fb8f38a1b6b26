/* test_log.c -- log lines: whole, one write each; or kept and written per
 * loop turn once a loop asks for it, errors at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* stderr goes to a file of the test's, read back by written(). */
static char path[] = "/tmp/test_log_XXXXXX";
static int saved_stderr = -1;

static int redirect(void **state)
{
	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	log_set_level(LOG_INFO);
	return 0;
}

static int restore(void **state)
{
	(void)state;
	log_buffer_lines(NULL, NULL);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	unlink(path);
	return 0;
}

static char *written(void)
{
	static char text[1 << 20];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

static int lines_in(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int schedules;
static void count_schedule(void *arg)
{
	(void)arg;
	schedules++;
}

static void test_written_at_once(void **state)
{
	(void)state;
	log_info("one %d", 1);
	log_debug("not at info");
	char *t = written();
	assert_int_equal(lines_in(t), 1);
	assert_non_null(strstr(t, "Z info one 1\n"));
	assert_true(strlen(t) > 20 && t[4] == '-' && t[10] == 'T');
}

static void test_kept_until_flush(void **state)
{
	(void)state;
	size_t before = strlen(written());
	schedules = 0;
	log_buffer_lines(count_schedule, NULL);
	log_info("kept a");
	log_warn("kept b");
	assert_int_equal(schedules, 1);            /* once per turn */
	assert_int_equal(strlen(written()), before); /* nothing yet */
	log_flush();
	char *t = written() + before;
	assert_int_equal(lines_in(t), 2);
	assert_non_null(strstr(t, "info kept a\n"));
	assert_non_null(strstr(t, "warn kept b\n"));
	log_info("next turn");
	assert_int_equal(schedules, 2);
	log_buffer_lines(NULL, NULL);               /* flushes what is kept */
	assert_non_null(strstr(written(), "info next turn\n"));
}

static void test_error_at_once(void **state)
{
	(void)state;
	log_buffer_lines(count_schedule, NULL);
	log_info("before the error");
	log_error("the error");
	char *t = written();
	assert_non_null(strstr(t, "info before the error\n2"));
	assert_non_null(strstr(t, "error the error\n"));
	log_buffer_lines(NULL, NULL);
}

static void test_long_line_cut_with_newline(void **state)
{
	(void)state;
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	size_t before = strlen(written());
	log_info("%s", big);
	char *t = written() + before;
	assert_int_equal(lines_in(t), 1);
	assert_true(strlen(t) <= 2048);
	assert_int_equal(t[strlen(t) - 1], '\n');
}

static void test_many_lines_in_a_turn(void **state)
{
	(void)state;
	size_t before = strlen(written());
	log_buffer_lines(count_schedule, NULL);
	/* more than the buffer holds: written mid-turn, none lost or cut */
	for (int i = 0; i < 2000; i++)
		log_info("line %04d of a long turn, padded to about eighty bytes ......", i);
	log_flush();
	log_buffer_lines(NULL, NULL);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, (long)before, SEEK_SET);
	char line[256];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		char want[32];
		snprintf(want, sizeof(want), "line %04d of", n);
		assert_non_null(strstr(line, want));
		n++;
	}
	fclose(f);
	assert_int_equal(n, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_at_once),
		cmocka_unit_test(test_kept_until_flush),
		cmocka_unit_test(test_error_at_once),
		cmocka_unit_test(test_long_line_cut_with_newline),
		cmocka_unit_test(test_many_lines_in_a_turn),
	};
	return cmocka_run_group_tests(tests, redirect, restore);
}
