/* person.c -- see person.h. */
#include "person.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "db.h"
#include "inbox.h"
#include "keys.h"
#include "pseudo.h"
#include "script.h"
#include "store.h"
#include "timeutil.h"

/* What every part's chunk may use (store.c). */
static const char prelude[] =
	SCRIPT_LOCALS(PERSON_KEYS, "KEYS")
	CONTACT_RUNS_FUNCTION
	"local p = ARGV[1]\n"
	"local function map(flat)\n"
	"  local m = {}\n"
	"  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end\n"
	"  return m\n"
	"end\n"
	"local function unstat(key, field)\n"
	"  if redis.call('HINCRBY', key, field, -1) <= 0 then redis.call('HDEL', key, field) end\n"
	"end\n"
	/* read before any part: forget's contact part deletes the hash */
	"local run_ids = contact_runs(k_contact, p)\n"
	"local parts = {}\n";

/* show: cjson of {part = what it holds}; forget: {part, count, ...}. */
static char *build_script(bool forget)
{
	size_t n;
	const struct person_part *parts = store_person_parts(&n);
	struct buf b = BUF_INIT;
	buf_puts(&b, prelude);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "parts[%zu] = {'%s', function()\n%send}\n", i + 1, parts[i].name,
			   forget ? parts[i].forget : parts[i].show);
	if (forget)
		buf_puts(&b, "local out = {}\n"
			     "for _, part in ipairs(parts) do\n"
			     "  out[#out + 1] = part[1]; out[#out + 1] = part[2]()\n"
			     "end\n"
			     "return out\n");
	else
		buf_puts(&b, "local out = {}\n"
			     "for _, part in ipairs(parts) do out[part[1]] = part[2]() end\n"
			     "return cjson.encode(out)\n");
	return buf_detach(&b);
}

static const char *script(bool forget)
{
	static char *scripts[2];
	if (!scripts[forget])
		scripts[forget] = build_script(forget);
	return scripts[forget];
}

struct person_call {
	char *phone;
	person_show_fn show;
	person_forget_fn forget;
	void *arg;
};

static void call_free(struct person_call *c)
{
	free(c->phone);
	free(c);
}

static int send_call(struct db *db, struct person_call *c, bool forget, db_reply_fn fn)
{
	struct db_args a = {0};
	store_person_keys(&a, script_begin(&a, script(forget), PERSON_NKEYS), c->phone);
	db_args_add(&a, c->phone);
	if (db_command_args(db, fn, c, &a) < 0) {
		call_free(c);
		return -1;
	}
	return 0;
}

/* -- a contact as a person reads it ------------------------------------------ */

/* A row of contacts list (person.h) for contact, with nothing known yet. */
static json_t *contact_row_new(const char *contact)
{
	return json_pack("{s:s,s:n,s:n,s:[],s:b,s:{}}", "contact", contact, "language",
			 "country", "groups", "opted_out", 0, "fields");
}

/* The contact hash's field name of value v read into row; false when the
 * row does not show it (store.h's own fields but _lang, _optout, _groups,
 * _country: docs/keys.md). */
static bool contact_fact(json_t *row, const char *name, const char *v)
{
	if (strcmp(name, "_lang") == 0) {
		json_object_set_new(row, "language", json_string(v));
	} else if (strcmp(name, "_optout") == 0) {
		json_object_set_new(row, "opted_out", json_boolean(strcmp(v, "1") == 0));
	} else if (strcmp(name, "_groups") == 0) {
		json_t *groups = json_object_get(row, "groups");
		char *copy = xstrdup(v), *save = NULL;
		for (char *g = strtok_r(copy, ";", &save); g; g = strtok_r(NULL, ";", &save))
			json_array_append_new(groups, json_string(g));
		free(copy);
	} else if (strcmp(name, "country") == 0 || strcmp(name, "_country") == 0) {
		json_object_set_new(row, "country", json_string(v));
	} else if (name[0] != '_') {
		json_t *text = json_string(v); /* NULL when not UTF-8: not shown */
		if (!text)
			return false;
		json_object_set_new(json_object_get(row, "fields"), name, text);
	} else {
		return false;
	}
	return true;
}

