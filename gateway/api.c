/* api.c -- the convenors' and researchers' HTTP API under /api/.
 *
 * Every path needs "Authorization: Bearer TOKEN" (config api_token or
 * SAUTI_API_TOKEN), compared in constant time; without a token configured
 * the API is off.  Answers are JSON, except exports, which stream CSV or
 * JSON lines exactly as `sauti export` writes them. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broadcast.h"
#include "cli.h"
#include "contacts.h"
#include "db.h"
#include "export.h"
#include "http.h"
#include "metrics.h"
#include "report.h"
#include "serve.h"
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

/* Hashing both sides first makes the comparison constant-time whatever the
 * lengths, which sodium_memcmp alone is not. */
static int token_matches(const char *given, const char *expected)
{
	unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
	crypto_generichash(a, sizeof(a), (const unsigned char *)given, strlen(given), NULL, 0);
	crypto_generichash(b, sizeof(b), (const unsigned char *)expected, strlen(expected), NULL, 0);
	return sodium_memcmp(a, b, sizeof(a)) == 0;
}

static int authorised(const struct gateway *gw, struct http_req *req)
{
	if (!gw->cfg.api_token) {
		reply_error(req, 403, "the API is off: set api_token or SAUTI_API_TOKEN");
		return 0;
	}
	const char *auth = http_header(req, "Authorization");
	if (!auth || strncmp(auth, "Bearer ", 7) != 0 || !token_matches(auth + 7, gw->cfg.api_token)) {
		http_add_header(req, "WWW-Authenticate", "Bearer");
		reply_error(req, 401, "missing or wrong bearer token");
		return 0;
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
	if (!authorised(gw, req))
		return;
	char flow[128];
	const char *path = req->path;
	bool jsonl = false;
	if (strcmp(path, "/api/contacts") == 0) {
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
	} else {
		reply_error(req, 404, "no such path");
	}
}
