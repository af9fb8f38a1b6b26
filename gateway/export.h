/* export.h -- streaming the runs of a flow out of Redis (export.c); contacts
 * go in through store.h (store_contacts).
 *
 * An export walks the flow's runs index in batches of EXPORT_BATCH runs, one
 * round trip each, and hands each batch, formatted, to emit(); the next batch
 * is fetched only when the consumer calls export_resume().  So memory stays
 * that of one batch however many runs there are, and a slow HTTP client slows
 * the export instead of filling the daemon's memory. */
#ifndef SAUTI_EXPORT_H
#define SAUTI_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

struct db;
struct stored_run;
struct flow;
struct exporter;

#define EXPORT_BATCH 500

struct export_opts {
	const struct flow *flow;      /* gives the save names, in step order */
	bool jsonl;
	long since, until;            /* start times, inclusive; 0 = open */
	bool raw_phone;               /* the number instead of its pseudonym */
	const char *pseudonym_key;
	long now;                     /* for runs past their expiry */
	/* Contact fields written after completed_at (export --fields); the
	 * names are copied.  Never "name" or "phone" (export_field_refused). */
	const char *const *fields;
	size_t nfields;
	long *rows;                   /* when set, counts the runs written */
	/* When set, each run goes here instead of being formatted, and emit()
	 * is never called: a walk over the runs (sauti report). */
	void (*visit)(const struct stored_run *run, void *arg);
};

/* Why a contact field may not be exported (--fields), or NULL: the name
 * and the number identify the person, and "_" fields are sauti's own. */
const char *export_field_refused(const char *name);

/* emit: a formatted chunk (owned by the exporter, valid during the call);
 * done: rc 0 at the end, -1 when Redis failed.  Exactly one done() call. */
typedef void (*export_emit_fn)(const char *data, size_t len, void *arg);
typedef void (*export_done_fn)(int rc, void *arg);

/* Returns NULL (and calls nothing) when Redis is not connected. */
struct exporter *export_start(struct db *db, const struct export_opts *opts,
			      export_emit_fn emit, export_done_fn done, void *arg);
/* Fetches the next batch; call once after each emit(). */
void export_resume(struct exporter *e);
/* How far it has got: runs read so far and runs in all (both 0 until the
 * range is known), for a progress bar. */
void export_position(const struct exporter *e, long *done, long *total);
/* The consumer went away: stop and free, calling nothing more. */
void export_cancel(struct exporter *e);

#endif
