/* retention.h -- config retention_days: runs older than that are erased by a
 * daily sweep (docs/configuration.md, docs/operations.md).
 *
 * Every daemon looks every RETENTION_CHECK_S seconds (and soon after it
 * starts) whether a sweep is due; the one that takes the Redis lease
 * sauti:retention (SET NX, a day long) sweeps, the others leave it.  A
 * sweep walks each flow's runs index from the oldest, in batches of
 * RETENTION_BATCH, erasing the runs that started before the cutoff with
 * their answers and their place in the person's index and pointers; the
 * {stats...} counters are left as they are, so figures shown to people keep
 * counting what was answered.  Closed inbox items are erased once they were
 * closed retention_days ago (or inbox_keep_days, whichever comes first):
 * each check hands inbox_sweep() the cutoff that means. */
#ifndef SAUTI_RETENTION_H
#define SAUTI_RETENTION_H

struct event_base;
struct db;
struct flow_set;
struct retention;

#define RETENTION_CHECK_S 600
#define RETENTION_BATCH 500
#define RETENTION_LEASE_S (23L * 3600)

/* Starts the checks (the sweep only when days > 0).  The same checks
 * build, once per store, the per-person index of runs written before it
 * existed (person_index_upgrade).
 * flows points at the daemon's current flow set, which a reload replaces;
 * consumer names this daemon in the lease. */
struct retention *retention_start(struct event_base *base, struct db *db,
				  struct flow_set *const *flows, int days, int inbox_keep_days,
				  const char *consumer);
/* Stops the checks; a sweep under way stops at its next batch.  Call
 * before the db is freed; retention_free after.  NULL is let be. */
void retention_stop(struct retention *r);
void retention_free(struct retention *r);

#endif
