/* ussd.c -- see ussd.h.
 *
 * A USSD session is a few screens within ~180 s that can drop at any moment.
 * The run, not the session, holds the person's progress: a redial of the
 * same code finds the run through the "ussd" pointer and offers to continue.
 * Each request is one turn (turn.h); a repeated request (same session, same
 * text) finds its earlier answer under its msg id and gets the same screen.
 *
 * Three ways in share the turn: the form of POST /ussd (every input so far,
 * '*'-joined), Kannel's SMPP meta, and the JSON dialects (ussd_dialect.h),
 * which send the newest input alone and number their hops, so that, like
 * SMPP, each request is remembered under its own key. */
#include "ussd.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "form.h"
#include "gateway.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "phone.h"
#include "text.h"
#include "turn.h"
#include "ussd_dialect.h"

#define MAX_SESSION_ID 128
#define MAX_USSD_TEXT 4096
/* Repeats come within seconds; a session lasts minutes. */
#define REPEAT_TTL 900

struct ussd_in {
	char session[MAX_SESSION_ID + 16];
	char code[64];
	bool dial;
	bool smpp;
	/* Each request has an id of its own (Kannel's message id, a dialect's
	 * hop number), by which repeats are told: every reply is remembered. */
	bool keyed;
	unsigned char session_info[8];
	size_t session_len;
	bool json;                  /* a JSON dialect, answered in it */
	struct ussd_request dialect;
};

static void ussd_in_free(struct ussd_in *u)
{
	ussd_request_release(&u->dialect);
	free(u);
}

/* -- answers ---------------------------------------------------------------- */

static void count_reply(struct turn *t, const char *screen)
{
	if (*screen)
		metrics_inc(M_MESSAGES_OUT, CHANNEL_USSD);
	if (log_enabled(LOG_DEBUG))
		log_debug("ussd %s to %s: %s", t->d.ended ? "END" : "CON", t->phone, screen);
}

/* "CON " or "END " (d->ended), then the screen d->reply: the form the
 * aggregator is answered in and the reply is remembered in. */
static void put_prefixed(struct buf *out, const struct decision *d)
{
	buf_puts(out, d->ended ? "END " : "CON ");
	buf_append(out, buf_str(&d->reply), d->reply.len);
}

/* Every reply is kept as "CON ..." or "END ..." (remember_with_prefix), so
 * that a repeated request closes the session as the original did; here the
 * prefix becomes d.ended again and the bare screen stays. */
static void split_stored(struct turn *t)
{
	struct decision *d = &t->d;
	const char *r = buf_str(&d->reply);
	if (strncmp(r, "END ", 4) == 0)
		d->ended = true;
	if (strncmp(r, "END ", 4) == 0 || strncmp(r, "CON ", 4) == 0)
		buf_drop_front(&d->reply, 4);
}

static void at_answer(struct turn *t, int rc)
{
	struct http_req *req = t->req;
	if (rc < 0) {
		gateway_unavailable(req, CHANNEL_USSD);
	} else {
		split_stored(t);
		struct buf body = BUF_INIT;
		put_prefixed(&body, &t->d);
		count_reply(t, buf_str(&t->d.reply));
		http_reply(req, 200, "text/plain; charset=utf-8", body.data, body.len);
		buf_release(&body);
	}
	ussd_in_free(t->channel_data);
	turn_free(t);
}

static void smpp_answer(struct turn *t, int rc)
{
	struct http_req *req = t->req;
	struct ussd_in *u = t->channel_data;
	if (rc < 0) {
		gateway_unavailable(req, CHANNEL_USSD);
	} else {
		split_stored(t);
		/* Kannel reads the op in decimal and the session info as
		 * percent-encoded bytes (docs/http.md, "USSD over SMPP"). */
		struct buf meta = BUF_INIT;
		buf_printf(&meta, "?smpp?ussd_service_op=%d&its_session_info=", t->d.ended ? 17 : 2);
		for (size_t i = 0; i < u->session_len; i++)
			buf_printf(&meta, "%%%02X", u->session_info[i]);
		http_add_header(req, "X-Kannel-Meta-Data", buf_str(&meta));
		buf_release(&meta);
		const char *screen = buf_str(&t->d.reply);
		struct sms_cost cost;
		sms_cost(screen, strlen(screen), &cost);
		if (cost.ucs2)
			http_add_header(req, "X-Kannel-Coding", "2");
		count_reply(t, screen);
		http_reply(req, 200, "text/plain; charset=UTF-8", screen, strlen(screen));
	}
	ussd_in_free(t->channel_data);
	turn_free(t);
}

