/* test_ussd_dialect.c -- ussd_dialect.c as data: a body an aggregator
 * sends, what sauti reads from it; a screen, the body sauti answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ussd_dialect.h"

struct parse_case {
	enum ussd_dialect dialect;
	const char *body;
	const char *code_param;
	/* expected; why != NULL: the parse fails with a reason containing it */
	const char *why;
	const char *session, *number, *code, *input;
	bool dial, left;
	long hop;
};

static const struct parse_case parse_cases[] = {
	/* Hubtel: Initiation with the whole dial string, then the answers. */
	{USSD_HUBTEL,
	 "{\"Type\":\"Initiation\",\"Mobile\":\"233200000001\",\"SessionId\":\"h-1\","
	 "\"ServiceCode\":\"713\",\"Message\":\"*713#\",\"Operator\":\"mtn\",\"Sequence\":1,"
	 "\"ClientState\":\"\"}",
	 NULL, NULL, "h-1", "233200000001", "*713#", "", true, false, 1},
	{USSD_HUBTEL,
	 "{\"Type\":\"Initiation\",\"Mobile\":\"233200000001\",\"SessionId\":\"h-2\","
	 "\"ServiceCode\":\"713\",\"Message\":\"*713*5#\",\"Sequence\":1}",
	 NULL, NULL, "h-2", "233200000001", "*713*5#", "", true, false, 1},
	/* Message without a dial string: the ServiceCode it is. */
	{USSD_HUBTEL,
	 "{\"Type\":\"initiation\",\"Mobile\":233200000001,\"SessionId\":77,"
	 "\"ServiceCode\":\"713\",\"Message\":\"\"}",
	 NULL, NULL, "77", "233200000001", "*713#", "", true, false, -1},
	{USSD_HUBTEL,
	 "{\"Type\":\"Response\",\"Mobile\":\"233200000001\",\"SessionId\":\"h-1\","
	 "\"ServiceCode\":\"713\",\"Message\":\"2*3 ok\",\"Sequence\":\"4\"}",
	 NULL, NULL, "h-1", "233200000001", "*713#", "2*3 ok", false, false, 4},
	{USSD_HUBTEL,
	 "{\"Type\":\"Timeout\",\"Mobile\":\"233200000001\",\"SessionId\":\"h-1\"}",
	 NULL, NULL, "h-1", "233200000001", "", "", false, true, -1},
	{USSD_HUBTEL,
	 "{\"Type\":\"Release\",\"Mobile\":\"233200000001\",\"SessionId\":\"h-1\"}",
	 NULL, NULL, "h-1", "233200000001", "", "", false, true, -1},
	{USSD_HUBTEL, "{\"Type\":\"Response\",\"Mobile\":\"233200000001\"}", NULL,
	 "missing 'SessionId'", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_HUBTEL, "{\"Type\":\"Hello\",\"Mobile\":\"1\",\"SessionId\":\"s\"}", NULL,
	 "'Type' must be Initiation, Response, Release or Timeout, not 'Hello'",
	 NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_HUBTEL, "{\"Type\":\"Initiation\",\"Mobile\":\"1\",\"SessionId\":\"s\"}", NULL,
	 "needs the dialled code", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_HUBTEL, "{\"Type\":\"Response\",\"Mobile\":\"1\",\"SessionId\":[1]}", NULL,
	 "'SessionId' must be a text", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_HUBTEL, "{\"Type\":\"Response\",\"Mobile\":\"1\",\"SessionId\":\"s\",\"Sequence\":-2}",
	 NULL, "'Sequence' must be a whole number", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_HUBTEL, "{\"Type\":\"Response\",", NULL, "malformed JSON", NULL, NULL,
	 NULL, NULL, false, false, 0},
	{USSD_HUBTEL, "[1,2]", NULL, "must be a JSON object", NULL, NULL, NULL, NULL,
	 false, false, 0},
	{USSD_HUBTEL, "", NULL, "malformed JSON", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_HUBTEL, "{\"Type\":\"Response\",\"Type\":\"Release\"}", NULL, "malformed JSON",
	 NULL, NULL, NULL, NULL, false, false, 0},

	/* Beem: the code from ?code=, the input in payload.response. */
	{USSD_BEEM,
	 "{\"msisdn\":\"255700000001\",\"operator\":\"vodacom\",\"session_id\":\"b-1\","
	 "\"command\":\"initiate\",\"payload\":{\"request_id\":0,\"response\":\"\"}}",
	 "*150*77#", NULL, "b-1", "255700000001", "*150*77#", "", true, false, 0},
	{USSD_BEEM,
	 "{\"msisdn\":\"255700000001\",\"operator\":\"vodacom\",\"session_id\":\"b-1\","
	 "\"command\":\"continue\",\"payload\":{\"request_id\":3,\"response\":\"Dhahabu\"}}",
	 "*150*77#", NULL, "b-1", "255700000001", "*150*77#", "Dhahabu", false, false, 3},
	{USSD_BEEM,
	 "{\"msisdn\":\"255700000001\",\"session_id\":\"b-1\",\"command\":\"terminate\"}",
	 NULL, NULL, "b-1", "255700000001", "", "", false, true, -1},
	{USSD_BEEM,
	 "{\"msisdn\":\"255700000001\",\"session_id\":\"b-1\",\"command\":\"initiate\"}",
	 NULL, "the callback URL must name it", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_BEEM,
	 "{\"msisdn\":\"255700000001\",\"session_id\":\"b-1\",\"command\":\"continue\","
	 "\"payload\":\"1\"}",
	 NULL, "'payload' must be an object", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_BEEM, "{\"session_id\":\"b-1\",\"command\":\"continue\"}", NULL,
	 "missing 'msisdn'", NULL, NULL, NULL, NULL, false, false, 0},

	/* Arkesel: newSession and userData. */
	{USSD_ARKESEL,
	 "{\"sessionID\":\"a-1\",\"userID\":\"sauti\",\"newSession\":true,"
	 "\"msisdn\":\"233200000002\",\"userData\":\"*920*88#\",\"network\":\"MTN\"}",
	 NULL, NULL, "a-1", "233200000002", "*920*88#", "", true, false, -1},
	{USSD_ARKESEL,
	 "{\"sessionID\":\"a-1\",\"userID\":\"sauti\",\"newSession\":false,"
	 "\"msisdn\":\"233200000002\",\"userData\":\"12\",\"network\":\"MTN\"}",
	 NULL, NULL, "a-1", "233200000002", "", "12", false, false, -1},
	{USSD_ARKESEL,
	 "{\"sessionID\":\"a-1\",\"newSession\":true,\"msisdn\":\"233200000002\","
	 "\"userData\":\"hello\"}",
	 NULL, "needs the dialled code in 'userData'", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_ARKESEL,
	 "{\"sessionID\":\"a-1\",\"newSession\":\"yes\",\"msisdn\":\"233200000002\"}",
	 NULL, "'newSession' must be true or false", NULL, NULL, NULL, NULL, false, false, 0},
	{USSD_ARKESEL, "{\"sessionID\":\"a-1\",\"newSession\":false,\"msisdn\":\"\"}", NULL,
	 "missing 'msisdn'", NULL, NULL, NULL, NULL, false, false, 0},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct ussd_request r;
		char why[256] = "";
		int rc = ussd_dialect_parse(c->dialect, c->body, strlen(c->body), c->code_param,
					    &r, why, sizeof(why));
		if (c->why) {
			if (rc == 0 || !strstr(why, c->why))
				fail_msg("case %zu: wanted a failure saying '%s', got %d '%s'", i,
					 c->why, rc, why);
			assert_null(r.input);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: %s", i, why);
		assert_string_equal(r.session, c->session);
		assert_string_equal(r.number, c->number);
		assert_string_equal(r.code, c->code);
		assert_string_equal(r.input, c->input);
		assert_int_equal(r.dial, c->dial);
		assert_int_equal(r.left, c->left);
		assert_int_equal(r.hop, c->hop);
		ussd_request_release(&r);
	}
}

