/* migrate.c -- see migrate.h.  The first layout's names are the tagged
 * ones without the tag: the same prefixes (keys.h) followed by the bare
 * number or run id, so both are told apart by the character after the
 * prefix.  The second layout (KEYS_LAYOUT_TAGGED) is the current one but
 * for a zset of run ids per person, pr:{PHONE}, now fields of the contact
 * (store.h, CONTACT_RUN_PREFIX). */
#include "migrate.h"

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "keys.h"
#include "script.h"
#include "store.h"

/* old_person(k): the prefix and the number of an old-layout person key
 * (c:PHONE, cur:KIND:PHONE, pr:, pm:, lim:, in:p:, in:t:), else nil.
 * old_run(k): the id of an old-layout run key (r:HEX), else nil.  tag(ph):
 * a number as a hash tag.  tagged_runs(k): the number of a second-layout
 * pr:{PHONE}, else nil. */
#define OLD_LAYOUT_FUNCTIONS \
	"local people = {'" KEYS_CONTACT_PREFIX "', '" KEYS_POINTER_PREFIX "sms:', '" \
	KEYS_POINTER_PREFIX "ussd:', '" KEYS_PERSON_RUNS_PREFIX "', '" KEYS_PERSON_REPLIES_PREFIX \
	"', '" KEYS_LIMIT_PREFIX "', '" KEYS_INBOX_PERSON_PREFIX "', '" KEYS_INBOX_THREAD_PREFIX "'}\n" \
	"local function old_person(k)\n" \
	"  for _, pre in ipairs(people) do\n" \
	"    if string.sub(k, 1, #pre) == pre then\n" \
	"      local ph = string.sub(k, #pre + 1)\n" \
	"      if ph ~= '' and not string.find(ph, '[{}:]') then return pre, ph end\n" \
	"      return nil\n" \
	"    end\n" \
	"  end\n" \
	"end\n" \
	"local RP = '" KEYS_RUN_PREFIX "'\n" \
	"local function old_run(k)\n" \
	"  local id = string.sub(k, #RP + 1)\n" \
	"  if string.sub(k, 1, #RP) == RP and id ~= '' and not string.find(id, '[{}]') then return id end\n" \
	"end\n" \
	"local function tag(ph) return '" KEYS_TAG_OPEN "' .. ph .. '" KEYS_TAG_CLOSE "' end\n" \
	"local PRT = '" KEYS_PERSON_RUNS_PREFIX KEYS_TAG_OPEN "'\n" \
	"local function tagged_runs(k)\n" \
	"  if string.sub(k, 1, #PRT) ~= PRT then return nil end\n" \
	"  return string.match(string.sub(k, #PRT + 1), '^([^{}]+)" KEYS_TAG_CLOSE "$')\n" \
	"end\n"

/* -- which layout ---------------------------------------------------------------
 * The layout key says it: KEYS_LAYOUT_VERSION is current, KEYS_LAYOUT_TAGGED
 * old, MIGRATE_MARKER a migration that did not end well, any other value
 * unknown (none of them is ever overwritten here).  Without one, the store
 * is looked at: a contact of the contacts set (a sample) under its old
 * name, or an old-layout key (or a pr:{PHONE}) among the first CHECK_PAGES
 * SCAN pages, is old data.  Otherwise the
 * store is empty, or was written by this version: it is marked current.
 * (The sample is enough only because a migration sets the marker before
 * it renames anything: a half-migrated store always has the key.) */
#define CHECK_KEYS(X) X(k_layout) X(k_contacts)
#define CHECK_ARGS(X) X(version) X(marker) X(tagged)
#define CK(n) SCRIPT_ENUM(CK_, n)
#define CA(n) SCRIPT_ENUM(CA_, n)
enum { CHECK_KEYS(CK) CK_COUNT };
enum { CHECK_ARGS(CA) CA_COUNT };

