/* ussd_dialect.c -- see ussd_dialect.h.
 *
 * Field names and values follow the aggregators' public documentation as
 * docs/http.md lists them.  A parser is lenient where aggregators differ
 * between versions (a number sent as a JSON number or as a string, a Type
 * in any case) and strict where a guess would walk someone's survey wrongly
 * (no session, no number, an unknown Type). */
#include "ussd_dialect.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

static const struct {
	const char *name;
	const char *path;
	const char *country;
} dialects[] = {
	[USSD_HUBTEL] = {"hubtel", "/ussd/hubtel", "GH"},
	[USSD_BEEM] = {"beem", "/ussd/beem", "TZ"},
	[USSD_ARKESEL] = {"arkesel", "/ussd/arkesel", "GH"},
};

int ussd_dialect_from_path(const char *path, enum ussd_dialect *out)
{
	for (size_t i = 0; path && i < sizeof(dialects) / sizeof(dialects[0]); i++) {
		if (strcmp(path, dialects[i].path) == 0) {
			*out = (enum ussd_dialect)i;
			return 0;
		}
	}
	return -1;
}

const char *ussd_dialect_name(enum ussd_dialect d)
{
	return dialects[d].name;
}

const char *ussd_dialect_country(enum ussd_dialect d)
{
	return dialects[d].country;
}

void ussd_request_release(struct ussd_request *r)
{
	free(r->input);
	r->input = NULL;
}

/* ---- reading fields ------------------------------------------------------- */

struct reader {
	json_t *obj;
	char *why;
	size_t whysize;
	bool failed;
};

static void fail(struct reader *rd, const char *fmt, const char *name)
{
	if (!rd->failed)
		snprintf(rd->why, rd->whysize, fmt, name);
	rd->failed = true;
}

/* A field that is text, or a whole number written as one (ids and numbers
 * arrive both ways).  Returns NULL when absent or null (writes nothing). */
static const char *field_text(struct reader *rd, json_t *obj, const char *name,
			      char *num, size_t numsize)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(num, numsize, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return num;
	}
	fail(rd, "'%s' must be a text", name);
	return NULL;
}

/* Copies field name into dst (size bytes); required: absent or empty is an
 * error. */
static void copy_field(struct reader *rd, json_t *obj, const char *name,
		       bool required, char *dst, size_t size)
{
	char num[32];
	const char *v = field_text(rd, obj, name, num, sizeof(num));
	if (!v || !*v) {
		if (required)
			fail(rd, "missing '%s'", name);
		return;
	}
	if (strlen(v) >= size) {
		fail(rd, "'%s' is too long", name);
		return;
	}
	memcpy(dst, v, strlen(v) + 1);
}

/* The person's input: any text, up to USSD_DIALECT_INPUT_MAX bytes. */
static char *input_field(struct reader *rd, json_t *obj, const char *name)
{
	char num[32];
	const char *v = field_text(rd, obj, name, num, sizeof(num));
	if (v && strlen(v) > USSD_DIALECT_INPUT_MAX) {
		fail(rd, "'%s' is too long", name);
		v = NULL;
	}
	return xstrdup(v ? v : "");
}

static long hop_field(struct reader *rd, json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v))
		return -1;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 1000000000)
		return (long)json_integer_value(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		long n = strtol(s, &end, 10);
		if (*s && !*end && n >= 0 && n <= 1000000000)
			return n;
	}
	fail(rd, "'%s' must be a whole number", name);
	return -1;
}

/* "*713#", "*713*5#": what a person dials. */
static bool is_dial_string(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || s[0] != '*' || s[n - 1] != '#')
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != '*')
			return false;
	return true;
}

/* The code from a dial string or a bare service code ("713" -> "*713#"). */
static int set_code(struct ussd_request *r, const char *s)
{
	size_t n = strlen(s);
	if (is_dial_string(s)) {
		if (n >= sizeof(r->code))
			return -1;
		memcpy(r->code, s, n + 1);
		return 0;
	}
	size_t digits = strspn(s, "0123456789");
	if (digits == 0 || digits != n || n + 3 > sizeof(r->code))
		return -1;
	snprintf(r->code, sizeof(r->code), "*%s#", s);
	return 0;
}

/* ---- the dialects ------------------------------------------------------------ */

static void parse_hubtel(struct reader *rd, struct ussd_request *r)
{
	char type[32] = "";
	copy_field(rd, rd->obj, "Type", true, type, sizeof(type));
	copy_field(rd, rd->obj, "SessionId", true, r->session, sizeof(r->session));
	copy_field(rd, rd->obj, "Mobile", true, r->number, sizeof(r->number));
	copy_field(rd, rd->obj, "Operator", false, r->network, sizeof(r->network));
	r->hop = hop_field(rd, rd->obj, "Sequence");
	r->input = input_field(rd, rd->obj, "Message");
	if (rd->failed)
		return;
	char service[64] = "";
	copy_field(rd, rd->obj, "ServiceCode", false, service, sizeof(service));
	if (strcasecmp(type, "Initiation") == 0) {
		r->dial = true;
		/* The whole dial string when Message holds one, else the code. */
		if (set_code(r, r->input) < 0 && (!*service || set_code(r, service) < 0))
			fail(rd, "%s", "an Initiation needs the dialled code in 'Message' or 'ServiceCode'");
		r->input[0] = '\0';
	} else if (strcasecmp(type, "Release") == 0 || strcasecmp(type, "Timeout") == 0) {
		r->left = true;
	} else if (strcasecmp(type, "Response") != 0) {
		fail(rd, "'Type' must be Initiation, Response, Release or Timeout, not '%s'", type);
	} else if (*service) {
		set_code(r, service); /* for the log only: the session knows its flow */
	}
}

