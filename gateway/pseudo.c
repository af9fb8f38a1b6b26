/* pseudo.c -- see pseudo.h. */
#include "pseudo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"

/* HMAC's key set-up (the key's inner and outer pads, each a SHA-256 block)
 * done once: a pseudonym then costs the two blocks of the number alone. */
struct pseudonym_key {
	crypto_auth_hmacsha256_state ready;
};

static void sodium_ready(void)
{
	/* Idempotent and thread-safe; HMAC needs no randomness, but libsodium
	 * asks for it before any other call. */
	if (sodium_init() < 0) {
		fprintf(stderr, "sauti: libsodium failed to initialise\n");
		abort();
	}
}

static void key_init(crypto_auth_hmacsha256_state *st, const char *key, size_t keylen)
{
	crypto_auth_hmacsha256_init(st, (const unsigned char *)key, keylen);
}

static void finish(crypto_auth_hmacsha256_state *st, const char *e164,
		   char out[PSEUDONYM_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_update(st, (const unsigned char *)e164, strlen(e164));
	crypto_auth_hmacsha256_final(st, mac);
	sodium_memzero(st, sizeof(*st));
	for (size_t i = 0; i < (PSEUDONYM_SIZE - 1) / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0xf];
	}
	out[PSEUDONYM_SIZE - 1] = '\0';
}

void pseudonym(const char *key, size_t keylen, const char *e164,
	       char out[PSEUDONYM_SIZE])
{
	crypto_auth_hmacsha256_state st;
	sodium_ready();
	key_init(&st, key, keylen);
	finish(&st, e164, out);
}

struct pseudonym_key *pseudonym_key_new(const char *key, size_t keylen)
{
	sodium_ready();
	struct pseudonym_key *k = xmalloc(sizeof(*k));
	key_init(&k->ready, key, keylen);
	return k;
}

void pseudonym_keyed(const struct pseudonym_key *k, const char *e164,
		     char out[PSEUDONYM_SIZE])
{
	crypto_auth_hmacsha256_state st = k->ready;
	finish(&st, e164, out);
}

void pseudonym_key_free(struct pseudonym_key *k)
{
	if (!k)
		return;
	sodium_memzero(k, sizeof(*k));
	free(k);
}
