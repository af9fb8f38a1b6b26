/* serve.c -- `sauti serve`: the daemon.  Sets up the loop, Redis, the HTTP
 * routes and the signals, and serves /healthz and /metrics itself.
 *
 * SIGHUP reloads the message catalogue, then flows/: a file with an error
 * is reported with file:line:column and the last good one goes on serving
 * (docs/operations.md).  SIGTERM (and SIGINT)
 * stop accepting connections and taking messages to send, let the requests
 * in flight and the messages on their way to Kannel finish (at most
 * DRAIN_SECONDS), and exit. */
#include "gateway.h"

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "broadcast.h"
#include "catalogue.h"
#include "cli.h"
#include "commands.h"
#include "convo_cache.h"
#include "db.h"
#include "dispatch.h"
#include "http.h"
#include "kannel.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "phone.h"
#include "policy.h"
#include "pseudo.h"
#include "retention.h"
#include "text.h"
#include "usage.h"
#include "ussd.h"
#include "web.h"

#define DRAIN_SECONDS 10
/* Conversations kept between turns (convo_cache.h).  A step whose session is
 * not kept costs a second read from Redis, so the cache must hold every
 * session in progress: steps/s times the time between one person's steps
 * (1,000 steps/s and 10 s of reading and typing is 10,000 sessions; a
 * network closes a silent session after a few minutes).  An entry is about
 * 700 bytes (RSS once the cache is full), so this bounds it near 45 MiB. */
#define CONVO_CACHE_ENTRIES 65536
#define CONVO_CACHE_IDLE 180

/* The store's key layout: a store holding data in a layout before this
 * version's, or one a migration did not finish, is not served
 * (docs/operations.md, "Upgrading the key layout").  A check that failed
 * (an error reply: BUSY, NOPERM...) is made again every
 * LAYOUT_RETRY_SECONDS; until one says current only /healthz (503) and
 * /metrics are served.  One cut short by a lost connection is made on the
 * next one (on_redis_ready). */
#define LAYOUT_RETRY_SECONDS 1
static void on_layout(enum migrate_layout layout, void *arg);
static int start_background(struct gateway *gw);

static void on_layout_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct gateway *gw = arg;
	if (migrate_check(gw->db, on_layout, gw) < 0)
		log_warn("redis: the key layout could not be checked");
}

static void retry_layout(struct gateway *gw)
{
	if (!gw->layout_retry)
		gw->layout_retry = evtimer_new(gw->base, on_layout_retry, gw);
	struct timeval tv = {LAYOUT_RETRY_SECONDS, 0};
	if (gw->layout_retry)
		evtimer_add(gw->layout_retry, &tv);
}

static void on_layout(enum migrate_layout layout, void *arg)
{
	struct gateway *gw = arg;
	gw->layout_answered = true;
	gw->layout_current = layout == MIGRATE_CURRENT;
	db_set_store_checked(gw->db, gw->layout_current);
	if (layout == MIGRATE_FAILED) {
		log_error("%s; not serving, checking again in %d s", migrate_refusal(layout),
			  LAYOUT_RETRY_SECONDS);
		retry_layout(gw);
	} else if (layout != MIGRATE_CURRENT) {
		log_error("%s; not serving", migrate_refusal(layout));
		gw->layout_refused = true;
		event_base_loopbreak(gw->base);
	} else if (gw->http && !gw->drain_timer && start_background(gw) < 0) {
		gw->layout_refused = true; /* logged */
		event_base_loopbreak(gw->base);
	}
}

/* A new connection to Redis, maybe to another master: nothing kept from the
 * old one may be decided on, and its layout is checked (its first command);
 * until the check says current, the background work waits too. */
static void on_redis_ready(void *data)
{
	struct gateway *gw = data;
	db_set_store_checked(gw->db, false);
	if (convo_cache_size(gw->convos))
		log_info("redis: dropping %zu kept conversations", convo_cache_size(gw->convos));
	convo_cache_clear(gw->convos);
	if (migrate_check(gw->db, on_layout, gw) < 0)
		log_warn("redis: the key layout could not be checked");
}

