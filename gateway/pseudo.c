/* pseudo.c -- see pseudo.h. */
#include "pseudo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void pseudonym(const char *key, size_t keylen, const char *e164,
	       char out[PSEUDONYM_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	/* Idempotent and thread-safe; HMAC needs no randomness, but libsodium
	 * asks for it before any other call. */
	if (sodium_init() < 0) {
		fprintf(stderr, "sauti: libsodium failed to initialise\n");
		abort();
	}
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)e164,
				      strlen(e164));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
	for (size_t i = 0; i < (PSEUDONYM_SIZE - 1) / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0xf];
	}
	out[PSEUDONYM_SIZE - 1] = '\0';
}
