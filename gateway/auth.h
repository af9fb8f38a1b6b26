/* auth.h -- who may use the API: the tokens of config api_tokens (and the
 * single api_token, an admin named "admin"), their roles, and the matching
 * of request paths against the route patterns of api.c.  Pure: no I/O.
 * docs/http.md lists what each role may do. */
#ifndef SAUTI_AUTH_H
#define SAUTI_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* Bits, so that a route names the roles it admits as a mask. */
enum auth_role {
	ROLE_ADMIN = 1,
	ROLE_CONVENOR = 2,
	ROLE_RESEARCHER = 4,
};
#define ROLES_ALL (ROLE_ADMIN | ROLE_CONVENOR | ROLE_RESEARCHER)

/* "admin", "convenor", "researcher"; -1 for anything else. */
int auth_role_parse(const char *name, enum auth_role *out);
const char *auth_role_name(enum auth_role role);
/* Why a configured token is unusable ("sha256:" not followed by 64 hex
 * digits, empty), or NULL when it is fine. */
const char *auth_token_check(const char *token);

/* Whose request it is: name points into the config (or is "admin"). */
struct auth_who {
	const char *name;
	enum auth_role role;
};

/* True when some API token is configured (the API is on). */
bool auth_enabled(const struct config *cfg);
/* Finds the bearer token given among the configured ones: 0 and *who, or
 * -1 when none is it.  Every configured token is compared, each in
 * constant time (sodium_memcmp of SHA-256 digests), so the time taken says
 * nothing about which token matched or how much of one did. */
int auth_find(const struct config *cfg, const char *given, struct auth_who *who);

/* The token of an Authorization header's value: what follows "Bearer" and
 * one or more spaces, the scheme in any case (RFC 7235: an auth-scheme is
 * case-insensitive); NULL for another scheme or no token.  Points into
 * header. */
const char *auth_bearer_token(const char *header);

/* The same for a token known by its hex SHA-256 (a console session's
 * tok, session.h): a session lasts only while its token is configured. */
int auth_find_digest(const struct config *cfg, const char *hex, struct auth_who *who);

/* True when path matches pattern, where each '*' stands for one non-empty
 * path segment (no '/'); the text of the last '*' goes into seg (of
 * segsize bytes; too long a segment does not match). */
bool auth_path_match(const char *pattern, const char *path, char *seg, size_t segsize);

#endif