/* Before serving: Redis' first answer to the layout check, when Redis
 * answers within the wait (else the check is made once it does). */
#define LAYOUT_WAIT_MS 3000
static void wait_for_layout(struct gateway *gw)
{
	if (db_wait_ready(gw->db, LAYOUT_WAIT_MS) < 0)
		return;
	while (!gw->layout_answered && db_ready(gw->db))
		event_base_loop(gw->base, EVLOOP_ONCE);
}

/* The broadcasts, the lane and the sweeps: once the layout is current (at
 * the start, or when a check that had failed says so).  -1 (logged) when
 * the config will not do. */
static int start_background(struct gateway *gw)
{
	if (gw->broadcaster)
		return 0;
	struct broadcast_env bc_env = {
		.base = gw->base,
		.db = gw->db,
		.flows = &gw->flows,
		.cfg = &gw->cfg,
		.consumer = gw->consumer,
	};
	if (!(gw->broadcaster = broadcast_start(&bc_env)) || dispatch_start(gw) < 0)
		return -1;
	gw->retention = retention_start(gw->base, gw->db, &gw->flows, gw->cfg.retention_days,
					gw->cfg.inbox_keep_days, gw->consumer);
	return 0;
}

/* -- /healthz and /metrics --------------------------------------------------- */

static void on_ping(struct redisReply *reply, void *data)
{
	struct http_req *req = data;
	if (reply && reply->type == REDIS_REPLY_STATUS)
		http_reply(req, 200, "text/plain", "ok\n", 3);
	else
		http_error(req, 503, "redis not answering");
}

/* The answer while the store's key layout is not known to be current. */
static void refuse_unchecked(struct http_req *req)
{
	http_error(req, 503, "the key layout is not checked yet");
}

static void healthz_handler(struct http_req *req, void *data)
{
	struct gateway *gw = data;
	if (!gw->layout_current) {
		refuse_unchecked(req);
		return;
	}
	const char *argv[] = {"PING"};
	if (db_command(gw->db, on_ping, req, 1, argv, NULL) < 0)
		http_error(req, 503, "redis not connected");
}

static void metrics_handler(struct http_req *req, void *data)
{
	struct gateway *gw = data;
	struct buf b = BUF_INIT;
	struct redis_counts redis = {db_errors(gw->db), db_commands(gw->db),
				     db_batches(gw->db), db_batched_calls(gw->db)};
	metrics_render(&b, &redis, (int)gw->flows->n);
	buf_printf(&b, "# HELP sauti_requests_shed_total Requests answered 503 at once because max_in_flight were being served.\n"
		       "# TYPE sauti_requests_shed_total counter\nsauti_requests_shed_total %lu\n"
		       "# HELP sauti_connections_paused_total Connections answered 503 and then not read for the second of their Retry-After.\n"
		       "# TYPE sauti_connections_paused_total counter\nsauti_connections_paused_total %lu\n"
		       "# HELP sauti_requests_in_flight Requests being served now.\n"
		       "# TYPE sauti_requests_in_flight gauge\nsauti_requests_in_flight %zu\n"
		       "# HELP sauti_redis_connections_total Connections to the Redis master made ready (a failover adds one).\n"
		       "# TYPE sauti_redis_connections_total counter\nsauti_redis_connections_total %lu\n",
		   http_server_shed(gw->http), http_server_paused(gw->http),
		   http_server_in_flight(gw->http),
		   db_connections(gw->db));
	http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
	buf_release(&b);
}

/* The console's API writes people's keys too: not before the layout is
 * current (the channels ask gateway_storage_ready). */
static void api_checked_handler(struct http_req *req, void *data)
{
	const struct gateway *gw = data;
	if (gw->layout_current)
		api_handler(req, data);
	else
		refuse_unchecked(req);
}

