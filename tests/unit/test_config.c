/* test_config.c -- config/sauti.yaml: defaults, every key, the environment,
 * and where each mistake is reported.  Run from the top of the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"

static const char *const secrets_env[] = {
	"SAUTI_API_TOKEN", "SAUTI_KANNEL_PASSWORD", "SAUTI_PSEUDONYM_KEY",
};

static void clear_env(void)
{
	for (size_t i = 0; i < 3; i++)
		unsetenv(secrets_env[i]);
}

/* Writes yaml to a new temporary file; returns its path (free()). */
static char *write_temp(const char *yaml)
{
	char *path = xstrdup("/tmp/test_config_XXXXXX.yaml");
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	return path;
}

/* Loads yaml; on error, err holds the message with the file name cut to
 * "t.yaml". */
static int load_yaml(const char *yaml, struct config *cfg, char *err,
		     size_t size)
{
	char raw[1024];
	char *path = write_temp(yaml);
	int rc = config_load(path, cfg, raw, sizeof(raw));
	if (rc < 0) {
		size_t n = strlen(path);
		assert_memory_equal(raw, path, n);
		snprintf(err, size, "t.yaml%s", raw + n);
	}
	unlink(path);
	free(path);
	return rc;
}

static void assert_defaults(const struct config *c)
{
	assert_string_equal(c->listen_host, "127.0.0.1");
	assert_int_equal(c->listen_port, 8080);
	assert_string_equal(c->redis, "redis://127.0.0.1:6379/0");
	assert_string_equal(c->flows, "flows/");
	assert_string_equal(c->country, "TZ");
	assert_null(c->api_token);
	assert_null(c->pseudonym_key);
	assert_string_equal(c->log_level, "info");
	assert_string_equal(c->kannel.sendsms,
			    "http://127.0.0.1:13013/cgi-bin/sendsms");
	assert_null(c->kannel.password);
	assert_null(c->kannel.from);
	assert_int_equal(c->kannel.rate, 20);
	assert_int_equal(c->kannel.nallow, 0);
	assert_null(c->kannel.allow);
	assert_int_equal(c->ussd.max_chars, 182);
	assert_int_equal(c->limits.max_per_window, 0);
	assert_int_equal(c->limits.window, 60);
	assert_int_equal(c->redis_timeout_ms, 1000);
	assert_int_equal(c->redis_wait_replicas, 0);
	assert_int_equal(c->max_body, 65536);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config c;
	config_defaults(&c);
	assert_defaults(&c);
	assert_null(c.path);
	config_release(&c);
	assert_null(c.redis);
}

static void test_empty_file(void **state)
{
	(void)state;
	static const char *const empties[] = {"", "# nothing\n", "~\n",
					      "kannel:\nussd:\n"};
	char err[512];
	for (size_t i = 0; i < 4; i++) {
		struct config c;
		assert_int_equal(load_yaml(empties[i], &c, err, sizeof(err)),
				 0);
		assert_defaults(&c);
		assert_non_null(c.path);
		config_release(&c);
	}
}

/* The example the gateway starts with: loopback only, no real secret. */
static void test_example(void **state)
{
	(void)state;
	struct config c;
	char err[512];
	int rc = config_load("config/sauti.yaml", &c, err, sizeof(err));
	if (rc < 0)
		print_message("%s\n", err);
	assert_int_equal(rc, 0);
	assert_string_equal(c.path, "config/sauti.yaml");
	assert_string_equal(c.listen_host, "127.0.0.1");
	assert_int_equal(c.listen_port, 8080);
	assert_string_equal(c.redis, "redis://127.0.0.1:6379/0");
	assert_string_equal(c.flows, "flows/");
	assert_string_equal(c.country, "TZ");
	assert_null(c.api_token);
	assert_string_equal(c.kannel.sendsms,
			    "http://127.0.0.1:13013/cgi-bin/sendsms");
	assert_string_equal(c.kannel.username, "sauti");
	assert_string_equal(c.kannel.password, "change-me-kannel");
	assert_string_equal(c.kannel.from, "15055");
	assert_int_equal(c.kannel.rate, 20);
	assert_int_equal(c.kannel.nallow, 2);
	assert_string_equal(c.kannel.allow[0], "127.0.0.1");
	assert_string_equal(c.kannel.allow[1], "::1");
	assert_int_equal(c.ussd.max_chars, 182);
	config_release(&c);
}

