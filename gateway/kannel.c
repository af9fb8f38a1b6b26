/* kannel.c -- the SMS channel: Kannel's smsbox calls GET/POST /kannel/sms for
 * every message a person sends (sms-service get-url, see
 * docs/http.md), and the body of our answer is the reply it
 * sends back.  Delivery reports arrive at /kannel/dlr.
 *
 * An error status makes smsbox retry (http-request-retry) and, once it gives
 * up, send its reply-couldnotfetch text: so a Redis outage answers 503, never
 * a reply that pretends to have saved an answer.  A message already answered
 * (same Kannel id) gets the same reply again and changes nothing. */
#include "kannel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "gateway.h"
#include "http.h"
#include "inbox.h"
#include "log.h"
#include "metrics.h"
#include "phone.h"
#include "text.h"
#include "turn.h"
#include "ussd.h"

#define MAX_SMS_TEXT 4096  /* a long multipart SMS is a few hundred bytes */

static void sms_answer(struct turn *t, int rc)
{
	struct http_req *req = t->req;
	if (rc < 0) {
		gateway_unavailable(req, CHANNEL_SMS);
	} else {
		const char *reply = buf_str(&t->d.reply);
		struct sms_cost cost;
		sms_cost(reply, strlen(reply), &cost);
		if (cost.ucs2) /* else smsbox sends '?' for each such character */
			http_add_header(req, "X-Kannel-Coding", "2");
		if (*reply)
			metrics_inc(M_MESSAGES_OUT, CHANNEL_SMS);
		http_reply(req, 200, "text/plain; charset=UTF-8", reply, strlen(reply));
	}
	turn_free(t);
}

/* USSD text in the GSM alphabet (data coding 0x0F) reaches us as one raw
 * septet per byte, '@' being 0x00: decode it from the raw query. */
static char *smpp_ussd_text(struct http_req *req)
{
	const char *coding = http_param(req, "coding");
	if (coding && strcmp(coding, "3") == 0) {
		size_t len = 0;
		char *raw = http_param_bytes(req, "text", &len);
		char *text = gsm7_to_utf8((const unsigned char *)(raw ? raw : ""), len);
		free(raw);
		return text;
	}
	if (http_params_bad(req)) {
		gateway_reject(req, CHANNEL_USSD, 400, "malformed parameters");
		return NULL;
	}
	const char *text = http_param(req, "text");
	if (!utf8_valid(text, strlen(text))) {
		gateway_reject(req, CHANNEL_USSD, 400, "text is not valid UTF-8");
		return NULL;
	}
	return xstrdup(text);
}

static void serve_smpp_ussd(struct gateway *gw, struct http_req *req,
			    const char *from, int op, const unsigned char *session_info,
			    size_t session_len)
{
	char phone[PHONE_E164_SIZE];
	char *text = smpp_ussd_text(req);
	if (text && gateway_sender(gw, req, CHANNEL_USSD, from, phone) == 0 &&
	    gateway_storage_ready(gw, req, CHANNEL_USSD) == 0)
		ussd_kannel(gw, req, phone, op, session_info, session_len, text,
			    http_param(req, "id"));
	free(text);
}

/* Checks an SMS's text; answers and returns -1 when it is not one. */
static int sms_text_ok(struct http_req *req, const char *text)
{
	size_t len = strlen(text);
	if (len > MAX_SMS_TEXT)
		return gateway_reject(req, CHANNEL_SMS, 413, "text too long");
	if (!utf8_valid(text, len))
		return gateway_reject(req, CHANNEL_SMS, 400, "text is not valid UTF-8");
	char *folded = reply_fold(text);
	bool empty = !*folded;
	free(folded);
	if (empty)
		return gateway_reject(req, CHANNEL_SMS, 400, "empty message");
	return 0;
}

static void log_incoming(const struct gateway *gw, const char *phone, const char *text)
{
	if (log_enabled(LOG_DEBUG)) {
		log_debug("sms from %s: %s", phone, text);
	} else if (log_enabled(LOG_INFO)) { /* the pseudonym is an HMAC */
		char who[17];
		gateway_pseudonym(gw, phone, who);
		log_info("sms from %s (%zu bytes)", who, strlen(text));
	}
}