static const struct http_route routes[] = {
	{"/healthz", HTTP_GET, healthz_handler, HTTP_ERRORS_TEXT},
	{"/metrics", HTTP_GET, metrics_handler, HTTP_ERRORS_TEXT},
	{"/kannel/sms", HTTP_GET | HTTP_POST, kannel_sms_handler, HTTP_ERRORS_TEXT},
	{"/kannel/dlr", HTTP_GET | HTTP_POST, kannel_dlr_handler, HTTP_ERRORS_TEXT},
	{"/ussd", HTTP_POST, ussd_handler, HTTP_ERRORS_USSD_END},
	{"/ussd/hubtel", HTTP_POST, ussd_dialect_handler, HTTP_ERRORS_TEXT},
	{"/ussd/beem", HTTP_POST, ussd_dialect_handler, HTTP_ERRORS_TEXT},
	{"/ussd/arkesel", HTTP_POST, ussd_dialect_handler, HTTP_ERRORS_TEXT},
	{"/api/", HTTP_GET | HTTP_POST | HTTP_DELETE, api_checked_handler, HTTP_ERRORS_JSON},
	/* last: every other path is one of the console's files, or a 404 */
	{"/", HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_DELETE, web_handler, HTTP_ERRORS_TEXT},
};

/* -- flows --------------------------------------------------------------------- */

static void log_diags(const struct flow_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		char line[1024];
		flow_diags_format(&diags->items[i], line, sizeof(line));
		if (diags->items[i].warning)
			log_warn("%s", line);
		else
			log_error("%s", line);
	}
}

/* The message catalogue (config messages:), or NULL when it has an error. */
static struct catalogue *load_catalogue(const struct config *cfg)
{
	struct flow_diags diags = {0};
	struct catalogue *c = catalogue_load(cfg->messages, cfg->fallback_language, &diags);
	log_diags(&diags);
	flow_diags_release(&diags);
	return c;
}

/* The flows, checked against and speaking with gw->catalogue. */
static struct flow_set *load_flows(const struct gateway *gw,
				   struct flow_diags *out_diags)
{
	const struct config *cfg = &gw->cfg;
	struct flow_diags diags = {0};
	struct flow_load_opts opts = {.ussd_max_chars = (size_t)cfg->ussd.max_chars,
				      .catalogue = gw->catalogue};
	const char *paths[] = {cfg->flows};
	struct flow_set *set = flow_set_load(paths, 1, &opts, &diags);
	log_diags(&diags);
	if (out_diags)
		*out_diags = diags;
	else
		flow_diags_release(&diags);
	return set;
}

static void log_loaded(const struct flow_set *set)
{
	struct buf names = BUF_INIT;
	for (size_t i = 0; i < set->n; i++)
		buf_printf(&names, "%s%s", i ? ", " : "", set->flows[i]->id);
	log_info("flows serving: %s (%zu)", buf_str(&names), set->n);
	buf_release(&names);
}

/* Says which flows a reload left at their last good version (those of the
 * new set that are the old set's own), so that whoever edited one does not
 * read "flows serving: ..., maji" as the edit taken (docs/flows.md). */
static void log_kept(const struct flow_set *kept, const struct flow_set *old)
{
	for (size_t i = 0; old && i < kept->n; i++) {
		const struct flow *f = kept->flows[i];
		if (flow_set_find(old, f->id) == f)
			log_warn("flows: %s has errors: %s goes on serving its last good version, "
				 "not the edit", f->path, f->id);
	}
}

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	struct gateway *gw = arg;
	if (gw->cfg.messages) {
		log_info("SIGHUP: reloading the message catalogue from %s", gw->cfg.messages);
		struct catalogue *c = load_catalogue(&gw->cfg);
		if (c) {
			catalogue_unref(gw->catalogue);
			gw->catalogue = c;
		} else {
			log_error("%s has errors: the catalogue loaded before goes on serving",
				  gw->cfg.messages);
		}
	}
	log_info("SIGHUP: reloading flows from %s", gw->cfg.flows);
	struct flow_diags diags = {0};
	struct flow_set *fresh = load_flows(gw, &diags);
	struct flow_set *kept = flow_set_keep_broken(fresh, gw->flows, &diags);
	log_kept(kept, gw->flows);
	flow_diags_release(&diags);
	flow_set_unref(gw->flows);
	gw->flows = kept;
	log_loaded(gw->flows);
}