static void test_every_key(void **state)
{
	(void)state;
	static const char yaml[] =
	    "listen: \"[::1]:9090\"\n"
	    "redis: sentinel://10.0.0.1:26379,10.0.0.2/sauti/1\n"
	    "redis_wait_replicas: 1\n"
	    "flows: /srv/flows\n"
	    "country: GH\n"
	    "api_token: s3cret\n"
	    "pseudonym_key: k3y\n"
	    "log_level: debug\n"
	    "redis_timeout_ms: 250\n"
	    "max_body: 1048576\n"
	    "kannel:\n"
	    "  sendsms: https://sms.example/cgi-bin/sendsms\n"
	    "  username: gw\n"
	    "  password: pw\n"
	    "  from: \"0800\"\n"
	    "  rate: 5\n"
	    "  allow: 10.0.0.7\n"
	    "ussd: {max_chars: 160}\n"
	    "limits: {max_per_window: 30, window: 600}\n";
	struct config c;
	char err[512];
	assert_int_equal(load_yaml(yaml, &c, err, sizeof(err)), 0);
	assert_string_equal(c.listen_host, "::1");
	assert_int_equal(c.listen_port, 9090);
	assert_string_equal(c.redis, "sentinel://10.0.0.1:26379,10.0.0.2/sauti/1");
	assert_int_equal(c.redis_wait_replicas, 1);
	assert_string_equal(c.flows, "/srv/flows");
	assert_string_equal(c.country, "GH");
	assert_string_equal(c.api_token, "s3cret");
	assert_string_equal(c.pseudonym_key, "k3y");
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(c.redis_timeout_ms, 250);
	assert_int_equal(c.max_body, 1048576);
	assert_string_equal(c.kannel.sendsms,
			    "https://sms.example/cgi-bin/sendsms");
	assert_string_equal(c.kannel.username, "gw");
	assert_string_equal(c.kannel.password, "pw");
	assert_string_equal(c.kannel.from, "0800");
	assert_int_equal(c.kannel.rate, 5);
	assert_int_equal(c.kannel.nallow, 1); /* one address, not a list */
	assert_string_equal(c.kannel.allow[0], "10.0.0.7");
	assert_int_equal(c.ussd.max_chars, 160);
	assert_int_equal(c.limits.max_per_window, 30);
	assert_int_equal(c.limits.window, 600);
	config_release(&c);
}

static void test_environment(void **state)
{
	(void)state;
	static const char yaml[] = "api_token: from-file\n"
				   "pseudonym_key: from-file\n"
				   "kannel: {password: from-file}\n";
	struct config c;
	char err[512];

	setenv("SAUTI_API_TOKEN", "env-token", 1);
	setenv("SAUTI_KANNEL_PASSWORD", "env-password", 1);
	setenv("SAUTI_PSEUDONYM_KEY", "env-key", 1);
	assert_int_equal(load_yaml(yaml, &c, err, sizeof(err)), 0);
	assert_string_equal(c.api_token, "env-token");
	assert_string_equal(c.kannel.password, "env-password");
	assert_string_equal(c.pseudonym_key, "env-key");
	config_release(&c);

	/* Set but empty: off, whatever the file says. */
	setenv("SAUTI_API_TOKEN", "", 1);
	unsetenv("SAUTI_KANNEL_PASSWORD");
	unsetenv("SAUTI_PSEUDONYM_KEY");
	assert_int_equal(load_yaml(yaml, &c, err, sizeof(err)), 0);
	assert_null(c.api_token);
	assert_string_equal(c.kannel.password, "from-file");
	assert_string_equal(c.pseudonym_key, "from-file");
	config_release(&c);

	/* Without a file value, the environment alone. */
	setenv("SAUTI_API_TOKEN", "env-token", 1);
	assert_int_equal(load_yaml("", &c, err, sizeof(err)), 0);
	assert_string_equal(c.api_token, "env-token");
	config_release(&c);
	clear_env();
}

static void test_empty_secrets_are_off(void **state)
{
	(void)state;
	static const char *const cases[] = {
	    "api_token: \"\"\n",
	    "api_token:\n",
	    "api_token: ''\npseudonym_key: ~\nkannel: {password: \"\"}\n",
	};
	char err[512];
	for (size_t i = 0; i < 3; i++) {
		struct config c;
		assert_int_equal(load_yaml(cases[i], &c, err, sizeof(err)), 0);
		assert_null(c.api_token);
		assert_null(c.pseudonym_key);
		assert_null(c.kannel.password);
		config_release(&c);
	}
}

