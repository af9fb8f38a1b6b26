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
#include "keys.h"
#include "pseudo.h"
#include "script.h"
#include "store.h"

/* Both scripts read the flow's runs:FLOW (k_flow_runs).  The range: the
 * ranks of the first and last run started in [since, till]; fixed at the
 * start, so runs begun during the export are not in it. */
#define RANGE_KEYS(X) X(k_flow_runs)
#define RANGE_ARGS(X) X(since) X(till)
#define RK(n) SCRIPT_ENUM(RK_, n)
#define RA(n) SCRIPT_ENUM(RA_, n)
enum { RANGE_KEYS(RK) RK_COUNT };
enum { RANGE_ARGS(RA) RA_COUNT };

static const char range_script[] =
	SCRIPT_LOCALS(RANGE_KEYS, "KEYS")
	SCRIPT_LOCALS(RANGE_ARGS, "ARGV")
	"local first = redis.call('ZCOUNT', k_flow_runs, '-inf', '(' .. since)\n"
	"local upto = redis.call('ZCOUNT', k_flow_runs, '-inf', till)\n"
	"return {first, upto - 1}\n";

/* The batch: the runs ranked first to last, then the contact fields wanted
 * (after these ARGV).  {id, run hash, the contact's fields (HMGET), id,
 * ...}.  A run's key is found by its id in the index, its contact's by the
 * number in the run (docs/keys.md). */
#define BATCH_KEYS(X) X(k_flow_runs)
#define BATCH_ARGS(X) X(first) X(last)
#define BK(n) SCRIPT_ENUM(BK_, n)
#define BA(n) SCRIPT_ENUM(BA_, n)
enum { BATCH_KEYS(BK) BK_COUNT };
enum { BATCH_ARGS(BA) BA_COUNT };

static const char batch_script[] =
	SCRIPT_LOCALS(BATCH_KEYS, "KEYS")
	SCRIPT_LOCALS(BATCH_ARGS, "ARGV")
	SCRIPT_COUNT("NARGS", BATCH_ARGS)
	"local ids = redis.call('ZRANGE', k_flow_runs, first, last)\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  local r = redis.call('HGETALL', " KEYS_LUA(KEYS_RUN_PREFIX, "id") ")\n"
	"  local f = {}\n"
	"  if #ARGV > NARGS then\n"
	"    local ph\n"
	"    for i = 1, #r, 2 do if r[i] == 'ph' then ph = r[i + 1] end end\n"
	"    if ph then\n"
	"      f = redis.call('HMGET', " KEYS_LUA_PERSON(KEYS_CONTACT_PREFIX, "ph") ", unpack(ARGV, NARGS + 1))\n"
	"    end\n"
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
	long first_rank, next_rank, last_rank;
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
		.run_id = run_id_public(r.id),
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
	long stop = e->next_rank + EXPORT_BATCH - 1;
	struct db_args a = {0};
	int k = script_begin(&a, batch_script, BK_COUNT);
	keys_flow_runs(&a, k + BK_k_flow_runs, e->flow_id);
	int v = script_reserve(&a, BA_COUNT);
	db_args_setl(&a, v + BA_first, e->next_rank);
	db_args_setl(&a, v + BA_last, stop < e->last_rank ? stop : e->last_rank);
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
	e->first_rank = e->next_rank = reply->element[0]->integer;
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
	struct db_args a = {0};
	int k = script_begin(&a, range_script, RK_COUNT);
	keys_flow_runs(&a, k + RK_k_flow_runs, e->flow_id);
	int v = script_reserve(&a, RA_COUNT);
	db_args_setl(&a, v + RA_since, opts->since);
	if (opts->until)
		db_args_setl(&a, v + RA_till, opts->until);
	else
		db_args_set(&a, v + RA_till, "+inf");
	e->in_flight = true;
	if (db_command_args(db, on_range, e, &a) < 0) {
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

void export_position(const struct exporter *e, long *done, long *total)
{
	long end = e->next_rank <= e->last_rank ? e->next_rank : e->last_rank + 1;
	*total = e->last_rank - e->first_rank + 1;
	*done = end - e->first_rank;
}
