/* export.c -- see export.h. */
#include "export.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "exportfmt.h"
#include "flow.h"
#include "pseudo.h"
#include "store.h"

/* ARGV: flow, since, until.  The ranks of the first and last run in range;
 * fixed at the start, so runs begun during the export are not in it. */
static const char range_script[] =
	"local k = 'sauti:runs:' .. ARGV[1]\n"
	"local first = redis.call('ZCOUNT', k, '-inf', '(' .. ARGV[2])\n"
	"local upto = redis.call('ZCOUNT', k, '-inf', ARGV[3])\n"
	"return {first, upto - 1}\n";

/* ARGV: flow, first rank, last rank, then contact fields wanted.
 * {id, run hash, the contact's fields (HMGET), id, ...} */
static const char batch_script[] =
	"local ids = redis.call('ZRANGE', 'sauti:runs:' .. ARGV[1], ARGV[2], ARGV[3])\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  local r = redis.call('HGETALL', 'sauti:r:' .. id)\n"
	"  local f = {}\n"
	"  if #ARGV > 3 then\n"
	"    local ph\n"
	"    for i = 1, #r, 2 do if r[i] == 'ph' then ph = r[i + 1] end end\n"
	"    if ph then f = redis.call('HMGET', 'sauti:c:' .. ph, unpack(ARGV, 4)) end\n"
	"  end\n"
	"  out[#out + 1] = id\n"
	"  out[#out + 1] = r\n"
	"  out[#out + 1] = f\n"
	"end\n"
	"return out\n";

const char *export_field_refused(const char *name)
{
	if (strcmp(name, "name") == 0 || strcmp(name, "phone") == 0)
		return "identifies the person and is never exported";
	if (!*name || name[0] == '_')
		return "is not a contact field";
	return NULL;
}

struct exporter {
	struct db *db;
	struct export_opts opts;
	char *flow_id;
	const char **save_names;
	bool *is_number;      /* per save name */
	size_t nsave;
	char **fields;        /* contact fields wanted */
	size_t nfields;
	long next_rank, last_rank;
	bool header_sent;
	bool cancelled;
	bool in_flight;       /* a batch command is pending */
	export_emit_fn emit;
	export_done_fn done;
	void *arg;
	struct buf out;
};

static void exporter_free(struct exporter *e)
{
	buf_release(&e->out);
	for (size_t i = 0; i < e->nsave; i++)
		free((char *)e->save_names[i]);
	free(e->save_names);
	free(e->is_number);
	for (size_t i = 0; i < e->nfields; i++)
		free(e->fields[i]);
	free(e->fields);
	free(e->flow_id);
	free(e);
}

static void finish(struct exporter *e, int rc)
{
	e->done(rc, e->arg);
	exporter_free(e);
}

static void format_run(struct exporter *e, const char *id, const redisReply *hash,
		       const redisReply *fields)
{
	struct stored_run r = {0};
	if (stored_run_decode(&r, id, hash) < 0)
		return; /* an index entry whose run is gone */
	if (r.status == RUN_ACTIVE && r.expires && r.expires <= e->opts.now)
		r.status = RUN_EXPIRED;
	if (e->opts.visit) {
		e->opts.visit(&r, e->arg);
		stored_run_release(&r);
		return;
	}
	char contact[PSEUDONYM_SIZE];
	if (!e->opts.raw_phone)
		pseudonym(e->opts.pseudonym_key, strlen(e->opts.pseudonym_key), r.phone, contact);
	struct export_run row = {
		.run_id = r.id,
		.contact = e->opts.raw_phone ? r.phone : contact,
		.language = r.lang,
		.channel = channel_name(r.channel),
		.status = run_status_name(r.status),
		.started_at = r.started,
		.completed_at = r.status == RUN_COMPLETED ? r.completed : 0,
		.answers = &r.answers,
		.field_names = (const char *const *)e->fields,
		.nfields = e->nfields,
		.is_number = e->is_number,
	};
	const char **values = xcalloc(e->nfields ? e->nfields : 1, sizeof(*values));
	for (size_t i = 0; i < e->nfields; i++)
		if (fields->type == REDIS_REPLY_ARRAY && i < fields->elements)
			values[i] = fields->element[i]->str; /* NULL for nil */
	row.field_values = values;
	if (e->opts.rows)
		(*e->opts.rows)++;
	if (e->opts.jsonl)
		export_jsonl_row(&e->out, &row, e->save_names, e->nsave);
	else
		export_csv_row(&e->out, &row, e->save_names, e->nsave);
	free(values);
	stored_run_release(&r);
}

