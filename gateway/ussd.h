/* ussd.h -- the USSD channel, reached two ways: POST /ussd from an
 * aggregator (Africa's Talking style: CON/END answers), and Kannel's
 * /kannel/sms when an operator delivers USSD over SMPP (kannel.c hands such
 * requests here).  Both walk the same flows with screens paged to
 * ussd.max_chars, resume a dropped session, and never advance a run twice
 * for a repeated request. */
#ifndef SAUTI_USSD_H
#define SAUTI_USSD_H

#include <stddef.h>

struct gateway;
struct http_req;

/* POST /ussd: an aggregator's request, Africa's Talking style (data: the
 * struct gateway, gateway.h). */
void ussd_handler(struct http_req *req, void *gw);
/* POST /ussd/hubtel, /ussd/beem, /ussd/arkesel: the JSON dialects of those
 * aggregators (ussd_dialect.h), walking the same flows. */
void ussd_dialect_handler(struct http_req *req, void *gw);

/* Serves a /kannel/sms request whose meta carries ussd_service_op (op 1: a
 * dial, op 18: an answer).  session_info is the raw its_session_info TLV,
 * echoed back in X-Kannel-Meta-Data. */
void ussd_kannel(struct gateway *gw, struct http_req *req, const char *phone,
		 int op, const unsigned char *session_info, size_t session_len,
		 const char *text, const char *msg_id);

/* Parses Kannel's meta parameter "?smpp?ussd_service_op=%01&its_session_info=*%00&":
 * each value percent-encoded raw bytes.  Returns 0 with the op and up to
 * *session_len bytes of session info, or -1 when it carries no USSD op. */
int ussd_meta_parse(const char *meta, int *op, unsigned char *session_info,
		    size_t *session_len);

#endif
