/* test_web.c -- the console's file serving (web.h) and session cookies
 * (session.h): which paths may map below web_root, content types, ETags,
 * the cookie parser, token digests; and GET /api/flows/FLOW's JSON
 * (flowjson.h) for a small flow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow.h"
#include "flowjson.h"
#include "session.h"
#include "web.h"

static void test_path_safe(void **state)
{
	(void)state;
	assert_true(web_path_safe("/index.html"));
	assert_true(web_path_safe("/pages/flows.js"));
	assert_false(web_path_safe("index.html"));
	assert_false(web_path_safe("/../config/sauti.yaml"));
	assert_false(web_path_safe("/pages/../../etc/passwd"));
	assert_false(web_path_safe("/.git/config"));
	assert_false(web_path_safe("/pages/.hidden.js"));
	assert_false(web_path_safe("//etc/passwd"));
	assert_false(web_path_safe("/pages//flows.js"));
	assert_false(web_path_safe("/a\\..\\b.js"));
}

static void test_content_type(void **state)
{
	(void)state;
	assert_string_equal(web_content_type("/index.html"), "text/html; charset=utf-8");
	assert_string_equal(web_content_type("/pages/flows.js"), "text/javascript; charset=utf-8");
	assert_string_equal(web_content_type("/style.css"), "text/css; charset=utf-8");
	assert_string_equal(web_content_type("/logo.svg"), "image/svg+xml");
	assert_null(web_content_type("/README"));
	assert_null(web_content_type("/app.js/"));
	assert_null(web_content_type("/v1.2/README"));
	assert_null(web_content_type("/config.yaml"));
}

static void test_etag(void **state)
{
	(void)state;
	const char *etag = "\"1a-2b-3c\"";
	assert_true(web_etag_matches("\"1a-2b-3c\"", etag));
	assert_true(web_etag_matches("\"x\", \"1a-2b-3c\"", etag));
	assert_true(web_etag_matches("W/\"1a-2b-3c\"", etag));
	assert_true(web_etag_matches("*", etag));
	assert_false(web_etag_matches(NULL, etag));
	assert_false(web_etag_matches("", etag));
	assert_false(web_etag_matches("\"1a-2b-3c", etag));
	assert_false(web_etag_matches("\"1a-2b-3c\"x", etag));
	assert_false(web_etag_matches("\"1a-2b\"", etag));
}

static void test_cookie(void **state)
{
	(void)state;
	char id[SESSION_ID_SIZE];
	const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "sauti_session=%s", hex);
	assert_true(session_cookie_id(cookie, id));
	assert_string_equal(id, hex);
	snprintf(cookie, sizeof(cookie), "lang=sw; sauti_session=%s; other=1", hex);
	memset(id, 0, sizeof(id));
	assert_true(session_cookie_id(cookie, id));
	assert_string_equal(id, hex);
	snprintf(cookie, sizeof(cookie), "xsauti_session=%s", hex);
	assert_false(session_cookie_id(cookie, id));
	snprintf(cookie, sizeof(cookie), "sauti_session=%.63s", hex);
	assert_false(session_cookie_id(cookie, id));
	snprintf(cookie, sizeof(cookie), "sauti_session=%sa", hex);
	assert_false(session_cookie_id(cookie, id));
	snprintf(cookie, sizeof(cookie), "sauti_session=%.63sG", hex);
	assert_false(session_cookie_id(cookie, id));
	assert_false(session_cookie_id("sauti_session=", id));
	assert_false(session_cookie_id("", id));
}

static void test_digest(void **state)
{
	(void)state;
	char out[SESSION_ID_SIZE];
	/* python3 -c "import hashlib; print(hashlib.sha256(b'abc').hexdigest())" */
	session_token_digest("abc", out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(session_equal("same", "same"));
	assert_false(session_equal("same", "Same"));
	assert_false(session_equal("same", "same "));
	assert_false(session_equal("", "x"));
}

static const char flow_yaml[] =
	"flow: tiny\n"
	"kind: survey\n"
	"title: {sw: \"Kidogo\", en: \"Tiny\"}\n"
	"languages: [sw, en]\n"
	"triggers:\n"
	"  keywords: [TINY]\n"
	"steps:\n"
	"  - id: pick\n"
	"    ask: {sw: \"Chagua\", en: \"Pick one\"}\n"
	"    choices:\n"
	"      - a: {sw: \"Moja\", en: \"One\"}\n"
	"      - b: {sw: \"Mbili\", en: \"Two ✓\"}\n"
	"    save: pick\n"
	"  - id: bye\n"
	"    end: {sw: \"Asante\", en: \"Thanks\"}\n";