/* -- show -------------------------------------------------------------------- */

/* A list part that holds nothing comes from cjson as {}: make it []. */
static void fix_lists(json_t *root)
{
	size_t n;
	const struct person_part *parts = store_person_parts(&n);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(root, parts[i].name);
		if (parts[i].list && (!v || (json_is_object(v) && json_object_size(v) == 0)))
			json_object_set_new(root, parts[i].name, json_array());
	}
}

/* Redis' nil reaches Lua as false: shown as null, and holding nothing. */
static void nil_to_null(json_t *v)
{
	const char *key;
	void *tmp;
	size_t i;
	json_t *item;
	json_object_foreach_safe(v, tmp, key, item) {
		if (json_is_false(item))
			json_object_set_new(v, key, json_null());
		else
			nil_to_null(item);
	}
	json_array_foreach(v, i, item) {
		if (json_is_false(item))
			json_array_set_new(v, i, json_null());
		else
			nil_to_null(item);
	}
}

/* Nothing held: every part empty, or an object of nulls. */
static bool holds_nothing(json_t *v)
{
	const char *key;
	json_t *item;
	if (json_is_array(v))
		return json_array_size(v) == 0;
	if (!json_is_object(v))
		return json_is_null(v);
	json_object_foreach(v, key, item) {
		if (!holds_nothing(item))
			return false;
	}
	return true;
}

static void on_show(redisReply *reply, void *data)
{
	struct person_call *c = data;
	json_t *root = NULL;
	if (reply && reply->type == REDIS_REPLY_STRING)
		root = json_loadb(reply->str, reply->len, 0, NULL);
	if (!root) {
		c->show(-1, NULL, c->arg);
	} else {
		nil_to_null(root);
		fix_lists(root);
		int rc = holds_nothing(root) ? 1 : 0;
		json_t *out = json_pack("{s:s}", "phone", c->phone);
		json_object_update(out, root);
		c->show(rc, out, c->arg);
		json_decref(out);
		json_decref(root);
	}
	call_free(c);
}

int person_show(struct db *db, const char *phone, person_show_fn done, void *arg)
{
	struct person_call *c = xcalloc(1, sizeof(*c));
	c->phone = xstrdup(phone);
	c->show = done;
	c->arg = arg;
	return send_call(db, c, false, on_show);
}

/* -- show: the person's record ------------------------------------------------ */

/* Seconds since the epoch as stored ("1796656464") in ISO 8601 UTC, as
 * exports write times; null when none (absent, empty or 0). */
static json_t *record_time(const json_t *stored)
{
	const char *s = json_string_value(stored);
	long t = s ? strtol(s, NULL, 10) : 0;
	if (t <= 0)
		return json_null();
	char iso[TIME_ISO8601_SIZE];
	time_iso8601(t, iso);
	return json_string(iso);
}

/* Field name of hash, taken out of it: a new reference, or null. */
static json_t *take(json_t *hash, const char *name)
{
	json_t *v = json_object_get(hash, name);
	v = v ? json_incref(v) : json_null();
	json_object_del(hash, name);
	return v;
}

/* The contact's part (its hash) into record, as contacts list reads it,
 * and first_heard; the fields it does not show are left in hash. */
static void record_contact(json_t *record, json_t *hash)
{
	const char *name;
	void *tmp;
	json_t *v;
	json_object_foreach_safe(hash, tmp, name, v) {
		if (json_is_string(v) && contact_fact(record, name, json_string_value(v)))
			json_object_del(hash, name);
	}
	json_object_set_new(record, "first_heard", record_time(json_object_get(hash, "_since")));
	json_object_del(hash, "_since");
}

/* One run's hash (store.h's fields, id its HEX) as a person reads it; the
 * fields it does not show are left in hash (where it was in the flow, its
 * expiry and reminders, versions: docs/keys.md). */
