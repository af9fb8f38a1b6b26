/* dispatch.c -- see dispatch.h. */
#include "dispatch.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broadcast.h"
#include "db.h"
#include "gateway.h"
#include "inbox.h"
#include "lane.h"
#include "log.h"
#include "metrics.h"
#include "reminder.h"

#define LANE_TICK_MS 200
#define LANE_LEASE_MS 30000  /* taken and not settled this long: another daemon's turn */
#define LANE_TAKE_MAX 20     /* messages in hand at most */
#define LANE_RETRY_MS 5000
#define REMIND_TICK_MS 1000
#define REMIND_LEASE_MS 5000 /* a holder that stops ticking loses it this soon */
#define REMIND_TAKE_MAX 50   /* due reminders read per tick */
#define SWEEP_TICKS 60       /* the inbox sweep, once a minute */

struct dispatch {
	struct gateway *gw;
	struct event *lane_tick, *remind_tick;
	bool taking;
	size_t in_hand;      /* lane messages taken and not yet sent */
	long ticks;
	int pending;         /* reminder commands of this tick not yet answered */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -- the priority lane ------------------------------------------------------- */

struct lane_send {
	struct dispatch *d;
	char id[LANE_ID_LEN + 1];
};

static void on_sent(int rc, void *arg)
{
	struct lane_send *s = arg;
	struct dispatch *d = s->d;
	d->in_hand--;
	if (rc >= 0) /* rc -1: the daemon stops; the lease lapses */
		lane_settle(d->gw->db, s->id, rc == 1 ? LANE_SENT : rc == 2 ? LANE_SKIPPED
								   : LANE_FAILED_ATTEMPT,
			    now_ms() + LANE_RETRY_MS);
	free(s);
}

static void on_lane_taken(int rc, const struct lane_msg *msgs, size_t n, void *arg)
{
	struct dispatch *d = arg;
	d->taking = false;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct lane_send *s = xcalloc(1, sizeof(*s));
		s->d = d;
		str_copy(s->id, sizeof(s->id), msgs[i].id);
		d->in_hand++;
		if (broadcast_send_priority(d->gw->broadcaster, msgs[i].phone, msgs[i].text, msgs[i].ucs2,
					    msgs[i].dlr, on_sent, s) < 0) {
			d->in_hand--;
			free(s); /* the lease lapses: taken again later */
		}
	}
}

static void on_lane_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct dispatch *d = arg;
	if (d->taking || d->in_hand >= LANE_TAKE_MAX || !db_ready_for_background(d->gw->db))
		return;
	d->taking = lane_take(d->gw->db, now_ms(), LANE_LEASE_MS,
			      (int)(LANE_TAKE_MAX - d->in_hand), on_lane_taken, d) == 0;
}

/* -- reminders, and the inbox's upkeep -------------------------------------- */

static void on_reminder_done(long rc, void *arg)
{
	struct dispatch *d = arg;
	d->pending--;
	(void)rc;
}

static void on_reminder_sent(long rc, void *arg)
{
	if (rc == 1)
		metrics_inc(M_REMINDERS_SENT, CHANNEL_SMS);
	else if (rc == 0)
		log_debug("reminder: the run moved on or is done; none sent");
	on_reminder_done(rc, arg);
}

static void remind_one(struct dispatch *d, const struct reminder_due *due, long now)
{
	const struct stored_run *run = due->run;
	const struct flow *flow = flow_set_find(d->gw->flows, run->flow);
	long long quiet = broadcast_quiet_ms(&d->gw->cfg, run->phone, (long long)now * 1000);
	struct buf text = BUF_INIT;
	int rc;
	if (quiet > 0) /* it waits for the morning */
		rc = reminder_defer(d->gw->db, run->id, now + (long)(quiet / 1000) + 1,
				    on_reminder_done, d);
	else if (flow && reminder_render(flow, run, due->contact, &text) == 0)
		rc = reminder_send(d->gw->db, run->id, now, run->version, flow->remind.times,
				   buf_str(&text), on_reminder_sent, d);
	else /* the flow or its step is gone: dropped */
		rc = reminder_send(d->gw->db, run->id, now, run->version, 0, "",
				   on_reminder_done, d);
	if (rc == 0)
		d->pending++;
	buf_release(&text);
}

static void on_reminders_taken(int rc, const struct reminder_due *due, size_t n, void *arg)
{
	struct dispatch *d = arg;
	d->pending--;
	long now = (long)time(NULL);
	if (n)
		log_debug("reminders: %zu due", n);
	for (size_t i = 0; rc == 1 && i < n; i++)
		remind_one(d, &due[i], now);
}

static void on_open_count(long n, void *arg)
{
	(void)arg;
	if (n >= 0)
		metrics_set_inbox_open(n);
}

static void on_remind_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct dispatch *d = arg;
	struct gateway *gw = d->gw;
	if (!db_ready_for_background(gw->db))
		return;
	d->ticks++;
	long now = (long)time(NULL);
	inbox_count_open(gw->db, on_open_count, NULL);
	if (d->ticks % SWEEP_TICKS == 1)
		inbox_sweep(gw->db, now);
	if (d->pending > 0)
		return; /* the last batch first: a reminder is never read twice */
	if (reminder_take(gw->db, gw->consumer, REMIND_LEASE_MS, now, REMIND_TAKE_MAX,
			  on_reminders_taken, d) == 0)
		d->pending++;
}

/* -- life cycle -------------------------------------------------------------- */

static struct event *timer_new(struct gateway *gw, int ms, event_callback_fn fn, void *arg)
{
	struct event *ev = event_new(gw->base, -1, EV_PERSIST, fn, arg);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	event_add(ev, &tv);
	return ev;
}

int dispatch_start(struct gateway *gw)
{
	struct dispatch *d = xcalloc(1, sizeof(*d));
	d->gw = gw;
	d->lane_tick = timer_new(gw, LANE_TICK_MS, on_lane_tick, d);
	d->remind_tick = timer_new(gw, REMIND_TICK_MS, on_remind_tick, d);
	gw->dispatch = d;
	return 0;
}

void dispatch_stop(struct gateway *gw)
{
	struct dispatch *d = gw->dispatch;
	if (!d)
		return;
	if (d->lane_tick)
		event_free(d->lane_tick);
	if (d->remind_tick)
		event_free(d->remind_tick);
	d->lane_tick = d->remind_tick = NULL;
}

void dispatch_free(struct gateway *gw)
{
	free(gw->dispatch);
	gw->dispatch = NULL;
}
