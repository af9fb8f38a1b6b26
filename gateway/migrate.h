/* migrate.h -- which key layout a store is in, and `sauti migrate-keys`,
 * which moves a store written before a person's keys carried their Redis
 * Cluster hash tag {PHONE} (docs/keys.md "On a Redis Cluster",
 * docs/operations.md "Upgrading the key layout"), or before a person's run
 * ids moved from a zset of their own (pr:{PHONE}) into their contact.
 *
 * The layout is recorded in one key (keys.h: keys_layout_version).  The
 * daemon and every command but migrate-keys check it first (migrate_check):
 * a store that holds data in the old layout is refused, an empty one is
 * marked as in the current layout.  migrate-keys sets the key to
 * MIGRATE_MARKER before it renames anything and to KEYS_LAYOUT_VERSION only
 * when it ends well, so a migration cut short (or one that left conflicts)
 * is refused too: only the value KEYS_LAYOUT_VERSION is current.  Callbacks
 * fire exactly once. */
#ifndef SAUTI_MIGRATE_H
#define SAUTI_MIGRATE_H

#include <stdbool.h>

struct db;

enum migrate_layout {
	MIGRATE_FAILED = -1,   /* Redis failed */
	MIGRATE_CURRENT = 0,   /* KEYS_LAYOUT_VERSION (an empty store is marked so) */
	MIGRATE_OLD = 1,       /* data in the layout before the tags: migrate-keys */
	MIGRATE_UNKNOWN = 2,   /* a layout this version does not know (a newer one) */
	MIGRATE_INTERRUPTED = 3, /* MIGRATE_MARKER: a migrate-keys that did not end well */
};

/* The layout key's value while migrate-keys runs, and after it was cut
 * short or left conflicts (docs/operations.md "Upgrading the key layout"). */
#define MIGRATE_MARKER "migrating"

typedef void (*migrate_check_fn)(enum migrate_layout layout, void *arg);
/* Returns -1 (fn not called) when Redis is not connected. */
int migrate_check(struct db *db, migrate_check_fn fn, void *arg);
/* One sentence saying why layout is refused, naming what to do. */
const char *migrate_refusal(enum migrate_layout layout);

/* A migration walks the keys this many times (migrate_keys, below). */
#define MIGRATE_PASSES 3

/* What a migration did. */
struct migrate_totals {
	long keys;        /* in the database when it began (DBSIZE) */
	long scanned;     /* keys looked at, over the MIGRATE_PASSES passes */
	long renamed;     /* keys given their new names (or folded: pr:{PHONE}) */
	long conflicts;   /* keys left as they were: their new name exists */
	long dropped;     /* kept replies no person index named (unreachable) */
};

/* Sets the layout key to MIGRATE_MARKER, then renames every key of the old
 * layout, a SCAN page (MIGRATE_PAGE keys) per command: first the people's
 * keys (and the replies their pm: names), then the runs, whose ids become
 * {PHONE}:HEX in every index that holds them (pr:, runs:FLOW, remind, the
 * pointers), then each person's pr:{PHONE} (the first layout's, renamed,
 * or the second's, KEYS_LAYOUT_TAGGED) folded into their contact as its
 * _r:HEX fields (store.h, CONTACT_RUN_PREFIX).  Then, unless a key could
 * not be moved, records the layout (replacing the marker).  Run with the
 * daemons stopped; a
 * second run changes nothing; a store in a layout it does not know is left
 * alone.  progress gets the totals after each page; done gets 0 (moved), 1
 * (conflicts left: the marker stays), 2 (a layout it does not
 * know: nothing done) or -1 (Redis failed), and the totals. */
#define MIGRATE_PAGE 200

/* Whether anything else uses the store now: the clients of CLIENT LIST that
 * sent a command less than MIGRATE_BUSY_SECONDS ago, but for this one,
 * replicas and Sentinels.  A daemon of any version sends some every second
 * (its ticks), a command such as an import runs scripts.  fn gets their
 * count (-1: Redis failed) and the first one's "ADDR (NAME) CMD".
 * migrate-keys refuses to begin while it is not 0: a write made meanwhile
 * to a person the migration had passed would be left behind. */
#define MIGRATE_BUSY_SECONDS 5
typedef void (*migrate_busy_fn)(int clients, const char *first, void *arg);
/* Whether one line of CLIENT LIST is such a client. */
bool migrate_client_busy(const char *line);
/* Returns -1 (fn not called) when Redis is not connected. */
int migrate_busy(struct db *db, migrate_busy_fn fn, void *arg);
typedef void (*migrate_progress_fn)(const struct migrate_totals *t, void *arg);
typedef void (*migrate_done_fn)(int rc, const struct migrate_totals *t, void *arg);
void migrate_keys(struct db *db, migrate_progress_fn progress, migrate_done_fn done,
		  void *arg);

#endif
