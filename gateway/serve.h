/* serve.h -- the running daemon's shared state, handed to every handler.
 *
 * One struct gateway per process, owned by cmd_serve().  `flows` is the set
 * loaded last; a request that goes asynchronous takes its own reference
 * (flow_set_ref) so that a reload cannot free a flow under it. */
#ifndef SAUTI_SERVE_H
#define SAUTI_SERVE_H

#include "config.h"
#include "flow.h"

struct event_base;
struct db;
struct http_server;
struct http_req;
struct broadcaster;

struct gateway {
	struct config cfg;
	struct event_base *base;
	struct db *db;
	struct flow_set *flows;
	struct http_server *http;
	const char *default_lang;   /* for people whose language is unknown */
	struct broadcaster *broadcaster;
	char consumer[32];          /* this daemon's name in the outbox group */
	struct event *drain_timer;  /* set once SIGTERM asked us to stop */
	int drain_ticks;
};

/* The pseudonym of a phone number under the deployment's key: what logs and
 * exports show instead of the number. */
void gateway_pseudonym(const struct gateway *gw, const char *phone, char out[17]);

/* Handlers of the channels (kannel.c, ussd.c) and the API (api.c). */
void kannel_sms_handler(struct http_req *req, void *gw);
void kannel_dlr_handler(struct http_req *req, void *gw);
void ussd_handler(struct http_req *req, void *gw);
void api_handler(struct http_req *req, void *gw);

/* Reads a sender's number into E.164 (out has PHONE_E164_SIZE bytes).  On
 * failure answers req with a 400 naming why, and returns -1. */
int gateway_sender(const struct gateway *gw, struct http_req *req,
		   const char *raw, char *out);

/* True when the request's client may use a channel endpoint (kannel.allow). */
int gateway_client_allowed(const struct gateway *gw, const struct http_req *req);

#endif