static const char check_script[] =
	SCRIPT_LOCALS(CHECK_KEYS, "KEYS")
	SCRIPT_LOCALS(CHECK_ARGS, "ARGV")
	OLD_LAYOUT_FUNCTIONS
	"local v = redis.call('GET', k_layout)\n"
	"if v == version then return 0 end\n"
	"if v == marker then return 3 end\n"
	"if v == tagged then return 1 end\n"
	"if v then return 2 end\n"
	"for _, p in ipairs(redis.call('SRANDMEMBER', k_contacts, 20)) do\n"
	"  if redis.call('EXISTS', " KEYS_LUA(KEYS_CONTACT_PREFIX, "p") ") == 1 then return 1 end\n"
	"end\n"
	"local cursor = '0'\n"
	"for i = 1, 20 do\n" /* CHECK_PAGES */
	"  local r = redis.call('SCAN', cursor, 'MATCH', '" KEYS_PREFIX "*', 'COUNT', 1000)\n"
	"  for _, k in ipairs(r[2]) do\n"
	"    if old_person(k) or old_run(k) or tagged_runs(k) then return 1 end\n"
	"  end\n"
	"  cursor = r[1]\n"
	"  if cursor == '0' then break end\n"
	"end\n"
	"redis.call('SET', k_layout, version, 'NX')\n"
	"return 0\n";

struct check_call {
	migrate_check_fn fn;
	void *arg;
};

static void on_checked(redisReply *reply, void *data)
{
	struct check_call *call = data;
	enum migrate_layout l = MIGRATE_FAILED;
	if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 0 &&
	    reply->integer <= MIGRATE_INTERRUPTED)
		l = (enum migrate_layout)reply->integer;
	call->fn(l, call->arg);
	free(call);
}

int migrate_check(struct db *db, migrate_check_fn fn, void *arg)
{
	struct check_call *call = xcalloc(1, sizeof(*call));
	call->fn = fn;
	call->arg = arg;
	struct db_args a = {0};
	int k = script_begin(&a, check_script, CK_COUNT);
	keys_layout_version(&a, k + CK_k_layout);
	keys_contacts(&a, k + CK_k_contacts);
	int v = script_reserve(&a, CA_COUNT);
	db_args_set(&a, v + CA_version, KEYS_LAYOUT_VERSION);
	db_args_set(&a, v + CA_marker, MIGRATE_MARKER);
	db_args_set(&a, v + CA_tagged, KEYS_LAYOUT_TAGGED);
	if (db_command_args(db, on_checked, call, &a) < 0) {
		free(call);
		return -1;
	}
	return 0;
}

const char *migrate_refusal(enum migrate_layout layout)
{
	switch (layout) {
	case MIGRATE_OLD:
		return "the store's keys are in an older layout (people's keys without "
		       "{PHONE}, or a person's runs in pr:{PHONE}): stop every sauti daemon and "
		       "run `sauti migrate-keys` (docs/operations.md)";
	case MIGRATE_INTERRUPTED:
		return "a `sauti migrate-keys` began on the store and did not end well (it was "
		       "stopped, or left keys it could not move): stop every sauti daemon and run "
		       "`sauti migrate-keys` again (docs/operations.md)";
	case MIGRATE_UNKNOWN:
		return "the store's keys are in a layout this version of sauti does not know "
		       "(written by a newer one?)";
	case MIGRATE_FAILED:
		return "redis failed while the key layout was checked";
	case MIGRATE_CURRENT:
		break;
	}
	return "the key layout is current";
}

/* -- the migration ---------------------------------------------------------------
 * One SCAN page of keys under the prefix per command.  Pass "people": each
 * old person key renamed to its tagged name (RENAMENX: a key whose new name
 * exists is left and counted), and for pm:PHONE the replies it names,
 * mo:MSGID -> mo:{PHONE}:MSGID.  Pass "runs": each old run r:HEX renamed
 * r:{PHONE}:HEX (PHONE its ph), its id replaced where it is a member or a
 * value (runs:FLOW, pr:{PHONE}, remind, the pointers), scores kept; and a
 * reply no pm: named (none can find it now) deleted.  Pass "index": each
 * pr:{PHONE} folded into the contact c:{PHONE}, a field per run id
 * (CONTACT_RUN_PREFIX and its HEX part, the score its value), and deleted
 * (counted as renamed).  Returns {next cursor, keys scanned, renamed,
 * conflicts, dropped, DBSIZE}. */
