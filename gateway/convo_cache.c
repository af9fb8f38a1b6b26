/* convo_cache.c -- see convo_cache.h.  A chained hash table of a fixed
 * number of buckets (no rehashing), keyed by "kind:phone" under SipHash with
 * a random key, so that no sender can pick numbers that collide. */
#include "convo_cache.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store.h"

#define KEY_SIZE 48

struct entry {
	struct entry *next;
	char key[KEY_SIZE];
	struct convo *convo;
	long used;
};

struct convo_cache {
	struct entry **buckets;
	size_t nbuckets;         /* a power of two */
	size_t n, max;
	long max_idle;
	long next_sweep;
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
	for (size_t i = 0; i < cache->nbuckets; i++) {
		for (struct entry *e = cache->buckets[i], *next; e; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	free(cache->buckets);
	free(cache);
}

/* The key of (kind, phone) in key, and the bucket it falls in. */
static struct entry **bucket_of(const struct convo_cache *cache, const char *kind,
				const char *phone, char key[KEY_SIZE])
{
	int len = snprintf(key, KEY_SIZE, "%s:%s", kind, phone);
	if (len < 0 || len >= KEY_SIZE)
		len = KEY_SIZE - 1;
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)key, (unsigned long long)len,
			 cache->hash_key);
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return &cache->buckets[v & (cache->nbuckets - 1)];
}

/* Unlinks and returns the entry of key from its bucket, or NULL. */
static struct entry *unlink_entry(struct convo_cache *cache, struct entry **bucket,
				  const char *key)
{
	for (struct entry **p = bucket; *p; p = &(*p)->next) {
		if (strcmp((*p)->key, key) == 0) {
			struct entry *e = *p;
			*p = e->next;
			cache->n--;
			return e;
		}
	}
	return NULL;
}

/* Drops every entry idle since before now - idle. */
static void sweep(struct convo_cache *cache, long now, long idle)
{
	for (size_t i = 0; i < cache->nbuckets; i++) {
		for (struct entry **p = &cache->buckets[i]; *p;) {
			struct entry *e = *p;
			if (now - e->used >= idle) {
				*p = e->next;
				cache->n--;
				entry_free(e);
			} else {
				p = &e->next;
			}
		}
	}
}

/* Room for one more: the idle sweep when due, then, while full, sweeps
 * that keep ever fewer of the longest idle. */
static bool make_room(struct convo_cache *cache, long now)
{
	if (now >= cache->next_sweep) {
		sweep(cache, now, cache->max_idle);
		cache->next_sweep = now + (cache->max_idle > 4 ? cache->max_idle / 4 : 1);
	}
	for (long idle = cache->max_idle / 2; cache->n >= cache->max && idle > 0; idle /= 2)
		sweep(cache, now, idle);
	return cache->n < cache->max;
}

struct convo *convo_cache_take(struct convo_cache *cache, const char *kind,
			       const char *phone, long now)
{
	char key[KEY_SIZE];
	struct entry *e = unlink_entry(cache, bucket_of(cache, kind, phone, key), key);
	if (!e)
		return NULL;
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
	struct entry **bucket = bucket_of(cache, kind, phone, key);
	struct entry *e = unlink_entry(cache, bucket, key);
	if (!e) {
		if (!make_room(cache, now)) {
			convo_release(c);
			return;
		}
		e = xcalloc(1, sizeof(*e));
		memcpy(e->key, key, sizeof(e->key));
	} else {
		convo_release(e->convo);
	}
	e->convo = c;
	e->used = now;
	e->next = *bucket;
	*bucket = e;
	cache->n++;
}

void convo_cache_drop(struct convo_cache *cache, const char *kind,
		      const char *phone)
{
	char key[KEY_SIZE];
	struct entry *e = unlink_entry(cache, bucket_of(cache, kind, phone, key), key);
	if (e)
		entry_free(e);
}

size_t convo_cache_size(const struct convo_cache *cache) { return cache->n; }