static void on_batch(redisReply *reply, void *data)
{
	struct exporter *e = data;
	e->in_flight = false;
	if (e->cancelled) {
		exporter_free(e);
		return;
	}
	if (!reply || reply->type != REDIS_REPLY_ARRAY) {
		finish(e, -1);
		return;
	}
	buf_reset(&e->out);
	for (size_t i = 0; i + 2 < reply->elements; i += 3)
		if (reply->element[i]->type == REDIS_REPLY_STRING)
			format_run(e, reply->element[i]->str, reply->element[i + 1],
				   reply->element[i + 2]);
	e->next_rank += EXPORT_BATCH;
	if (e->out.len)
		e->emit(e->out.data, e->out.len, e->arg);
	else
		export_resume(e);
}

void export_resume(struct exporter *e)
{
	if (e->next_rank > e->last_rank) {
		finish(e, 0);
		return;
	}
	char first[32], last[32];
	long stop = e->next_rank + EXPORT_BATCH - 1;
	snprintf(first, sizeof(first), "%ld", e->next_rank);
	snprintf(last, sizeof(last), "%ld", stop < e->last_rank ? stop : e->last_rank);
	struct db_args a = {0};
	db_args_add(&a, "EVAL");
	db_args_add(&a, batch_script);
	db_args_add(&a, "0");
	db_args_add(&a, e->flow_id);
	db_args_add(&a, first);
	db_args_add(&a, last);
	for (size_t i = 0; i < e->nfields; i++)
		db_args_add(&a, e->fields[i]);
	e->in_flight = true;
	if (db_command_args(e->db, on_batch, e, &a) < 0) {
		e->in_flight = false;
		finish(e, -1);
	}
}

static void on_range(redisReply *reply, void *data)
{
	struct exporter *e = data;
	e->in_flight = false;
	if (e->cancelled) {
		exporter_free(e);
		return;
	}
	if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
		finish(e, -1);
		return;
	}
	e->next_rank = reply->element[0]->integer;
	e->last_rank = reply->element[1]->integer;
	buf_reset(&e->out);
	if (e->opts.jsonl || e->opts.visit) {
		export_resume(e);
		return;
	}
	export_csv_header_fields(&e->out, e->save_names, e->nsave,
				 (const char *const *)e->fields, e->nfields);
	e->emit(e->out.data, e->out.len, e->arg);
}

struct exporter *export_start(struct db *db, const struct export_opts *opts,
			      export_emit_fn emit, export_done_fn done, void *arg)
{
	struct exporter *e = xcalloc(1, sizeof(*e));
	e->db = db;
	e->opts = *opts;
	e->flow_id = xstrdup(opts->flow->id);
	e->emit = emit;
	e->done = done;
	e->arg = arg;
	/* Only the names are kept past this call, copied: a reload may free
	 * the flow while the export goes on. */
	e->save_names = xcalloc(opts->flow->nsteps + 1, sizeof(*e->save_names));
	e->is_number = xcalloc(opts->flow->nsteps + 1, sizeof(*e->is_number));
	for (size_t i = 0; i < opts->flow->nsteps; i++)
		if (opts->flow->steps[i].save) {
			e->is_number[e->nsave] = opts->flow->steps[i].ask == ASK_NUMBER;
			e->save_names[e->nsave++] = xstrdup(opts->flow->steps[i].save);
		}
	e->fields = xcalloc(opts->nfields + 1, sizeof(*e->fields));
	for (size_t i = 0; i < opts->nfields; i++)
		e->fields[e->nfields++] = xstrdup(opts->fields[i]);
	e->opts.fields = NULL;
	e->opts.flow = NULL;
	char since[32], until[32];
	snprintf(since, sizeof(since), "%ld", opts->since);
	if (opts->until)
		snprintf(until, sizeof(until), "%ld", opts->until);
	else
		snprintf(until, sizeof(until), "+inf");
	const char *argv[] = {"EVAL", range_script, "0", e->flow_id, since, until};
	e->in_flight = true;
	if (db_command(db, on_range, e, 6, argv, NULL) < 0) {
		exporter_free(e);
		return NULL;
	}
	return e;
}

