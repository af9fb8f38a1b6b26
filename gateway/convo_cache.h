/* convo_cache.h -- the conversations this daemon served last, kept so that
 * the next message of one can skip loading it.
 *
 * After a commit, the state in Redis is exactly what the turn computed, so
 * the next turn of a USSD session, or the next SMS of a run, can start from
 * a copy kept here instead of a round trip (an SMS's commit then looks up
 * the repeat and counts the message itself: store.h, struct commit's
 * guarded).  The copy may have gone stale (another daemon served the
 * person, a STOP, an import): the commit's version checks (store.h) then
 * fail and the turn decides again on the state they bring back.  So the cache changes how often Redis is
 * read, never what is decided, and a daemon killed loses nothing by it.
 *
 * Entries idle for max_idle seconds are dropped; when the cache is full the
 * longest idle ones go first. */
#ifndef SAUTI_CONVO_CACHE_H
#define SAUTI_CONVO_CACHE_H

#include <stddef.h>

struct convo;
struct convo_cache;

struct convo_cache *convo_cache_new(size_t max_entries, long max_idle);
void convo_cache_free(struct convo_cache *cache);

/* The conversation kept for (kind, phone), taken out of the cache: the
 * caller owns it (convo_release).  NULL when none is kept, or it is idle
 * for longer than max_idle at now (seconds). */
struct convo *convo_cache_take(struct convo_cache *cache, const char *kind,
			       const char *phone, long now);

/* Keeps c (the cache owns it from here) for (kind, phone), in place of any
 * kept before. */
void convo_cache_put(struct convo_cache *cache, const char *kind,
		     const char *phone, struct convo *c, long now);

/* Forgets what is kept for (kind, phone). */
void convo_cache_drop(struct convo_cache *cache, const char *kind,
		      const char *phone);

/* Forgets everything kept: after a reconnection (db_set_on_ready), since a
 * new master may be behind the old one, and a version counter that went
 * back can reach a kept copy's version again with other contents. */
void convo_cache_clear(struct convo_cache *cache);

size_t convo_cache_size(const struct convo_cache *cache);

#endif