static json_t *record_run(json_t *hash)
{
	json_t *run = json_object(), *answers = json_object();
	json_object_set_new(run, "id", take(hash, "id"));
	json_object_set_new(run, "flow", take(hash, "flow"));
	json_object_set_new(run, "status", take(hash, "st"));
	json_object_set_new(run, "channel", take(hash, "ch"));
	json_object_set_new(run, "language", take(hash, "lang"));
	json_object_set_new(run, "started_at", record_time(json_object_get(hash, "t0")));
	json_object_set_new(run, "updated_at", record_time(json_object_get(hash, "tu")));
	json_object_set_new(run, "completed_at", record_time(json_object_get(hash, "t1")));
	json_object_set_new(run, "broadcast", take(hash, "bc"));
	json_object_del(hash, "t0");
	json_object_del(hash, "tu");
	json_object_del(hash, "t1");
	json_object_del(hash, "ph"); /* the person's number: the record's phone */
	const char *name;
	void *tmp;
	json_t *v;
	json_object_foreach_safe(hash, tmp, name, v) {
		if (strncmp(name, "a:", 2) == 0) {
			json_object_set(answers, name + 2, v);
			json_object_del(hash, name);
		}
	}
	json_object_set_new(run, "answers", answers);
	return run;
}

/* A list part's items (runs, inbox) each as read (read(hash, contact));
 * what each leaves unread goes into stored by its id, when anything. */
static json_t *record_items(const json_t *items, const char *contact, json_t *stored,
			    json_t *(*read)(json_t *hash, const char *contact))
{
	json_t *out = json_array();
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item) {
		json_t *hash = json_deep_copy(item);
		const char *id = json_string_value(json_object_get(hash, "id"));
		char *key = xstrdup(id ? id : "");
		json_array_append_new(out, read(hash, contact));
		if (json_object_size(hash))
			json_object_set(stored, key, hash);
		free(key);
		json_decref(hash);
	}
	return out;
}

static json_t *read_run(json_t *hash, const char *contact)
{
	(void)contact;
	return record_run(hash);
}

/* A broadcast that names the person: its id, their state as a recipient
 * (null before they are one) and its audience. */
static json_t *read_broadcast(json_t *hash, const char *contact)
{
	(void)contact;
	return json_pack("{s:o,s:o,s:o}", "id", take(hash, "id"), "state", take(hash, "state"),
			 "audience", take(hash, "audience"));
}

/* The list parts the record reads, each item by its function; the record
 * reads the contact too, every other part is shown as stored. */
static const struct {
	const char *name;
	json_t *(*read)(json_t *hash, const char *contact);
} record_lists[] = {
	{"runs", read_run},
	{"inbox", inbox_item_record},
	{"broadcasts", read_broadcast},
};
#define NRECORD_LISTS (sizeof(record_lists) / sizeof(record_lists[0]))

static bool record_reads(const char *part)
{
	for (size_t i = 0; i < NRECORD_LISTS; i++)
		if (strcmp(part, record_lists[i].name) == 0)
			return true;
	return strcmp(part, "phone") == 0 || strcmp(part, "contact") == 0;
}

json_t *person_record(json_t *parts, const char *contact)
{
	json_t *record = contact_row_new(contact), *stored = json_object();
	json_t *hash = json_deep_copy(json_object_get(parts, "contact"));
	if (!json_is_object(hash)) {
		json_decref(hash);
		hash = json_object();
	}
	json_object_set_new(record, "phone", json_deep_copy(json_object_get(parts, "phone")));
	record_contact(record, hash);
	json_object_set_new(stored, "contact", hash);
	for (size_t i = 0; i < NRECORD_LISTS; i++) {
		json_t *rest = json_object();
		json_object_set_new(record, record_lists[i].name,
				    record_items(json_object_get(parts, record_lists[i].name),
						 contact, rest, record_lists[i].read));
		json_object_set_new(stored, record_lists[i].name, rest);
	}
	const char *name;
	json_t *v;
	json_object_foreach(parts, name, v) {
		if (!record_reads(name))
			json_object_set(stored, name, v);
	}
	json_object_set_new(record, "stored", stored);
	return record;
}

