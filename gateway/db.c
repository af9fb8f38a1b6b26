/* db.c -- see db.h. */
#include "db.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "sentinel.h"

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 2000

/* Scripts are sent whole once per connection, then by their SHA1 (EVALSHA):
 * Redis hands the SHA1 back from SCRIPT LOAD, so none is computed here. */
#define MAX_SCRIPTS 32
struct script {
	const char *body;    /* the caller's constant: compared by address */
	char sha[41];        /* "" until SCRIPT LOAD answered on this connection */
	bool loading;
	char *wrap_body;     /* body wrapped to run a batch of calls, owned */
	char wrap_sha[41];
	bool wrap_loading;
};

struct call_batch;

/* The connection goes DB_DOWN -> (DB_ASKING: a Sentinel is asked where the
 * master is) -> DB_CONNECTING (TCP, AUTH, SELECT, ROLE) -> DB_READY, and back
 * to DB_DOWN, with a reconnection scheduled, whenever it is lost, a command
 * times out, or Redis answers that it is not (or no longer) the master. */
enum db_state { DB_DOWN, DB_ASKING, DB_CONNECTING, DB_READY };

struct durable;
TAILQ_HEAD(durable_list, durable);

struct db {
	struct event_base *base;
	struct script scripts[MAX_SCRIPTS];
	size_t nscripts;
	struct db_url url;
	struct sentinel *sentinel;   /* sentinel:// only */
	char *master_host;           /* where the connection goes (TCP) */
	int master_port;
	int timeout_ms;
	int wait_replicas;
	const struct timeval *timeout; /* libevent's common timeout for it */
	redisAsyncContext *ac;
	enum db_state state;
	bool connected;      /* ac's socket is connected */
	bool store_unchecked; /* db_set_store_checked(false), not yet true */
	bool closing;        /* db_free is running */
	int reconnect_ms;
	struct event *reconnect_timer;
	struct event *flush;  /* writes the commands queued in this loop turn */
	struct buf wire;      /* the command being sent, in Redis' protocol */
	struct call_batch *batch; /* calls of one script not yet sent, owned */
	bool flush_due;
	db_ready_fn on_ready;
	void *on_ready_data;
	struct durable_list unwaited; /* writes sent, no WAIT out for them yet */
	bool wait_out;                /* a WAIT is out */
	long long wait_ends_ms;       /* when its time is up (mono_ms) */
	unsigned long errors;
	unsigned long commands;
	unsigned long connections;
	unsigned long batches;        /* sent as one call of a wrapped script */
	unsigned long batched_calls;  /* the calls they carried */
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

static void db_connect(struct db *db);
static void batch_send(struct db *db);
static void batch_fail(struct db *db);
static int batch_add(struct db *db, struct script *sc, db_reply_fn fn, void *data,
		     int argc, const char **argv, const size_t *argvlen);
static int send_wire(struct db *db, db_reply_fn fn, void *data, int timeout_ms);
static int send_command(struct db *db, db_reply_fn fn, void *data, int argc,
			const char **argv, const size_t *argvlen, int timeout_ms);

static void schedule_reconnect(struct db *db)
{
	if (db->closing || evtimer_pending(db->reconnect_timer, NULL))
		return;
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

/* Gives up the connection (every command on it fails, NULL) and schedules
 * the next.  Safe inside a hiredis callback: hiredis then frees the context
 * once the callback returns. */
static void db_drop(struct db *db)
{
	redisAsyncContext *ac = db->ac;
	db->ac = NULL;
	db->connected = false;
	if (db->state != DB_ASKING)
		db->state = DB_DOWN;
	if (ac)
		redisAsyncFree(ac);
	schedule_reconnect(db);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct db *db = ac->data;
	if (db->ac != ac)
		return;
	if (status != REDIS_OK) {
		log_warn("redis: cannot connect: %s", ac->errstr);
		db->ac = NULL; /* hiredis frees the context after this callback */
		db->state = DB_DOWN;
		db->errors++;
		schedule_reconnect(db);
		return;
	}
	db->connected = true;
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct db *db = ac->data;
	if (db->ac != ac)
		return; /* given up already (db_drop) */
	db->ac = NULL;
	db->connected = false;
	db->state = DB_DOWN;
	if (status != REDIS_OK)
		log_warn("redis: connection lost: %s", ac->errstr);
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

/* ROLE's answer: only a master is written to (a replica would refuse every
 * write with READONLY; one just promoted or demoted may not be what the
 * Sentinels said a moment ago). */
static void on_role(redisReply *reply, void *data)
{
	struct db *db = data;
	if (db->closing || !reply || db->state != DB_CONNECTING)
		return; /* lost: on_disconnect or on_timeout took care of it */
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
	    reply->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(reply->element[0]->str, "master") != 0) {
		log_warn("redis: %s:%d is not the master (%s); %s",
			 db->master_host ? db->master_host : db->url.socket_path, db->master_port,
			 reply->type == REDIS_REPLY_ERROR ? reply->str :
			 reply->type == REDIS_REPLY_ARRAY && reply->elements ? reply->element[0]->str : "?",
			 db->sentinel ? "asking the Sentinels again" : "trying again");
		db_drop(db);
		return;
	}
	log_info("redis: connected to the master");
	db->state = DB_READY;
	db->reconnect_ms = RECONNECT_MIN_MS;
	db->connections++;
	/* A Redis that restarted has forgotten our scripts. */
	for (size_t i = 0; i < db->nscripts; i++) {
		struct script *sc = &db->scripts[i];
		sc->sha[0] = sc->wrap_sha[0] = '\0';
		sc->loading = sc->wrap_loading = false;
	}
	if (db->on_ready)
		db->on_ready(db->on_ready_data);
}

static void connect_master(struct db *db)
{
	redisAsyncContext *ac = db->url.socket_path ? redisAsyncConnectUnix(db->url.socket_path)
						    : redisAsyncConnect(db->master_host, db->master_port);
	if (!ac || ac->err) {
		log_warn("redis: cannot connect: %s", ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		db->errors++;
		db->state = DB_DOWN;
		schedule_reconnect(db);
		return;
	}
	ac->data = db;
	db->ac = ac;
	db->state = DB_CONNECTING;
	redisLibeventAttach(ac, db->base);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	/* Queued now, sent first once the socket connects.  ROLE has a timer
	 * (a connect that hangs is given up with it). */
	if (db->url.password)
		redisAsyncCommand(ac, on_setup_reply, "AUTH", "AUTH %s", db->url.password);
	if (db->url.dbnum)
		redisAsyncCommand(ac, on_setup_reply, "SELECT", "SELECT %d", db->url.dbnum);
	const char *role[] = {"ROLE"};
	send_command(db, on_role, db, 1, role, NULL, 0);
}

static void on_master_named(const char *host, int port, void *data)
{
	struct db *db = data;
	if (db->closing)
		return;
	db->state = DB_DOWN;
	if (!host) {
		db->errors++;
		schedule_reconnect(db);
		return;
	}
	if (!db->master_host || strcmp(db->master_host, host) != 0 || db->master_port != port)
		log_info("redis: the Sentinels name %s:%d as master '%s'", host, port,
			 db->url.master_name);
	free(db->master_host);
	db->master_host = xstrdup(host);
	db->master_port = port;
	connect_master(db);
}

/* A Sentinel announced a new master: go there now, whatever the state. */
static void on_master_moved(const char *host, int port, void *data)
{
	struct db *db = data;
	if (db->state == DB_ASKING)
		return; /* the answer on its way is as fresh */
	db->reconnect_ms = RECONNECT_MIN_MS;
	if (db->ac && db->master_host && strcmp(db->master_host, host) == 0 &&
	    db->master_port == port)
		return; /* there already */
	evtimer_del(db->reconnect_timer);
	redisAsyncContext *ac = db->ac;
	db->ac = NULL;
	db->connected = false;
	if (ac)
		redisAsyncFree(ac);
	on_master_named(host, port, db);
}

static void db_connect(struct db *db)
{
	if (db->ac || db->state == DB_ASKING || db->closing)
		return;
	if (db->sentinel) {
		db->state = DB_ASKING;
		if (sentinel_ask(db->sentinel, on_master_named, db) < 0)
			db->state = DB_DOWN;
		return;
	}
	connect_master(db);
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
	batch_send(db);
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
	TAILQ_INIT(&db->unwaited);
	if (db_url_parse(url, &db->url, err, errsize) < 0) {
		free(db);
		return NULL;
	}
	if (db->url.kind == DB_URL_TCP) {
		db->master_host = xstrdup(db->url.addr.host);
		db->master_port = db->url.addr.port;
	}
	db->reconnect_timer = evtimer_new(base, on_reconnect_timer, db);
	db->flush = event_new(base, -1, 0, on_flush, db);
	if (db->url.kind == DB_URL_SENTINEL) {
		db->sentinel = sentinel_new(base, &db->url, db->timeout_ms);
		sentinel_watch(db->sentinel, on_master_moved, db);
	}
	db_connect(db);
	return db;
}

void db_free(struct db *db)
{
	if (!db)
		return;
	/* Callbacks run by the frees must not send or schedule anything. */
	db->closing = true;
	db->state = DB_DOWN;
	db->connected = false;
	batch_fail(db);
	sentinel_free(db->sentinel);
	if (db->ac) {
		redisAsyncContext *ac = db->ac;
		db->ac = NULL;
		redisAsyncFree(ac); /* calls every pending callback with NULL */
	}
	event_free(db->reconnect_timer);
	event_free(db->flush);
	for (size_t i = 0; i < db->nscripts; i++)
		free(db->scripts[i].wrap_body);
	buf_release(&db->wire);
	free(db->master_host);
	db_url_release(&db->url);
	free(db);
}

bool db_ready(const struct db *db)
{
	return db->state == DB_READY && db->connected && db->ac;
}

bool db_ready_for_background(const struct db *db)
{
	return db_ready(db) && !db->store_unchecked;
}

void db_set_store_checked(struct db *db, bool checked)
{
	db->store_unchecked = !checked;
}

void db_set_on_ready(struct db *db, db_ready_fn fn, void *data)
{
	db->on_ready = fn;
	db->on_ready_data = data;
}

void db_set_wait_replicas(struct db *db, int n) { db->wait_replicas = n > 0 ? n : 0; }

/* db_wait_ready's state: the limit passed.  A server whose socket accepted
 * and whose ROLE answer is on its way (a Redis slow to answer: its timer is
 * redis_timeout_ms) is waited for past the limit. */
struct wait_ready {
	struct db *db;
	bool limit_passed;
};

static void on_wait_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct wait_ready *w = arg;
	struct db *db = w->db;
	bool answering = db->state == DB_CONNECTING && db->connected;
	if (db_ready(db) || (w->limit_passed && !answering))
		event_base_loopbreak(db->base);
}

static void on_wait_limit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct wait_ready *w = arg;
	w->limit_passed = true;
}

int db_wait_ready(struct db *db, int timeout_ms)
{
	struct wait_ready w = {db, false};
	struct event *tick = event_new(db->base, -1, EV_PERSIST, on_wait_tick, &w);
	struct timeval tv = {0, 10 * 1000};
	event_add(tick, &tv);
	/* A timer of our own, freed below: event_base_loopexit() would stay
	 * armed and end the caller's later loop after timeout_ms. */
	struct event *limit = evtimer_new(db->base, on_wait_limit, &w);
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
		db->scripts[i].sha[0] = db->scripts[i].wrap_sha[0] = '\0';
}

/* Answers that mean the connection is not to the writable master any more:
 * a replica (READONLY; a master demoted under us), one still loading its
 * data (LOADING), one cut off from its master (MASTERDOWN). */
static bool not_master_error(const char *msg)
{
	static const char *const codes[] = {"READONLY", "LOADING", "MASTERDOWN"};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		size_t n = strlen(codes[i]);
		if (strncmp(msg, codes[i], n) == 0 && (msg[n] == ' ' || !msg[n]))
			return true;
	}
	return false;
}