/* -- shutting down -------------------------------------------------------- */

static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct gateway *gw = arg;
	size_t requests = http_server_in_flight(gw->http);
	size_t messages = broadcast_in_hand(gw->broadcaster);
	if (requests + messages == 0 || ++gw->drain_ticks > DRAIN_SECONDS * 10) {
		if (requests)
			log_warn("exiting with %zu requests unanswered", requests);
		if (messages)
			log_warn("exiting with %zu messages handed to Kannel whose outcome is not "
				 "saved: another daemon sends them again after %d s", messages,
				 BROADCAST_TAKE_OVER_SECONDS);
		event_base_loopbreak(gw->base);
	}
}

static void on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct gateway *gw = arg;
	if (gw->drain_timer)
		return; /* already draining */
	http_server_stop_accepting(gw->http);
	dispatch_stop(gw);
	broadcast_drain(gw->broadcaster);
	log_info("%s: finishing %zu requests in flight and %zu messages on their way to "
		 "Kannel, then exiting", sig == SIGINT ? "SIGINT" : "SIGTERM",
		 http_server_in_flight(gw->http), broadcast_in_hand(gw->broadcaster));
	gw->drain_timer = event_new(gw->base, -1, EV_PERSIST, on_drain_tick, gw);
	struct timeval tv = {0, 100 * 1000};
	event_add(gw->drain_timer, &tv);
	on_drain_tick(-1, 0, gw);
}

/* Log lines are written once per loop turn, all of a turn's in one write
 * (log.h): the event is made active by the first line of a turn and runs
 * after the callbacks already due in it. */
static void on_log_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_flush();
}

static void schedule_log_flush(void *arg)
{
	event_active(arg, EV_TIMEOUT, 0);
}

/* With the changelist, the epoll backend applies the adds and deletes of an
 * fd once per loop turn instead of one epoll_ctl each: evhttp disables and
 * enables its read and write events around every answer and hiredis' adapter
 * adds and removes a write event around every command, which otherwise costs
 * about four system calls per request.  (Safe here: we never dup() a socket
 * we have events on, the one caveat libevent documents.) */
static struct event_base *new_event_base(void)
{
	struct event_config *cfg = event_config_new();
	if (!cfg)
		return event_base_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	struct event_base *base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base ? base : event_base_new();
}