#define PAGE_KEYS(X) X(k_remind)
#define PAGE_ARGS(X) X(pass) X(cursor) X(count)
#define PK(n) SCRIPT_ENUM(PK_, n)
#define PA(n) SCRIPT_ENUM(PA_, n)
enum { PAGE_KEYS(PK) PK_COUNT };
enum { PAGE_ARGS(PA) PA_COUNT };

static const char page_script[] =
	SCRIPT_LOCALS(PAGE_KEYS, "KEYS")
	SCRIPT_LOCALS(PAGE_ARGS, "ARGV")
	OLD_LAYOUT_FUNCTIONS
	"local MO, PM = '" KEYS_REPLY_PREFIX "', '" KEYS_PERSON_REPLIES_PREFIX "'\n"
	"local renamed, conflicts, dropped = 0, 0, 0\n"
	"local function move(from, to)\n"
	"  if redis.call('EXISTS', from) == 0 then return false end\n" /* SCAN may repeat a key */
	"  if redis.call('RENAMENX', from, to) == 1 then renamed = renamed + 1 return true end\n"
	"  conflicts = conflicts + 1\n"
	"  return false\n"
	"end\n"
	"local function reindex(z, old, new)\n"
	"  local s = redis.call('ZSCORE', z, old)\n"
	"  if s then redis.call('ZREM', z, old) redis.call('ZADD', z, s, new) end\n"
	"end\n"
	"local function person(k)\n"
	"  local pre, ph = old_person(k)\n"
	"  if not pre then return end\n"
	"  if pre == PM then\n"
	"    for _, id in ipairs(redis.call('ZRANGE', k, 0, -1)) do\n"
	"      move(MO .. id, MO .. tag(ph) .. ':' .. id)\n"
	"    end\n"
	"  end\n"
	"  move(k, pre .. tag(ph))\n"
	"end\n"
	"local function run(k)\n"
	"  local id = old_run(k)\n"
	"  if not id then\n"
	"    local rest = string.sub(k, #MO + 1)\n"
	"    if string.sub(k, 1, #MO) == MO and string.sub(rest, 1, 1) ~= '" KEYS_TAG_OPEN "' then\n"
	"      dropped = dropped + redis.call('DEL', k)\n"
	"    end\n"
	"    return\n"
	"  end\n"
	"  if redis.call('TYPE', k).ok ~= 'hash' then return end\n"
	"  local h = redis.call('HMGET', k, 'ph', 'flow')\n"
	"  if not h[1] then conflicts = conflicts + 1 return end\n"
	"  local new = tag(h[1]) .. ':' .. id\n"
	"  if not move(k, RP .. new) then return end\n"
	"  if h[2] then reindex(" KEYS_LUA(KEYS_FLOW_RUNS_PREFIX, "h[2]") ", id, new) end\n"
	"  reindex(" KEYS_LUA_PERSON(KEYS_PERSON_RUNS_PREFIX, "h[1]") ", id, new)\n"
	"  reindex(k_remind, id, new)\n"
	"  for _, kind in ipairs({'sms', 'ussd'}) do\n"
	"    local pk = " KEYS_LUA_POINTER("kind", "h[1]") "\n"
	"    if redis.call('GET', pk) == id then redis.call('SET', pk, new) end\n"
	"  end\n"
	"end\n"
	"local function fold(k)\n"
	"  local ph = tagged_runs(k)\n"
	"  if not ph or redis.call('TYPE', k).ok ~= 'zset' then return end\n"
	"  local ck = " KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "ph") "\n"
	"  local z = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')\n"
	"  for i = 1, #z, 2 do redis.call('HSET', ck, " LUA_CONTACT_RUN("z[i]") ", z[i + 1]) end\n"
	"  redis.call('DEL', k)\n"
	"  renamed = renamed + 1\n"
	"end\n"
	"local r = redis.call('SCAN', cursor, 'MATCH', '" KEYS_PREFIX "*', 'COUNT', tonumber(count))\n"
	"for _, k in ipairs(r[2]) do\n"
	"  if pass == 'people' then person(k) elseif pass == 'runs' then run(k) else fold(k) end\n"
	"end\n"
	"return {r[1], #r[2], renamed, conflicts, dropped, redis.call('DBSIZE')}\n";

