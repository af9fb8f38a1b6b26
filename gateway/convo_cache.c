/* convo_cache.c -- see convo_cache.h.  A chained hash table of a fixed
 * number of buckets (no rehashing), keyed by "kind:phone" under SipHash with
 * a random key, so that no sender can pick numbers that collide; and a list
 * (sys/queue.h) of the entries from the most to the least recently kept, so
 * that the idle ones and, when full, the oldest go in O(1) each. */
#include "convo_cache.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "buf.h"
#include "store.h"

#define KEY_SIZE 48

struct entry {
	struct entry *next;          /* in its bucket */
	TAILQ_ENTRY(entry) by_time;  /* newest first */
	size_t bucket;
	char key[KEY_SIZE];
	struct convo *convo;
	long used;
};

TAILQ_HEAD(entry_list, entry);

struct convo_cache {
	struct entry **buckets;
	size_t nbuckets;             /* a power of two */
	struct entry_list by_time;
	size_t n, max;
	long max_idle;
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
};

struct convo_cache *convo_cache_new(size_t max_entries, long max_idle)
{
	struct convo_cache *cache = xcalloc(1, sizeof(*cache));
	cache->max = max_entries ? max_entries : 1;
	cache->nbuckets = 1;
	while (cache->nbuckets < cache->max)
		cache->nbuckets <<= 1;
	cache->buckets = xcalloc(cache->nbuckets, sizeof(*cache->buckets));
	cache->max_idle = max_idle;
	TAILQ_INIT(&cache->by_time);
	crypto_shorthash_keygen(cache->hash_key);
	return cache;
}

static void entry_free(struct entry *e)
{
	convo_release(e->convo);
	free(e);
}

void convo_cache_free(struct convo_cache *cache)
{
	if (!cache)
		return;
	convo_cache_clear(cache);
	free(cache->buckets);
	free(cache);
}

/* The key of (kind, phone), and the bucket it falls in. */
static size_t bucket_of(const struct convo_cache *cache, const char *kind,
			const char *phone, char key[KEY_SIZE])
{
	size_t len = str_copy(key, KEY_SIZE, kind);
	if (len + 1 < KEY_SIZE) {
		key[len++] = ':';
		len += str_copy(key + len, KEY_SIZE - len, phone);
	}
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)key, (unsigned long long)len,
			 cache->hash_key);
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return (size_t)(v & (cache->nbuckets - 1));
}

/* Takes e out of its bucket and the list. */
static void unlink_entry(struct convo_cache *cache, struct entry *e)
{
	struct entry **p = &cache->buckets[e->bucket];
	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	TAILQ_REMOVE(&cache->by_time, e, by_time);
	cache->n--;
}

static struct entry *find(const struct convo_cache *cache, size_t bucket,
			  const char *key)
{
	for (struct entry *e = cache->buckets[bucket]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Drops the idle ones, then, while full, the oldest. */
static void make_room(struct convo_cache *cache, long now)
{
	struct entry *e;
	while ((e = TAILQ_LAST(&cache->by_time, entry_list)) &&
	       (now - e->used >= cache->max_idle || cache->n >= cache->max)) {
		unlink_entry(cache, e);
		entry_free(e);
	}
}

struct convo *convo_cache_take(struct convo_cache *cache, const char *kind,
			       const char *phone, long now)
{
	char key[KEY_SIZE];
	struct entry *e = find(cache, bucket_of(cache, kind, phone, key), key);
	if (!e)
		return NULL;
	unlink_entry(cache, e);
	struct convo *c = e->convo;
	if (now - e->used >= cache->max_idle) {
		convo_release(c);
		c = NULL;
	}
	free(e);
	return c;
}

void convo_cache_put(struct convo_cache *cache, const char *kind,
		     const char *phone, struct convo *c, long now)
{
	char key[KEY_SIZE];
	size_t bucket = bucket_of(cache, kind, phone, key);
	struct entry *e = find(cache, bucket, key);
	if (e) {
		unlink_entry(cache, e);
		convo_release(e->convo);
	} else {
		e = xcalloc(1, sizeof(*e));
		e->bucket = bucket;
		memcpy(e->key, key, sizeof(e->key));
	}
	make_room(cache, now);
	e->convo = c;
	e->used = now;
	e->next = cache->buckets[bucket];
	cache->buckets[bucket] = e;
	TAILQ_INSERT_HEAD(&cache->by_time, e, by_time);
	cache->n++;
}

void convo_cache_drop(struct convo_cache *cache, const char *kind,
		      const char *phone)
{
	char key[KEY_SIZE];
	struct entry *e = find(cache, bucket_of(cache, kind, phone, key), key);
	if (e) {
		unlink_entry(cache, e);
		entry_free(e);
	}
}

void convo_cache_clear(struct convo_cache *cache)
{
	struct entry *e;
	while ((e = TAILQ_FIRST(&cache->by_time))) {
		unlink_entry(cache, e);
		entry_free(e);
	}
}

size_t convo_cache_size(const struct convo_cache *cache) { return cache->n; }
