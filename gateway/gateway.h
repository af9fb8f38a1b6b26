/* gateway.h -- what every endpoint of the daemon shares: its state, handed to
 * each handler as its data, and the checks every channel makes of a request.
 *
 * One struct gateway per process, owned by cmd_serve() (serve.c).  `flows` is the set
 * loaded last; a request that goes asynchronous takes its own reference
 * (flow_set_ref) so that a reload cannot free a flow under it. */
#ifndef SAUTI_GATEWAY_H
#define SAUTI_GATEWAY_H

#include <stdbool.h>
#include "config.h"
#include "engine.h"
#include "flow.h"
#include "turn.h"

struct event_base;
struct db;
struct http_server;
struct http_req;
struct broadcaster;
struct retention;
struct dispatch;
struct convo_cache;
struct catalogue;
struct pseudonym_key;

struct gateway {
	struct config cfg;
	struct event_base *base;
	struct db *db;
	struct flow_set *flows;
	struct catalogue *catalogue; /* loaded last; flows holds it too */
	struct http_server *http;
	struct turn_env turns;      /* what every conversation turn shares */
	struct broadcaster *broadcaster;
	struct retention *retention; /* the daily sweep, or NULL (retention.h) */
	struct dispatch *dispatch;  /* the priority lane and reminders (dispatch.h) */
	struct convo_cache *convos; /* kept from the last turns (turn.c) */
	struct pseudonym_key *pseudonyms; /* cfg's pseudonym_key, set up once */
	char consumer[32];          /* this daemon's name in the outbox group */
	struct event *drain_timer;  /* set once SIGTERM asked us to stop */
	int drain_ticks;
	/* The store's key layout (migrate.h), checked on every connection:
	 * an old one stops the daemon.  Until a check says current (a failed
	 * one is retried on layout_retry), turns, the API and /healthz answer
	 * 503 and the broadcasts, the lane and the sweeps wait (serve.c). */
	bool layout_answered, layout_current, layout_refused;
	struct event *layout_retry;
};

/* The pseudonym of a phone number under the deployment's key: what logs and
 * exports show instead of the number. */
void gateway_pseudonym(const struct gateway *gw, const char *phone, char out[17]);

/* What the channel endpoints share.  Each that fails has answered req and
 * counted it in /metrics, and returns -1. */

/* The client may use the channel (kannel.allow) and its parameters decode. */
int gateway_channel_open(const struct gateway *gw, struct http_req *req,
			 enum channel ch);
/* Reads a sender's number into E.164 (out has PHONE_E164_SIZE bytes); a 400
 * naming why otherwise. */
int gateway_sender(const struct gateway *gw, struct http_req *req,
		   enum channel ch, const char *raw, char *out);
/* Redis answers and its key layout was checked current: else a 503, which
 * Kannel and aggregators retry. */
int gateway_storage_ready(const struct gateway *gw, struct http_req *req,
			  enum channel ch);
/* A 4xx with a short reason. */
int gateway_reject(struct http_req *req, enum channel ch, int code,
		   const char *reason);
/* A 503: the answer could not be saved, so none is given. */
void gateway_unavailable(struct http_req *req, enum channel ch);

/* True when the request's client may use a channel endpoint (kannel.allow). */
int gateway_client_allowed(const struct gateway *gw, const struct http_req *req);

#endif
