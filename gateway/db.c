/* db.c -- see db.h. */
#include "db.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 2000

/* Scripts are sent whole once per connection, then by their SHA1 (EVALSHA):
 * Redis hands the SHA1 back from SCRIPT LOAD, so none is computed here. */
#define MAX_SCRIPTS 32
struct script {
	const char *body;    /* the caller's constant: compared by address */
	char sha[41];        /* "" until SCRIPT LOAD answered on this connection */
	bool loading;
};

struct db {
	struct event_base *base;
	struct script scripts[MAX_SCRIPTS];
	size_t nscripts;
	char *host;          /* NULL for a unix socket */
	int port;
	char *socket_path;
	char *password;
	int dbnum;
	int timeout_ms;
	const struct timeval *timeout; /* libevent's common timeout for it */
	redisAsyncContext *ac;
	bool connected;
	int reconnect_ms;
	struct event *reconnect_timer;
	struct event *flush;  /* writes the commands queued in this loop turn */
	struct buf wire;      /* the command being sent, in Redis' protocol */
	bool flush_due;
	unsigned long errors;
	unsigned long commands;
};

/* One command in flight.  It outlives a timeout: hiredis still owns a
 * callback for it until the reply or the disconnect arrives.  Its timer lives
 * in the same allocation (event_assign), one malloc per command. */
struct pending {
	struct db *db;
	db_reply_fn fn;
	void *data;
	bool timing;         /* the timer is assigned (and maybe pending) */
	bool answered;       /* fn has been called */
	bool checking;       /* on_timeout is reading: it frees p */
	_Alignas(max_align_t) unsigned char timer[]; /* a struct event */
};

static struct event *pending_timer(struct pending *p) { return (struct event *)p->timer; }

static void pending_stop_timer(struct pending *p)
{
	if (p->timing)
		event_del(pending_timer(p));
	p->timing = false;
}

static int parse_url(struct db *db, const char *url, char *err, size_t errsize)
{
	if (strncmp(url, "unix:", 5) == 0) {
		if (!url[5]) {
			snprintf(err, errsize, "redis url '%s' names no socket", url);
			return -1;
		}
		db->socket_path = xstrdup(url + 5);
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, errsize, "redis url '%s' must start with redis:// or unix:", url);
		return -1;
	}
	const char *p = url + 8;
	const char *at = strchr(p, '@');
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *pw = colon ? colon + 1 : p;
		db->password = xstrndup(pw, (size_t)(at - pw));
		p = at + 1;
	}
	size_t hostlen = strcspn(p, ":/");
	db->host = hostlen ? xstrndup(p, hostlen) : xstrdup("127.0.0.1");
	p += hostlen;
	db->port = 6379;
	if (*p == ':') {
		char *end;
		long port = strtol(p + 1, &end, 10);
		if (end == p + 1 || port < 1 || port > 65535) {
			snprintf(err, errsize, "redis url '%s' has a bad port", url);
			return -1;
		}
		db->port = (int)port;
		p = end;
	}
	if (*p == '/' && p[1]) {
		char *end;
		long n = strtol(p + 1, &end, 10);
		if (*end || n < 0 || n > 15) {
			snprintf(err, errsize, "redis url '%s' has a bad database number", url);
			return -1;
		}
		db->dbnum = (int)n;
	}
	return 0;
}

static void db_connect(struct db *db);

static void schedule_reconnect(struct db *db)
{
	struct timeval tv = {db->reconnect_ms / 1000, (db->reconnect_ms % 1000) * 1000};
	evtimer_add(db->reconnect_timer, &tv);
	db->reconnect_ms *= 2;
	if (db->reconnect_ms > RECONNECT_MAX_MS)
		db->reconnect_ms = RECONNECT_MAX_MS;
}

static void on_reconnect_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	db_connect(arg);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct db *db = ac->data;
	if (status != REDIS_OK) {
		log_warn("redis: cannot connect: %s", ac->errstr);
		db->ac = NULL; /* hiredis frees the context after this callback */
		db->errors++;
		schedule_reconnect(db);
		return;
	}
	log_info("redis: connected");
	db->connected = true;
	/* A Redis that restarted has forgotten our scripts. */
	for (size_t i = 0; i < db->nscripts; i++) {
		db->scripts[i].sha[0] = '\0';
		db->scripts[i].loading = false;
	}
	db->reconnect_ms = RECONNECT_MIN_MS;
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct db *db = ac->data;
	db->ac = NULL;
	db->connected = false;
	if (status != REDIS_OK)
		log_warn("redis: connection lost: %s", ac->errstr);
	if (db->reconnect_timer)
		schedule_reconnect(db);
}

