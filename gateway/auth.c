/* auth.c -- see auth.h. */
#include "auth.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "config.h"

static const struct {
	enum auth_role role;
	const char *name;
} role_names[] = {
	{ROLE_ADMIN, "admin"},
	{ROLE_CONVENOR, "convenor"},
	{ROLE_RESEARCHER, "researcher"},
};

#define NROLES (sizeof(role_names) / sizeof(role_names[0]))
#define SHA256_PREFIX "sha256:"

int auth_role_parse(const char *name, enum auth_role *out)
{
	for (size_t i = 0; i < NROLES; i++)
		if (strcmp(name, role_names[i].name) == 0) {
			*out = role_names[i].role;
			return 0;
		}
	return -1;
}

const char *auth_role_name(enum auth_role role)
{
	for (size_t i = 0; i < NROLES; i++)
		if (role_names[i].role == role)
			return role_names[i].name;
	return "?";
}

/* The digest a configured token stands for: the hex after "sha256:", or
 * the SHA-256 of the token itself.  -1 for malformed hex. */
static int stored_digest(const char *token, unsigned char out[crypto_hash_sha256_BYTES])
{
	size_t plen = strlen(SHA256_PREFIX);
	if (strncmp(token, SHA256_PREFIX, plen) != 0) {
		crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
		return 0;
	}
	const char *hex = token + plen;
	size_t n = 0;
	if (strlen(hex) != 2 * crypto_hash_sha256_BYTES ||
	    sodium_hex2bin(out, crypto_hash_sha256_BYTES, hex, strlen(hex), NULL, &n, NULL) < 0 ||
	    n != crypto_hash_sha256_BYTES)
		return -1;
	return 0;
}

const char *auth_token_check(const char *token)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	if (!token || !*token)
		return "must not be empty";
	if (stored_digest(token, d) < 0)
		return "must be the token itself or sha256: and 64 hex digits";
	return NULL;
}

bool auth_enabled(const struct config *cfg)
{
	return cfg->api_token || cfg->napi_tokens > 0;
}

/* The configured token whose digest is g, as auth_find says. */
static int find_by_digest(const struct config *cfg, const unsigned char g[crypto_hash_sha256_BYTES],
			  struct auth_who *who)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	int found = -1;
	if (cfg->api_token) {
		stored_digest(cfg->api_token, d);
		if (sodium_memcmp(g, d, sizeof(d)) == 0) {
			who->name = "admin";
			who->role = ROLE_ADMIN;
			found = 0;
		}
	}
	/* No early exit: the loop's time does not depend on the match. */
	for (size_t i = 0; i < cfg->napi_tokens; i++) {
		const struct config_token *t = &cfg->api_tokens[i];
		if (stored_digest(t->token, d) == 0 && sodium_memcmp(g, d, sizeof(d)) == 0 &&
		    found < 0) {
			who->name = t->name;
			who->role = t->role;
			found = 0;
		}
	}
	return found;
}

int auth_find(const struct config *cfg, const char *given, struct auth_who *who)
{
	unsigned char g[crypto_hash_sha256_BYTES];
	if (!given || !*given)
		return -1;
	crypto_hash_sha256(g, (const unsigned char *)given, strlen(given));
	int found = find_by_digest(cfg, g, who);
	sodium_memzero(g, sizeof(g));
	return found;
}

int auth_find_digest(const struct config *cfg, const char *hex, struct auth_who *who)
{
	unsigned char g[crypto_hash_sha256_BYTES];
	size_t n = 0;
	if (!hex || sodium_hex2bin(g, sizeof(g), hex, strlen(hex), NULL, &n, NULL) < 0 ||
	    n != sizeof(g))
		return -1;
	return find_by_digest(cfg, g, who);
}

bool auth_path_match(const char *pattern, const char *path, char *seg, size_t segsize)
{
	while (*pattern) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");
			if (n == 0 || n >= segsize)
				return false;
			memcpy(seg, path, n);
			seg[n] = '\0';
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return *path == '\0';
}

const char *auth_bearer_token(const char *header)
{
	static const char scheme[] = "Bearer";
	size_t n = sizeof(scheme) - 1;
	if (!header || strncasecmp(header, scheme, n) != 0 || header[n] != ' ')
		return NULL;
	const char *token = header + n + strspn(header + n, " ");
	return *token ? token : NULL;
}
