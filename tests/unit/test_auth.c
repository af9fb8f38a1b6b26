/* test_auth.c -- roles, configured tokens (plain and sha256:), finding the
 * caller's token, and the route patterns of api.c, as data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>

#include "auth.h"
#include "config.h"


static void test_roles(void **state)
{
	(void)state;
	static const struct { const char *name; int ok; enum auth_role role; } cases[] = {
		{"admin", 0, ROLE_ADMIN}, {"convenor", 0, ROLE_CONVENOR},
		{"researcher", 0, ROLE_RESEARCHER}, {"Admin", -1, 0}, {"", -1, 0},
		{"root", -1, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum auth_role r = 0;
		assert_int_equal(auth_role_parse(cases[i].name, &r), cases[i].ok);
		if (cases[i].ok == 0) {
			assert_int_equal(r, cases[i].role);
			assert_string_equal(auth_role_name(r), cases[i].name);
		}
	}
}

static void test_token_check(void **state)
{
	(void)state;
	assert_null(auth_token_check("plain-token"));
	assert_null(auth_token_check("sha256:" "0123456789abcdef0123456789abcdef"
				     "0123456789abcdef0123456789ABCDEF"));
	assert_non_null(auth_token_check(""));
	assert_non_null(auth_token_check("sha256:"));
	assert_non_null(auth_token_check("sha256:0123"));
	assert_non_null(auth_token_check("sha256:" "0123456789abcdef0123456789abcdef"
					 "0123456789abcdef0123456789abcdeg"));
}

static void test_find(void **state)
{
	(void)state;
	struct config cfg;
	struct config_token tokens[] = {
		{"hakimadini", ROLE_CONVENOR, "convenor-secret"},
		{"mtl", ROLE_RESEARCHER, NULL},
	};
	/* the digest is computed here, as an operator would with sha256sum */
	char hex[80];
	unsigned char d[32];
	crypto_hash_sha256(d, (const unsigned char *)"researcher-secret", 17);
	strcpy(hex, "sha256:");
	for (int i = 0; i < 32; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", d[i]);
	tokens[1].token = hex;
	config_defaults(&cfg);
	struct auth_who who = {0};
	assert_false(auth_enabled(&cfg));
	assert_int_equal(auth_find(&cfg, "convenor-secret", &who), -1);
	cfg.api_tokens = tokens;
	cfg.napi_tokens = 2;
	assert_true(auth_enabled(&cfg));
	assert_int_equal(auth_find(&cfg, "convenor-secret", &who), 0);
	assert_string_equal(who.name, "hakimadini");
	assert_int_equal(who.role, ROLE_CONVENOR);
	assert_int_equal(auth_find(&cfg, "researcher-secret", &who), 0);
	assert_string_equal(who.name, "mtl");
	assert_int_equal(who.role, ROLE_RESEARCHER);
	/* the stored hash is not itself a token; near misses fail */
	assert_int_equal(auth_find(&cfg, hex, &who), -1);
	assert_int_equal(auth_find(&cfg, "convenor-secre", &who), -1);
	assert_int_equal(auth_find(&cfg, "convenor-secret ", &who), -1);
	assert_int_equal(auth_find(&cfg, "", &who), -1);
	assert_int_equal(auth_find(&cfg, NULL, &who), -1);
	/* a session's digest finds its token while it is configured */
	assert_int_equal(auth_find_digest(&cfg, hex + 7, &who), 0);
	assert_string_equal(who.name, "mtl");
	assert_int_equal(auth_find_digest(&cfg, "00", &who), -1);
	/* the single api_token is an admin named admin */
	cfg.api_token = "admin-secret";
	assert_int_equal(auth_find(&cfg, "admin-secret", &who), 0);
	assert_string_equal(who.name, "admin");
	assert_int_equal(who.role, ROLE_ADMIN);
	cfg.api_token = NULL;
	cfg.api_tokens = NULL;
	cfg.napi_tokens = 0;
	config_release(&cfg);
}

static void test_path_match(void **state)
{
	(void)state;
	static const struct { const char *pattern, *path; bool match; const char *seg; } cases[] = {
		{"/api/flows", "/api/flows", true, ""},
		{"/api/flows", "/api/flows/", false, NULL},
		{"/api/flows/*", "/api/flows/poll", true, "poll"},
		{"/api/flows/*", "/api/flows/", false, NULL},
		{"/api/flows/*", "/api/flows/poll/report", false, NULL},
		{"/api/flows/*/report", "/api/flows/poll/report", true, "poll"},
		{"/api/flows/*/report", "/api/flows//report", false, NULL},
		{"/api/flows/*/export.csv", "/api/flows/poll/export.jsonl", false, NULL},
		{"/api/contacts/*", "/api/contacts/+255700000101", true, "+255700000101"},
		{"/api/contacts", "/api/contactsx", false, NULL},
		{"/api/contacts/*", "/api/contacts", false, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char seg[32] = "";
		bool m = auth_path_match(cases[i].pattern, cases[i].path, seg, sizeof(seg));
		if (m != cases[i].match)
			fail_msg("%s against %s: %d", cases[i].pattern, cases[i].path, m);
		if (m)
			assert_string_equal(seg, cases[i].seg);
	}
	/* a segment longer than the room given does not match */
	char small[4];
	assert_false(auth_path_match("/a/*", "/a/abcdef", small, sizeof(small)));
}

static void test_bearer_token(void **state)
{
	(void)state;
	assert_string_equal(auth_bearer_token("Bearer abc"), "abc");
	assert_string_equal(auth_bearer_token("bearer abc"), "abc");
	assert_string_equal(auth_bearer_token("BEARER abc"), "abc");
	assert_string_equal(auth_bearer_token("Bearer   abc"), "abc");
	assert_null(auth_bearer_token("Bearer"));
	assert_null(auth_bearer_token("Bearer "));
	assert_null(auth_bearer_token("Bearerabc"));
	assert_null(auth_bearer_token("Basic YWJj"));
	assert_null(auth_bearer_token(""));
	assert_null(auth_bearer_token(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_token_check),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_path_match),
		cmocka_unit_test(test_bearer_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