/* The AUTH and SELECT replies: an error here means the URL is wrong, which
 * every later command would trip over too, so say it loudly. */
static void on_setup_reply(redisAsyncContext *ac, void *r, void *data)
{
	(void)ac;
	redisReply *reply = r;
	if (reply && reply->type == REDIS_REPLY_ERROR)
		log_error("redis: %s: %s", (const char *)data, reply->str);
}

static void db_connect(struct db *db)
{
	redisAsyncContext *ac = db->socket_path ? redisAsyncConnectUnix(db->socket_path)
						: redisAsyncConnect(db->host, db->port);
	if (!ac || ac->err) {
		log_warn("redis: cannot connect: %s", ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		db->errors++;
		schedule_reconnect(db);
		return;
	}
	ac->data = db;
	db->ac = ac;
	redisLibeventAttach(ac, db->base);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	/* Queued now, sent first once the socket connects. */
	if (db->password)
		redisAsyncCommand(ac, on_setup_reply, "AUTH", "AUTH %s", db->password);
	if (db->dbnum)
		redisAsyncCommand(ac, on_setup_reply, "SELECT", "SELECT %d", db->dbnum);
}

/* hiredis' libevent adapter writes a command only once the socket reports
 * writable, which costs an epoll_ctl to add the write event, a wakeup, and
 * another epoll_ctl to remove it, per command when requests come one at a
 * time (as Kannel sends them).  Instead every command queued during a loop
 * turn is written at the end of that turn, in one write; the adapter's add
 * and remove then cancel out in libevent's changelist (serve.c). */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct db *db = arg;
	db->flush_due = false;
	if (db->ac && db->connected)
		redisAsyncHandleWrite(db->ac);
}

static void flush_soon(struct db *db)
{
	if (db->flush && !db->flush_due) {
		db->flush_due = true;
		event_active(db->flush, EV_TIMEOUT, 0);
	}
}

struct db *db_new(struct event_base *base, const char *url, int timeout_ms,
		  char *err, size_t errsize)
{
	struct db *db = xcalloc(1, sizeof(*db));
	db->base = base;
	db->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
	/* Every command has the same timeout: a common timeout keeps them in
	 * a queue instead of the timer heap. */
	struct timeval tv = {db->timeout_ms / 1000, (db->timeout_ms % 1000) * 1000};
	db->timeout = event_base_init_common_timeout(base, &tv);
	db->reconnect_ms = RECONNECT_MIN_MS;
	if (parse_url(db, url, err, errsize) < 0) {
		db_free(db);
		return NULL;
	}
	db->reconnect_timer = evtimer_new(base, on_reconnect_timer, db);
	db->flush = event_new(base, -1, 0, on_flush, db);
	db_connect(db);
	return db;
}

void db_free(struct db *db)
{
	if (!db)
		return;
	if (db->reconnect_timer) {
		event_free(db->reconnect_timer);
		db->reconnect_timer = NULL; /* on_disconnect must not reschedule */
	}
	if (db->flush)
		event_free(db->flush);
	/* Callbacks run by the free must not send anything new. */
	db->connected = false;
	if (db->ac)
		redisAsyncFree(db->ac); /* calls every pending callback with NULL */
	buf_release(&db->wire);
	free(db->host);
	free(db->socket_path);
	free(db->password);
	free(db);
}

bool db_ready(const struct db *db) { return db->connected && db->ac; }

static void on_wait_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct db *db = arg;
	if (db_ready(db))
		event_base_loopbreak(db->base);
}

static void on_wait_limit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

int db_wait_ready(struct db *db, int timeout_ms)
{
	struct event *tick = event_new(db->base, -1, EV_PERSIST, on_wait_tick, db);
	struct timeval tv = {0, 10 * 1000};
	event_add(tick, &tv);
	/* A timer of our own, freed below: event_base_loopexit() would stay
	 * armed and end the caller's later loop after timeout_ms. */
	struct event *limit = evtimer_new(db->base, on_wait_limit, db->base);
	struct timeval ltv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	evtimer_add(limit, &ltv);
	if (!db_ready(db))
		event_base_dispatch(db->base);
	event_free(limit);
	event_free(tick);
	return db_ready(db) ? 0 : -1;
}