int cmd_serve(int argc, char **argv)
{
	const char *given = NULL, *why;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			given = argv[++i];
		else
			return usage_print("serve", 2);
	}

	struct gateway gw = {0};
	char err[1024];
	const char *config_path = config_choose_path(given, &why);
	if (config_load(config_path, &gw.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "sauti: %s (config file %s)\n", err, why);
		return 1;
	}
	enum log_level level = LOG_INFO;
	log_level_parse(gw.cfg.log_level, &level);
	log_set_level(level);
	if (!gw.cfg.pseudonym_key)
		log_warn("no pseudonym_key configured: using a development key; set "
			 "SAUTI_PSEUDONYM_KEY before collecting real answers");
	if (!reply_fold_unicode())
		log_warn("no C.UTF-8 locale: replies are matched ignoring the "
			 "case of ASCII letters only");
	signal(SIGPIPE, SIG_IGN);
	gw.catalogue = load_catalogue(&gw.cfg);
	if (!gw.catalogue) {
		log_error("the message catalogue has errors; not starting");
		config_release(&gw.cfg);
		return 1;
	}

	int status = 1;
	gw.base = new_event_base();
	struct event *log_flush_ev = event_new(gw.base, -1, 0, on_log_flush, NULL);
	if (log_flush_ev)
		log_buffer_lines(schedule_log_flush, log_flush_ev);
	gw.pseudonyms = pseudonym_key_new(config_pseudonym_key(&gw.cfg),
					  strlen(config_pseudonym_key(&gw.cfg)));
	gw.flows = load_flows(&gw, NULL);
	log_loaded(gw.flows);
	gw.convos = convo_cache_new(CONVO_CACHE_ENTRIES, CONVO_CACHE_IDLE);
	gw.db = db_new(gw.base, gw.cfg.redis, gw.cfg.redis_timeout_ms, err, sizeof(err));
	gw.turns = (struct turn_env){
		.db = gw.db,
		.convos = gw.convos,
		.limit = gw.cfg.limits.max_per_window,
		.window = gw.cfg.limits.window,
		.gsm7_substitute = gw.cfg.gsm7_substitute,
	};
	policy_config_init(&gw.turns.policy, &gw.cfg);
	if (!gw.db) {
		log_error("%s", err);
		goto out;
	}
	db_set_on_ready(gw.db, on_redis_ready, &gw);
	db_set_wait_replicas(gw.db, gw.cfg.redis_wait_replicas);
	wait_for_layout(&gw);
	if (gw.layout_refused)
		goto out;
	unsigned char raw[6];
	randombytes_buf(raw, sizeof(raw));
	memcpy(gw.consumer, "d-", 2);
	sodium_bin2hex(gw.consumer + 2, sizeof(gw.consumer) - 2, raw, sizeof(raw));
	gw.http = http_server_new(gw.base, gw.cfg.listen_host, gw.cfg.listen_port,
				  gw.cfg.max_body, routes, sizeof(routes) / sizeof(routes[0]),
				  &gw, err, sizeof(err));
	if (!gw.http) {
		log_error("%s", err);
		goto out;
	}
	http_server_set_max_in_flight(gw.http, (size_t)gw.cfg.max_in_flight);
	if (gw.layout_current && start_background(&gw) < 0)
		goto out;
	struct event *hup = evsignal_new(gw.base, SIGHUP, on_sighup, &gw);
	struct event *term = evsignal_new(gw.base, SIGTERM, on_sigterm, &gw);
	struct event *intr = evsignal_new(gw.base, SIGINT, on_sigterm, &gw);
	event_add(hup, NULL);
	event_add(term, NULL);
	event_add(intr, NULL);
	web_check_root(gw.cfg.web_root);
	log_info("listening on %s:%d", gw.cfg.listen_host, gw.cfg.listen_port);
	if (!gw.layout_refused)
		event_base_dispatch(gw.base);
	event_free(hup);
	event_free(term);
	event_free(intr);
	if (gw.drain_timer)
		event_free(gw.drain_timer);
	status = gw.layout_refused ? 1 : 0;
out:
	/* Redis goes first: freeing it runs the last callbacks (NULL replies),
	 * which may still answer requests and touch the broadcaster. */
	dispatch_stop(&gw);
	broadcast_stop(gw.broadcaster);
	retention_stop(gw.retention);
	db_free(gw.db);
	if (gw.layout_retry) /* after the check's last callback */
		event_free(gw.layout_retry);
	retention_free(gw.retention);
	broadcast_free(gw.broadcaster);
	gw.broadcaster = NULL;
	dispatch_free(&gw);
	http_server_free(gw.http);
	convo_cache_free(gw.convos);
	flow_set_unref(gw.flows);
	catalogue_unref(gw.catalogue);
	pseudonym_key_free(gw.pseudonyms);
	log_buffer_lines(NULL, NULL);
	if (log_flush_ev)
		event_free(log_flush_ev);
	if (gw.base)
		event_base_free(gw.base);
	config_release(&gw.cfg);
	log_info("stopped");
	return status;
}