/* A JSON dialect's refusal, in its own shape. */
static void dialect_refuse(struct http_req *req, const struct ussd_request *r, int code,
			   const char *why)
{
	struct buf body = BUF_INIT;
	metrics_inc(code == 503 ? M_UNAVAILABLE : M_REJECTED, CHANNEL_USSD);
	ussd_dialect_error(r, why, &body);
	http_reply(req, code, "application/json", body.data, body.len);
	buf_release(&body);
}

static void dialect_answer(struct turn *t, int rc)
{
	struct http_req *req = t->req;
	struct ussd_in *u = t->channel_data;
	if (rc < 0) {
		dialect_refuse(req, &u->dialect, 503, "storage unavailable, retry later");
	} else {
		split_stored(t);
		struct buf body = BUF_INIT;
		ussd_dialect_answer(&u->dialect, buf_str(&t->d.reply), t->d.ended, &body);
		count_reply(t, buf_str(&t->d.reply));
		http_reply(req, 200, "application/json", body.data, body.len);
		buf_release(&body);
	}
	ussd_in_free(u);
	turn_free(t);
}

/* See split_stored(). */
static void remember_with_prefix(struct turn *t)
{
	struct decision *d = &t->d;
	struct buf stored = BUF_INIT;
	put_prefixed(&stored, d);
	buf_release(&d->reply);
	d->reply = stored;
	/* A key per request is kept only when the run ends (its pointer then
	 * goes, so a repeat cannot be told from the run) and over SMPP. */
	struct ussd_in *u = t->channel_data;
	t->forget_reply = !u->keyed && !d->ended && !(u->json && u->dial);
}

/* -- requests ----------------------------------------------------------------- */

static void repeat_key(const char *session, const char *text, char out[40])
{
	unsigned char h[16];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)session, strlen(session) + 1);
	crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(out, "u:", 2);
	sodium_bin2hex(out + 2, 33, h, sizeof(h));
}

/* Under overload a new session waits (the aggregator tells the person to
 * try again) so that the sessions begun go on: a person cut off in the
 * middle of a survey loses more than one who dials again (http.h).  Asked
 * as soon as a dial is known, before the number is parsed: a refusal must
 * cost little beside a step served. */
static bool refused_dial(struct http_req *req, bool dial, const struct ussd_request *json)
{
	if (!dial || !http_server_crowded(req->server))
		return false;
	if (json) {
		http_shed(req);
		http_add_header(req, "Retry-After", HTTP_RETRY_AFTER);
		dialect_refuse(req, json, 503, "busy, retry later");
	} else {
		metrics_inc(M_UNAVAILABLE, CHANNEL_USSD);
		http_refuse_busy(req);
	}
	return true;
}

static void start_turn(struct gateway *gw, struct http_req *req, const char *phone,
		       const char *text, struct ussd_in *u, const char *msg_id)
{
	metrics_inc(M_MESSAGES_IN, CHANNEL_USSD);
	struct turn *t = turn_new(&gw->turns, gw->flows, req, CHANNEL_USSD, phone, text);
	t->channel_data = u;
	t->in.session = u->session;
	t->in.code = u->code;
	t->in.dial = u->dial;
	t->in.one_input = u->smpp || u->json;
	t->in.left = u->dialect.left;
	t->msg_id = xstrdup(msg_id);
	t->msg_ttl = REPEAT_TTL;
	/* Over HTTP, a repeat within the session is answered from the run, and
	 * a key per request is kept only once the run ends (below); SMPP
	 * requests carry Kannel's ids, each remembered. */
	t->session = u->keyed ? NULL : xstrdup(u->session);
	t->decided = remember_with_prefix;
	t->answer = u->json ? dialect_answer : u->smpp ? smpp_answer : at_answer;
	turn_run(t);
}

