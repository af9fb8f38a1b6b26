/* session.c -- see session.h. */
#include "session.h"

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "db.h"
#include "http.h"
#include "keys.h"
#include "script.h"

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool session_cookie_id(const char *cookie, char id[SESSION_ID_SIZE])
{
	const size_t nlen = strlen(SESSION_COOKIE), idlen = SESSION_ID_SIZE - 1;
	for (const char *p = cookie; p && *p;) {
		p += strspn(p, " \t;");
		size_t item = strcspn(p, ";");
		if (item == nlen + 1 + idlen && strncmp(p, SESSION_COOKIE "=", nlen + 1) == 0 &&
		    is_hex(p + nlen + 1, idlen)) {
			memcpy(id, p + nlen + 1, idlen);
			id[idlen] = '\0';
			return true;
		}
		p += item;
	}
	return false;
}

void session_token_digest(const char *token, char out[SESSION_ID_SIZE])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, SESSION_ID_SIZE, h, sizeof(h));
}

/* Hashing both sides first makes the comparison constant-time whatever the
 * lengths, which sodium_memcmp alone is not. */
bool session_equal(const char *a, const char *b)
{
	unsigned char x[crypto_generichash_BYTES], y[crypto_generichash_BYTES];
	crypto_generichash(x, sizeof(x), (const unsigned char *)a, strlen(a), NULL, 0);
	crypto_generichash(y, sizeof(y), (const unsigned char *)b, strlen(b), NULL, 0);
	return sodium_memcmp(x, y, sizeof(x)) == 0;
}

static void random_hex(char out[SESSION_ID_SIZE])
{
	unsigned char raw[(SESSION_ID_SIZE - 1) / 2];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, SESSION_ID_SIZE, raw, sizeof(raw));
}

struct pending {
	struct session s;
	session_fn fn;
	void *arg;
};

static void copy_field(char *dst, size_t size, const redisReply *r)
{
	snprintf(dst, size, "%.*s", r && r->type == REDIS_REPLY_STRING ? (int)r->len : 0,
		 r && r->type == REDIS_REPLY_STRING ? r->str : "");
}

/* The reply of the load script: {name, role, tok, csrf, ttl} or nil. */
static void on_loaded(redisReply *reply, void *data)
{
	struct pending *p = data;
	if (!reply || reply->type == REDIS_REPLY_ERROR) {
		p->fn(-1, NULL, p->arg);
	} else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 5 ||
		   reply->element[0]->type != REDIS_REPLY_STRING) {
		p->fn(1, NULL, p->arg);
	} else {
		copy_field(p->s.name, sizeof(p->s.name), reply->element[0]);
		copy_field(p->s.role, sizeof(p->s.role), reply->element[1]);
		copy_field(p->s.tok, sizeof(p->s.tok), reply->element[2]);
		copy_field(p->s.csrf, sizeof(p->s.csrf), reply->element[3]);
		p->s.ttl = reply->element[4]->type == REDIS_REPLY_INTEGER ? reply->element[4]->integer : 0;
		p->fn(0, &p->s, p->arg);
	}
	free(p);
}

static void on_written(redisReply *reply, void *data)
{
	struct pending *p = data;
	bool ok = reply && reply->type != REDIS_REPLY_ERROR;
	p->fn(ok ? 0 : -1, ok && p->s.id[0] ? &p->s : NULL, p->arg);
	free(p);
}

static struct pending *pending_new(session_fn fn, void *arg)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	p->fn = fn;
	p->arg = arg;
	return p;
}

static int send_args(struct db *db, db_reply_fn cb, struct pending *p, struct db_args *a)
{
	if (db_command_args(db, cb, p, a) < 0) {
		free(p);
		return -1;
	}
	return 0;
}

/* Both scripts are given the session's hash, sess:TOKEN. */
#define SESSION_KEYS(X) X(k_session)
#define CREATE_ARGS(X) X(name) X(role) X(tok) X(csrf) X(ttl)
#define SK(n) SCRIPT_ENUM(SK_, n)
#define CA(n) SCRIPT_ENUM(CA_, n)
enum { SESSION_KEYS(SK) SK_COUNT };
enum { CREATE_ARGS(CA) CA_COUNT };

static const char create_script[] =
	SCRIPT_LOCALS(SESSION_KEYS, "KEYS")
	SCRIPT_LOCALS(CREATE_ARGS, "ARGV")
	"redis.call('HSET', k_session, 'name', name, 'role', role, 'tok', tok, 'csrf', csrf)\n"
	"redis.call('EXPIRE', k_session, ttl)\n"
	"return 1\n";

int session_create(struct db *db, long ttl, const char *name, const char *role,
		   const char *tok, session_fn fn, void *arg)
{
	struct pending *p = pending_new(fn, arg);
	random_hex(p->s.id);
	random_hex(p->s.csrf);
	str_copy(p->s.name, sizeof(p->s.name), name);
	str_copy(p->s.role, sizeof(p->s.role), role);
	str_copy(p->s.tok, sizeof(p->s.tok), tok);
	p->s.ttl = ttl;
	struct db_args a = {0};
	int k = script_begin(&a, create_script, SK_COUNT);
	keys_session(&a, k + SK_k_session, p->s.id);
	int v = script_reserve(&a, CA_COUNT);
	db_args_set(&a, v + CA_name, p->s.name);
	db_args_set(&a, v + CA_role, p->s.role);
	db_args_set(&a, v + CA_tok, p->s.tok);
	db_args_set(&a, v + CA_csrf, p->s.csrf);
	db_args_setl(&a, v + CA_ttl, ttl);
	return send_args(db, on_written, p, &a);
}

static const char load_script[] =
	SCRIPT_LOCALS(SESSION_KEYS, "KEYS")
	"local v = redis.call('HMGET', k_session, 'name', 'role', 'tok', 'csrf')\n"
	"if not v[1] then return nil end\n"
	"v[5] = redis.call('TTL', k_session)\n"
	"return v\n";

int session_load(struct db *db, const char *id, session_fn fn, void *arg)
{
	struct pending *p = pending_new(fn, arg);
	str_copy(p->s.id, sizeof(p->s.id), id);
	struct db_args a = {0};
	int k = script_begin(&a, load_script, SK_COUNT);
	keys_session(&a, k + SK_k_session, p->s.id);
	return send_args(db, on_loaded, p, &a);
}

int session_delete(struct db *db, const char *id, session_fn fn, void *arg)
{
	struct pending *p = pending_new(fn, arg);
	struct db_args a = {0};
	db_args_add(&a, "DEL");
	keys_session(&a, script_reserve(&a, 1), id);
	return send_args(db, on_written, p, &a);
}

void session_set_cookie(struct http_req *req, const char *id, long ttl)
{
	const char *proto = http_header(req, "X-Forwarded-Proto");
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%ld%s", SESSION_COOKIE,
		   id ? id : "", id ? ttl : 0L,
		   proto && strcasecmp(proto, "https") == 0 ? "; Secure" : "");
	http_add_header(req, "Set-Cookie", b.data);
	buf_release(&b);
}