void export_cancel(struct exporter *e)
{
	if (e->in_flight)
		e->cancelled = true; /* freed when the pending reply arrives */
	else
		exporter_free(e);
}

/* -- contacts ---------------------------------------------------------------- */

/* ARGV: phone, groups (';'-joined), then field/value pairs. */
static const char contact_script[] =
	"local k = 'sauti:c:' .. ARGV[1]\n"
	/* A language the person chose is theirs (store.h, CONTACT_LANG_BY). */
	"local chosen = redis.call('HGET', k, '" CONTACT_LANG_BY "') == '" CONTACT_LANG_BY_PERSON "'\n"
	"local fields = {}\n"
	"for i = 3, #ARGV - 1, 2 do\n"
	"  if not (chosen and ARGV[i] == '_lang') then\n"
	"    fields[#fields + 1] = ARGV[i]; fields[#fields + 1] = ARGV[i + 1]\n"
	"  end\n"
	"end\n"
	"if #fields > 0 then redis.call('HSET', k, unpack(fields)) end\n"
	"redis.call('SADD', 'sauti:contacts', ARGV[1])\n"
	"redis.call('HINCRBY', k, '_v', 1)\n" /* see store.h */
	"if ARGV[2] ~= '' then\n"
	"  local have = redis.call('HGET', k, '_groups') or ''\n"
	"  local set = {}\n"
	"  for g in string.gmatch(have, '[^;]+') do set[g] = true end\n"
	"  for g in string.gmatch(ARGV[2], '[^;]+') do\n"
	"    redis.call('SADD', 'sauti:g:' .. g, ARGV[1])\n"
	"    if not set[g] then have = (have == '' and g) or (have .. ';' .. g); set[g] = true end\n"
	"  end\n"
	"  redis.call('HSET', k, '_groups', have)\n"
	"end\n"
	"return 1\n";

struct contacts_call {
	contacts_done_fn done;
	void *arg;
	long waiting;
	long stored;
	bool failed;
};

static void on_contact_stored(redisReply *reply, void *data)
{
	struct contacts_call *call = data;
	if (reply && reply->type == REDIS_REPLY_INTEGER)
		call->stored++;
	else
		call->failed = true;
	if (--call->waiting == 0) {
		call->done(call->failed ? -1 : call->stored, call->arg);
		free(call);
	}
}

static int send_contact(struct db *db, const struct contact_row *row,
			struct contacts_call *call)
{
	struct buf groups = BUF_INIT;
	for (size_t g = 0; g < row->ngroups; g++)
		buf_printf(&groups, "%s%s", g ? ";" : "", row->groups[g]);
	size_t argc = 5 + row->fields.n * 2;
	const char **argv = xcalloc(argc, sizeof(*argv));
	size_t n = 0;
	argv[n++] = "EVAL";
	argv[n++] = contact_script;
	argv[n++] = "0";
	argv[n++] = row->phone;
	argv[n++] = buf_str(&groups);
	for (size_t f = 0; f < row->fields.n; f++) {
		const char *name = row->fields.items[f].name;
		/* The language column is the contact's language, not a field. */
		argv[n++] = strcmp(name, "language") == 0 ? "_lang" : name;
		argv[n++] = row->fields.items[f].value;
	}
	int rc = db_command(db, on_contact_stored, call, (int)n, argv, NULL);
	free(argv);
	buf_release(&groups);
	return rc;
}

int contacts_store(struct db *db, const struct contacts_import *imp,
		   contacts_done_fn done, void *arg)
{
	struct contacts_call *call = xcalloc(1, sizeof(*call));
	call->done = done;
	call->arg = arg;
	/* One extra count held while sending, so that a reply arriving
	 * mid-loop cannot finish the call early. */
	call->waiting = 1;
	for (size_t i = 0; i < imp->nrows; i++) {
		if (send_contact(db, &imp->rows[i], call) < 0) {
			call->failed = true;
			break;
		}
		call->waiting++;
	}
	if (--call->waiting == 0) {
		done(call->failed ? -1 : call->stored, arg);
		free(call);
	}
	return 0;
}