/* An input longer than a USSD request can be. */
static void test_parse_limits(void **state)
{
	(void)state;
	struct buf body = BUF_INIT;
	buf_puts(&body, "{\"Type\":\"Response\",\"Mobile\":\"1\",\"SessionId\":\"s\",\"Message\":\"");
	for (int i = 0; i < USSD_DIALECT_INPUT_MAX + 1; i++)
		buf_putc(&body, 'x');
	buf_puts(&body, "\"}");
	struct ussd_request r;
	char why[128];
	assert_int_equal(ussd_dialect_parse(USSD_HUBTEL, body.data, body.len, NULL, &r, why,
					    sizeof(why)), -1);
	assert_non_null(strstr(why, "too long"));
	buf_release(&body);
	/* A NUL inside a text is refused by JSON itself. */
	assert_int_equal(ussd_dialect_parse(USSD_HUBTEL,
					    "{\"Type\":\"Response\",\"Mobile\":\"1\",\"SessionId\":\"a\\u0000b\"}",
					    60, NULL, &r, why, sizeof(why)), -1);
}

struct answer_case {
	enum ussd_dialect dialect;
	const char *body;       /* the request */
	const char *screen;
	bool end;
	const char *want;
};

static const struct answer_case answer_cases[] = {
	{USSD_HUBTEL,
	 "{\"Type\":\"Response\",\"Mobile\":\"233200000001\",\"SessionId\":\"h-1\",\"Message\":\"1\"}",
	 "Chagua:\n1. Ndiyo", false,
	 "{\"Type\":\"Response\",\"Message\":\"Chagua:\\n1. Ndiyo\",\"ClientState\":\"\"}"},
	{USSD_HUBTEL,
	 "{\"Type\":\"Response\",\"Mobile\":\"233200000001\",\"SessionId\":\"h-1\",\"Message\":\"1\"}",
	 "Medaase!", true, "{\"Type\":\"Release\",\"Message\":\"Medaase!\",\"ClientState\":\"\"}"},
	{USSD_BEEM,
	 "{\"msisdn\":\"255700000001\",\"operator\":\"tigo\",\"session_id\":\"b-9\","
	 "\"command\":\"continue\",\"payload\":{\"request_id\":5,\"response\":\"2\"}}",
	 "Asante!", true,
	 "{\"msisdn\":\"255700000001\",\"operator\":\"tigo\",\"session_id\":\"b-9\","
	 "\"command\":\"terminate\",\"payload\":{\"request_id\":5,\"request\":\"Asante!\"}}"},
	{USSD_ARKESEL,
	 "{\"sessionID\":\"a-1\",\"userID\":\"u7\",\"newSession\":false,"
	 "\"msisdn\":\"233200000002\",\"userData\":\"1\"}",
	 "Next?", false,
	 "{\"sessionID\":\"a-1\",\"userID\":\"u7\",\"msisdn\":\"233200000002\","
	 "\"message\":\"Next?\",\"continueSession\":true}"},
};

