/* api.c -- the convenors' and researchers' HTTP API under /api/.
 *
 * Every path needs "Authorization: Bearer TOKEN" (config api_token or
 * SAUTI_API_TOKEN), compared in constant time, or the console's session
 * cookie (session.h: POST /api/session exchanges a token for one); without
 * a token configured the API is off.  Answers are JSON, except exports, which stream CSV or
 * JSON lines exactly as `sauti export` writes them. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broadcast.h"
#include "cli.h"
#include "contacts.h"
#include "db.h"
#include "export.h"
#include "flowjson.h"
#include "http.h"
#include "metrics.h"
#include "report.h"
#include "serve.h"
#include "session.h"
#include "timeutil.h"

static void reply_json(struct http_req *req, int code, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	size_t len = strlen(text);
	text = realloc(text, len + 2);
	text[len++] = '\n';
	http_reply(req, code, "application/json", text, len);
	free(text);
	json_decref(body);
}

static void reply_error(struct http_req *req, int code, const char *message)
{
	if (code < 500)
		metrics_inc(M_REJECTED, CHANNEL_SMS);
	reply_json(req, code, json_pack("{s:s}", "error", message));
}

static int token_matches(const char *given, const char *expected)
{
	return session_equal(given, expected);
}

static int api_on(const struct gateway *gw, struct http_req *req)
{
	if (gw->cfg.api_token)
		return 1;
	reply_error(req, 403, "the API is off: set api_token or SAUTI_API_TOKEN");
	return 0;
}

static int authorised(const struct gateway *gw, struct http_req *req)
{
	if (!api_on(gw, req))
		return 0;
	const char *auth = http_header(req, "Authorization");
	if (!auth || strncmp(auth, "Bearer ", 7) != 0 || !token_matches(auth + 7, gw->cfg.api_token)) {
		http_add_header(req, "WWW-Authenticate", "Bearer");
		reply_error(req, 401, "missing or wrong bearer token");
		return 0;
	}
	return 1;
}

/* -- the console's session (session.h) ----------------------------------------- */

static void api_route(struct gateway *gw, struct http_req *req, const struct session *s);

struct session_req {
	struct gateway *gw;
	struct http_req *req;
};

static void reply_session(struct http_req *req, const struct session *s)
{
	reply_json(req, 200, json_pack("{s:s,s:s,s:s,s:I}", "name", s->name, "role", s->role,
				       "csrf", s->csrf, "expires_in", (json_int_t)s->ttl));
}

static void on_signed_in(int rc, const struct session *s, void *arg)
{
	struct http_req *req = arg;
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
		return;
	}
	session_set_cookie(req, s->id, s->ttl);
	reply_session(req, s);
}

/* POST /api/session {"token"}: the console's sign-in. */
static void api_sign_in(struct gateway *gw, struct http_req *req)
{
	json_error_t jerr;
	json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
	const char *token = NULL;
	char tok[SESSION_ID_SIZE];
	if (!body || json_unpack_ex(body, &jerr, 0, "{s:s}", "token", &token) < 0) {
		reply_error(req, 400, "body must be JSON {\"token\"}");
	} else if (!token_matches(token, gw->cfg.api_token)) {
		reply_error(req, 401, "wrong token");
	} else {
		session_token_digest(token, tok);
		if (session_create(gw->db, gw->cfg.session_ttl, "admin", "admin", tok, on_signed_in,
				   req) < 0)
			reply_error(req, 503, "storage unavailable, retry later");
	}
	json_decref(body);
}

static void on_signed_out(int rc, const struct session *s, void *arg)
{
	(void)s;
	struct http_req *req = arg;
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
		return;
	}
	session_set_cookie(req, NULL, 0);
	reply_json(req, 200, json_pack("{s:b}", "signed_out", 1));
}

