/* api.c -- the convenors' and researchers' HTTP API under /api/
 * (docs/http.md).
 *
 * Every path needs "Authorization: Bearer TOKEN", one of config api_tokens
 * or the admin api_token / SAUTI_API_TOKEN (auth.h), or the console's
 * session cookie (session.h: POST /api/session exchanges a token for one);
 * without a token configured the API is off.  What each role may do is the
 * one table `routes` below: a new endpoint is a row there (method, path
 * pattern, roles, handler).  Answers are JSON, except exports and
 * codebooks, which stream CSV or JSON lines exactly as `sauti export`
 * writes them.  No answer carries a phone number. */
#include "api.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "broadcast.h"
#include "contacts.h"
#include "db.h"
#include "export.h"
#include "flowjson.h"
#include "exportfmt.h"
#include "gateway.h"
#include "http.h"
#include "inbox.h"
#include "metrics.h"
#include "person.h"
#include "phone.h"
#include "pseudo.h"
#include "report.h"
#include "session.h"
#include "store.h"
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

/* A message as an answer may carry it: one may quote what was sent (an
 * audience, a CSV cell), and no answer carries a phone number. */
static json_t *scrubbed_string(const char *message)
{
	char out[1024];
	phone_scrub(message, out, sizeof(out));
	return json_string(out);
}

/* {"error": message}: the /api/ route's http_error (serve.c). */
static void reply_error(struct http_req *req, int code, const char *message)
{
	char out[1024];
	if (code < 500)
		metrics_inc(M_REJECTED, CHANNEL_SMS);
	phone_scrub(message, out, sizeof(out));
	http_error(req, code, out);
}

static int api_on(const struct gateway *gw, struct http_req *req)
{
	if (auth_enabled(&gw->cfg))
		return 1;
	reply_error(req, 403, "the API is off: set api_tokens, api_token or SAUTI_API_TOKEN");
	return 0;
}

/* One request, once its token is known: what a handler gets.  who.name
 * points into the configuration (which lives as long as the daemon) or
 * into session, which lives only until the handler returns. */
struct api_call {
	struct gateway *gw;
	struct http_req *req;
	struct auth_who who;
	const struct session *session; /* the console's, or NULL for a token */
	char arg[160];       /* what the route pattern's '*' matched */
};

static void audit(const struct api_call *call, const char *action, const char *what, long n)
{
	audit_record(call->gw->db, call->who.name, action, what, n, NULL, NULL);
}

/* -- the console's session (session.h) ----------------------------------------- */

static void api_dispatch(struct api_call *call);

struct session_req {
	struct gateway *gw;
	struct http_req *req;
};

/* Who is signed in, and max_body: the console sends a large upload in
 * parts of at most that many bytes (docs/http.md). */
static void reply_session(struct http_req *req, const struct session *s, size_t max_body)
{
	reply_json(req, 200, json_pack("{s:s,s:s,s:s,s:I,s:I}", "name", s->name, "role", s->role,
				       "csrf", s->csrf, "expires_in", (json_int_t)s->ttl,
				       "max_body", (json_int_t)max_body));
}

static void on_signed_in(int rc, const struct session *s, void *arg)
{
	struct session_req *sr = arg;
	struct http_req *req = sr->req;
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
	} else {
		session_set_cookie(req, s->id, s->ttl);
		reply_session(req, s, sr->gw->cfg.max_body);
	}
	free(sr);
}