void ussd_handler(struct http_req *req, void *data)
{
	struct gateway *gw = data;
	if (gateway_channel_open(gw, req, CHANNEL_USSD) < 0)
		return;
	const char *session = http_param(req, "sessionId");
	const char *code = http_param(req, "serviceCode");
	const char *number = http_param(req, "phoneNumber");
	const char *text = http_param(req, "text");
	if (refused_dial(req, !text || !*text, NULL))
		return;
	if (!session || !*session || strlen(session) > MAX_SESSION_ID) {
		gateway_reject(req, CHANNEL_USSD, 400, "missing or overlong 'sessionId'");
		return;
	}
	if (!code || !*code || strlen(code) > 60) {
		gateway_reject(req, CHANNEL_USSD, 400, "missing or overlong 'serviceCode'");
		return;
	}
	if (!number || !*number) {
		gateway_reject(req, CHANNEL_USSD, 400, "missing 'phoneNumber'");
		return;
	}
	if (!text)
		text = "";
	if (strlen(text) > MAX_USSD_TEXT) {
		gateway_reject(req, CHANNEL_USSD, 413, "text too long");
		return;
	}
	if (!utf8_valid(text, strlen(text)) || !utf8_valid(session, strlen(session)) ||
	    !utf8_valid(code, strlen(code))) {
		gateway_reject(req, CHANNEL_USSD, 400, "not valid UTF-8");
		return;
	}
	char phone[PHONE_E164_SIZE];
	if (gateway_sender(gw, req, CHANNEL_USSD, number, phone) < 0 ||
	    gateway_storage_ready(gw, req, CHANNEL_USSD) < 0)
		return;
	struct ussd_in *u = xcalloc(1, sizeof(*u));
	str_copy(u->session, sizeof(u->session), session);
	str_copy(u->code, sizeof(u->code), code);
	u->dial = *text == '\0';
	char key[40];
	repeat_key(session, text, key);
	start_turn(gw, req, phone, text, u, key);
}

/* The code a dial string names for the flows: the longest one a flow claims
 * that the string starts with, a part at a time ("*150*90*1#" tries itself,
 * "*150*90#", "*150#"); the whole string when none is claimed.  What is
 * dialled beyond the code is not read: the dial is one of the code
 * (docs/http.md). */
static void dial_code(const struct gateway *gw, const char *dialled, char *out, size_t size)
{
	size_t len = strcspn(dialled, "#");

	str_copy(out, size, dialled);
	if (dialled[0] != '*' || flow_set_by_ussd(gw->flows, dialled))
		return;
	for (;;) {
		while (len > 1 && dialled[len - 1] != '*')
			len--;
		if (len <= 1)
			break;
		len--; /* the parts before that '*' */
		snprintf(out, size, "%.*s#", (int)len, dialled);
		if (flow_set_by_ussd(gw->flows, out))
			return;
	}
	str_copy(out, size, dialled);
}

/* Reads a dialect's sender number into phone (PHONE_E164_SIZE): a form
 * without '+' in the aggregator's own country first, else in the configured
 * one (docs/http.md), so that Hubtel's "255712000002" is Tanzanian on a TZ
 * deployment and its "233244123456" still Ghanaian.  On failure *bad says
 * why the aggregator's country refused it. */
static int dialect_sender(const struct gateway *gw, enum ussd_dialect d, const char *number,
			  char *phone, const char **bad)
{
	const char *own = ussd_dialect_country(d);
	if (phone_normalise(number, own, phone, PHONE_E164_SIZE, bad) == 0)
		return 0;
	return strcmp(gw->cfg.country, own) != 0 &&
	       phone_normalise(number, gw->cfg.country, phone, PHONE_E164_SIZE, NULL) == 0 ? 0 : -1;
}

