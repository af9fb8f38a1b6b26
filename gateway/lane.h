/* lane.h -- the priority lane: single messages to one person (a convenor's
 * reply to an inbox item, a flow's reminder) that go out ahead of every
 * broadcast, through the same sender and within the same kannel.rate
 * (dispatch.h takes them, broadcast_send_priority() sends them).
 *
 * A message is put in the lane by the script that records it (inbox.c,
 * reminder.c), so the record and the sending are one step; a daemon takes
 * it for a lease (one that dies mid-send leaves it to another) and settles
 * it: the outcome (sent, failed, skipped: opted out) goes into the record's
 * hash field, unless a delivery report got there first.
 *
 * Keys (keys.h; docs/keys.md):
 *   lane         zset  message ids by when they are due (ms; leases move it)
 *   lane:ID      hash  ph txt ucs (1: UCS-2) dlr (delivery report id)
 *                      rk rf (the key and hash field that record the
 *                      outcome) n */
#ifndef SAUTI_LANE_H
#define SAUTI_LANE_H

#include <stdbool.h>
#include <stddef.h>

struct db;

/* The Lua function a recording script begins with:
 * lane_push(k_lane, k_item, id, phone, text, ucs2 "1"/"0", dlr id, record
 * key, record field, due ms), with the lane's key and the new message's
 * (lane_push_args puts both among the script's KEYS).  The record field
 * is set to "queued" here. */
#define LANE_PUSH_FUNCTION                                                        \
	"local function lane_push(kl, ki, id, ph, txt, ucs, dlr, rk, rf, due)\n" \
	"  redis.call('HSET', ki, 'ph', ph, 'txt', txt, 'ucs', ucs,\n"            \
	"    'dlr', dlr, 'rk', rk, 'rf', rf, 'n', 0)\n"                            \
	"  redis.call('ZADD', kl, due, id)\n"                                      \
	"  if rk ~= '' then redis.call('HSET', rk, rf, 'queued') end\n"            \
	"end\n"

#define LANE_ID_LEN 16

/* A fresh random message id. */
void lane_id_new(char out[LANE_ID_LEN + 1]);

struct db_args;
/* Sets, in a command under construction, what a recording script hands
 * lane_push() about a new message of text: the lane's key at position
 * k_lane, a fresh message id at id and that message's key at k_item, and
 * "1" at ucs when it needs UCS-2 (else "0"). */
void lane_push_args(struct db_args *a, int k_lane, int k_item, int id, int ucs,
		    const char *text);

/* One message taken; borrowed for the callback. */
struct lane_msg {
	const char *id, *phone, *text;
	const char *dlr;             /* the delivery report id, or NULL */
	bool ucs2;
};

/* Takes up to most messages due at now_ms for lease_ms.  fn gets rc 0 and
 * the messages, or -1 when Redis failed.  Returns -1 (fn not called) when
 * not connected. */
typedef void (*lane_take_fn)(int rc, const struct lane_msg *msgs, size_t n, void *arg);
int lane_take(struct db *db, long long now_ms, int lease_ms, int most, lane_take_fn fn,
	      void *arg);

enum lane_outcome { LANE_FAILED_ATTEMPT, LANE_SENT, LANE_SKIPPED };
/* Settles message id: sent or skipped for good, or a failed attempt, tried
 * again at retry_ms until the attempts are spent (then "failed").  Fire and
 * forget: unsettled, the lease lapses and the message is taken again. */
void lane_settle(struct db *db, const char *id, enum lane_outcome outcome, long long retry_ms);

#endif