void kannel_sms_handler(struct http_req *req, void *data)
{
	struct gateway *gw = data;
	if (!gateway_client_allowed(gw, req)) {
		gateway_reject(req, CHANNEL_SMS, 403, "client not allowed");
		return;
	}
	const char *from = http_param(req, "from");
	const char *text = http_param(req, "text");
	if (!from || !*from) {
		gateway_reject(req, CHANNEL_SMS, 400, "missing parameter 'from'");
		return;
	}
	if (!text) {
		gateway_reject(req, CHANNEL_SMS, 400, "missing parameter 'text'");
		return;
	}
	const char *meta = http_param(req, "meta");
	int op;
	unsigned char session_info[8];
	size_t session_len = sizeof(session_info);
	if (meta && ussd_meta_parse(meta, &op, session_info, &session_len) == 0) {
		serve_smpp_ussd(gw, req, from, op, session_info, session_len);
		return;
	}
	if (http_params_bad(req)) {
		gateway_reject(req, CHANNEL_SMS, 400, "malformed parameters");
		return;
	}
	char phone[PHONE_E164_SIZE];
	if (sms_text_ok(req, text) < 0 ||
	    gateway_sender(gw, req, CHANNEL_SMS, from, phone) < 0 ||
	    gateway_storage_ready(gw, req, CHANNEL_SMS) < 0)
		return;
	metrics_inc(M_MESSAGES_IN, CHANNEL_SMS);
	log_incoming(gw, phone, text);
	struct turn *t = turn_new(&gw->turns, gw->flows, req, CHANNEL_SMS, phone, text);
	const char *id = http_param(req, "id");
	if (id && *id)
		t->msg_id = xstrdup(id);
	t->answer = sms_answer;
	t->limited = true;
	turn_run(t);
}

static void on_dlr_saved(int rc, void *data)
{
	struct http_req *req = data;
	if (rc < 0)
		gateway_unavailable(req, CHANNEL_SMS);
	else
		http_reply(req, 200, "text/plain", "ok\n", 3);
}

static void on_inbox_dlr_saved(long rc, void *data) { on_dlr_saved(rc < 0 ? -1 : 0, data); }

/* Delivery reports of broadcast messages ("b.BC.PHONE") and of replies to
 * inbox items ("i.ITEM.N"): the id is ours. */
void kannel_dlr_handler(struct http_req *req, void *data)
{
	struct gateway *gw = data;
	if (gateway_channel_open(gw, req, CHANNEL_SMS) < 0)
		return;
	const char *id = http_param(req, "id");
	const char *status = http_param(req, "status");
	if (!id || !*id || !status || !*status) {
		gateway_reject(req, CHANNEL_SMS, 400, "missing parameter 'id' or 'status'");
		return;
	}
	char *end;
	long code = strtol(status, &end, 10);
	if (*end || code < 0 || code > 255) {
		gateway_reject(req, CHANNEL_SMS, 400, "bad parameter 'status'");
		return;
	}
	if (!utf8_valid(id, strlen(id))) {
		gateway_reject(req, CHANNEL_SMS, 400, "id is not valid UTF-8");
		return;
	}
	/* Counted here, whoever's message it was about, once it is known to be
	 * sauti's (also when Redis is away and Kannel will send it again). */
	enum dlr_of of = DLR_OF_BROADCAST;
	int rc = broadcast_dlr(gw->db, id, (int)code, on_dlr_saved, req);
	if (rc == -1) { /* not a broadcast's: perhaps a reply to an inbox item */
		of = DLR_OF_REPLY;
		rc = inbox_dlr(gw->db, id, (int)code, on_inbox_dlr_saved, req);
	}
	if (rc != -1)
		metrics_dlr(of, (int)code);
	if (rc == -1) /* not ours: nothing to record, nothing for Kannel to retry */
		http_reply(req, 200, "text/plain", "ignored\n", 8);
	else if (rc < 0)
		gateway_unavailable(req, CHANNEL_SMS);
}
