/* session.h -- the console's sign-in: an API token exchanged for a cookie.
 *
 * A session is a Redis hash, sauti:sess:ID (so that any daemon on the same
 * Redis accepts it), with the fields name and role (the token's, as when it
 * was given), tok (hex SHA-256 of the token: a session ends when its token
 * leaves the configuration) and csrf; it expires session_ttl seconds after
 * sign-in.  ID and csrf are 32 random bytes in hex.  The cookie is
 * `sauti_session=ID; HttpOnly; SameSite=Strict; Path=/; Max-Age=TTL`, plus
 * `Secure` when the request came through a TLS proxy (X-Forwarded-Proto:
 * https).  A request signed in by cookie that is not a GET must carry the
 * session's csrf in the X-CSRF-Token header (docs/console.md). */
#ifndef SAUTI_SESSION_H
#define SAUTI_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct db;
struct http_req;

#define SESSION_COOKIE "sauti_session"
#define SESSION_CSRF_HEADER "X-CSRF-Token"
#define SESSION_ID_SIZE 65 /* 64 hex digits and the NUL */

struct session {
	char id[SESSION_ID_SIZE];
	char csrf[SESSION_ID_SIZE];
	char tok[SESSION_ID_SIZE];
	char name[64];
	char role[32];
	long ttl;                /* seconds left */
};

/* Pure: the session id in a Cookie header value; false when there is none
 * of the right form. */
bool session_cookie_id(const char *cookie, char id[SESSION_ID_SIZE]);
/* Pure: hex SHA-256 of a token, as stored in tok (and as the config's
 * "sha256:" tokens are written). */
void session_token_digest(const char *token, char out[SESSION_ID_SIZE]);
/* Constant-time equality of two NUL-terminated strings. */
bool session_equal(const char *a, const char *b);

/* rc is 0 with s filled, 1 when there is no such session (or it expired),
 * -1 when Redis failed.  s lives only for the callback. */
typedef void (*session_fn)(int rc, const struct session *s, void *arg);

/* Makes a new session for a token's name and role (tok: its digest).
 * Returns -1 when the command could not be sent (fn not called). */
int session_create(struct db *db, long ttl, const char *name, const char *role,
		   const char *tok, session_fn fn, void *arg);
int session_load(struct db *db, const char *id, session_fn fn, void *arg);
/* Ends a session; fn gets rc 0 (s NULL) or -1. */
int session_delete(struct db *db, const char *id, session_fn fn, void *arg);

/* The Set-Cookie header of a new session, or one that clears the cookie
 * (id NULL). */
void session_set_cookie(struct http_req *req, const char *id, long ttl);

#endif
