/* sentinel.c -- see sentinel.h.
 *
 * Each question and each watch has its own hiredis connection.  Abandoning
 * one (a timeout, a free) first forgets its context in struct sentinel and
 * then frees it: hiredis then calls the context's callbacks with NULL, and
 * a callback whose context is not the one remembered does nothing. */
#include "sentinel.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#define WATCH_RETRY_MS 500

struct sentinel {
	struct event_base *base;
	struct db_addr *addrs;
	bool *unreachable;       /* said so in the log, not yet reached again */
	size_t n;
	char *master;
	struct timeval timeout;

	/* the question in flight */
	bool asking;
	sentinel_master_fn ask_fn;
	void *ask_data;
	redisAsyncContext *ask_ac;
	size_t tried;            /* Sentinels asked in this question */
	size_t good;             /* the one that answered last */
	struct event *ask_timer;

	/* the watch */
	sentinel_master_fn watch_fn;
	void *watch_data;
	redisAsyncContext *watch_ac;
	size_t watch_i;
	struct event *watch_timer;
	/* every timeout, the subscription is asked again; a Sentinel that has
	 * not confirmed the last one by the next tick is given up */
	struct event *probe_timer;
	bool probing;
};

static void on_ask_timeout(evutil_socket_t fd, short what, void *arg);
static void on_watch_timer(evutil_socket_t fd, short what, void *arg);
static void on_probe_timer(evutil_socket_t fd, short what, void *arg);

struct sentinel *sentinel_new(struct event_base *base, const struct db_url *url,
			      int timeout_ms)
{
	struct sentinel *s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->n = url->nsentinels;
	s->addrs = xcalloc(s->n, sizeof(*s->addrs));
	s->unreachable = xcalloc(s->n, sizeof(*s->unreachable));
	for (size_t i = 0; i < s->n; i++) {
		s->addrs[i].host = xstrdup(url->sentinels[i].host);
		s->addrs[i].port = url->sentinels[i].port;
	}
	s->master = xstrdup(url->master_name);
	s->timeout.tv_sec = timeout_ms / 1000;
	s->timeout.tv_usec = (timeout_ms % 1000) * 1000;
	s->ask_timer = evtimer_new(base, on_ask_timeout, s);
	s->watch_timer = evtimer_new(base, on_watch_timer, s);
	s->probe_timer = event_new(base, -1, EV_PERSIST, on_probe_timer, s);
	return s;
}

/* Forgets *acp, then frees it (its callbacks see that it is forgotten). */
static void drop_context(redisAsyncContext **acp)
{
	redisAsyncContext *ac = *acp;
	*acp = NULL;
	if (ac)
		redisAsyncFree(ac);
}

/* Each Sentinel that cannot be reached is said once at warn, and again at
 * info when it answers: with every Sentinel down they are tried twice a
 * second, and a line each time would bury the rest of the log. */
static void on_sentinel_connect(const redisAsyncContext *ac, int status)
{
	struct sentinel *s = ac->data;
	const char *host = ac->c.tcp.host ? ac->c.tcp.host : "?";
	size_t i = 0;
	while (i < s->n && !(s->addrs[i].port == ac->c.tcp.port &&
			     strcmp(s->addrs[i].host, host) == 0))
		i++;
	bool said = i < s->n && s->unreachable[i];
	if (status != REDIS_OK && !said)
		log_warn("redis: cannot reach the Sentinel at %s:%d: %s (said again when it answers)",
			 host, ac->c.tcp.port, ac->errstr);
	else if (status != REDIS_OK)
		log_debug("redis: cannot reach the Sentinel at %s:%d: %s", host, ac->c.tcp.port,
			  ac->errstr);
	else if (said)
		log_info("redis: the Sentinel at %s:%d answers again", host, ac->c.tcp.port);
	if (i < s->n)
		s->unreachable[i] = status != REDIS_OK;
}