static void forget_scripts(struct db *db)
{
	for (size_t i = 0; i < db->nscripts; i++)
		db->scripts[i].sha[0] = '\0';
}

static void pending_answer(struct pending *p, redisReply *reply)
{
	if (p->answered)
		return;
	p->answered = true;
	if (!reply || reply->type == REDIS_REPLY_ERROR)
		p->db->errors++;
	if (reply && reply->type == REDIS_REPLY_ERROR) {
		log_warn("redis: %s", reply->str);
		if (strncmp(reply->str, "NOSCRIPT", 8) == 0)
			forget_scripts(p->db);
	}
	if (p->fn)
		p->fn(reply, p->data);
}

static void on_reply(redisAsyncContext *ac, void *r, void *data)
{
	(void)ac;
	struct pending *p = data;
	pending_stop_timer(p);
	pending_answer(p, r);
	if (!p->checking)
		free(p);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pending *p = arg;
	struct db *db = p->db;
	p->timing = false;
	/* A loop that was busy for longer than the timeout sees the timer and
	 * the reply at once, and may run the timer first: read what has
	 * arrived before calling Redis dead. */
	if (db->ac && db->connected) {
		p->checking = true;
		redisAsyncHandleRead(db->ac);
		p->checking = false;
		if (p->answered) {
			free(p);
			return;
		}
	}
	log_warn("redis: no answer within %d ms; reconnecting", db->timeout_ms);
	pending_answer(p, NULL);
	/* redisAsyncDisconnect() would wait for the replies that are not
	 * coming; freeing fails every pending command (p included, through
	 * on_reply) and on_disconnect schedules the reconnection. */
	if (db->ac) {
		redisAsyncContext *ac = db->ac;
		db->ac = NULL;
		db->connected = false;
		redisAsyncFree(ac);
	}
}

static struct pending *pending_new(struct db *db, db_reply_fn fn, void *data)
{
	struct pending *p = xcalloc(1, sizeof(*p) + event_get_struct_event_size());
	p->db = db;
	p->fn = fn;
	p->data = data;
	evtimer_assign(pending_timer(p), db->base, on_timeout, p);
	if (db->timeout) {
		evtimer_add(pending_timer(p), db->timeout);
	} else {
		struct timeval tv = {db->timeout_ms / 1000, (db->timeout_ms % 1000) * 1000};
		evtimer_add(pending_timer(p), &tv);
	}
	p->timing = true;
	return p;
}

static void on_script_loaded(redisReply *reply, void *data)
{
	struct script *sc = data;
	sc->loading = false;
	if (reply && reply->type == REDIS_REPLY_STRING && reply->len == 40)
		memcpy(sc->sha, reply->str, 41);
}

static struct script *script_for(struct db *db, const char *body)
{
	for (size_t i = 0; i < db->nscripts; i++)
		if (db->scripts[i].body == body)
			return &db->scripts[i];
	if (db->nscripts == MAX_SCRIPTS)
		return NULL;
	struct script *sc = &db->scripts[db->nscripts++];
	sc->body = body;
	return sc;
}

static int send_command(struct db *db, db_reply_fn fn, void *data, int argc,
			const char **argv, const size_t *argvlen);

/* EVAL of a script Redis has: EVALSHA.  Of one it may not have: EVAL, and
 * SCRIPT LOAD beside it for the next time.  A NOSCRIPT answer (someone ran
 * SCRIPT FLUSH) forgets every SHA1, so the next calls send scripts again. */
static void use_script_cache(struct db *db, int argc, const char **argv,
			     size_t *argvlen)
{
	if (argc < 3 || strcmp(argv[0], "EVAL") != 0)
		return;
	struct script *sc = script_for(db, argv[1]);
	if (!sc)
		return;
	if (sc->sha[0]) {
		argv[0] = "EVALSHA";
		argv[1] = sc->sha;
		if (argvlen) {
			argvlen[0] = 7;
			argvlen[1] = 40;
		}
	} else if (!sc->loading) {
		const char *load[] = {"SCRIPT", "LOAD", sc->body};
		sc->loading = send_command(db, on_script_loaded, sc, 3, load, NULL) == 0;
	}
}

