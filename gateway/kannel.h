/* kannel.h -- the SMS channel: Kannel's smsbox calls these for every message
 * a person sends and for every delivery report (docs/http.md).  data is the
 * struct gateway (gateway.h). */
#ifndef SAUTI_KANNEL_H
#define SAUTI_KANNEL_H

struct http_req;

/* GET/POST /kannel/sms: an SMS (or USSD over SMPP, handed to ussd.c). */
void kannel_sms_handler(struct http_req *req, void *gw);
/* GET /kannel/dlr: a delivery report of a broadcast message. */
void kannel_dlr_handler(struct http_req *req, void *gw);

#endif
