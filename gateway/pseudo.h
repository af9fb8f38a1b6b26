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

/* The same, with the key set up once for many numbers (the daemon's logs):
 * pseudonym_key_new() copies what it needs of key; pseudonym_key_free()
 * wipes and frees it (NULL is fine). */
struct pseudonym_key;
struct pseudonym_key *pseudonym_key_new(const char *key, size_t keylen);
void pseudonym_keyed(const struct pseudonym_key *k, const char *e164,
		     char out[PSEUDONYM_SIZE]);
void pseudonym_key_free(struct pseudonym_key *k);

#endif