/* -- forget ------------------------------------------------------------------- */

static void on_forget(redisReply *reply, void *data)
{
	struct person_call *c = data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY) {
		c->forget(-1, NULL, c->arg);
		call_free(c);
		return;
	}
	json_t *erased = json_object();
	long total = 0;
	for (size_t i = 0; i + 1 < reply->elements; i += 2) {
		const redisReply *name = reply->element[i], *n = reply->element[i + 1];
		long count = n->type == REDIS_REPLY_INTEGER ? (long)n->integer : 0;
		if (name->type == REDIS_REPLY_STRING)
			json_object_set_new(erased, name->str, json_integer(count));
		total += count;
	}
	char *text = json_dumps(erased, JSON_COMPACT | JSON_PRESERVE_ORDER);
	c->forget(total ? 0 : 1, text, c->arg);
	free(text);
	json_decref(erased);
	call_free(c);
}

int person_forget(struct db *db, const char *phone, person_forget_fn done, void *arg)
{
	struct person_call *c = xcalloc(1, sizeof(*c));
	c->phone = xstrdup(phone);
	c->forget = done;
	c->arg = arg;
	return send_call(db, c, true, on_forget);
}

/* -- list --------------------------------------------------------------------- */

/* One batch of a set of phones (contacts, or g:GROUP) from cursor:
 * {cursor, {phone, contact hash, ...}}; each contact's key is found by the
 * number read (docs/keys.md). */
#define LIST_KEYS(X) X(k_set)
#define LIST_ARGS(X) X(cursor)
#define LK(n) SCRIPT_ENUM(LK_, n)
#define LA(n) SCRIPT_ENUM(LA_, n)
enum { LIST_KEYS(LK) LK_COUNT };
enum { LIST_ARGS(LA) LA_COUNT };

static const char list_script[] =
	SCRIPT_LOCALS(LIST_KEYS, "KEYS")
	SCRIPT_LOCALS(LIST_ARGS, "ARGV")
	"local r = redis.call('SSCAN', k_set, cursor, 'COUNT', 500)\n"
	"local out = {}\n"
	"for _, p in ipairs(r[2]) do\n"
	"  out[#out + 1] = p; out[#out + 1] = redis.call('HGETALL', " KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "p") ")\n"
	"end\n"
	"return {r[1], out}\n";

struct lister {
	struct db *db;
	char *group;        /* the group listed, NULL: every contact */
	char *pseudonym_key;
	json_t *rows;
	person_list_fn done;
	void *arg;
};

static int by_contact(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	return strcmp(json_string_value(json_object_get(*x, "contact")),
		      json_string_value(json_object_get(*y, "contact")));
}

static void lister_finish(struct lister *l, bool ok)
{
	if (ok) {
		/* SSCAN's order is the hash table's: sort for a stable listing. */
		size_t n = json_array_size(l->rows);
		json_t **items = xcalloc(n ? n : 1, sizeof(*items));
		for (size_t i = 0; i < n; i++)
			items[i] = json_incref(json_array_get(l->rows, i));
		qsort(items, n, sizeof(*items), by_contact);
		json_array_clear(l->rows);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(l->rows, items[i]);
		free(items);
	}
	l->done(ok ? l->rows : NULL, l->arg);
	json_decref(l->rows);
	free(l->group);
	free(l->pseudonym_key);
	free(l);
}

static json_t *contact_row(const struct lister *l, const char *phone, const redisReply *hash)
{
	char pseudo[PSEUDONYM_SIZE];
	if (l->pseudonym_key)
		pseudonym(l->pseudonym_key, strlen(l->pseudonym_key), phone, pseudo);
	json_t *row = contact_row_new(l->pseudonym_key ? pseudo : phone);
	for (size_t i = 0; i + 1 < hash->elements; i += 2) {
		const char *name = hash->element[i]->str, *v = hash->element[i + 1]->str;
		if (name && v)
			contact_fact(row, name, v);
	}
	return row;
}