static const struct {
	const char *yaml;
	const char *want; /* the whole message after "t.yaml" */
} bad_cases[] = {
    {"listen: localhost\n",
     ":1:9: listen 'localhost' must be HOST:PORT, like 127.0.0.1:8080"},
    {"listen: 127.0.0.1:0\n", ":1:9: listen '127.0.0.1:0' must be HOST:PORT"},
    {"listen: 127.0.0.1:99999\n", ":1:9: listen '127.0.0.1:99999' must be"},
    {"listen: \":8080\"\n", ":1:9: listen ':8080' must be HOST:PORT"},
    {"listen: ::1:8080\n", ":1:9: listen '::1:8080' must be HOST:PORT"},
    {"listen: [127.0.0.1, 8080]\n",
     ":1:9: listen must be a single value, not a list"},
    {"redis: mysql://db\n",
     ":1:8: redis 'mysql://db' must be redis://HOST[:PORT][/DB] or "
     "unix:/path/redis.sock"},
    {"redis:\n", ":1:7: redis needs a value"},
    /* "1" would be taken for a word before a choice's number */
    {"words:\n  stop: [ACHA, \"1\"]\n", ":2:16: words.stop: '1' begins with a digit"},
    {"redis: sentinel://10.0.0.1:26379\n",
     ":1:8: redis 'sentinel://10.0.0.1:26379' must be redis://HOST[:PORT][/DB] "
     "or unix:/path/redis.sock, or sentinel://HOST:PORT[,HOST:PORT...]/MASTER_NAME[/DB]"},
    {"redis_wait_replicas: -1\n",
     ":1:22: redis_wait_replicas must be a whole number from 0 to 16"},
    {"country: tz\n", ":1:10: country 'tz' must be two capital letters"},
    {"country: TZA\n", ":1:10: country 'TZA' must be two capital letters"},
    {"country: XX\n", ":1:10: country 'XX' is no country with a numbering plan"},
    {"log_level: verbose\n",
     ":1:12: log_level 'verbose' must be debug, info, warn or error"},
    {"redis_timeout_ms: 5\n",
     ":1:19: redis_timeout_ms must be a whole number from 10 to 600000, not "
     "'5'"},
    {"max_body: 1.5\n",
     ":1:11: max_body must be a whole number from 1024 to 67108864, not "
     "'1.5'"},
    {"flows: x\nkannel:\n  rate: fast\n",
     ":3:9: kannel.rate must be a whole number from 1 to 1000, not 'fast'"},
    {"kannel: {rate: 0}\n", ":1:16: kannel.rate must be a whole number"},
    {"kannel: {sendsms: ftp://x}\n",
     ":1:19: kannel.sendsms 'ftp://x' must be an http:// URL"},
    {"kannel:\n  allow: [127.0.0.1, localhost]\n",
     ":2:22: kannel.allow: 'localhost' must be an IP address"},
    {"kannel:\n  allow: {a: b}\n", ":2:10: kannel.allow must be a list"},
    {"kannel: [a]\n", ":1:9: kannel must be a map of keys, not a list"},
    {"kannel: on\n", ":1:9: kannel must be a map of keys, not a text"},
    {"kannel:\n  pasword: x\n",
     ":2:3: kannel: unknown key 'pasword' (did you mean 'password'?)"},
    {"ussd: {max_chars: 39}\n",
     ":1:19: ussd.max_chars must be a whole number from 40 to 1000"},
    {"ussd: {max_chars: 1001}\n",
     ":1:19: ussd.max_chars must be a whole number from 40 to 1000"},
    {"limits: {window: 0}\n",
     ":1:18: limits.window must be a whole number from 1 to 86400"},
    {"limits: {max_per_window: -1}\n",
     ":1:26: limits.max_per_window must be a whole number from 0 to"},
    {"listne: 127.0.0.1:8080\n",
     ":1:1: unknown key 'listne' (did you mean 'listen'?)"},
    {"max_chars: 182\n", ":1:1: unknown key 'max_chars'"},
    {"flows: a\nflows: b\n", ":2:1: key 'flows' is given twice (first at line 1)"},
    {"- listen\n", ":1:1: the configuration must be a map of keys"},
    {"listen: [\n", ":2:1: syntax error"},
    {"kannel:\n  from: 15055\n\tusername: x\n", ":3:1: syntax error"},
    {"api_tokens: {name: a}\n", ":1:13: api_tokens must be a list of {name, role, token}"},
    {"api_tokens: [x]\n", ":1:14: api_tokens: each entry must be a map {name, role, token}"},
    {"api_tokens:\n  - {name: a, role: boss, token: t}\n",
     ":2:21: api_tokens: role 'boss' must be admin, convenor or researcher"},
    {"api_tokens:\n  - {name: a, role: admin}\n", ":2:5: api_tokens: each entry needs a token"},
    {"api_tokens:\n  - {name: a, role: admin, token: 'sha256:abc'}\n",
     ":2:35: api_tokens: the token of a must be the token itself or sha256: and 64 hex digits"},
    {"api_tokens:\n  - {name: a, role: admin, tokn: t}\n",
     ":2:28: api_tokens: unknown key 'tokn' (did you mean 'token'?)"},
    {"api_tokens:\n  - {name: a, role: admin, token: t}\n  - {name: a, role: admin, token: u}\n",
     ":3:5: api_tokens: the name a is given twice"},
    {"retention_days: -1\n", ":1:17: retention_days must be a whole number from 0 to 36500"},
};