void ussd_dialect_handler(struct http_req *req, void *data)
{
	struct gateway *gw = data;
	struct ussd_in *u = xcalloc(1, sizeof(*u));
	struct ussd_request *r = &u->dialect;
	enum ussd_dialect d = USSD_HUBTEL;
	char why[256], phone[PHONE_E164_SIZE];
	const char *bad = NULL;
	ussd_dialect_from_path(req->path, &d);
	r->dialect = d;
	if (!gateway_client_allowed(gw, req)) {
		dialect_refuse(req, r, 403, "client not allowed");
	} else if (ussd_dialect_parse(d, req->body, req->body_len, http_param(req, "code"), r,
				      why, sizeof(why)) < 0) {
		dialect_refuse(req, r, 400, why);
	} else if (refused_dial(req, r->dial, r)) {
		/* answered */
	} else if (dialect_sender(gw, d, r->number, phone, &bad) < 0) {
		snprintf(why, sizeof(why), "bad sender number: %s", bad ? bad : "unreadable");
		dialect_refuse(req, r, 400, why);
	} else if (!db_ready(gw->db)) {
		dialect_refuse(req, r, 503, "storage unavailable, retry later");
	} else {
		u->json = true;
		u->dial = r->dial;
		/* Each aggregator's session ids are its own. */
		snprintf(u->session, sizeof(u->session), "%s:%s", ussd_dialect_name(d), r->session);
		if (r->dial)
			dial_code(gw, r->code, u->code, sizeof(u->code));
		/* A repeat is the same hop with the same input.  A dialect
		 * without hop numbers (Arkesel) cannot tell one from the same
		 * answer given twice: there only a repeated dial is told. */
		u->keyed = r->hop >= 0;
		struct buf hop = BUF_INIT;
		buf_printf(&hop, "%ld:%s:%s", r->hop, r->left ? "left" : r->dial ? "dial" : "",
			   r->input);
		char key[40];
		repeat_key(u->session, buf_str(&hop), key);
		buf_release(&hop);
		start_turn(gw, req, phone, r->dial || r->left ? "" : r->input, u, key);
		return;
	}
	ussd_in_free(u);
}

void ussd_kannel(struct gateway *gw, struct http_req *req, const char *phone,
		 int op, const unsigned char *session_info, size_t session_len,
		 const char *text, const char *msg_id)
{
	if (op != 1 && op != 18) {
		gateway_reject(req, CHANNEL_USSD, 400, "unsupported ussd_service_op");
		return;
	}
	if (refused_dial(req, op == 1, NULL))
		return;
	struct ussd_in *u = xcalloc(1, sizeof(*u));
	u->smpp = u->keyed = true;
	u->dial = op == 1;
	u->session_len = session_len < sizeof(u->session_info) ? session_len : sizeof(u->session_info);
	memcpy(u->session_info, session_info, u->session_len);
	/* The session number is the first octet of its_session_info; the
	 * second carries sequence bits that change with every message. */
	snprintf(u->session, sizeof(u->session), "smpp:%s:%02x", phone,
		 session_len ? session_info[0] : 0);
	if (u->dial)
		dial_code(gw, text, u->code, sizeof(u->code));
	char key[40];
	if (msg_id && *msg_id)
		snprintf(key, sizeof(key), "k:%.36s", msg_id);
	else
		repeat_key(u->session, text, key);
	start_turn(gw, req, phone, u->dial ? "" : text, u, key);
}

/* The op arrives as a raw byte on MO; some set-ups write it in decimal. */
static int meta_op(const unsigned char *bytes, size_t n)
{
	int value = 0;
	for (size_t i = 0; i < n; i++) {
		if (n > 3 || !isdigit(bytes[i]))
			return bytes[0];
		value = value * 10 + (bytes[i] - '0');
	}
	return value;
}

int ussd_meta_parse(const char *meta, int *op, unsigned char *session_info,
		    size_t *session_len)
{
	const char *p = strstr(meta, "?smpp?");
	if (!p)
		return -1;
	p += 6;
	bool have_op = false;
	size_t max = *session_len;
	*session_len = 0;
	while (*p) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		if (eq) {
			size_t klen = (size_t)(eq - p);
			const char *v = eq + 1;
			size_t vlen = len - klen - 1;
			unsigned char bytes[16];
			/* Kannel writes a 0x20 byte as '+' (and a real '+' as %2B). */
			size_t n = form_decode(v, vlen, (char *)bytes, sizeof(bytes));
			if (klen == 15 && strncmp(p, "ussd_service_op", 15) == 0 && n > 0) {
				*op = meta_op(bytes, n);
				have_op = true;
			} else if (klen == 16 && strncmp(p, "its_session_info", 16) == 0) {
				*session_len = n < max ? n : max;
				memcpy(session_info, bytes, *session_len);
			}
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return have_op ? 0 : -1;
}
