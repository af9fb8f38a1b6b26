/* test_db_url.c -- the `redis:` URL as db.c and config.c read it: one Redis,
 * a socket, or the Sentinels of a named master. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "db_url.h"

static void redis_urls(void **state)
{
	(void)state;
	struct db_url u;
	char err[256];
	assert_int_equal(db_url_parse("redis://127.0.0.1:6399/3", &u, err, sizeof(err)), 0);
	assert_int_equal(u.kind, DB_URL_TCP);
	assert_string_equal(u.addr.host, "127.0.0.1");
	assert_int_equal(u.addr.port, 6399);
	assert_int_equal(u.dbnum, 3);
	assert_null(u.password);
	db_url_release(&u);

	assert_int_equal(db_url_parse("redis://:s3cr@t@redis.lan", &u, err, sizeof(err)), 0);
	assert_string_equal(u.password, "s3cr@t");
	assert_string_equal(u.addr.host, "redis.lan");
	assert_int_equal(u.addr.port, 6379);
	assert_int_equal(u.dbnum, 0);
	db_url_release(&u);

	assert_int_equal(db_url_parse("redis://[::1]:7000/", &u, err, sizeof(err)), 0);
	assert_string_equal(u.addr.host, "::1");
	assert_int_equal(u.addr.port, 7000);
	db_url_release(&u);

	assert_int_equal(db_url_parse("unix:/run/redis/redis.sock", &u, err, sizeof(err)), 0);
	assert_int_equal(u.kind, DB_URL_UNIX);
	assert_string_equal(u.socket_path, "/run/redis/redis.sock");
	db_url_release(&u);
}

static void sentinel_urls(void **state)
{
	(void)state;
	struct db_url u;
	char err[256];
	assert_int_equal(db_url_parse("sentinel://10.0.0.1:26379,10.0.0.2:26380,sentinel-3/sauti/2",
				      &u, err, sizeof(err)), 0);
	assert_int_equal(u.kind, DB_URL_SENTINEL);
	assert_int_equal(u.nsentinels, 3);
	assert_string_equal(u.sentinels[0].host, "10.0.0.1");
	assert_int_equal(u.sentinels[0].port, 26379);
	assert_string_equal(u.sentinels[1].host, "10.0.0.2");
	assert_int_equal(u.sentinels[1].port, 26380);
	assert_string_equal(u.sentinels[2].host, "sentinel-3");
	assert_int_equal(u.sentinels[2].port, 26379); /* Sentinel's own default */
	assert_string_equal(u.master_name, "sauti");
	assert_int_equal(u.dbnum, 2);
	db_url_release(&u);

	assert_int_equal(db_url_parse("sentinel://:pw@[::1]:5000/my-master.1", &u, err, sizeof(err)), 0);
	assert_int_equal(u.nsentinels, 1);
	assert_string_equal(u.sentinels[0].host, "::1");
	assert_int_equal(u.sentinels[0].port, 5000);
	assert_string_equal(u.master_name, "my-master.1");
	assert_string_equal(u.password, "pw");
	assert_int_equal(u.dbnum, 0);
	db_url_release(&u);
}

static const struct {
	const char *url, *why;
} bad[] = {
	{"mysql://db", "must start with redis://, unix: or sentinel://"},
	{"unix:", "names no socket"},
	{"redis://host:0", "bad host or port"},
	{"redis://host:65536", "bad host or port"},
	{"redis://host:80x", "bad host or port"},
	{"redis://[::1", "bad host or port"},
	{"redis://host/16", "bad database number"},
	{"redis://host/-1", "bad database number"},
	{"redis://host/x", "bad database number"},
	{"sentinel://h1:26379", "names no master"},
	{"sentinel://h1:26379/", "bad master name"},
	{"sentinel://h1:26379/a b", "bad master name"},
	{"sentinel://h1:26379,/m", "bad Sentinel address ''"},
	{"sentinel://h1:26379,h2:x/m", "bad Sentinel address 'h2:x'"},
	{"sentinel:///m", "bad Sentinel address ''"},
	{"sentinel://h1/m/99", "bad database number"},
};

static void bad_urls(void **state)
{
	(void)state;
	size_t failed = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct db_url u;
		char err[256] = "";
		if (db_url_parse(bad[i].url, &u, err, sizeof(err)) == 0) {
			print_message("'%s' was read\n", bad[i].url);
			db_url_release(&u);
			failed++;
			continue;
		}
		char want[256];
		snprintf(want, sizeof(want), "redis url '%s' ", bad[i].url);
		if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, bad[i].why)) {
			print_message("'%s': %s\n", bad[i].url, err);
			failed++;
		}
		/* A failed parse leaves nothing to release. */
		assert_null(u.sentinels);
		assert_null(u.password);
		assert_null(u.addr.host);
	}
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(redis_urls),
		cmocka_unit_test(sentinel_urls),
		cmocka_unit_test(bad_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