struct migration {
	struct db *db;
	const char *pass;            /* "people", then "runs", then "index" */
	struct migrate_totals t;
	migrate_progress_fn progress;
	migrate_done_fn done;
	void *arg;
};

static void migration_finish(struct migration *m, int rc)
{
	m->done(rc, &m->t, m->arg);
	free(m);
}

static int page_next(struct migration *m, const char *cursor);

static void on_marked(redisReply *reply, void *data)
{
	struct migration *m = data;
	migration_finish(m, reply && reply->type == REDIS_REPLY_STATUS ? 0 : -1);
}

/* The layout recorded, replacing the marker: the last write of a migration
 * that moved every key. */
static int mark_current(struct migration *m)
{
	struct db_args a = {0};
	db_args_add(&a, "SET");
	db_args_add(&a, "");
	keys_layout_version(&a, 1);
	db_args_add(&a, KEYS_LAYOUT_VERSION);
	return db_command_args(m->db, on_marked, m, &a);
}

static bool page_reply_ok(const redisReply *r)
{
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 6 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return false;
	for (size_t i = 1; i < 6; i++)
		if (r->element[i]->type != REDIS_REPLY_INTEGER)
			return false;
	return true;
}

static void on_page(redisReply *reply, void *data)
{
	struct migration *m = data;
	if (!page_reply_ok(reply)) {
		migration_finish(m, -1);
		return;
	}
	m->t.scanned += reply->element[1]->integer;
	m->t.renamed += reply->element[2]->integer;
	m->t.conflicts += reply->element[3]->integer;
	m->t.dropped += reply->element[4]->integer;
	if (!m->t.keys)
		m->t.keys = reply->element[5]->integer;
	if (m->progress)
		m->progress(&m->t, m->arg);
	int rc;
	if (strcmp(reply->element[0]->str, "0") != 0)
		rc = page_next(m, reply->element[0]->str);
	else if (strcmp(m->pass, "people") == 0)
		m->pass = "runs", rc = page_next(m, "0");
	else if (strcmp(m->pass, "runs") == 0)
		m->pass = "index", rc = page_next(m, "0");
	else if (m->t.conflicts) {
		migration_finish(m, 1);
		return;
	} else
		rc = mark_current(m);
	if (rc < 0)
		migration_finish(m, -1);
}

static int page_next(struct migration *m, const char *cursor)
{
	struct db_args a = {0};
	int k = script_begin(&a, page_script, PK_COUNT);
	keys_remind(&a, k + PK_k_remind);
	int v = script_reserve(&a, PA_COUNT);
	db_args_set(&a, v + PA_pass, m->pass);
	db_args_setf(&a, v + PA_cursor, "%s", cursor);
	db_args_setl(&a, v + PA_count, MIGRATE_PAGE);
	return db_command_args(m->db, on_page, m, &a);
}

/* The first write of a migration: the marker (migrate.h), unless the
 * store is in a layout this version does not know, which is left alone
 * (returns 2).  Atomic, so no check can mark the store current between. */
#define BEGIN_KEYS(X) X(k_layout)
#define BEGIN_ARGS(X) X(version) X(marker) X(tagged)
#define BK(n) SCRIPT_ENUM(BK_, n)
#define BA(n) SCRIPT_ENUM(BA_, n)
enum { BEGIN_KEYS(BK) BK_COUNT };
enum { BEGIN_ARGS(BA) BA_COUNT };

static const char begin_script[] =
	SCRIPT_LOCALS(BEGIN_KEYS, "KEYS")
	SCRIPT_LOCALS(BEGIN_ARGS, "ARGV")
	"local v = redis.call('GET', k_layout)\n"
	"if v and v ~= version and v ~= marker and v ~= tagged then return 2 end\n"
	"redis.call('SET', k_layout, marker)\n"
	"return 0\n";