/* GET /api/session: who is signed in; DELETE: sign-out. */
static void api_session(struct gateway *gw, struct http_req *req, const struct session *s)
{
	if (req->method == HTTP_GET && s)
		reply_session(req, s);
	else if (req->method == HTTP_GET)
		reply_json(req, 200, json_pack("{s:s,s:s}", "name", "admin", "role", "admin"));
	else if (req->method != HTTP_DELETE)
		reply_error(req, 405, "use POST to sign in, GET, or DELETE to sign out");
	else if (!s)
		reply_error(req, 400, "no session to end: sign-out is for the console's cookie");
	else if (session_delete(gw->db, s->id, on_signed_out, req) < 0)
		reply_error(req, 503, "storage unavailable, retry later");
}

/* A session holds while its token is still configured; a request other
 * than GET also shows the session's CSRF token, which a page of another
 * site cannot read. */
static void on_session(int rc, const struct session *s, void *arg)
{
	struct session_req *sr = arg;
	struct http_req *req = sr->req;
	char tok[SESSION_ID_SIZE];
	session_token_digest(sr->gw->cfg.api_token, tok);
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
	} else if (rc > 0 || !session_equal(s->tok, tok)) {
		session_set_cookie(req, NULL, 0);
		reply_error(req, 401, "signed out: the session expired or its token was withdrawn");
	} else if (req->method != HTTP_GET &&
		   !session_equal(http_header(req, SESSION_CSRF_HEADER) ? http_header(req, SESSION_CSRF_HEADER) : "",
				  s->csrf)) {
		reply_error(req, 403, "missing or wrong " SESSION_CSRF_HEADER " header");
	} else {
		api_route(sr->gw, req, s);
	}
	free(sr);
}

/* The session's cookie, when the request has one and no Authorization
 * header (which wins).  Answers req and returns 1; 0 when there is none. */
static int by_session(struct gateway *gw, struct http_req *req)
{
	char id[SESSION_ID_SIZE];
	const char *cookie = http_header(req, "Cookie");
	if (http_header(req, "Authorization") || !cookie || !session_cookie_id(cookie, id))
		return 0;
	if (!api_on(gw, req))
		return 1;
	struct session_req *sr = xcalloc(1, sizeof(*sr));
	sr->gw = gw;
	sr->req = req;
	if (session_load(gw->db, id, on_session, sr) < 0) {
		free(sr);
		reply_error(req, 503, "storage unavailable, retry later");
	}
	return 1;
}

/* -- POST /api/contacts ------------------------------------------------------- */

struct contacts_req {
	struct http_req *req;
	json_t *errors;
	size_t rejected;
};

static void on_api_contacts_stored(long stored, void *arg)
{
	struct contacts_req *cr = arg;
	if (stored < 0) {
		json_decref(cr->errors);
		reply_error(cr->req, 503, "storage unavailable, retry later");
	} else {
		reply_json(cr->req, 200, json_pack("{s:I,s:I,s:o}", "stored", (json_int_t)stored,
						   "rejected", (json_int_t)cr->rejected,
						   "errors", cr->errors));
	}
	free(cr);
}

static void api_contacts(struct gateway *gw, struct http_req *req)
{
	struct contacts_import imp = CONTACTS_IMPORT_INIT;
	char err[512];
	if (req->body_len == 0) {
		reply_error(req, 400, "empty body: send the contacts CSV");
		return;
	}
	if (contacts_parse(req->body, req->body_len, gw->cfg.country, &imp, err, sizeof(err)) < 0) {
		contacts_import_release(&imp);
		reply_error(req, 400, err);
		return;
	}
	if (!db_ready(gw->db)) {
		contacts_import_release(&imp);
		reply_error(req, 503, "storage unavailable, retry later");
		return;
	}
	struct contacts_req *cr = xcalloc(1, sizeof(*cr));
	cr->req = req;
	cr->errors = json_array();
	cr->rejected = imp.nerrors;
	for (size_t i = 0; i < imp.nerrors; i++)
		json_array_append_new(cr->errors, json_string(imp.errors[i].message));
	contacts_store(gw->db, &imp, on_api_contacts_stored, cr);
	contacts_import_release(&imp);
}

/* -- GET /api/flows/FLOW/export.csv|.jsonl ------------------------------------ */

struct export_req {
	struct http_req *req;
	struct exporter *exporter;
};

