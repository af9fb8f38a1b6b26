/* audit.c -- see audit.h. */
#include "audit.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "phone.h"
#include "keys.h"
#include "script.h"
#include "log.h"
#include "timeutil.h"

#define READ_BATCH 500

void audit_entry_json(const struct audit_entry *e, struct buf *out)
{
	char at[TIME_ISO8601_SIZE];
	time_iso8601(e->at, at);
	json_t *obj = json_pack("{s:s,s:s?,s:s?,s:s?,s:I}", "at", at, "who", e->who, "action",
				e->action, "what", e->what, "count", (json_int_t)e->count);
	char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	buf_printf(out, "%s\n", text ? text : "{}");
	free(text);
	json_decref(obj);
}

struct audit_call {
	audit_each_fn each;
	audit_done_fn done;
	void *arg;
	struct db *db;
};

static void on_recorded(redisReply *reply, void *data)
{
	struct audit_call *c = data;
	int rc = reply && reply->type == REDIS_REPLY_STRING ? 0 : -1;
	if (rc < 0)
		log_error("audit: could not store an entry in redis (it is in this log)");
	if (c->done)
		c->done(rc, c->arg);
	free(c);
}

/* The actions whose `what` is an id sauti made (a broadcast's, an inbox
 * item's): lower-case hex or letters, which may hold a run of digits that is
 * no one's number ("f40341993117") and must be kept whole to be of use. */
static bool is_generated_id(const char *action, const char *what)
{
	if (strcmp(action, AUDIT_CANCEL) != 0 && strcmp(action, AUDIT_INBOX_REPLY) != 0)
		return false;
	size_t n = strspn(what, "0123456789abcdefghijklmnopqrstuvwxyz");
	return n > 0 && n <= 32 && what[n] == '\0';
}

int audit_record(struct db *db, const char *who, const char *action, const char *what,
		 long count, audit_done_fn done, void *arg)
{
	char at[32], n[32];
	size_t size = (what ? strlen(what) : 0) + 1;
	char *scrubbed = xmalloc(size);
	if (what && is_generated_id(action, what))
		memcpy(scrubbed, what, size);
	else
		phone_scrub(what ? what : "", scrubbed, size);
	long now = (long)time(NULL);
	log_info("audit: %s %s %s count %ld", who, action, scrubbed, count);
	snprintf(at, sizeof(at), "%ld", now);
	snprintf(n, sizeof(n), "%ld", count);
	struct db_args a = {0};
	db_args_add(&a, "XADD");
	keys_audit(&a, script_reserve(&a, 1));
	db_args_add(&a, "MAXLEN");
	db_args_add(&a, "~");
	db_args_addl(&a, AUDIT_MAXLEN);
	const char *rest[] = {"*", "at", at, "who", who, "action", action, "what", scrubbed,
			      "count", n};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		db_args_add(&a, rest[i]);
	struct audit_call *c = xcalloc(1, sizeof(*c));
	c->done = done;
	c->arg = arg;
	int rc = db_command_args(db, on_recorded, c, &a);
	free(scrubbed);
	if (rc < 0) {
		log_error("audit: redis not connected; the entry is only in this log");
		free(c);
		return -1;
	}
	return 0;
}

/* -- reading -------------------------------------------------------------------- */

static int read_from(struct audit_call *c, const char *start);

static const char *field(const redisReply *flat, const char *name)
{
	for (size_t i = 0; i + 1 < flat->elements; i += 2)
		if (flat->element[i]->str && strcmp(flat->element[i]->str, name) == 0)
			return flat->element[i + 1]->str;
	return NULL;
}

static void on_batch(redisReply *reply, void *data)
{
	struct audit_call *c = data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY) {
		c->done(-1, c->arg);
		free(c);
		return;
	}
	char last[64] = "";
	for (size_t i = 0; i < reply->elements; i++) {
		const redisReply *e = reply->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || !e->element[0]->str)
			continue;
		str_copy(last, sizeof(last), e->element[0]->str);
		const redisReply *f = e->element[1];
		const char *at = field(f, "at"), *count = field(f, "count");
		struct audit_entry entry = {
			.at = at ? strtol(at, NULL, 10) : 0,
			.who = field(f, "who"),
			.action = field(f, "action"),
			.what = field(f, "what"),
			.count = count ? strtol(count, NULL, 10) : 0,
		};
		c->each(&entry, c->arg);
	}
	if (reply->elements < READ_BATCH || !*last) {
		c->done(0, c->arg);
		free(c);
		return;
	}
	char next[72];
	snprintf(next, sizeof(next), "(%s", last); /* exclusive: after the last one */
	if (read_from(c, next) < 0) {
		c->done(-1, c->arg);
		free(c);
	}
}

static int read_from(struct audit_call *c, const char *start)
{
	struct db_args a = {0};
	db_args_add(&a, "XRANGE");
	keys_audit(&a, script_reserve(&a, 1));
	db_args_add(&a, start);
	db_args_add(&a, "+");
	db_args_add(&a, "COUNT");
	db_args_addl(&a, READ_BATCH);
	return db_command_args(c->db, on_batch, c, &a);
}

int audit_read(struct db *db, long since, audit_each_fn each, audit_done_fn done, void *arg)
{
	struct audit_call *c = xcalloc(1, sizeof(*c));
	c->db = db;
	c->each = each;
	c->done = done;
	c->arg = arg;
	char start[32];
	/* Stream ids are milliseconds, so since maps onto them directly. */
	snprintf(start, sizeof(start), "%ld", since > 0 ? since * 1000 : 0L);
	if (read_from(c, start) < 0) {
		free(c);
		return -1;
	}
	return 0;
}