static void test_api_tokens(void **state)
{
	(void)state;
	struct config c;
	char err[512];
	assert_int_equal(load_yaml("api_tokens:\n"
				   "  - {name: hakimadini, role: convenor, token: plain}\n"
				   "  - {name: mtl, role: researcher, token: \"sha256:"
				   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}\n"
				   "retention_days: 365\n",
				   &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.napi_tokens, 2);
	assert_string_equal(c.api_tokens[0].name, "hakimadini");
	assert_int_equal(c.api_tokens[0].role, ROLE_CONVENOR);
	assert_string_equal(c.api_tokens[0].token, "plain");
	assert_int_equal(c.api_tokens[1].role, ROLE_RESEARCHER);
	assert_int_equal(c.retention_days, 365);
	config_release(&c);
	assert_int_equal(load_yaml("flows: x\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.napi_tokens, 0);
	assert_int_equal(c.retention_days, 0);
	config_release(&c);
}

static void test_errors(void **state)
{
	(void)state;
	size_t failed = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct config c;
		char err[512] = "";
		char want[512];
		snprintf(want, sizeof(want), "t.yaml%s", bad_cases[i].want);
		if (load_yaml(bad_cases[i].yaml, &c, err, sizeof(err)) == 0) {
			print_message("case %zu loaded:\n%s", i,
				      bad_cases[i].yaml);
			config_release(&c);
			failed++;
			continue;
		}
		if (strncmp(err, want, strlen(want))) {
			print_message("case %zu:\n%swant: %s\ngot:  %s\n", i,
				      bad_cases[i].yaml, want, err);
			failed++;
		}
		/* A failed load leaves nothing to release. */
		assert_null(c.path);
		assert_null(c.redis);
		assert_null(c.listen_host);
	}
	assert_int_equal(failed, 0);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct config c;
	char err[512];
	assert_int_equal(config_load("/nonexistent/sauti.yaml", &c, err,
				     sizeof(err)),
			 -1);
	assert_string_equal(err, "/nonexistent/sauti.yaml: cannot open: No "
				 "such file or directory");
	assert_null(c.path);
}

static void write_pid(const char *path, long pid)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%ld\n", pid);
	fclose(f);
}

/* The pid of a child that has exited and been reaped. */
static long dead_pid(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (long)pid;
}

/* Which file a command reads without -c, and what it says of the choice. */
static void test_choose_path(void **state)
{
	char old[4096], dir[] = "/tmp/sauti-test-config-XXXXXX";
	const char *why = NULL;
	(void)state;
	assert_non_null(getcwd(old, sizeof(old)));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	unsetenv("SAUTI_CONFIG");

	assert_string_equal(config_choose_path("mine.yaml", &why), "mine.yaml");
	assert_string_equal(why, "given with -c");
	assert_string_equal(config_choose_path(NULL, &why), "config/sauti.yaml");
	assert_non_null(strstr(why, "the default"));

	assert_int_equal(mkdir("run", 0700), 0);
	FILE *f = fopen("run/sauti.yaml", "w");
	assert_non_null(f);
	fclose(f);
	/* Left by a make run that is gone (no pid, or a dead one): not read. */
	assert_string_equal(config_choose_path(NULL, &why), "config/sauti.yaml");
	write_pid("run/run.pid", dead_pid());
	assert_string_equal(config_choose_path(NULL, &why), "config/sauti.yaml");
	write_pid("run/run.pid", (long)getpid()); /* a make run that runs */
	assert_string_equal(config_choose_path(NULL, &why), "run/sauti.yaml");
	assert_non_null(strstr(why, "make run"));

	setenv("SAUTI_CONFIG", "/etc/sauti/sauti.yaml", 1);
	assert_string_equal(config_choose_path(NULL, &why), "/etc/sauti/sauti.yaml");
	assert_string_equal(why, "named by SAUTI_CONFIG");
	assert_string_equal(config_choose_path("mine.yaml", NULL), "mine.yaml");
	setenv("SAUTI_CONFIG", "", 1);      /* empty: as if unset */
	assert_string_equal(config_choose_path(NULL, NULL), "run/sauti.yaml");
	unsetenv("SAUTI_CONFIG");

	assert_int_equal(unlink("run/sauti.yaml"), 0);
	assert_int_equal(unlink("run/run.pid"), 0);
	assert_int_equal(rmdir("run"), 0);
	assert_int_equal(chdir(old), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_choose_path),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_empty_file),
	    cmocka_unit_test(test_example),
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_environment),
	    cmocka_unit_test(test_empty_secrets_are_off),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_api_tokens),
	    cmocka_unit_test(test_missing_file),
	};
	clear_env();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