static void on_api_drained(void *arg)
{
	struct export_req *xr = arg;
	export_resume(xr->exporter);
}

static void on_api_emit(const char *data, size_t len, void *arg)
{
	struct export_req *xr = arg;
	if (!xr->req->ev) {
		/* The client left: stop reading Redis for nobody. */
		export_cancel(xr->exporter);
		http_stream_end(xr->req);
		free(xr);
		return;
	}
	http_stream_chunk(xr->req, data, len, on_api_drained, xr);
}

static void on_api_export_done(int rc, void *arg)
{
	struct export_req *xr = arg;
	(void)rc; /* a failure mid-stream can only cut the stream short */
	http_stream_end(xr->req);
	free(xr);
}

static int query_time(struct http_req *req, const char *name, long *out)
{
	const char *v = http_param(req, name);
	if (!v || !*v)
		return 0;
	if (time_parse_iso8601(v, out) < 0) {
		reply_error(req, 400, "since/until must be ISO 8601 times");
		return -1;
	}
	return 0;
}

static void api_export(struct gateway *gw, struct http_req *req, const char *flow_id,
		       bool jsonl)
{
	struct export_opts opts = {.jsonl = jsonl, .now = (long)time(NULL)};
	opts.flow = flow_set_find(gw->flows, flow_id);
	if (!opts.flow) {
		reply_error(req, 404, "no such flow");
		return;
	}
	if (query_time(req, "since", &opts.since) < 0 || query_time(req, "until", &opts.until) < 0)
		return;
	opts.raw_phone = false; /* the API never gives out numbers */
	opts.pseudonym_key = cli_pseudonym_key(&gw->cfg);
	struct export_req *xr = xcalloc(1, sizeof(*xr));
	xr->req = req;
	xr->exporter = export_start(gw->db, &opts, on_api_emit, on_api_export_done, xr);
	if (!xr->exporter) {
		free(xr);
		reply_error(req, 503, "storage unavailable, retry later");
		return;
	}
	http_stream_start(req, jsonl ? "application/x-ndjson; charset=utf-8"
				     : "text/csv; charset=utf-8");
}

/* -- broadcasts and reports --------------------------------------------------- */

static void reply_json_text(struct http_req *req, int code, const char *text)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s\n", text);
	http_reply(req, code, "application/json", b.data, b.len);
	buf_release(&b);
}

static void on_api_created(const char *id, void *arg)
{
	struct http_req *req = arg;
	if (!id)
		reply_error(req, 503, "storage unavailable, retry later");
	else
		reply_json(req, 200, json_pack("{s:s}", "id", id));
}

static void on_api_dry_run(int rc, const struct broadcast_plan_summary *s, void *arg)
{
	struct http_req *req = arg;
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
		return;
	}
	struct buf b = BUF_INIT;
	broadcast_plan_json(s, &b);
	reply_json_text(req, 200, b.data);
	buf_release(&b);
}

static void api_broadcast_create(struct gateway *gw, struct http_req *req)
{
	json_error_t jerr;
	json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
	const char *flow = NULL, *to = NULL, *at_text = NULL;
	int dry = 0;
	if (!body || json_unpack_ex(body, &jerr, 0, "{s:s,s:s,s?s,s?b}", "flow", &flow, "to", &to,
				    "at", &at_text, "dry_run", &dry) < 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), "body must be JSON {\"flow\", \"to\", \"at\"?, \"dry_run\"?}: %s",
			 jerr.text);
		json_decref(body);
		reply_error(req, 400, msg);
		return;
	}
	char audience[8192], err[256];
	long at = 0;
	if (!flow_set_find(gw->flows, flow)) {
		reply_error(req, 404, "no such flow");
	} else if (audience_check(to, gw->cfg.country, audience, sizeof(audience), err, sizeof(err)) < 0) {
		reply_error(req, 400, err);
	} else if (at_text && time_parse_iso8601(at_text, &at) < 0) {
		reply_error(req, 400, "at must be ISO 8601 with an offset");
	} else if ((dry ? broadcast_dry_run(gw->db, gw->flows, flow, audience, on_api_dry_run, req)
			: broadcast_create(gw->db, flow, audience, at, on_api_created, req)) < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
	}
	json_decref(body);
}