int db_command(struct db *db, db_reply_fn fn, void *data, int argc,
	       const char **argv, const size_t *argvlen)
{
	if (!db_ready(db))
		return -1;
	const char *v[64];
	size_t len[64];
	if (argc >= 3 && argc <= 64 && strcmp(argv[0], "EVAL") == 0) {
		for (int i = 0; i < argc; i++) {
			v[i] = argv[i];
			len[i] = argvlen ? argvlen[i] : strlen(argv[i]);
		}
		use_script_cache(db, argc, v, len);
		return send_command(db, fn, data, argc, v, len);
	}
	return send_command(db, fn, data, argc, argv, argvlen);
}

/* A command in Redis' protocol, into db->wire: formatted here because
 * hiredis' own formatting builds an sds per argument. */
static void format_command(struct db *db, int argc, const char **argv,
			   const size_t *argvlen)
{
	struct buf *w = &db->wire;
	buf_reset(w);
	buf_putc(w, '*');
	buf_put_long(w, argc);
	buf_append(w, "\r\n", 2);
	for (int i = 0; i < argc; i++) {
		size_t len = argvlen ? argvlen[i] : strlen(argv[i]);
		buf_putc(w, '$');
		buf_put_long(w, (long)len);
		buf_append(w, "\r\n", 2);
		buf_append(w, argv[i], len);
		buf_append(w, "\r\n", 2);
	}
}

static int send_command(struct db *db, db_reply_fn fn, void *data, int argc,
			const char **argv, const size_t *argvlen)
{
	struct pending *p = pending_new(db, fn, data);
	format_command(db, argc, argv, argvlen);
	if (redisAsyncFormattedCommand(db->ac, on_reply, p, db->wire.data, db->wire.len) != REDIS_OK) {
		pending_stop_timer(p);
		free(p);
		db->errors++;
		return -1;
	}
	db->commands++;
	flush_soon(db);
	return 0;
}

unsigned long db_errors(const struct db *db) { return db->errors; }
unsigned long db_commands(const struct db *db) { return db->commands; }

/* Makes room for one more argument; returns its index. */
static int args_slot(struct db_args *a)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, (size_t)a->cap * sizeof(*a->v));
		a->len = xrealloc(a->len, (size_t)a->cap * sizeof(*a->len));
		a->own = xrealloc(a->own, (size_t)a->cap * sizeof(*a->own));
	}
	return a->n++;
}

void db_args_addn(struct db_args *a, const char *s, size_t len)
{
	int i = args_slot(a);
	a->v[i] = s;
	a->len[i] = len;
	a->own[i] = -1;
}

void db_args_add(struct db_args *a, const char *s) { db_args_addn(a, s, strlen(s)); }

/* Starts owned argument i at the end of the text; args_own_end ends it.
 * Its pointer is set when the command is sent, as the text may move. */
static void args_own_begin(struct db_args *a, int i)
{
	a->v[i] = NULL;
	a->own[i] = (long)a->text.len;
}

static void args_own_end(struct db_args *a, int i)
{
	a->len[i] = a->text.len - (size_t)a->own[i];
	buf_putc(&a->text, '\0');
}

void db_args_addl(struct db_args *a, long v)
{
	int i = args_slot(a);
	args_own_begin(a, i);
	buf_put_long(&a->text, v);
	args_own_end(a, i);
}

void db_args_addf(struct db_args *a, const char *fmt, ...)
{
	int i = args_slot(a);
	args_own_begin(a, i);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&a->text, fmt, ap);
	va_end(ap);
	args_own_end(a, i);
}

void db_args_setl(struct db_args *a, int i, long v)
{
	args_own_begin(a, i);
	buf_put_long(&a->text, v);
	args_own_end(a, i);
}

void db_args_release(struct db_args *a)
{
	free(a->v);
	free(a->len);
	free(a->own);
	buf_release(&a->text);
	memset(a, 0, sizeof(*a));
}

int db_command_args(struct db *db, db_reply_fn fn, void *data, struct db_args *a)
{
	for (int i = 0; i < a->n; i++)
		if (a->own[i] >= 0)
			a->v[i] = a->text.data + a->own[i];
	int rc = -1;
	if (db_ready(db)) {
		use_script_cache(db, a->n, a->v, a->len);
		rc = send_command(db, fn, data, a->n, a->v, a->len);
	}
	db_args_release(a);
	return rc;
}
