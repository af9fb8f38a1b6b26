/* pseudo.h -- pseudonyms for phone numbers, for exports and logs.
 *
 * A pseudonym is the first 16 lowercase hex characters of
 * HMAC-SHA-256(key, E.164 number): the same number always maps to the same
 * value under one deployment's pseudonym_key, and without the key the number
 * cannot be recovered by trying every phone number. */
#ifndef SAUTI_PSEUDO_H
#define SAUTI_PSEUDO_H

#include <stddef.h>

#define PSEUDONYM_SIZE 17       /* 16 hex characters and a NUL */

/* Writes the pseudonym of e164 under the keylen-byte key into out.  Any key
 * length works (HMAC hashes keys longer than 64 bytes). */
void pseudonym(const char *key, size_t keylen, const char *e164,
	       char out[PSEUDONYM_SIZE]);

#endif
