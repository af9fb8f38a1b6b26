/* db.h -- the connection to Redis: async hiredis on the libevent loop, with
 * the two things hiredis 0.14 lacks: command timeouts and reconnection.
 *
 * Every callback fires exactly once: with the reply, or with NULL when the
 * command failed, timed out, or the connection was lost.  The reply lives only
 * for the callback (as in hiredis).  A command that times out drops the
 * connection, because a Redis that does not answer one command will not answer
 * the next either; the connection is then re-made in the background with a
 * growing delay, and db_ready() says whether commands can be sent now.
 *
 * Commands go only to a master: each connection asks ROLE before it is
 * ready, and one whose server answers READONLY, LOADING or MASTERDOWN is
 * given up and made again.  With a sentinel:// URL (db_url.h) the master's
 * address is asked of the Sentinels before every connection, and a
 * +switch-master they announce moves the connection at once.  Whatever a
 * daemon keeps of Redis' state must be dropped when a new connection is
 * ready (db_set_on_ready): the new master may be behind the old one. */
#ifndef SAUTI_DB_H
#define SAUTI_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct event_base;
struct redisReply;
struct db;

typedef void (*db_reply_fn)(struct redisReply *reply, void *data);

/* url: as db_url.h reads it.  Returns NULL with a reason in err for a URL
 * it cannot read; a Redis that is down is not an error here: db_ready()
 * stays false until it answers. */
struct db *db_new(struct event_base *base, const char *url, int timeout_ms,
		  char *err, size_t errsize);
void db_free(struct db *db);
bool db_ready(const struct db *db);
/* A daemon's background work (broadcasts, the priority lane, reminders,
 * sweeps) waits for db_ready_for_background(): ready, and the store this
 * connection reaches said to be in this version's key layout.  serve.c
 * says so (db_set_store_checked) once a check of a new connection answers
 * "current"; a db nobody says anything of (the command-line tools) counts
 * as checked. */
bool db_ready_for_background(const struct db *db);
void db_set_store_checked(struct db *db, bool checked);

/* fn(data) runs each time a connection to the master becomes ready (the
 * first included), before any command is sent on it. */
typedef void (*db_ready_fn)(void *data);
void db_set_on_ready(struct db *db, db_ready_fn fn, void *data);
/* Commits sent with db_command_args_durable wait until n replicas have them
 * (Redis WAIT, at most the db's timeout); 0, the default, waits for none. */
void db_set_wait_replicas(struct db *db, int n);
/* Waits (running the loop) until connected or timeout_ms passed -- or,
 * when a server accepted the connection and has yet to answer, until it
 * answers or the db's own timeout passes; for the command-line tools.
 * Returns 0 when ready. */
int db_wait_ready(struct db *db, int timeout_ms);

/* Sends one command.  Returns 0, or -1 when it could not be sent (not
 * connected): then fn is NOT called.  fn may be NULL: nobody waits for the
 * reply (errors are still logged and counted). */
int db_command(struct db *db, db_reply_fn fn, void *data, int argc,
	       const char **argv, const size_t *argvlen);

/* An argv under construction.  db_args_add borrows its string (it must
 * outlive the sending); the formatting adders write into the args' own text,
 * so building a command costs a few allocations however long it is. */
struct db_args {
	const char **v;
	size_t *len;
	long *own;           /* offset of an owned argument in text, or -1 */
	int n, cap;
	struct buf text;
};

void db_args_add(struct db_args *a, const char *s);
void db_args_addn(struct db_args *a, const char *s, size_t len);
void db_args_addl(struct db_args *a, long v);
void db_args_addf(struct db_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Replace argument i: with v in decimal, with s (borrowed), formatted. */
void db_args_setl(struct db_args *a, int i, long v);
void db_args_set(struct db_args *a, int i, const char *s);
void db_args_setf(struct db_args *a, int i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Argument i becomes its strings joined, up to a NULL: a key's name without
 * printf's cost (keys.c builds every name with it). */
void db_args_setjoin(struct db_args *a, int i, ...) __attribute__((sentinel));
/* Argument i becomes the same text as argument from, made already (a key
 * given again in a slot a script does not touch), without building it
 * twice. */
void db_args_same(struct db_args *a, int i, int from);
/* Drops the arguments from n on (a script's empty tail). */
void db_args_truncate(struct db_args *a, int n);
void db_args_release(struct db_args *a);
/* Sends a as one command and releases it, sent or not. */
int db_command_args(struct db *db, db_reply_fn fn, void *data, struct db_args *a);

/* As db_command_args for a command or script that answers an integer: fn
 * gets it, or -1 when the command failed or answered something else (a
 * caller's integers are never negative). */
typedef void (*db_integer_fn)(long n, void *arg);
int db_command_integer(struct db *db, struct db_args *a, db_integer_fn fn, void *arg);

/* As db_command_args, for a write a person is told has been saved: when the
 * db waits for replicas, fn gets the reply only once they have the write,
 * and NULL (failed) when they do not confirm within the db's timeout of
 * the sending, though the master may keep it.  An error reply (which wrote
 * nothing) comes as it is. */
int db_command_args_durable(struct db *db, db_reply_fn fn, void *data,
			    struct db_args *a);

/* Counters for /metrics. */
unsigned long db_errors(const struct db *db);
unsigned long db_commands(const struct db *db);
unsigned long db_connections(const struct db *db); /* made ready, ever */
/* Script calls sent together (db.c's batches): the batches, their calls. */
unsigned long db_batches(const struct db *db);
unsigned long db_batched_calls(const struct db *db);

#endif