static int list_next(struct lister *l, const char *cursor);

static void on_list_batch(redisReply *reply, void *data)
{
	struct lister *l = data;
	if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[0]->type != REDIS_REPLY_STRING) {
		lister_finish(l, false);
		return;
	}
	const redisReply *items = reply->element[1];
	for (size_t i = 0; i + 1 < items->elements; i += 2)
		if (items->element[i]->type == REDIS_REPLY_STRING &&
		    items->element[i + 1]->type == REDIS_REPLY_ARRAY &&
		    items->element[i + 1]->elements)
			json_array_append_new(l->rows, contact_row(l, items->element[i]->str,
								   items->element[i + 1]));
	if (strcmp(reply->element[0]->str, "0") == 0)
		lister_finish(l, true);
	else if (list_next(l, reply->element[0]->str) < 0)
		lister_finish(l, false);
}

static int list_next(struct lister *l, const char *cursor)
{
	struct db_args a = {0};
	int k = script_begin(&a, list_script, LK_COUNT);
	if (l->group)
		keys_group(&a, k + LK_k_set, l->group);
	else
		keys_contacts(&a, k + LK_k_set);
	db_args_set(&a, script_reserve(&a, LA_COUNT) + LA_cursor, cursor);
	return db_command_args(l->db, on_list_batch, l, &a);
}

int person_list(struct db *db, const char *group, const char *pseudonym_key,
		person_list_fn done, void *arg)
{
	struct lister *l = xcalloc(1, sizeof(*l));
	l->db = db;
	l->group = group ? xstrdup(group) : NULL;
	l->pseudonym_key = pseudonym_key ? xstrdup(pseudonym_key) : NULL;
	l->rows = json_array();
	l->done = done;
	l->arg = arg;
	if (list_next(l, "0") < 0) {
		json_decref(l->rows);
		free(l->group);
		free(l->pseudonym_key);
		free(l);
		return -1;
	}
	return 0;
}

/* -- the index of a store written before it ------------------------------------ */

/* One SCAN batch of runs from cursor indexed; the next cursor, "0" at the
 * end (then the store is marked indexed in k_done).  The runs are found by
 * the SCAN, their people's contacts (the index of runs in it, store.h) by
 * the number in each (docs/keys.md). */
#define INDEX_KEYS(X) X(k_done)
#define INDEX_ARGS(X) X(cursor)
#define IK(n) SCRIPT_ENUM(IK_, n)
#define IA(n) SCRIPT_ENUM(IA_, n)
enum { INDEX_KEYS(IK) IK_COUNT };
enum { INDEX_ARGS(IA) IA_COUNT };

static const char index_script[] =
	SCRIPT_LOCALS(INDEX_KEYS, "KEYS")
	SCRIPT_LOCALS(INDEX_ARGS, "ARGV")
	"if redis.call('EXISTS', k_done) == 1 then return '0' end\n"
	"local r = redis.call('SCAN', cursor, 'MATCH', '" KEYS_RUN_PREFIX "*', 'COUNT', 500)\n"
	"for _, k in ipairs(r[2]) do\n"
	"  if redis.call('TYPE', k).ok == 'hash' then\n"
	"    local v = redis.call('HMGET', k, 'ph', 't0', 'st', 'sc')\n"
	"    if v[1] then\n"
	"      local id = string.sub(k, #'" KEYS_RUN_PREFIX "' + 1)\n"
	"      redis.call('HSET', " KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "v[1]") ", " LUA_CONTACT_RUN("id") ",\n"
	"                 tonumber(v[2]) or 0)\n"
	"    end\n"
	/* a completion was counted unless the run had no answer (a broadcast
	 * that ended as it began) */
	"    if v[3] == 'completed' and not v[4] then\n"
	"      for _, f in ipairs(redis.call('HKEYS', k)) do\n"
	"        if string.sub(f, 1, 2) == 'a:' then redis.call('HSET', k, 'sc', '1') break end\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"if r[1] == '0' then redis.call('SET', k_done, '1') end\n"
	"return r[1]\n";

