/* metrics.h -- the daemon's counters, exposed at /metrics in Prometheus' text
 * format.  Per process: Prometheus sums them across daemons. */
#ifndef SAUTI_METRICS_H
#define SAUTI_METRICS_H

#include "buf.h"
#include "engine.h"

enum metric {
	M_MESSAGES_IN,        /* by channel */
	M_MESSAGES_OUT,       /* by channel */
	M_SESSIONS_STARTED,   /* by channel */
	M_SESSIONS_COMPLETED, /* by channel */
	M_REJECTED,           /* requests answered 4xx */
	M_UNAVAILABLE,        /* requests answered 503 */
	M_RATE_LIMITED,       /* messages dropped by the per-number limit */
	M_CONFLICTS,          /* commits retried because of a concurrent writer */
	M_INBOX_ITEMS,        /* inbox items added, by channel */
	M_REMINDERS_SENT,     /* reminders queued for sending (reminder.h) */
	M_COUNT
};

void metrics_inc(enum metric m, enum channel ch);
/* The inbox's open items as last counted (a gauge). */
void metrics_set_inbox_open(long n);
/* Records how long serving one step took, in seconds. */
void metrics_observe_step(double seconds);
/* Broadcasts: sendsms errors by kind, delivery reports by status (counted
 * by the daemon that got them), and recipients by state over every
 * broadcast (a gauge, as last read from Redis by the sender's tick). */
enum sendsms_error { SENDSMS_UNREACHABLE, SENDSMS_HTTP, SENDSMS_REFUSED, SENDSMS_NERRORS };
enum dlr_kind { DLR_DELIVERED, DLR_FAILED, DLR_REJECTED, DLR_OTHER, DLR_NKINDS };
/* Whose message a delivery report is about. */
enum dlr_of { DLR_OF_BROADCAST, DLR_OF_REPLY, DLR_OF_N };
void metrics_sendsms_error(enum sendsms_error kind);
/* kannel_status is Kannel's %d (1 delivered, 2 failed, 16 rejected, ...). */
void metrics_dlr(enum dlr_of of, int kannel_status);
/* names are static strings; n at most 16. */
void metrics_broadcast_recipients(const char *const *names, const long *counts, int n);

/* The db module's counters (db.h). */
struct redis_counts {
	unsigned long errors, commands;
	unsigned long batches, batched_calls;
};

/* Appends the exposition. */
void metrics_render(struct buf *out, const struct redis_counts *redis, int flows_loaded);

#endif