static void test_flow_json(void **state)
{
	(void)state;
	char path[] = "/tmp/test_web_flowXXXXXX.yaml";
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, flow_yaml, sizeof(flow_yaml) - 1), (ssize_t)(sizeof(flow_yaml) - 1));
	close(fd);
	const char *paths[] = {path};
	struct flow_diags diags = {0};
	struct flow_load_opts opts = {.ussd_max_chars = 182};
	struct flow_set *set = flow_set_load(paths, 1, &opts, &diags);
	unlink(path);
	assert_int_equal(flow_diags_errors(&diags), 0);
	flow_diags_release(&diags);
	json_t *j = flow_json(flow_set_find(set, "tiny"));
	assert_string_equal(json_string_value(json_object_get(j, "id")), "tiny");
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "survey");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "title"), "en")), "Tiny");
	assert_int_equal(json_array_size(json_object_get(j, "languages")), 2);
	assert_true(json_is_null(json_object_get(j, "ussd")));
	json_t *steps = json_object_get(j, "steps");
	assert_int_equal(json_array_size(steps), 2);
	json_t *pick = json_array_get(steps, 0);
	assert_string_equal(json_string_value(json_object_get(pick, "type")), "ask");
	assert_string_equal(json_string_value(json_object_get(pick, "ask")), "choices");
	assert_string_equal(json_string_value(json_object_get(pick, "save")), "pick");
	assert_int_equal(json_array_size(json_object_get(pick, "choices")), 2);
	/* the message as sent lists the choices; the check mark forces UCS-2 in
	 * English only */
	const char *sw = json_string_value(json_object_get(json_object_get(pick, "message"), "sw"));
	assert_non_null(strstr(sw, "Chagua"));
	assert_non_null(strstr(sw, "Mbili"));
	json_t *sms = json_object_get(pick, "sms");
	assert_false(json_is_true(json_object_get(json_object_get(sms, "sw"), "ucs2")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(sms, "sw"), "segments")), 1);
	assert_true(json_is_true(json_object_get(json_object_get(sms, "en"), "ucs2")));
	json_t *bye = json_array_get(steps, 1);
	assert_string_equal(json_string_value(json_object_get(bye, "type")), "end");
	assert_null(json_object_get(bye, "save"));
	json_decref(j);
	flow_set_unref(set);
}

/* A say's "sent": the message it goes out in, joined to the question after
 * it (docs/http.md), is what the console totals. */
static void test_flow_json_say(void **state)
{
	static const char yaml[] =
		"flow: said\n"
		"languages: [en]\n"
		"steps:\n"
		"  - id: hi\n"
		"    say: \"We ask three short questions about the water you use at the mine site. Your answers are private.\"\n"
		"  - id: q\n"
		"    ask: \"Where do you get water? Tell us the place you use most often for washing ore.\"\n"
		"    text: {max: 50}\n"
		"    save: q\n";
	(void)state;
	char path[] = "/tmp/test_web_sayXXXXXX.yaml";
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, sizeof(yaml) - 1), (ssize_t)(sizeof(yaml) - 1));
	close(fd);
	const char *paths[] = {path};
	struct flow_diags diags = {0};
	struct flow_load_opts opts = {.ussd_max_chars = 182};
	struct flow_set *set = flow_set_load(paths, 1, &opts, &diags);
	unlink(path);
	assert_int_equal(flow_diags_errors(&diags), 0);
	flow_diags_release(&diags);
	json_t *j = flow_json(flow_set_find(set, "said"));
	json_t *hi = json_array_get(json_object_get(j, "steps"), 0);
	json_t *q = json_array_get(json_object_get(j, "steps"), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(hi, "sms"), "en"), "segments")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(hi, "sent"), "en"), "segments")), 2);
	assert_null(json_object_get(q, "sent"));
	json_decref(j);
	flow_set_unref(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_safe), cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_flow_json_say),
		cmocka_unit_test(test_etag),      cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_digest),    cmocka_unit_test(test_flow_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