struct indexer {
	struct db *db;
	person_index_fn done;
	void *arg;
};

static void index_finish(struct indexer *x, int rc)
{
	x->done(rc, x->arg);
	free(x);
}

static int index_next(struct indexer *x, const char *cursor);

static void on_index_batch(redisReply *reply, void *data)
{
	struct indexer *x = data;
	if (!reply || reply->type != REDIS_REPLY_STRING)
		index_finish(x, -1);
	else if (strcmp(reply->str, "0") == 0)
		index_finish(x, 0);
	else if (index_next(x, reply->str) < 0)
		index_finish(x, -1);
}

static int index_next(struct indexer *x, const char *cursor)
{
	struct db_args a = {0};
	int k = script_begin(&a, index_script, IK_COUNT);
	keys_people_indexed(&a, k + IK_k_done);
	db_args_set(&a, script_reserve(&a, IA_COUNT) + IA_cursor, cursor);
	return db_command_args(x->db, on_index_batch, x, &a);
}

void person_index_upgrade(struct db *db, person_index_fn done, void *arg)
{
	struct indexer *x = xcalloc(1, sizeof(*x));
	x->db = db;
	x->done = done;
	x->arg = arg;
	if (index_next(x, "0") < 0)
		index_finish(x, -1);
}

/* -- formats ------------------------------------------------------------------ */

static const char *const list_columns[] = {"contact", "language", "country", "groups",
					   "opted_out"};
#define NLIST_COLUMNS (sizeof(list_columns) / sizeof(list_columns[0]))

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void person_rows_csv(json_t *rows, struct buf *out)
{
	/* The fields any contact has, in name order, as columns. */
	json_t *names = json_object();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *name;
		json_t *v;
		json_object_foreach(json_object_get(row, "fields"), name, v)
			json_object_set(names, name, json_true());
	}
	size_t nf = json_object_size(names), ncols = NLIST_COLUMNS + nf;
	const char **cols = xcalloc(ncols, sizeof(*cols));
	memcpy(cols, list_columns, sizeof(list_columns));
	size_t k = NLIST_COLUMNS;
	const char *name;
	json_t *v;
	json_object_foreach(names, name, v) cols[k++] = name;
	qsort(cols + NLIST_COLUMNS, nf, sizeof(*cols), by_name);
	csv_write_row(out, cols, ncols);

	const char **cells = xcalloc(ncols, sizeof(*cells));
	json_array_foreach(rows, i, row) {
		struct buf groups = BUF_INIT;
		size_t g;
		json_t *gv;
		json_array_foreach(json_object_get(row, "groups"), g, gv)
			buf_printf(&groups, "%s%s", g ? ";" : "", json_string_value(gv));
		cells[0] = json_string_value(json_object_get(row, "contact"));
		cells[1] = json_string_value(json_object_get(row, "language"));
		cells[2] = json_string_value(json_object_get(row, "country"));
		cells[3] = buf_str(&groups);
		cells[4] = json_is_true(json_object_get(row, "opted_out")) ? "yes" : "no";
		for (size_t f = 0; f < nf; f++)
			cells[NLIST_COLUMNS + f] = json_string_value(
				json_object_get(json_object_get(row, "fields"), cols[NLIST_COLUMNS + f]));
		csv_write_row(out, cells, ncols);
		buf_release(&groups);
	}
	free(cells);
	free(cols);
	json_decref(names);
}

static int append_to_buf(const char *data, size_t size, void *b)
{
	buf_append(b, data, size);
	return 0;
}

void person_rows_jsonl(json_t *rows, struct buf *out)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		json_dump_callback(row, append_to_buf, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		buf_putc(out, '\n');
	}
}