static void on_api_counts(int rc, const struct broadcast_counts *c, void *arg)
{
	struct http_req *req = arg;
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
	} else if (!c->found) {
		reply_error(req, 404, "no such broadcast");
	} else {
		struct buf b = BUF_INIT;
		broadcast_counts_json(c, req->path + strlen("/api/broadcasts/"), &b);
		reply_json_text(req, 200, b.data);
		buf_release(&b);
	}
}

static void on_api_report(int rc, const char *json, void *arg)
{
	struct http_req *req = arg;
	if (rc < 0)
		reply_error(req, 503, "storage unavailable, retry later");
	else
		reply_json_text(req, 200, json);
}

static bool method_is(struct http_req *req, enum http_method m)
{
	if (req->method == m)
		return true;
	http_add_header(req, "Allow", m == HTTP_GET ? "GET" : "POST");
	reply_error(req, 405, m == HTTP_GET ? "use GET" : "use POST");
	return false;
}

/* -- routing ---------------------------------------------------------------- */

static int flow_path(const char *path, const char *suffix, char *flow, size_t size)
{
	const char *prefix = "/api/flows/";
	size_t plen = strlen(prefix), slen = strlen(suffix), len = strlen(path);
	if (strncmp(path, prefix, plen) != 0 || len <= plen + slen ||
	    strcmp(path + len - slen, suffix) != 0)
		return 0;
	size_t n = len - plen - slen;
	if (n >= size || memchr(path + plen, '/', n))
		return 0;
	memcpy(flow, path + plen, n);
	flow[n] = '\0';
	return 1;
}

void api_handler(struct http_req *req, void *data)
{
	struct gateway *gw = data;
	if (strcmp(req->path, "/api/session") == 0 && req->method == HTTP_POST) {
		if (api_on(gw, req))
			api_sign_in(gw, req);
	} else if (!by_session(gw, req) && authorised(gw, req)) {
		api_route(gw, req, NULL);
	}
}

/* s: the console's session, or NULL for a bearer token. */
static void api_route(struct gateway *gw, struct http_req *req, const struct session *s)
{
	char flow[128];
	const char *path = req->path;
	bool jsonl = false;
	if (strcmp(path, "/api/session") == 0) {
		api_session(gw, req, s);
	} else if (strcmp(path, "/api/contacts") == 0) {
		if (method_is(req, HTTP_POST))
			api_contacts(gw, req);
	} else if (strcmp(path, "/api/broadcasts") == 0) {
		if (method_is(req, HTTP_POST))
			api_broadcast_create(gw, req);
	} else if (strncmp(path, "/api/broadcasts/", 16) == 0 && path[16] &&
		   !strchr(path + 16, '/')) {
		if (method_is(req, HTTP_GET) &&
		    broadcast_status(gw->db, path + 16, on_api_counts, req) < 0)
			reply_error(req, 503, "storage unavailable, retry later");
	} else if (flow_path(path, "/export.csv", flow, sizeof(flow)) ||
		   (jsonl = flow_path(path, "/export.jsonl", flow, sizeof(flow)))) {
		if (method_is(req, HTTP_GET))
			api_export(gw, req, flow, jsonl);
	} else if (flow_path(path, "/report", flow, sizeof(flow))) {
		const struct flow *f = flow_set_find(gw->flows, flow);
		if (!method_is(req, HTTP_GET))
			return;
		if (!f)
			reply_error(req, 404, "no such flow");
		else if (report_start(gw->db, f, on_api_report, req) < 0)
			reply_error(req, 503, "storage unavailable, retry later");
	} else if (strncmp(path, "/api/flows/", 11) == 0 && path[11] && !strchr(path + 11, '/')) {
		const struct flow *f = flow_set_find(gw->flows, path + 11);
		if (!method_is(req, HTTP_GET))
			return;
		if (!f)
			reply_error(req, 404, "no such flow");
		else
			reply_json(req, 200, flow_json(f));
	} else {
		reply_error(req, 404, "no such path");
	}
}
