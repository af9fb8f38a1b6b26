/* dispatch.h -- what a daemon sends besides broadcasts, on timers of its
 * own: it takes messages from the priority lane (lane.h) and hands them to
 * broadcast_send_priority(); while it holds the reminder lease it sends the
 * reminders due (reminder.h), or moves them past quiet hours; and it sweeps
 * and counts the inbox (inbox.h) for /metrics. */
#ifndef SAUTI_DISPATCH_H
#define SAUTI_DISPATCH_H

struct gateway;

/* Starts the timers (after broadcast_start).  dispatch_stop() stops them;
 * dispatch_free() comes after the Redis connection and the broadcaster are
 * freed, whose last callbacks still reach it. */
int dispatch_start(struct gateway *gw);
void dispatch_stop(struct gateway *gw);
void dispatch_free(struct gateway *gw);

#endif