/* A connection to Sentinel i, or NULL. */
static redisAsyncContext *connect_to(struct sentinel *s, size_t i)
{
	redisAsyncContext *ac = redisAsyncConnect(s->addrs[i].host, s->addrs[i].port);
	if (!ac || ac->err) {
		log_warn("redis: cannot reach Sentinel %s:%d: %s", s->addrs[i].host,
			 s->addrs[i].port, ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		return NULL;
	}
	ac->data = s;
	redisLibeventAttach(ac, s->base);
	redisAsyncSetConnectCallback(ac, on_sentinel_connect);
	return ac;
}

/* -- the question ------------------------------------------------------------ */

static void ask_finish(struct sentinel *s, const char *host, int port)
{
	evtimer_del(s->ask_timer);
	s->asking = false;
	s->ask_fn(host, port, s->ask_data);
}

static void ask_next(struct sentinel *s);

static void on_master_addr(redisAsyncContext *ac, void *r, void *data)
{
	struct sentinel *s = data;
	redisReply *reply = r;
	if (ac != s->ask_ac)
		return; /* abandoned */
	size_t i = (s->good + s->tried - 1) % s->n;
	if (!reply) {
		s->ask_ac = NULL; /* hiredis is freeing it */
		ask_next(s);
		return;
	}
	drop_context(&s->ask_ac); /* freed once this callback returns */
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    reply->element[1]->type == REDIS_REPLY_STRING) {
		int port = atoi(reply->element[1]->str);
		if (port > 0 && port < 65536) {
			s->good = i;
			ask_finish(s, reply->element[0]->str, port);
			return;
		}
	}
	log_warn("redis: Sentinel %s:%d does not name master '%s'%s%s", s->addrs[i].host,
		 s->addrs[i].port, s->master, reply->type == REDIS_REPLY_ERROR ? ": " : "",
		 reply->type == REDIS_REPLY_ERROR ? reply->str : "");
	ask_next(s);
}

static void ask_next(struct sentinel *s)
{
	while (s->tried < s->n) {
		size_t i = (s->good + s->tried++) % s->n;
		redisAsyncContext *ac = connect_to(s, i);
		if (!ac)
			continue;
		if (redisAsyncCommand(ac, on_master_addr, s, "SENTINEL get-master-addr-by-name %s",
				      s->master) != REDIS_OK) {
			redisAsyncFree(ac);
			continue;
		}
		s->ask_ac = ac;
		evtimer_add(s->ask_timer, &s->timeout);
		return;
	}
	log_warn("redis: no Sentinel named master '%s'", s->master);
	ask_finish(s, NULL, 0);
}

static void on_ask_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct sentinel *s = arg;
	size_t i = (s->good + s->tried - 1) % s->n;
	log_warn("redis: Sentinel %s:%d did not answer in time", s->addrs[i].host,
		 s->addrs[i].port);
	drop_context(&s->ask_ac);
	ask_next(s);
}

int sentinel_ask(struct sentinel *s, sentinel_master_fn fn, void *data)
{
	if (s->asking)
		return -1;
	s->asking = true;
	s->ask_fn = fn;
	s->ask_data = data;
	s->tried = 0;
	ask_next(s);
	return 0;
}

/* -- the watch --------------------------------------------------------------- */

static void watch_later(struct sentinel *s)
{
	struct timeval tv = {0, WATCH_RETRY_MS * 1000};
	evtimer_del(s->probe_timer);
	s->watch_i = (s->watch_i + 1) % s->n;
	evtimer_add(s->watch_timer, &tv);
}

/* The two announcements of a new master:
 *   +promoted-slave  "slave NAME IP PORT @ MASTER OLD_IP OLD_PORT", as soon as
 *                    the Sentinels see the replica promoted (from then on they
 *                    name it when asked);
 *   +switch-master   "MASTER OLD_IP OLD_PORT IP PORT", once the failover is
 *                    over.
 * The first matters: until a client leaves the old master, a write there
 * may still be confirmed by a replica not yet moved to the new one, and
 * then lost.  The second is heard if the first was missed. */
