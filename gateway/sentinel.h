/* sentinel.h -- asking Redis Sentinels where the master is, and hearing when
 * they move it (db.c uses this for sentinel:// URLs, db_url.h).
 *
 * A question goes to each Sentinel in turn (the one that answered last
 * first) until one names the master; each is given timeout_ms.  The watch is
 * a subscription to +promoted-slave and +switch-master on one Sentinel, moved
 * to the next when its connection drops, or when the Sentinel does not
 * confirm the subscription, asked again every timeout_ms, within the next
 * timeout_ms (a Sentinel stopped or cut off keeps its connection open and
 * silent, and a failover it would have announced goes unheard:
 * docs/operations.md, "Redis with Sentinel").  As in db.h, every callback of a question fires
 * exactly once, and the host it is given lives only for the callback. */
#ifndef SAUTI_SENTINEL_H
#define SAUTI_SENTINEL_H

#include "db_url.h"

struct event_base;
struct sentinel;

/* host NULL: no Sentinel named the master (the question) -- or never, for
 * the watch, which is only told of a new master. */
typedef void (*sentinel_master_fn)(const char *host, int port, void *data);

/* The Sentinels and master name of url (a DB_URL_SENTINEL), copied. */
struct sentinel *sentinel_new(struct event_base *base, const struct db_url *url,
			      int timeout_ms);
/* Ends the question in flight (its callback gets NULL) and the watch. */
void sentinel_free(struct sentinel *s);

/* Asks for the master's address.  Returns -1 (fn not called) when a
 * question is already out. */
int sentinel_ask(struct sentinel *s, sentinel_master_fn fn, void *data);

/* From now on, fn is called with the new address each time a Sentinel
 * announces that the master moved. */
void sentinel_watch(struct sentinel *s, sentinel_master_fn fn, void *data);

#endif