/* Counts and logs a failed command (reply NULL or an error), and acts on
 * the errors that say something of the connection. */
static void note_failure(struct db *db, const redisReply *reply)
{
	if (reply && reply->type != REDIS_REPLY_ERROR)
		return;
	db->errors++;
	if (!reply)
		return;
	log_warn("redis: %s", reply->str);
	if (strncmp(reply->str, "NOSCRIPT", 8) == 0)
		forget_scripts(db);
	if (not_master_error(reply->str) && db->ac && !db->closing) {
		log_warn("redis: the server is not a writable master; %s",
			 db->sentinel ? "asking the Sentinels again" : "reconnecting");
		db_drop(db);
	}
}

static void pending_answer(struct pending *p, redisReply *reply)
{
	if (p->answered)
		return;
	p->answered = true;
	note_failure(p->db, reply);
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
	 * on_reply). */
	if (db->ac)
		db_drop(db);
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long the WAIT out holds up a command sent now: 0 when none is out. */
static int wait_left_ms(const struct db *db)
{
	long long left = db->wait_out ? db->wait_ends_ms - mono_ms() : 0;
	return left > 0 ? (int)left : 0;
}

/* timeout_ms 0: the db's own. */
static struct pending *pending_new(struct db *db, db_reply_fn fn, void *data,
				   int timeout_ms)
{
	struct pending *p = xcalloc(1, sizeof(*p) + event_get_struct_event_size());
	p->db = db;
	p->fn = fn;
	p->data = data;
	evtimer_assign(pending_timer(p), db->base, on_timeout, p);
	/* The loop's cached time is that of the turn's start: after a long
	 * computation in a callback (parsing a chunk of an import) a timer
	 * taken from it would expire before Redis could answer. */
	event_base_update_cache_time(db->base);
	int behind_ms = wait_left_ms(db);
	if (timeout_ms > 0 || behind_ms > 0) {
		/* Behind a WAIT, a command starts to run only once it answers:
		 * its time counts from then (see wait_ms). */
		int ms = (timeout_ms > 0 ? timeout_ms : db->timeout_ms) + behind_ms;
		struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
		evtimer_add(pending_timer(p), &tv);
	} else if (db->timeout) {
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

/* -- calls of one script, batched ---------------------------------------- */

/* The script calls made in one loop turn go to Redis as one EVALSHA of the
 * script wrapped to run them one after the other (wrap_tail): Redis' fixed
 * cost of a script call (about 10,000 instructions, and 500 more per
 * argument for the tables it builds: docs/performance.md) is then paid once
 * a turn, not once a call.  Only a run of calls of one script is batched:
 * any other command, or a call of another script, sends the batch first,
 * so commands reach Redis in the order they were made.  A batch of one, or
 * one whose wrapper Redis does not have yet, goes call by call as before.
 * Each call runs in its own pcall: one that fails (an error reply, a
 * READONLY) answers its caller with its error and leaves the others be, as
 * when they went one by one. */
#define BATCH_CALLS_MAX 32
#define BATCH_BYTES_MAX (64 * 1024) /* Redis runs other clients between batches */

struct batch_call {
	db_reply_fn fn;
	void *data;
	int nkeys, nargs;
	size_t keys_at, args_at;    /* where its arguments start in keys, args */
};

struct call_batch {
	struct db *db;
	struct script *sc;
	int n;
	struct batch_call calls[BATCH_CALLS_MAX];
	int nkeys, nargs;           /* of every call */
	struct buf keys, args;      /* the calls' keys, arguments: bulk strings */
};

/* The wrapper: the script's body becomes call(KEYS, ARGV).  ARGV[1] holds
 * two bytes a call, its numbers of keys and of arguments (one argument,
 * read without tonumber(): each argument and each strtod() costs Redis
 * about a thousand instructions); the calls' keys follow each other in
 * KEYS, and their arguments in ARGV after the counts.  It answers one reply
 * per call: a nil is sent as false, which keeps the array's length (a nil
 * would end it). */
#define BATCH_COUNT_MAX 255 /* a call with more keys or arguments goes alone */
static const char wrap_head[] = "local function call(KEYS, ARGV)\n";
static const char wrap_tail[] =
	"\nend\n"
	"local counts = ARGV[1]\n"
	"local out, k, a = {}, 1, 2\n"
	"for i = 1, #counts / 2 do\n"
	"  local nk, na = counts:byte(2 * i - 1, 2 * i)\n"
	"  local ok, r = pcall(call, {unpack(KEYS, k, k + nk - 1)}, {unpack(ARGV, a, a + na - 1)})\n"
	"  if not ok and type(r) ~= 'table' then r = {err = tostring(r)} end\n"
	"  if r == nil then r = false end\n"
	"  out[i] = r\n"
	"  k, a = k + nk, a + na\n"
	"end\n"
	"return out\n";

/* Redis' protocol, written into a buf: a header is "<mark><n>\r\n". */
enum { HEADER_MAX = 1 + BUF_DIGITS_MAX + 2 };

/* Writes a header at at, where room was made; returns its end. */
static char *put_header(char *at, char mark, size_t n)
{
	char digits[BUF_DIGITS_MAX];
	char *end = digits + sizeof(digits);
	const char *first = buf_digits(end, n);
	*at++ = mark;
	memcpy(at, first, (size_t)(end - first));
	at += end - first;
	*at++ = '\r';
	*at++ = '\n';
	return at;
}

/* A bulk string: "$<len>\r\n<s>\r\n". */
static void put_bulk(struct buf *b, const char *s, size_t len)
{
	buf_grow(b, HEADER_MAX + len + 2);
	char *at = put_header(b->data + b->len, '$', len);
	memcpy(at, s, len);
	at += len;
	*at++ = '\r';
	*at++ = '\n';
	*at = '\0';
	b->len = (size_t)(at - b->data);
}

static void put_bulk_long(struct buf *b, long n)
{
	char digits[BUF_DIGITS_MAX + 1];
	char *end = digits + sizeof(digits);
	const char *first = buf_long_digits(end, n);
	put_bulk(b, first, (size_t)(end - first));
}

/* The count of a command's arguments: "*<n>\r\n". */
static void put_count(struct buf *b, size_t n)
{
	buf_grow(b, HEADER_MAX);
	b->len = (size_t)(put_header(b->data + b->len, '*', n) - b->data);
	b->data[b->len] = '\0';
}

static void batch_free(struct call_batch *b)
{
	buf_release(&b->keys);
	buf_release(&b->args);
	free(b);
}

/* Adds a call to the turn's batch; -1 (nothing done) for one it cannot
 * take apart. */
static int batch_add(struct db *db, struct script *sc, db_reply_fn fn, void *data,
		     int argc, const char **argv, const size_t *argvlen)
{
	size_t digits = argvlen ? argvlen[2] : strlen(argv[2]);
	long nkeys = digits ? 0 : -1;
	for (size_t i = 0; i < digits && nkeys >= 0 && nkeys <= BATCH_COUNT_MAX; i++)
		nkeys = argv[2][i] >= '0' && argv[2][i] <= '9' ? nkeys * 10 + (argv[2][i] - '0') : -1;
	if (nkeys < 0 || nkeys > BATCH_COUNT_MAX || nkeys > argc - 3 ||
	    argc - 3 - nkeys > BATCH_COUNT_MAX)
		return -1;
	struct call_batch *b = db->batch;
	if (b && (b->sc != sc || b->n == BATCH_CALLS_MAX ||
		  b->keys.len + b->args.len > BATCH_BYTES_MAX)) {
		batch_send(db);
		b = NULL;
	}
	if (!b) {
		b = db->batch = xcalloc(1, sizeof(*b));
		b->db = db;
		b->sc = sc;
	}
	struct batch_call *c = &b->calls[b->n++];
	c->fn = fn;
	c->data = data;
	c->nkeys = (int)nkeys;
	c->nargs = argc - 3 - (int)nkeys;
	c->keys_at = b->keys.len;
	c->args_at = b->args.len;
	for (int i = 3; i < argc; i++)
		put_bulk(i < 3 + nkeys ? &b->keys : &b->args, argv[i],
			 argvlen ? argvlen[i] : strlen(argv[i]));
	b->nkeys += c->nkeys;
	b->nargs += c->nargs;
	db->commands++;
	flush_soon(db);
	return 0;
}

/* Call i's keys or arguments in the batch's text. */
static void batch_span(const struct call_batch *b, int i, bool keys, const char **at, size_t *len)
{
	const struct buf *text = keys ? &b->keys : &b->args;
	size_t from = keys ? b->calls[i].keys_at : b->calls[i].args_at;
	size_t to = i + 1 < b->n ? (keys ? b->calls[i + 1].keys_at : b->calls[i + 1].args_at)
				 : text->len;
	*at = text->data ? text->data + from : "";
	*len = to - from;
}

/* db->wire: EVALSHA sha (or EVAL body when Redis has forgotten the
 * script) numkeys, then extra arguments before keys, args. */
static void wire_script(struct db *db, const struct script *sc, long argc_extra, int nkeys)
{
	struct buf *w = &db->wire;
	buf_reset(w);
	put_count(w, (size_t)(3 + argc_extra));
	if (sc->sha[0]) {
		put_bulk(w, "EVALSHA", 7);
		put_bulk(w, sc->sha, 40);
	} else {
		put_bulk(w, "EVAL", 4);
		put_bulk(w, sc->body, strlen(sc->body));
	}
	put_bulk_long(w, nkeys);
}

static int send_one_call(struct db *db, struct call_batch *b, int i)
{
	struct batch_call *c = &b->calls[i];
	const char *keys, *args;
	size_t keys_len, args_len;
	batch_span(b, i, true, &keys, &keys_len);
	batch_span(b, i, false, &args, &args_len);
	wire_script(db, b->sc, c->nkeys + c->nargs, c->nkeys);
	buf_append(&db->wire, keys, keys_len);
	buf_append(&db->wire, args, args_len);
	return send_wire(db, c->fn, c->data, 0);
}

static void on_batch_reply(redisReply *reply, void *data)
{
	struct call_batch *b = data;
	bool each = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == (size_t)b->n;
	redisReply *all = reply && reply->type == REDIS_REPLY_ERROR ? reply : NULL;
	for (int i = 0; i < b->n; i++) {
		redisReply *r = each ? reply->element[i] : all;
		if (each)
			note_failure(b->db, r);
		else if (i > 0)
			b->db->errors++; /* the first was counted with the batch */
		if (b->calls[i].fn)
			b->calls[i].fn(r, b->calls[i].data);
	}
	batch_free(b);
}

static void on_wrap_loaded(redisReply *reply, void *data)
{
	struct script *sc = data;
	sc->wrap_loading = false;
	if (reply && reply->type == REDIS_REPLY_STRING && reply->len == 40)
		memcpy(sc->wrap_sha, reply->str, 41);
}

static void load_wrap(struct db *db, struct script *sc)
{
	if (!sc->wrap_body) {
		struct buf w = {0};
		buf_puts(&w, wrap_head);
		buf_puts(&w, sc->body);
		buf_puts(&w, wrap_tail);
		sc->wrap_body = buf_detach(&w);
	}
	const char *load[] = {"SCRIPT", "LOAD", sc->wrap_body};
	sc->wrap_loading = send_command(db, on_wrap_loaded, sc, 3, load, NULL, 0) == 0;
}

static int send_wrapped(struct db *db, struct call_batch *b)
{
	struct script *sc = b->sc;
	struct buf *w = &db->wire;
	buf_reset(w);
	char counts[2 * BATCH_CALLS_MAX];
	for (int i = 0; i < b->n; i++) {
		counts[2 * i] = (char)b->calls[i].nkeys;
		counts[2 * i + 1] = (char)b->calls[i].nargs;
	}
	put_count(w, (size_t)(3 + b->nkeys + 1 + b->nargs));
	put_bulk(w, "EVALSHA", 7);
	put_bulk(w, sc->wrap_sha, 40);
	put_bulk_long(w, b->nkeys);
	buf_append(w, b->keys.data, b->keys.len);
	put_bulk(w, counts, (size_t)(2 * b->n));
	buf_append(w, b->args.data, b->args.len);
	if (send_wire(db, on_batch_reply, b, 0) < 0)
		return -1;
	db->batches++;
	db->batched_calls += (unsigned long)b->n;
	return 0;
}

/* Every call in the batch fails (NULL): the connection went before it
 * was sent. */
static void batch_fail(struct db *db)
{
	struct call_batch *b = db->batch;
	db->batch = NULL;
	if (!b)
		return;
	for (int i = 0; i < b->n; i++) {
		db->errors++;
		if (b->calls[i].fn)
			b->calls[i].fn(NULL, b->calls[i].data);
	}
	batch_free(b);
}

static void batch_send(struct db *db)
{
	struct call_batch *b = db->batch;
	if (!b)
		return;
	if (!db_ready(db)) {
		batch_fail(db);
		return;
	}
	db->batch = NULL;
	struct script *sc = b->sc;
	if (b->n > 1 && sc->wrap_sha[0] && sc->sha[0]) {
		if (send_wrapped(db, b) == 0)
			return;
		on_batch_reply(NULL, b);
		return;
	}
	if (b->n > 1 && !sc->wrap_sha[0] && !sc->wrap_loading)
		load_wrap(db, sc);
	for (int i = 0; i < b->n; i++)
		if (send_one_call(db, b, i) < 0 && b->calls[i].fn)
			b->calls[i].fn(NULL, b->calls[i].data);
	batch_free(b);
}

/* A call of a script: argv is EVAL, the script's body (the caller's
 * constant), the number of keys, the keys and the arguments.  Once Redis
 * has the script (SCRIPT LOAD answered on this connection) the call joins
 * the turn's batch and goes as EVALSHA; until then it goes as EVAL, with a
 * SCRIPT LOAD beside it for the next time.  A NOSCRIPT answer (someone ran
 * SCRIPT FLUSH) forgets every SHA1, so the next calls send scripts again. */
static int script_call(struct db *db, db_reply_fn fn, void *data, int argc,
		       const char **argv, const size_t *argvlen)
{
	struct script *sc = script_for(db, argv[1]);
	if (sc && sc->sha[0] && batch_add(db, sc, fn, data, argc, argv, argvlen) == 0)
		return 0;
	if (sc && !sc->sha[0] && !sc->loading) {
		const char *load[] = {"SCRIPT", "LOAD", sc->body};
		sc->loading = send_command(db, on_script_loaded, sc, 3, load, NULL, 0) == 0;
	}
	return send_command(db, fn, data, argc, argv, argvlen, 0);
}

/* A command as the caller made it: a call of a script (argv EVAL, body...)
 * through the scripts' cache and the turn's batch, any other as it is. */
static int command_send(struct db *db, db_reply_fn fn, void *data, int argc,
			const char **argv, const size_t *argvlen)
{
	if (argc >= 3 && strcmp(argv[0], "EVAL") == 0)
		return script_call(db, fn, data, argc, argv, argvlen);
	return send_command(db, fn, data, argc, argv, argvlen, 0);
}

int db_command(struct db *db, db_reply_fn fn, void *data, int argc,
	       const char **argv, const size_t *argvlen)
{
	if (!db_ready(db))
		return -1;
	return command_send(db, fn, data, argc, argv, argvlen);
}

/* A command in Redis' protocol, into db->wire: formatted here because
 * hiredis' own formatting builds an sds per argument.  The room is made
 * once and the text written straight in (a commit has a hundred
 * arguments). */
static void format_command(struct db *db, int argc, const char **argv,
			   const size_t *argvlen)
{
	struct buf *w = &db->wire;
	size_t room = HEADER_MAX;
	for (int i = 0; i < argc; i++)
		room += HEADER_MAX + (argvlen ? argvlen[i] : strlen(argv[i])) + 2;
	buf_reset(w);
	buf_grow(w, room);
	put_count(w, (size_t)argc);
	for (int i = 0; i < argc; i++)
		put_bulk(w, argv[i], argvlen ? argvlen[i] : strlen(argv[i]));
}

/* Sends the command formatted in db->wire; fn gets its reply. */
static int send_wire(struct db *db, db_reply_fn fn, void *data, int timeout_ms)
{
	struct pending *p = pending_new(db, fn, data, timeout_ms);
	if (redisAsyncFormattedCommand(db->ac, on_reply, p, db->wire.data, db->wire.len) != REDIS_OK) {
		pending_stop_timer(p);
		free(p);
		db->errors++;
		return -1;
	}
	flush_soon(db);
	return 0;
}

static int send_command(struct db *db, db_reply_fn fn, void *data, int argc,
			const char **argv, const size_t *argvlen, int timeout_ms)
{
	batch_send(db); /* the script calls made before it go first */
	format_command(db, argc, argv, argvlen);
	if (send_wire(db, fn, data, timeout_ms) < 0)
		return -1;
	db->commands++;
	return 0;
}

unsigned long db_errors(const struct db *db) { return db->errors; }
unsigned long db_commands(const struct db *db) { return db->commands; }

/* The room a command's argument text starts with: a commit's keys and
 * numbers fit. */
#define ARGS_TEXT_ROOM 1024

/* Makes room for one more argument; returns its index. */
static int args_slot(struct db_args *a)
{
	if (a->n == a->cap) {
		/* Room at once for a commit's hundred-odd (store.c), and for
		 * the text of its keys and numbers: grown from buf's smallest
		 * room, it was copied three times a step. */
		if (!a->cap)
			buf_grow(&a->text, ARGS_TEXT_ROOM);
		a->cap = a->cap ? a->cap * 2 : 128;
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

/* Argument i becomes fmt's text, kept in a->text. */
static void args_vsetf(struct db_args *a, int i, const char *fmt, va_list ap)
{
	args_own_begin(a, i);
	buf_vprintf(&a->text, fmt, ap);
	args_own_end(a, i);
}

void db_args_setl(struct db_args *a, int i, long v)
{
	args_own_begin(a, i);
	buf_put_long(&a->text, v);
	args_own_end(a, i);
}

void db_args_addl(struct db_args *a, long v)
{
	db_args_setl(a, args_slot(a), v);
}

void db_args_setf(struct db_args *a, int i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	args_vsetf(a, i, fmt, ap);
	va_end(ap);
}

void db_args_setjoin(struct db_args *a, int i, ...)
{
	va_list ap;
	va_start(ap, i);
	args_own_begin(a, i);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
		buf_puts(&a->text, s);
	args_own_end(a, i);
	va_end(ap);
}

void db_args_same(struct db_args *a, int i, int from)
{
	a->v[i] = a->v[from];
	a->len[i] = a->len[from];
	a->own[i] = a->own[from];
}

void db_args_truncate(struct db_args *a, int n)
{
	if (n < a->n)
		a->n = n;
}

void db_args_addf(struct db_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	args_vsetf(a, args_slot(a), fmt, ap);
	va_end(ap);
}

void db_args_set(struct db_args *a, int i, const char *s)
{
	a->v[i] = s;
	a->len[i] = strlen(s);
	a->own[i] = -1;
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
	if (db_ready(db))
		rc = command_send(db, fn, data, a->n, a->v, a->len);
	db_args_release(a);
	return rc;
}

struct integer_call {
	db_integer_fn fn;
	void *arg;
};

static void on_integer(redisReply *reply, void *data)
{
	struct integer_call *call = data;
	call->fn(reply && reply->type == REDIS_REPLY_INTEGER ? (long)reply->integer : -1, call->arg);
	free(call);
}

int db_command_integer(struct db *db, struct db_args *a, db_integer_fn fn, void *arg)
{
	struct integer_call *call = xcalloc(1, sizeof(*call));
	call->fn = fn;
	call->arg = arg;
	if (db_command_args(db, on_integer, call, a) < 0) {
		free(call);
		return -1;
	}
	return 0;
}

/* -- commits that wait for the replicas ------------------------------------- */

/* A copy of a reply, for a callback that must wait for a later one: hiredis
 * frees the original when its callback returns. */
static redisReply *reply_copy(const redisReply *r)
{
	redisReply *c = xcalloc(1, sizeof(*c));
	c->type = r->type;
	c->integer = r->integer;
	if (r->str) {
		c->str = xmalloc(r->len + 1);
		memcpy(c->str, r->str, r->len + 1);
		c->len = r->len;
	}
	if (r->elements) {
		c->element = xcalloc(r->elements, sizeof(*c->element));
		c->elements = r->elements;
		for (size_t i = 0; i < r->elements; i++)
			c->element[i] = reply_copy(r->element[i]);
	}
	return c;
}

static void reply_free(redisReply *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->elements; i++)
		reply_free(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

/* A write waiting for the replicas.  WAIT blocks the connection it is sent
 * on, and every command behind it, until the replicas answer or its time is
 * up; so at most one WAIT is out at a time, for every write sent before it
 * (WAIT covers all of the connection's earlier writes), and the writes sent
 * meanwhile wait for the next.
 *
 * The contract gives a write redis_timeout_ms from its sending to be
 * confirmed (docs/configuration.md): a WAIT's time is what is left of that
 * for the oldest write it covers (wait_ms).  So a write is confirmed or
 * failed within redis_timeout_ms of its sending: the oldest of a WAIT's
 * writes at that time, the others a little before it, never after.  (WAIT
 * was given half the timeout once, so that a write sent while one was out
 * had two halves; but then every write was failed at half its time.)  A
 * command queued behind a WAIT, which Redis runs only once the WAIT has
 * answered, has its timer's count start then (wait_left_ms): none is failed
 * for being held up, and a lost Redis is still noticed by the WAIT's own. */
struct durable {
	TAILQ_ENTRY(durable) link;  /* in db->unwaited or its batch's items */
	struct db *db;
	long long sent_ms;   /* mono_ms() when sent */
	db_reply_fn fn;
	void *data;
	redisReply *reply;   /* the command's, copied, once it came */
	bool replied;
	struct wait_batch *batch;   /* the WAIT that covers it, or NULL */
};

struct wait_batch {
	struct db *db;
	struct durable_list items;
	int ms;              /* the WAIT's time */
};

static int wait_ms(const struct db *db, const struct durable *oldest)
{
	long long left = oldest->sent_ms + db->timeout_ms - mono_ms();
	return left > 0 ? (int)left : 1;
}

/* Whether a reply can have written anything that WAIT should confirm: an
 * error (OOM, READONLY) did not (scripts are refused before their first
 * write, docs/operations.md). */
static bool reply_wrote(const redisReply *r)
{
	return r && r->type != REDIS_REPLY_ERROR;
}

/* Calls d's callback: its reply, or NULL when it wrote and the replicas did
 * not confirm; frees d. */
static void durable_finish(struct durable *d, bool confirmed)
{
	redisReply *answer = d->reply;
	if (reply_wrote(answer) && !confirmed)
		answer = NULL;
	d->fn(answer, d->data);
	reply_free(d->reply);
	free(d);
}

/* Writes whose reply came but that no WAIT will cover (the connection is
 * going): failed now. */
static void durable_fail_unwaited(struct db *db)
{
	struct durable *d, *next;
	for (d = TAILQ_FIRST(&db->unwaited); d; d = next) {
		next = TAILQ_NEXT(d, link);
		if (d->replied) {
			TAILQ_REMOVE(&db->unwaited, d, link);
			durable_finish(d, false);
		}
	}
}

static void on_wait_done(redisReply *reply, void *data);

/* Sends one WAIT for every write not yet covered. */
static void send_wait(struct db *db)
{
	if (db->wait_out || TAILQ_EMPTY(&db->unwaited))
		return;
	struct wait_batch *b = xcalloc(1, sizeof(*b));
	b->db = db;
	TAILQ_INIT(&b->items);
	b->ms = wait_ms(db, TAILQ_FIRST(&db->unwaited));
	char n[16], ms[16];
	snprintf(n, sizeof(n), "%d", db->wait_replicas);
	snprintf(ms, sizeof(ms), "%d", b->ms);
	const char *argv[] = {"WAIT", n, ms};
	if (!db->ac || send_command(db, on_wait_done, b, 3, argv, NULL,
				    b->ms + db->timeout_ms) < 0) {
		free(b);
		durable_fail_unwaited(db); /* the others fail with their command */
		return;
	}
	struct durable *d;
	while ((d = TAILQ_FIRST(&db->unwaited))) {
		TAILQ_REMOVE(&db->unwaited, d, link);
		d->batch = b;
		TAILQ_INSERT_TAIL(&b->items, d, link);
	}
	db->wait_out = true;
	db->wait_ends_ms = mono_ms() + b->ms;
}

static void on_durable_reply(redisReply *reply, void *data)
{
	struct durable *d = data;
	d->replied = true;
	d->reply = reply ? reply_copy(reply) : NULL;
	if (!reply && !d->batch) {
		/* Lost before any WAIT was sent for it: none will come. */
		TAILQ_REMOVE(&d->db->unwaited, d, link);
		durable_finish(d, false);
	}
}

/* The WAIT's answer: the replicas that have every write it covers.  Every
 * write it covers has had its reply (they were sent before it). */
static void on_wait_done(redisReply *reply, void *data)
{
	struct wait_batch *b = data;
	struct db *db = b->db;
	bool confirmed = reply && reply->type == REDIS_REPLY_INTEGER &&
			 reply->integer >= db->wait_replicas;
	if (reply && reply->type == REDIS_REPLY_INTEGER && !confirmed)
		log_warn("redis: %lld of %d replicas confirmed a commit within %d ms",
			 reply->integer, db->wait_replicas, b->ms);
	if (!confirmed)
		db->errors++;
	/* Still out while the callbacks run: a write they send joins the
	 * next WAIT, sent below. */
	struct durable *d;
	while ((d = TAILQ_FIRST(&b->items))) {
		TAILQ_REMOVE(&b->items, d, link);
		durable_finish(d, confirmed);
	}
	free(b);
	db->wait_out = false;
	if (reply && db_ready(db) && !db->closing)
		send_wait(db);
	else
		durable_fail_unwaited(db);
}

int db_command_args_durable(struct db *db, db_reply_fn fn, void *data,
			    struct db_args *a)
{
	if (db->wait_replicas <= 0)
		return db_command_args(db, fn, data, a);
	struct durable *d = xcalloc(1, sizeof(*d));
	d->db = db;
	d->fn = fn;
	d->data = data;
	d->sent_ms = mono_ms();
	if (db_command_args(db, on_durable_reply, d, a) < 0) {
		free(d);
		return -1;
	}
	TAILQ_INSERT_TAIL(&db->unwaited, d, link);
	send_wait(db);
	return 0;
}

unsigned long db_connections(const struct db *db) { return db->connections; }
unsigned long db_batches(const struct db *db) { return db->batches; }
unsigned long db_batched_calls(const struct db *db) { return db->batched_calls; }