static void parse_beem(struct reader *rd, struct ussd_request *r, const char *code)
{
	char command[32] = "";
	copy_field(rd, rd->obj, "command", true, command, sizeof(command));
	copy_field(rd, rd->obj, "session_id", true, r->session, sizeof(r->session));
	copy_field(rd, rd->obj, "msisdn", true, r->number, sizeof(r->number));
	copy_field(rd, rd->obj, "operator", false, r->network, sizeof(r->network));
	json_t *payload = json_object_get(rd->obj, "payload");
	if (payload && !json_is_object(payload) && !json_is_null(payload))
		fail(rd, "'%s' must be an object", "payload");
	if (json_is_object(payload)) {
		r->hop = hop_field(rd, payload, "request_id");
		r->input = input_field(rd, payload, "response");
	}
	if (rd->failed)
		return;
	if (strcasecmp(command, "initiate") == 0) {
		r->dial = true;
		if (!code || set_code(r, code) < 0)
			fail(rd, "%s", "no USSD code: the callback URL must name it, "
				       "as /ussd/beem?code=%2A150%2A77%23");
		if (r->input)
			r->input[0] = '\0';
	} else if (strcasecmp(command, "terminate") == 0) {
		r->left = true;
	} else if (strcasecmp(command, "continue") != 0) {
		fail(rd, "'command' must be initiate, continue or terminate, not '%s'", command);
	} else if (code) {
		set_code(r, code); /* for the log only: the session knows its flow */
	}
}

static void parse_arkesel(struct reader *rd, struct ussd_request *r)
{
	copy_field(rd, rd->obj, "sessionID", true, r->session, sizeof(r->session));
	copy_field(rd, rd->obj, "msisdn", true, r->number, sizeof(r->number));
	copy_field(rd, rd->obj, "userID", false, r->user_id, sizeof(r->user_id));
	copy_field(rd, rd->obj, "network", false, r->network, sizeof(r->network));
	json_t *fresh = json_object_get(rd->obj, "newSession");
	if (fresh && !json_is_boolean(fresh) && !json_is_null(fresh))
		fail(rd, "'%s' must be true or false", "newSession");
	r->input = input_field(rd, rd->obj, "userData");
	if (rd->failed)
		return;
	if (json_is_true(fresh)) {
		r->dial = true;
		if (set_code(r, r->input) < 0)
			fail(rd, "%s", "a new session needs the dialled code in 'userData'");
		r->input[0] = '\0';
	}
}

int ussd_dialect_parse(enum ussd_dialect d, const char *body, size_t len,
		       const char *code_param, struct ussd_request *out,
		       char *why, size_t whysize)
{
	memset(out, 0, sizeof(*out));
	out->dialect = d;
	out->hop = -1;
	json_error_t jerr;
	json_t *root = json_loadb(body ? body : "", body ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
	struct reader rd = {root, why, whysize, false};
	if (!root) {
		snprintf(why, whysize, "malformed JSON at line %d, column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		fail(&rd, "%s", "the body must be a JSON object");
	} else if (d == USSD_HUBTEL) {
		parse_hubtel(&rd, out);
	} else if (d == USSD_BEEM) {
		parse_beem(&rd, out, code_param);
	} else {
		parse_arkesel(&rd, out);
	}
	json_decref(root);
	if (!out->input && !rd.failed)
		out->input = xstrdup("");
	if (rd.failed) {
		ussd_request_release(out);
		return -1;
	}
	return 0;
}

/* ---- answers ------------------------------------------------------------------ */

static void dump(json_t *obj, struct buf *out)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	buf_puts(out, text ? text : "{}");
	free(text);
	json_decref(obj);
}

void ussd_dialect_answer(const struct ussd_request *r, const char *screen,
			 bool end, struct buf *out)
{
	json_t *o;
	switch (r->dialect) {
	case USSD_HUBTEL:
		o = json_pack("{s:s, s:s, s:s}", "Type", end ? "Release" : "Response",
			      "Message", screen, "ClientState", "");
		break;
	case USSD_BEEM:
		o = json_pack("{s:s, s:s, s:s, s:s, s:{s:I, s:s}}", "msisdn", r->number,
			      "operator", r->network, "session_id", r->session,
			      "command", end ? "terminate" : "continue", "payload",
			      "request_id", (json_int_t)(r->hop >= 0 ? r->hop : 0),
			      "request", screen);
		break;
	default:
		o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "sessionID", r->session,
			      "userID", r->user_id, "msisdn", r->number, "message", screen,
			      "continueSession", !end);
		break;
	}
	dump(o, out);
}

void ussd_dialect_error(const struct ussd_request *r, const char *reason,
			struct buf *out)
{
	ussd_dialect_answer(r, reason, true, out);
}
