/* import.h -- `sauti contacts import` of a file of any size.
 *
 * The file is read, parsed (contacts.h) and stored (store_contacts, with
 * its bounded window of commands) a chunk of records at a time: memory
 * stays that of one chunk however many rows there are.
 * When a phone appears in several rows the last wins, as in one parse;
 * across chunks the earlier rows' groups are kept too. */
#ifndef SAUTI_IMPORT_H
#define SAUTI_IMPORT_H

#include <stdio.h>

#include "contacts.h"

struct db;

struct import_totals {
	long rows;                   /* records read, good and bad */
	long stored;
	long rejected;
	long bytes;                  /* of the file read so far */
};

/* A bad row (message "line N: why", N counted in the whole file), or a
 * file that cannot be read at all (rc -1 in done follows). */
typedef void (*import_problem_fn)(const char *message, void *arg);
/* After each chunk stored. */
typedef void (*import_progress_fn)(const struct import_totals *t, void *arg);
/* rc 0 the file was read to its end (t says how it went); -1 it was not:
 * unreadable (problem told why) or Redis failed. */
typedef void (*import_done_fn)(int rc, const struct import_totals *t, void *arg);

struct import_cbs {
	import_problem_fn problem;
	import_progress_fn progress; /* may be NULL */
	import_done_fn done;
	void *arg;
};

/* Reads f (which the caller closes after done) with country as the default
 * for local numbers.  Returns -1 (nothing called) when Redis is not
 * connected. */
int import_file(struct db *db, FILE *f, const char *country, const struct import_cbs *cbs);

#endif