static void test_answer(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(answer_cases) / sizeof(answer_cases[0]); i++) {
		const struct answer_case *c = &answer_cases[i];
		struct ussd_request r;
		char why[128];
		assert_int_equal(ussd_dialect_parse(c->dialect, c->body, strlen(c->body), NULL,
						    &r, why, sizeof(why)), 0);
		struct buf out = BUF_INIT;
		ussd_dialect_answer(&r, c->screen, c->end, &out);
		assert_string_equal(buf_str(&out), c->want);
		buf_release(&out);
		ussd_request_release(&r);
	}
}

/* A refused request is answered in its dialect, with what could be read. */
static void test_error_answer(void **state)
{
	(void)state;
	struct ussd_request r;
	char why[128];
	const char *body = "{\"sessionID\":\"a-5\",\"newSession\":\"x\",\"msisdn\":\"233200000002\"}";
	assert_int_equal(ussd_dialect_parse(USSD_ARKESEL, body, strlen(body), NULL, &r, why,
					    sizeof(why)), -1);
	struct buf out = BUF_INIT;
	ussd_dialect_error(&r, why, &out);
	json_t *o = json_loads(buf_str(&out), 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "sessionID")), "a-5");
	assert_true(json_is_false(json_object_get(o, "continueSession")));
	assert_non_null(strstr(json_string_value(json_object_get(o, "message")), "newSession"));
	json_decref(o);
	buf_release(&out);
}

static void test_paths(void **state)
{
	(void)state;
	enum ussd_dialect d;
	assert_int_equal(ussd_dialect_from_path("/ussd/beem", &d), 0);
	assert_int_equal(d, USSD_BEEM);
	assert_string_equal(ussd_dialect_name(d), "beem");
	assert_string_equal(ussd_dialect_country(d), "TZ");
	assert_int_equal(ussd_dialect_from_path("/ussd/hubtel", &d), 0);
	assert_string_equal(ussd_dialect_country(d), "GH");
	assert_int_equal(ussd_dialect_from_path("/ussd", &d), -1);
	assert_int_equal(ussd_dialect_from_path("/ussd/nalo", &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_error_answer),
		cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
