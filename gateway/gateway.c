/* gateway.c -- see gateway.h. */
#include "gateway.h"

#include <string.h>

#include "buf.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "phone.h"
#include "pseudo.h"

void gateway_pseudonym(const struct gateway *gw, const char *phone, char out[17])
{
	if (gw->pseudonyms) {
		pseudonym_keyed(gw->pseudonyms, phone, out);
		return;
	}
	const char *key = config_pseudonym_key(&gw->cfg);
	pseudonym(key, strlen(key), phone, out);
}

int gateway_reject(struct http_req *req, enum channel ch, int code, const char *reason)
{
	metrics_inc(M_REJECTED, ch);
	http_error(req, code, reason);
	return -1;
}

void gateway_unavailable(struct http_req *req, enum channel ch)
{
	metrics_inc(M_UNAVAILABLE, ch);
	http_error(req, 503, "storage unavailable, retry later");
}

int gateway_channel_open(const struct gateway *gw, struct http_req *req, enum channel ch)
{
	if (!gateway_client_allowed(gw, req))
		return gateway_reject(req, ch, 403, "client not allowed");
	if (http_params_bad(req))
		return gateway_reject(req, ch, 400, "malformed parameters");
	return 0;
}

int gateway_storage_ready(const struct gateway *gw, struct http_req *req, enum channel ch)
{
	if (gw->layout_current && db_ready(gw->db))
		return 0;
	gateway_unavailable(req, ch);
	return -1;
}

int gateway_sender(const struct gateway *gw, struct http_req *req, enum channel ch,
		   const char *raw, char *out)
{
	const char *why = NULL;
	if (phone_normalise(raw, gw->cfg.country, out, PHONE_E164_SIZE, &why) == 0)
		return 0;
	struct buf b = BUF_INIT;
	buf_printf(&b, "bad sender number: %s", why ? why : "unreadable");
	gateway_reject(req, ch, 400, b.data);
	buf_release(&b);
	return -1;
}

int gateway_client_allowed(const struct gateway *gw, const struct http_req *req)
{
	if (gw->cfg.kannel.nallow == 0)
		return 1;
	for (size_t i = 0; i < gw->cfg.kannel.nallow; i++)
		if (strcmp(gw->cfg.kannel.allow[i], req->peer) == 0)
			return 1;
	return 0;
}