static void on_announce(struct sentinel *s, const char *channel, const char *msg)
{
	char name[256], ip[64], old_ip[64], word[16], replica[256];
	int port, old_port;
	bool promoted = strcmp(channel, "+promoted-slave") == 0;
	if (promoted) {
		if (sscanf(msg, "%15s %255s %63s %d @ %255s", word, replica, ip, &port, name) != 5)
			return;
	} else if (strcmp(channel, "+switch-master") == 0) {
		if (sscanf(msg, "%255s %63s %d %63s %d", name, old_ip, &old_port, ip, &port) != 5)
			return;
	} else {
		return;
	}
	if (strcmp(name, s->master) != 0 || port < 1 || port > 65535)
		return;
	log_info("redis: Sentinel says master '%s' moved to %s:%d (%s)", name, ip, port, channel);
	s->watch_fn(ip, port, s->watch_data);
}

static void on_watch_message(redisAsyncContext *ac, void *r, void *data)
{
	struct sentinel *s = data;
	redisReply *reply = r;
	if (ac != s->watch_ac)
		return;
	if (!reply) {
		s->watch_ac = NULL; /* lost: hiredis is freeing it */
		watch_later(s);
		return;
	}
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(reply->element[0]->str, "subscribe") == 0)
		s->probing = false; /* it answers */
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(reply->element[0]->str, "message") == 0 &&
	    reply->element[1]->type == REDIS_REPLY_STRING &&
	    reply->element[2]->type == REDIS_REPLY_STRING)
		on_announce(s, reply->element[1]->str, reply->element[2]->str);
}

static int subscribe(struct sentinel *s, redisAsyncContext *ac)
{
	s->probing = true;
	return redisAsyncCommand(ac, on_watch_message, s,
				 "SUBSCRIBE +promoted-slave +switch-master");
}

static void watch_start(struct sentinel *s)
{
	redisAsyncContext *ac = connect_to(s, s->watch_i);
	if (!ac) {
		watch_later(s);
		return;
	}
	if (subscribe(s, ac) != REDIS_OK) {
		redisAsyncFree(ac);
		watch_later(s);
		return;
	}
	s->watch_ac = ac;
	evtimer_del(s->probe_timer);
	event_add(s->probe_timer, &s->timeout);
}

/* Subscribing again to the channels it is subscribed to changes nothing on
 * the Sentinel and is confirmed as the first subscription was: a Sentinel
 * that confirmed none since the last tick is stopped, hung, or cut off. */
static void on_probe_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct sentinel *s = arg;
	if (!s->watch_ac) {
		evtimer_del(s->probe_timer);
		return;
	}
	if (s->probing || subscribe(s, s->watch_ac) != REDIS_OK) {
		log_warn("redis: Sentinel %s:%d did not answer in time; watching for "
			 "failovers on the next one", s->addrs[s->watch_i].host,
			 s->addrs[s->watch_i].port);
		drop_context(&s->watch_ac);
		watch_later(s);
	}
}

static void on_watch_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	watch_start(arg);
}

void sentinel_watch(struct sentinel *s, sentinel_master_fn fn, void *data)
{
	s->watch_fn = fn;
	s->watch_data = data;
	if (!s->watch_ac && !evtimer_pending(s->watch_timer, NULL))
		watch_start(s);
}

void sentinel_free(struct sentinel *s)
{
	if (!s)
		return;
	event_free(s->watch_timer);
	event_free(s->probe_timer);
	drop_context(&s->watch_ac);
	drop_context(&s->ask_ac);
	if (s->asking)
		ask_finish(s, NULL, 0);
	event_free(s->ask_timer);
	for (size_t i = 0; i < s->n; i++)
		free(s->addrs[i].host);
	free(s->addrs);
	free(s->unreachable);
	free(s->master);
	free(s);
}
