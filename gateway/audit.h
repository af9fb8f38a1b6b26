/* audit.h -- the audit trail: who exported, imported, erased or sent what,
 * when, and how much (docs/commands.md `sauti audit`).
 *
 * Entries go to the Redis stream sauti:audit, capped near AUDIT_MAXLEN
 * (XADD MAXLEN ~), and to the log at info.  An entry never carries a phone
 * number or a token: `what` is scrubbed of anything that looks like a
 * number (phone_scrub), but for an id sauti made itself (a cancel's
 * broadcast, a reply's inbox item), and `who` is a token's configured name. */
#ifndef SAUTI_AUDIT_H
#define SAUTI_AUDIT_H

#include <stddef.h>

#include "buf.h"

struct db;

#define AUDIT_MAXLEN 100000

/* The actions (contract: docs/commands.md). */
#define AUDIT_EXPORT "export"
#define AUDIT_RAW_PHONE "raw_phone"
#define AUDIT_IMPORT "import"
#define AUDIT_FORGET "forget"
#define AUDIT_BROADCAST "broadcast"
#define AUDIT_CANCEL "cancel"
#define AUDIT_INBOX_REPLY "inbox_reply"

/* Who on the command line. */
#define AUDIT_WHO_CLI "cli"

struct audit_entry {
	long at;             /* Unix time */
	const char *who;     /* a token's name, "admin", "cli" */
	const char *action;  /* AUDIT_* */
	const char *what;    /* a flow, an audience, an item */
	long count;          /* rows, contacts, recipients... */
};

/* done gets 0 when the entry is stored, -1 when Redis failed (the entry
 * is then still in the log). */
typedef void (*audit_done_fn)(int rc, void *arg);

/* Records one entry now.  done may be NULL (nobody waits).  Returns -1
 * (done not called) when Redis is not connected; the log has it anyway. */
int audit_record(struct db *db, const char *who, const char *action, const char *what,
		 long count, audit_done_fn done, void *arg);

/* One entry as a JSON object and '\n': {"at", "who", "action", "what",
 * "count"}, at in ISO 8601 UTC. */
void audit_entry_json(const struct audit_entry *e, struct buf *out);

/* Every entry at or after since (Unix time; 0: all), oldest first, each
 * handed to each() (borrowed for the call); then done(). */
typedef void (*audit_each_fn)(const struct audit_entry *e, void *arg);
int audit_read(struct db *db, long since, audit_each_fn each, audit_done_fn done, void *arg);

#endif