static void on_begun(redisReply *reply, void *data)
{
	struct migration *m = data;
	if (!reply || reply->type != REDIS_REPLY_INTEGER)
		migration_finish(m, -1);
	else if (reply->integer != 0)
		migration_finish(m, 2);
	else if (page_next(m, "0") < 0)
		migration_finish(m, -1);
}

static int migration_begin(struct migration *m)
{
	struct db_args a = {0};
	int k = script_begin(&a, begin_script, BK_COUNT);
	keys_layout_version(&a, k + BK_k_layout);
	int v = script_reserve(&a, BA_COUNT);
	db_args_set(&a, v + BA_version, KEYS_LAYOUT_VERSION);
	db_args_set(&a, v + BA_marker, MIGRATE_MARKER);
	db_args_set(&a, v + BA_tagged, KEYS_LAYOUT_TAGGED);
	return db_command_args(m->db, on_begun, m, &a);
}

void migrate_keys(struct db *db, migrate_progress_fn progress, migrate_done_fn done, void *arg)
{
	struct migration *m = xcalloc(1, sizeof(*m));
	m->db = db;
	m->pass = "people";
	m->progress = progress;
	m->done = done;
	m->arg = arg;
	if (migration_begin(m) < 0)
		migration_finish(m, -1);
}

/* -- anything else using the store --------------------------------------------- */

struct busy_call {
	migrate_busy_fn fn;
	void *arg;
};

/* The value of " NAME=" in one line of CLIENT LIST (up to its '\n' or
 * NUL: "id=.. addr=.. name=.. ... cmd=.. ...") into out, "" when absent. */
static void client_field(const char *line, const char *name, char *out, size_t size)
{
	size_t n = strlen(name), line_len = strcspn(line, "\n");
	out[0] = '\0';
	for (size_t i = 0; i + n < line_len; i++) {
		if ((i == 0 || line[i - 1] == ' ') && line[i + n] == '=' &&
		    strncmp(line + i, name, n) == 0) {
			const char *v = line + i + n + 1;
			size_t len = strcspn(v, " \n");
			if (len >= size)
				len = size - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return;
		}
	}
}

/* A client that counts: active lately, not this command's own connection
 * (the one asking CLIENT LIST), not a replica, master link, MONITOR or
 * Sentinel. */
bool migrate_client_busy(const char *line)
{
	char idle[24], flags[32], name[64], cmd[64];
	client_field(line, "idle", idle, sizeof(idle));
	client_field(line, "flags", flags, sizeof(flags));
	client_field(line, "name", name, sizeof(name));
	client_field(line, "cmd", cmd, sizeof(cmd));
	if (!idle[0] || atol(idle) >= MIGRATE_BUSY_SECONDS)
		return false;
	if (strcmp(cmd, "client|list") == 0 || strpbrk(flags, "SMO"))
		return false;
	return strncmp(name, "sentinel-", 9) != 0;
}

static void on_clients(redisReply *reply, void *data)
{
	struct busy_call *call = data;
	int busy = -1;
	char first[256] = "";
	if (reply && reply->type == REDIS_REPLY_STRING) {
		busy = 0;
		const char *line = reply->str;
		while (line && *line) {
			if (migrate_client_busy(line) && busy++ == 0) {
				char addr[64], name[64], cmd[64];
				client_field(line, "addr", addr, sizeof(addr));
				client_field(line, "name", name, sizeof(name));
				client_field(line, "cmd", cmd, sizeof(cmd));
				snprintf(first, sizeof(first), "%s%s%s%s, last command %s", addr,
					 name[0] ? " (" : "", name, name[0] ? ")" : "", cmd);
			}
			line = strchr(line, '\n');
			if (line)
				line++;
		}
	}
	call->fn(busy, first, call->arg);
	free(call);
}

int migrate_busy(struct db *db, migrate_busy_fn fn, void *arg)
{
	const char *argv[] = {"CLIENT", "LIST"};
	struct busy_call *call = xcalloc(1, sizeof(*call));
	call->fn = fn;
	call->arg = arg;
	if (db_command(db, on_clients, call, 2, argv, NULL) < 0) {
		free(call);
		return -1;
	}
	return 0;
}
