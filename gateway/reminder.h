/* reminder.h -- a flow's `remind:` (docs/flows.md, "Reminders"): an SMS run
 * waiting for a reply that hears nothing for `after` gets the reminder text
 * and the pending question again, at most `times` times per run.
 *
 * The schedule is a Redis zset of run ids by due time.  Whatever leaves an
 * SMS run waiting arms it (the turn's commit, store.c; a broadcast's
 * message once Kannel took it, broadcast.c); a commit that ends the run
 * drops it.  Whichever daemon holds the lease (dispatch.h) takes what is
 * due and sends each through the priority lane (lane.h), after checking in
 * one script that the run still waits as it was read, the number is not
 * opted out and the count is not spent; during quiet hours an entry moves
 * to their end instead.
 *
 * Keys (under "sauti:"):
 *   remind         zset  run ids by when their reminder is due (Unix s)
 *   remind:lease   str   the daemon that sends reminders now (expires)
 *   r:ID           hash  ra (after, s), rn (reminders sent), rt (the last) */
#ifndef SAUTI_REMINDER_H
#define SAUTI_REMINDER_H

#include <stddef.h>

#include "buf.h"
#include "db.h"
#include "flow.h"
#include "keys.h"
#include "store.h"

/* The Lua function that arms the reminder of the SMS run a phone is in,
 * when it has one: remind_arm(k_sms, k_remind, now), given the phone's SMS
 * pointer (cur:sms:PHONE) and the schedule (remind), now in Unix seconds.
 * The run is found through the pointer (docs/keys.md). */
#define REMINDER_ARM_FUNCTION                                                     \
	"local function remind_arm(kp, kr, now)\n"                                \
	"  local id = redis.call('GET', kp)\n"                                    \
	"  if not id then return end\n"                                           \
	"  local ra = redis.call('HGET', " KEYS_LUA(KEYS_RUN_PREFIX, "id") ", 'ra')\n" \
	"  if ra then redis.call('ZADD', kr, now + ra, id) end\n"                 \
	"end\n"

/* What a commit of run r does to its reminder at now (struct commit's
 * remind_at): due at now + after while an SMS run waits for a reply, -1
 * once it no longer does, 0 for a run without reminders. */
long reminder_due_at(const struct stored_run *r, long now);

/* The reminder's text, a line break, and the question the run waits at, in
 * the run's language, appended to out; -1 when the flow has no reminder or
 * lost the run's step.  Pure. */
int reminder_render(const struct flow *flow, const struct stored_run *run,
		    const struct contact *contact, struct buf *out);

/* A reminder due, as taken: the run and its contact, borrowed for the
 * callback. */
struct reminder_due {
	const struct stored_run *run;
	const struct contact *contact;
};

/* Takes the lease for holder (for lease_ms) and what is due at now, up to
 * most.  fn gets rc 1 and the reminders due, rc 0 when another daemon
 * holds the lease, -1 when Redis failed.  Returns -1 (fn not called) when
 * not connected. */
typedef void (*reminder_take_fn)(int rc, const struct reminder_due *due, size_t n, void *arg);
int reminder_take(struct db *db, const char *holder, int lease_ms, long now, int most,
		  reminder_take_fn fn, void *arg);

/* fn gets 1 when done (a reminder queued, an entry moved), 0 when nothing
 * was (the run moved on, or it is dropped), -1 when Redis failed. */
typedef db_integer_fn reminder_done_fn;
/* Queues text in the lane to the run of id, read at version, if it still
 * waits as read; arms the next one or drops the entry (times 0: drops it). */
int reminder_send(struct db *db, const char *id, long now, long version, int times,
		  const char *text, reminder_done_fn fn, void *arg);
/* Moves a due entry to when (quiet hours: their end). */
int reminder_defer(struct db *db, const char *id, long when, reminder_done_fn fn, void *arg);

#endif
