/* person.h -- one person's data in Redis, for the rights of access and
 * erasure: `sauti contacts list|show|forget`, GET /api/contacts and
 * DELETE /api/contacts/PHONE (docs/commands.md, docs/http.md).
 *
 * What a person is made of is store.h's list of parts
 * (store_person_parts); show and forget each run that list as one Lua
 * script, so a forget is atomic: a message served at the same moment sees
 * the person either whole or gone.  Callbacks fire exactly once; the texts
 * they get live only for the call. */
#ifndef SAUTI_PERSON_H
#define SAUTI_PERSON_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"

struct db;

/* rc 0: parts is everything held, {"phone", "contact": {...}, "runs": [...],
 * ...} one key per part as stored (store.h); rc 1: nothing is held about
 * phone (parts holds only empty parts); rc -1: Redis failed (parts NULL).
 * parts is borrowed for the call. */
typedef void (*person_show_fn)(int rc, json_t *parts, void *arg);
int person_show(struct db *db, const char *phone, person_show_fn done, void *arg);

/* What `contacts show` prints (docs/commands.md): parts as a person reads
 * them, contact their pseudonym.  The contact as contacts list has it
 * (contact, language, country, groups, opted_out, fields) with phone and
 * first_heard; runs (id, flow, status, channel, language, started_at,
 * updated_at, completed_at, broadcast, answers), inbox (items as `inbox
 * --format jsonl` writes them), broadcasts (id, state, audience); and under
 * stored every other thing held, as stored: the contact's and each run's
 * and item's fields not shown above (by id), and the parts not read
 * (pointers, limit, replies...).  Times are ISO 8601 UTC or null.  A new
 * reference; parts is not changed. */
json_t *person_record(json_t *parts, const char *contact);

/* rc 0: erased, erased is {"contact": 1, "runs": 3, ...} (how many things
 * of each part went); rc 1: nothing was held; rc -1: Redis failed. */
typedef void (*person_forget_fn)(int rc, const char *erased, void *arg);
int person_forget(struct db *db, const char *phone, person_forget_fn done, void *arg);

/* Every contact (of group, when not NULL), as rows {"contact", "language",
 * "country", "groups": [...], "opted_out", "fields": {...}}; contact is the
 * pseudonym under key, or the number when key is NULL.  done gets the rows
 * (borrowed for the call) or NULL when Redis failed. */
typedef void (*person_list_fn)(json_t *rows, void *arg);
int person_list(struct db *db, const char *group, const char *pseudonym_key,
		person_list_fn done, void *arg);
/* The rows as CSV (contact, language, country, groups, opted_out, then one
 * column per field any contact has, in name order) or JSON lines. */
void person_rows_csv(json_t *rows, struct buf *out);
void person_rows_jsonl(json_t *rows, struct buf *out);

/* Once per Redis, after an upgrade from a version without them: the
 * per-person run index (the contact's _r:HEX fields, store.h) built from
 * every stored run, and the runs that completed before marked as counted
 * (sc) when they carry answers, so that forget finds them and takes their
 * counts back.  Walks
 * the keys in batches (SCAN) and marks the store done (people:indexed).
 * done gets 0 when the store is indexed, -1 when Redis failed (try again
 * later); it is called exactly once. */
typedef void (*person_index_fn)(int rc, void *arg);
void person_index_upgrade(struct db *db, person_index_fn done, void *arg);

#endif