/* POST /api/session {"token"}: the console's sign-in. */
static void api_sign_in(struct gateway *gw, struct http_req *req)
{
	json_error_t jerr;
	json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
	const char *token = NULL;
	char tok[SESSION_ID_SIZE];
	struct auth_who who;
	if (!body || json_unpack_ex(body, &jerr, 0, "{s:s}", "token", &token) < 0) {
		reply_error(req, 400, "body must be JSON {\"token\"}");
	} else if (auth_find(&gw->cfg, token, &who) < 0) {
		reply_error(req, 401, "wrong token");
	} else {
		session_token_digest(token, tok);
		struct session_req *sr = xcalloc(1, sizeof(*sr));
		sr->gw = gw;
		sr->req = req;
		if (session_create(gw->db, gw->cfg.session_ttl, who.name, auth_role_name(who.role),
				   tok, on_signed_in, sr) < 0) {
			free(sr);
			reply_error(req, 503, "storage unavailable, retry later");
		}
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
static void api_session(struct api_call *call)
{
	struct gateway *gw = call->gw;
	struct http_req *req = call->req;
	const struct session *s = call->session;
	if (req->method == HTTP_GET && s)
		reply_session(req, s, gw->cfg.max_body);
	else if (req->method == HTTP_GET)
		reply_json(req, 200, json_pack("{s:s,s:s,s:I}", "name", call->who.name, "role",
					       auth_role_name(call->who.role), "max_body",
					       (json_int_t)gw->cfg.max_body));
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
	struct api_call call = {.gw = sr->gw, .req = req, .session = s};
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
	} else if (rc > 0 || auth_find_digest(&sr->gw->cfg, s->tok, &call.who) < 0) {
		session_set_cookie(req, NULL, 0);
		reply_error(req, 401, "signed out: the session expired or its token was withdrawn");
	} else if (req->method != HTTP_GET &&
		   !session_equal(http_header(req, SESSION_CSRF_HEADER) ? http_header(req, SESSION_CSRF_HEADER) : "",
				  s->csrf)) {
		reply_error(req, 403, "missing or wrong " SESSION_CSRF_HEADER " header");
	} else {
		api_dispatch(&call);
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
	struct api_call call;
	json_t *errors;
	size_t rejected;
};

static void on_api_contacts_stored(long stored, void *arg)
{
	struct contacts_req *cr = arg;
	if (stored < 0) {
		json_decref(cr->errors);
		reply_error(cr->call.req, 503, "storage unavailable, retry later");
	} else {
		audit(&cr->call, AUDIT_IMPORT, "upload", stored);
		reply_json(cr->call.req, 200, json_pack("{s:I,s:I,s:o}", "stored", (json_int_t)stored,
						   "rejected", (json_int_t)cr->rejected,
						   "errors", cr->errors));
	}
	free(cr);
}

static void api_contacts(struct api_call *call)
{
	struct gateway *gw = call->gw;
	struct http_req *req = call->req;
	struct contacts_import imp = CONTACTS_IMPORT_INIT;
	char err[512];
	if (req->body_len == 0) {
		reply_error(req, 400, "empty body: send the contacts CSV");
		return;
	}
	/* ?country=CC: the file's default, as `contacts import --country`. */
	const char *country = http_param(req, "country");
	if (country && !phone_country_known(country)) {
		reply_error(req, 400, "country: use a country code of 2 letters, such as TZ or GH");
		return;
	}
	if (contacts_parse(req->body, req->body_len, country ? country : gw->cfg.country, &imp,
			   err, sizeof(err)) < 0) {
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
	cr->call = *call;
	cr->errors = json_array();
	cr->rejected = imp.nerrors;
	for (size_t i = 0; i < imp.nerrors; i++)
		json_array_append_new(cr->errors, scrubbed_string(imp.errors[i].message));
	store_contacts(gw->db, &imp, on_api_contacts_stored, cr);
	contacts_import_release(&imp);
}

/* -- GET /api/flows/FLOW/export.csv|.jsonl ------------------------------------ */

struct export_req {
	struct api_call call;
	struct http_req *req;
	struct exporter *exporter;
	long rows;
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
	/* a failure mid-stream can only cut the stream short */
	if (rc == 0)
		audit(&xr->call, AUDIT_EXPORT, xr->call.arg, xr->rows);
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

static void free_fields(char **fields)
{
	for (size_t i = 0; fields && fields[i]; i++)
		free(fields[i]);
	free(fields);
}

/* ?fields=a,b as export --fields; a refused field is a 400. */
static int query_fields(struct http_req *req, struct export_opts *opts, char ***out)
{
	const char *list = http_param(req, "fields");
	*out = NULL;
	if (!list || !*list)
		return 0;
	size_t cap = 2;
	for (const char *p = list; *p; p++)
		cap += *p == ',';
	*out = xcalloc(cap, sizeof(**out));
	char *copy = xstrdup(list), *save = NULL;
	size_t n = 0;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		const char *why = export_field_refused(f);
		if (why) {
			char msg[300];
			snprintf(msg, sizeof(msg), "fields: %.100s %s", f, why);
			free(copy);
			free_fields(*out);
			*out = NULL;
			reply_error(req, 400, msg);
			return -1;
		}
		(*out)[n++] = xstrdup(f);
	}
	free(copy);
	opts->fields = (const char *const *)*out;
	opts->nfields = n;
	return 0;
}

static void api_export(struct api_call *call, bool jsonl)
{
	struct gateway *gw = call->gw;
	struct http_req *req = call->req;
	struct export_opts opts = {.jsonl = jsonl, .now = (long)time(NULL)};
	opts.flow = flow_set_find(gw->flows, call->arg);
	if (!opts.flow) {
		reply_error(req, 404, "no such flow");
		return;
	}
	if (query_time(req, "since", &opts.since) < 0 || query_time(req, "until", &opts.until) < 0)
		return;
	opts.raw_phone = false; /* the API never gives out numbers */
	opts.pseudonym_key = config_pseudonym_key(&gw->cfg);
	char **fields = NULL;
	if (query_fields(req, &opts, &fields) < 0)
		return;
	struct export_req *xr = xcalloc(1, sizeof(*xr));
	xr->call = *call;
	xr->req = req;
	opts.rows = &xr->rows;
	xr->exporter = export_start(gw->db, &opts, on_api_emit, on_api_export_done, xr);
	free_fields(fields);
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

struct broadcast_req {
	struct api_call call;
	char *what;          /* flow and audience, for the audit trail */
};

static void on_api_created(int rc, const char *id, long size, const char *why, void *arg)
{
	struct broadcast_req *br = arg;
	if (rc < 0) {
		reply_error(br->call.req, 503, "storage unavailable, retry later");
	} else if (rc == 1) {
		reply_error(br->call.req, 422, why);
	} else {
		audit(&br->call, AUDIT_BROADCAST, br->what, size);
		reply_json(br->call.req, 200, json_pack("{s:s}", "id", id));
	}
	free(br->what);
	free(br);
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

static void api_broadcast_create(struct api_call *call)
{
	struct gateway *gw = call->gw;
	struct http_req *req = call->req;
	json_error_t jerr;
	json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
	const char *flow = NULL, *to = NULL, *at_text = NULL;
	int dry = 0, force = 0;
	if (!body || json_unpack_ex(body, &jerr, 0, "{s:s,s:s,s?s,s?b,s?b}", "flow", &flow, "to", &to,
				    "at", &at_text, "dry_run", &dry, "force", &force) < 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), "body must be JSON {\"flow\", \"to\", \"at\"?, \"dry_run\"?, "
					   "\"force\"?}: %s",
			 jerr.text);
		json_decref(body);
		reply_error(req, 400, msg);
		return;
	}
	char audience[8192], err[256];
	long at = 0;
	if (!flow_set_find(gw->flows, flow)) {
		reply_error(req, 404, "no such flow");
	} else if (audience_check(to, gw->cfg.country, gw->flows, audience, sizeof(audience), err, sizeof(err)) < 0) {
		reply_error(req, 400, err);
	} else if (at_text && time_parse_iso8601(at_text, &at) < 0) {
		reply_error(req, 400, "at must be ISO 8601 with an offset");
	} else if (dry) {
		if (broadcast_dry_run(gw->db, gw->flows, flow, audience, gw->cfg.gsm7_substitute,
				      NULL, on_api_dry_run, req) < 0)
			reply_error(req, 503, "storage unavailable, retry later");
	} else {
		struct broadcast_req *br = xcalloc(1, sizeof(*br));
		br->call = *call;
		struct buf what = BUF_INIT;
		buf_printf(&what, "%s to %s", flow, audience);
		br->what = buf_detach(&what);
		struct broadcast_request bq = {.flow = flow, .audience = audience, .at = at,
					       .force = force};
		if (broadcast_create(gw->db, gw->flows, &bq, on_api_created, br) < 0) {
			free(br->what);
			free(br);
			reply_error(req, 503, "storage unavailable, retry later");
		}
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
		broadcast_counts_json(c, &b);
		reply_json_text(req, 200, b.data);
		buf_release(&b);
	}
}

static void on_api_list(int rc, const struct broadcast_counts *all, size_t n, void *arg)
{
	struct http_req *req = arg;
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
		return;
	}
	struct buf b = BUF_INIT;
	broadcast_list_json(all, n, &b);
	reply_json_text(req, 200, b.data);
	buf_release(&b);
}

static void api_broadcast_list(struct api_call *call)
{
	if (broadcast_list(call->gw->db, on_api_list, call->req) < 0)
		reply_error(call->req, 503, "storage unavailable, retry later");
}

struct cancel_req {
	struct api_call call;
};

static void on_api_cancelled(int rc, void *arg)
{
	struct cancel_req *cr = arg;
	struct http_req *req = cr->call.req;
	if (rc < 0) {
		reply_error(req, 503, "storage unavailable, retry later");
	} else if (rc == 0) {
		reply_error(req, 404, "no such broadcast");
	} else if (rc == 2) {
		reply_error(req, 409, "that broadcast has ended already");
	} else {
		audit(&cr->call, AUDIT_CANCEL, cr->call.arg, 1);
		reply_json(req, 200, json_pack("{s:s,s:s}", "id", cr->call.arg, "state", "cancelled"));
	}
	free(cr);
}

static void api_broadcast_cancel(struct api_call *call)
{
	struct cancel_req *cr = xcalloc(1, sizeof(*cr));
	cr->call = *call;
	if (broadcast_cancel(call->gw->db, call->arg, on_api_cancelled, cr) < 0) {
		free(cr);
		reply_error(call->req, 503, "storage unavailable, retry later");
	}
}

static void api_broadcast_status(struct api_call *call)
{
	if (broadcast_status(call->gw->db, call->arg, on_api_counts, call->req) < 0)
		reply_error(call->req, 503, "storage unavailable, retry later");
}

/* -- reports, flows, codebooks ------------------------------------------------------ */

static void on_api_report(int rc, const char *json, void *arg)
{
	struct http_req *req = arg;
	if (rc < 0)
		reply_error(req, 503, "storage unavailable, retry later");
	else
		reply_json_text(req, 200, json);
}

static void api_report(struct api_call *call)
{
	const struct flow *f = flow_set_find(call->gw->flows, call->arg);
	if (!f)
		reply_error(call->req, 404, "no such flow");
	else if (report_start(call->gw->db, f, on_api_report, call->req) < 0)
		reply_error(call->req, 503, "storage unavailable, retry later");
}

static void api_export_csv(struct api_call *call) { api_export(call, false); }
static void api_export_jsonl(struct api_call *call) { api_export(call, true); }

static void api_codebook(struct api_call *call)
{
	const struct flow *f = flow_set_find(call->gw->flows, call->arg);
	if (!f) {
		reply_error(call->req, 404, "no such flow");
		return;
	}
	struct buf out = BUF_INIT;
	export_codebook_csv(&out, f);
	http_reply(call->req, 200, "text/csv; charset=utf-8", out.data, out.len);
	buf_release(&out);
}

/* GET /api/flows/FLOW: its steps with their SMS cost (flowjson.h). */
static void api_flow(struct api_call *call)
{
	const struct flow *f = flow_set_find(call->gw->flows, call->arg);
	if (!f)
		reply_error(call->req, 404, "no such flow");
	else
		reply_json(call->req, 200, flow_json(f));
}

static void api_flows(struct api_call *call)
{
	const struct flow_set *set = call->gw->flows;
	json_t *flows = json_array();
	for (size_t i = 0; i < set->n; i++)
		json_array_append_new(flows, flow_summary_json(set->flows[i]));
	reply_json(call->req, 200, json_pack("{s:o}", "flows", flows));
}

/* -- contacts: list and forget ------------------------------------------------------ */

struct list_req {
	struct http_req *req;
	bool jsonl;
};

static void on_api_listed(json_t *rows, void *arg)
{
	struct list_req *lr = arg;
	if (!rows) {
		reply_error(lr->req, 503, "storage unavailable, retry later");
	} else {
		struct buf out = BUF_INIT;
		if (lr->jsonl)
			person_rows_jsonl(rows, &out);
		else
			person_rows_csv(rows, &out);
		http_reply(lr->req, 200,
			   lr->jsonl ? "application/x-ndjson; charset=utf-8" : "text/csv; charset=utf-8",
			   out.data, out.len);
		buf_release(&out);
	}
	free(lr);
}

static void api_contacts_list(struct api_call *call)
{
	const char *format = http_param(call->req, "format");
	const char *group = http_param(call->req, "group");
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0) {
		reply_error(call->req, 400, "format must be csv or jsonl");
		return;
	}
	struct list_req *lr = xcalloc(1, sizeof(*lr));
	lr->req = call->req;
	lr->jsonl = format && strcmp(format, "jsonl") == 0;
	/* always pseudonyms: no API answer carries a number */
	if (person_list(call->gw->db, group && *group ? group : NULL,
			config_pseudonym_key(&call->gw->cfg), on_api_listed, lr) < 0) {
		free(lr);
		reply_error(call->req, 503, "storage unavailable, retry later");
	}
}

static void on_api_forgotten(int rc, const char *erased, void *arg)
{
	struct api_call *call = arg;
	if (rc < 0) {
		reply_error(call->req, 503, "storage unavailable, retry later");
	} else if (rc == 1) {
		reply_error(call->req, 404, "nothing is stored about that number");
	} else {
		audit(call, AUDIT_FORGET, "contacts", 1);
		json_t *counts = json_loads(erased, 0, NULL);
		reply_json(call->req, 200, json_pack("{s:o}", "erased", counts ? counts : json_object()));
	}
	free(call);
}

/* The PHONE of /api/contacts/PHONE in E.164, or -1 having answered 400. */
static int call_phone(struct api_call *call, char phone[PHONE_E164_SIZE])
{
	const char *why = NULL;
	if (phone_normalise(call->arg, call->gw->cfg.country, phone, PHONE_E164_SIZE, &why) == 0)
		return 0;
	char msg[200];
	snprintf(msg, sizeof(msg), "not a phone number: %s", why ? why : "unreadable");
	reply_error(call->req, 400, msg);
	return -1;
}

static void api_contacts_forget(struct api_call *call)
{
	char phone[PHONE_E164_SIZE];
	if (call_phone(call, phone) < 0)
		return;
	struct api_call *copy = xcalloc(1, sizeof(*copy));
	*copy = *call;
	if (person_forget(call->gw->db, phone, on_api_forgotten, copy) < 0) {
		free(copy);
		reply_error(call->req, 503, "storage unavailable, retry later");
	}
}

/* GET /api/contacts/PHONE (the console's "find by number"): the person's
 * record (contacts show's) without the number: no phone, no stored part,
 * no field that holds the number, and how many of each list (runs,
 * inbox, broadcasts) it has; contacts show on the command line gives
 * everything. */
static json_t *person_summary(const struct gateway *gw, json_t *parts)
{
	const char *phone = json_string_value(json_object_get(parts, "phone"));
	char who[PSEUDONYM_SIZE];
	gateway_pseudonym(gw, phone ? phone : "", who);
	json_t *record = person_record(parts, who), *out = json_object();
	const char *key, *field;
	void *tmp;
	json_t *v, *fv;
	json_object_foreach(record, key, v) {
		if (strcmp(key, "phone") == 0 || strcmp(key, "stored") == 0)
			continue;
		if (json_is_array(v) && strcmp(key, "groups") != 0)
			json_object_set_new(out, key, json_integer((json_int_t)json_array_size(v)));
		else
			json_object_set(out, key, v);
	}
	json_object_foreach_safe(json_object_get(out, "fields"), tmp, field, fv) {
		if (phone && json_is_string(fv) && strcmp(json_string_value(fv), phone) == 0)
			json_object_del(json_object_get(out, "fields"), field);
	}
	json_decref(record);
	return out;
}

static void on_api_shown(int rc, json_t *parts, void *arg)
{
	struct api_call *call = arg;
	if (rc < 0)
		reply_error(call->req, 503, "storage unavailable, retry later");
	else if (rc == 1)
		reply_error(call->req, 404, "nothing is stored about that number");
	else
		reply_json(call->req, 200, person_summary(call->gw, parts));
	free(call);
}

static void api_contacts_show(struct api_call *call)
{
	char phone[PHONE_E164_SIZE];
	if (call_phone(call, phone) < 0)
		return;
	struct api_call *copy = xcalloc(1, sizeof(*copy));
	*copy = *call;
	if (person_show(call->gw->db, phone, on_api_shown, copy) < 0) {
		free(copy);
		reply_error(call->req, 503, "storage unavailable, retry later");
	}
}

/* -- the inbox (inbox.h): GET /api/inbox, POST /api/inbox/ID/close|reply ---------- */

/* One inbox request waiting for Redis: what it needs of its api_call,
 * which lives only as long as the handler. */
struct inbox_call {
	struct http_req *req;
	struct db *db;
	const char *key;              /* the pseudonym key (configuration's) */
	char id[sizeof(((struct api_call *)0)->arg)];
	char who[64];                 /* for the audit trail, when a reply */
	bool reply;
};

static struct inbox_call *inbox_call_new(const struct api_call *call, bool reply)
{
	struct inbox_call *ic = xcalloc(1, sizeof(*ic));
	ic->req = call->req;
	ic->db = call->gw->db;
	ic->key = config_pseudonym_key(&call->gw->cfg);
	str_copy(ic->id, sizeof(ic->id), call->arg);
	str_copy(ic->who, sizeof(ic->who), call->who.name ? call->who.name : "");
	ic->reply = reply;
	return ic;
}

static void on_api_inbox(int rc, const struct inbox_list *l, void *arg)
{
	struct inbox_call *ic = arg;
	if (rc < 0) {
		reply_error(ic->req, 503, "storage unavailable, retry later");
	} else {
		struct buf b = BUF_INIT;
		inbox_list_write(l, INBOX_JSON, ic->key, &b); /* pseudonyms only */
		http_reply(ic->req, 200, "application/json", b.data, b.len);
		buf_release(&b);
	}
	free(ic);
}

static void api_inbox(struct api_call *call)
{
	long since = 0;
	if (query_time(call->req, "since", &since) < 0)
		return;
	const char *all = http_param(call->req, "all");
	bool with_closed = all && (strcmp(all, "1") == 0 || strcmp(all, "true") == 0);
	struct inbox_call *ic = inbox_call_new(call, false);
	if (inbox_list(call->gw->db, since, with_closed, on_api_inbox, ic) < 0) {
		free(ic);
		reply_error(call->req, 503, "storage unavailable, retry later");
	}
}

static void on_api_inbox_done(long rc, void *arg)
{
	struct inbox_call *ic = arg;
	if (rc < 0) {
		reply_error(ic->req, 503, "storage unavailable, retry later");
	} else if (rc == 0) {
		reply_error(ic->req, 404, "no such inbox item");
	} else {
		if (ic->reply)
			audit_record(ic->db, ic->who, AUDIT_INBOX_REPLY, ic->id, 1, NULL, NULL);
		reply_json(ic->req, 200, json_pack("{s:b,s:s}", "ok", 1, "id", ic->id));
	}
	free(ic);
}

static void api_inbox_close(struct api_call *call)
{
	struct inbox_call *ic = inbox_call_new(call, false);
	if (inbox_close(call->gw->db, call->arg, (long)time(NULL), call->gw->cfg.inbox_keep_days,
			on_api_inbox_done, ic) < 0) {
		free(ic);
		reply_error(call->req, 503, "storage unavailable, retry later");
	}
}

static void api_inbox_reply(struct api_call *call)
{
	json_error_t jerr;
	json_t *body = json_loadb(call->req->body, call->req->body_len, 0, &jerr);
	const char *text = NULL;
	const char *why = NULL;
	if (!body || json_unpack_ex(body, &jerr, 0, "{s:s}", "text", &text) < 0 || !*text) {
		reply_error(call->req, 400, "body must be JSON {\"text\": \"...\"} with a text");
	} else if ((why = inbox_reply_check(text)) != NULL) {
		reply_error(call->req, strlen(text) > INBOX_REPLY_MAX ? 413 : 400, why);
	} else {
		struct inbox_call *ic = inbox_call_new(call, true);
		if (inbox_reply(call->gw->db, call->arg, text, (long)time(NULL), on_api_inbox_done,
				ic) < 0) {
			free(ic);
			reply_error(call->req, 503, "storage unavailable, retry later");
		}
	}
	json_decref(body);
}

/* -- routing ------------------------------------------------------------------------ */

#define CONVENORS (ROLE_ADMIN | ROLE_CONVENOR)
#define RESEARCHERS (ROLE_ADMIN | ROLE_RESEARCHER)

/* Every endpoint and who may call it (docs/http.md has the same table).
 * A '*' is one path segment, handed to the handler in call->arg. */
static const struct api_route {
	enum http_method method;
	const char *pattern;
	int roles;
	void (*fn)(struct api_call *call);
} routes[] = {
	{HTTP_GET, "/api/session", ROLES_ALL, api_session},
	{HTTP_DELETE, "/api/session", ROLES_ALL, api_session},
	{HTTP_GET, "/api/flows", ROLES_ALL, api_flows},
	{HTTP_GET, "/api/flows/*", ROLES_ALL, api_flow},
	{HTTP_GET, "/api/flows/*/report", ROLES_ALL, api_report},
	{HTTP_GET, "/api/flows/*/export.csv", RESEARCHERS, api_export_csv},
	{HTTP_GET, "/api/flows/*/export.jsonl", RESEARCHERS, api_export_jsonl},
	{HTTP_GET, "/api/flows/*/codebook.csv", RESEARCHERS, api_codebook},
	{HTTP_GET, "/api/contacts", CONVENORS, api_contacts_list},
	{HTTP_POST, "/api/contacts", CONVENORS, api_contacts},
	{HTTP_GET, "/api/contacts/*", CONVENORS, api_contacts_show},
	{HTTP_DELETE, "/api/contacts/*", CONVENORS, api_contacts_forget},
	{HTTP_GET, "/api/broadcasts", CONVENORS, api_broadcast_list},
	{HTTP_POST, "/api/broadcasts", CONVENORS, api_broadcast_create},
	{HTTP_GET, "/api/broadcasts/*", CONVENORS, api_broadcast_status},
	{HTTP_GET, "/api/inbox", CONVENORS, api_inbox},
	{HTTP_POST, "/api/inbox/*/close", CONVENORS, api_inbox_close},
	{HTTP_POST, "/api/inbox/*/reply", CONVENORS, api_inbox_reply},
	{HTTP_DELETE, "/api/broadcasts/*", CONVENORS, api_broadcast_cancel},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Who is asking: 0 and *who, or -1 having answered (403 API off, 401). */
static int identify(const struct gateway *gw, struct http_req *req, struct auth_who *who)
{
	if (!api_on(gw, req))
		return -1;
	const char *token = auth_bearer_token(http_header(req, "Authorization"));
	if (!token || auth_find(&gw->cfg, token, who) < 0) {
		http_add_header(req, "WWW-Authenticate", "Bearer");
		reply_error(req, 401, "missing or unknown bearer token");
		return -1;
	}
	return 0;
}

/* Finds the route of call->req and runs it when call->who may. */
static void api_dispatch(struct api_call *call)
{
	struct http_req *req = call->req;
	int methods = 0;
	for (size_t i = 0; i < NROUTES; i++) {
		const struct api_route *r = &routes[i];
		if (!auth_path_match(r->pattern, req->path, call->arg, sizeof(call->arg)))
			continue;
		methods |= (int)r->method;
		if (r->method != req->method)
			continue;
		if (!(r->roles & (int)call->who.role)) {
			reply_error(req, 403, "your role may not do this");
			return;
		}
		r->fn(call);
		return;
	}
	if (methods) {
		char allow[32];
		http_allow_text(methods, allow, sizeof(allow));
		http_add_header(req, "Allow", allow);
		reply_error(req, 405, "method not allowed here");
		return;
	}
	reply_error(req, 404, "no such path");
}

void api_handler(struct http_req *req, void *data)
{
	struct api_call call = {.gw = data, .req = req};
	if (strcmp(req->path, "/api/session") == 0 && req->method == HTTP_POST) {
		if (api_on(call.gw, req))
			api_sign_in(call.gw, req);
		return;
	}
	if (by_session(call.gw, req) || identify(call.gw, req, &call.who) < 0)
		return;
	api_dispatch(&call);
}
