/* metrics.c -- see metrics.h. */
#include "metrics.h"

#define NCHANNELS 2

static unsigned long counters[M_COUNT][NCHANNELS];

static const double bucket_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025,
				       0.05,  0.1,    0.25,  0.5,  1.0};
#define NBUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))
static unsigned long buckets[NBUCKETS];
static unsigned long step_count;
static long inbox_open = -1;  /* -1: not counted yet */

void metrics_set_inbox_open(long n) { inbox_open = n; }
static double step_sum;

static const struct {
	const char *name;
	const char *help;
	int by_channel;
} metric_info[M_COUNT] = {
	[M_MESSAGES_IN] = {"sauti_messages_in_total", "Messages received from people.", 1},
	[M_MESSAGES_OUT] = {"sauti_messages_out_total", "Messages and screens sent to people.", 1},
	[M_SESSIONS_STARTED] = {"sauti_sessions_started_total", "Runs of a flow started.", 1},
	[M_SESSIONS_COMPLETED] = {"sauti_sessions_completed_total", "Runs of a flow completed.", 1},
	[M_REJECTED] = {"sauti_requests_rejected_total", "Requests answered with a 4xx status.", 0},
	[M_UNAVAILABLE] = {"sauti_requests_unavailable_total", "Requests answered 503 (Redis unavailable or overload).", 0},
	[M_RATE_LIMITED] = {"sauti_rate_limited_total", "Messages ignored because their sender exceeded the per-number limit.", 0},
	[M_CONFLICTS] = {"sauti_commit_conflicts_total", "Steps served again because another daemon served the same person meanwhile.", 0},
	[M_INBOX_ITEMS] = {"sauti_inbox_items_total", "Messages kept in the inbox: no flow took them as an answer.", 1},
	[M_REMINDERS_SENT] = {"sauti_reminders_sent_total", "Reminders sent to people silent in a run (put in the priority lane).", 0},
};

static unsigned long sendsms_errors[SENDSMS_NERRORS];
static const char *const sendsms_error_names[SENDSMS_NERRORS] = {
	[SENDSMS_UNREACHABLE] = "unreachable", /* no answer: refused, reset, timed out */
	[SENDSMS_HTTP] = "http_status",         /* an HTTP status other than 2xx */
	[SENDSMS_REFUSED] = "refused",          /* 2xx, but not accepted or queued */
};
static unsigned long dlrs[DLR_OF_N][DLR_NKINDS];
static const char *const dlr_metric[DLR_OF_N] = {
	[DLR_OF_BROADCAST] = "sauti_broadcast_dlr_total", [DLR_OF_REPLY] = "sauti_reply_dlr_total",
};
static const char *const dlr_help[DLR_OF_N] = {
	[DLR_OF_BROADCAST] = "Delivery reports of broadcast messages received, by status.",
	[DLR_OF_REPLY] = "Delivery reports of replies to inbox items received, by status.",
};
static const char *const dlr_names[DLR_NKINDS] = {
	[DLR_DELIVERED] = "delivered", [DLR_FAILED] = "failed",
	[DLR_REJECTED] = "rejected", [DLR_OTHER] = "other",
};
#define MAX_BC_STATES 16
static const char *bc_state_names[MAX_BC_STATES];
static long bc_state_counts[MAX_BC_STATES];
static int bc_nstates;

void metrics_sendsms_error(enum sendsms_error kind) { sendsms_errors[kind]++; }

void metrics_dlr(enum dlr_of of, int kannel_status)
{
	enum dlr_kind kind = kannel_status == 1    ? DLR_DELIVERED
			     : kannel_status == 2  ? DLR_FAILED
			     : kannel_status == 16 ? DLR_REJECTED
						   : DLR_OTHER;
	dlrs[of][kind]++;
}

void metrics_broadcast_recipients(const char *const *names, const long *counts, int n)
{
	bc_nstates = n < MAX_BC_STATES ? n : MAX_BC_STATES;
	for (int i = 0; i < bc_nstates; i++) {
		bc_state_names[i] = names[i];
		bc_state_counts[i] = counts[i];
	}
}

static void render_broadcasts(struct buf *out)
{
	buf_puts(out, "# HELP sauti_broadcast_recipients Broadcast recipients by state, over every broadcast.\n"
		      "# TYPE sauti_broadcast_recipients gauge\n");
	for (int i = 0; i < bc_nstates; i++)
		buf_printf(out, "sauti_broadcast_recipients{state=\"%s\"} %ld\n", bc_state_names[i],
			   bc_state_counts[i]);
	for (int of = 0; of < DLR_OF_N; of++) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", dlr_metric[of], dlr_help[of],
			   dlr_metric[of]);
		for (int i = 0; i < DLR_NKINDS; i++)
			buf_printf(out, "%s{status=\"%s\"} %lu\n", dlr_metric[of], dlr_names[i],
				   dlrs[of][i]);
	}
	buf_puts(out, "# HELP sauti_sendsms_errors_total Messages Kannel's sendsms did not take, by kind.\n"
		      "# TYPE sauti_sendsms_errors_total counter\n");
	for (int i = 0; i < SENDSMS_NERRORS; i++)
		buf_printf(out, "sauti_sendsms_errors_total{kind=\"%s\"} %lu\n",
			   sendsms_error_names[i], sendsms_errors[i]);
}

void metrics_inc(enum metric m, enum channel ch)
{
	counters[m][ch == CHANNEL_USSD ? 1 : 0]++;
}

void metrics_observe_step(double seconds)
{
	for (size_t i = 0; i < NBUCKETS; i++)
		if (seconds <= bucket_bounds[i])
			buckets[i]++;
	step_count++;
	step_sum += seconds;
}

void metrics_render(struct buf *out, const struct redis_counts *redis, int flows_loaded)
{
	for (int m = 0; m < M_COUNT; m++) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", metric_info[m].name,
			   metric_info[m].help, metric_info[m].name);
		if (metric_info[m].by_channel) {
			buf_printf(out, "%s{channel=\"sms\"} %lu\n", metric_info[m].name, counters[m][0]);
			buf_printf(out, "%s{channel=\"ussd\"} %lu\n", metric_info[m].name, counters[m][1]);
		} else {
			buf_printf(out, "%s %lu\n", metric_info[m].name, counters[m][0] + counters[m][1]);
		}
	}
	buf_puts(out, "# HELP sauti_step_duration_seconds Time to serve one step, from request to answer.\n"
		      "# TYPE sauti_step_duration_seconds histogram\n");
	for (size_t i = 0; i < NBUCKETS; i++)
		buf_printf(out, "sauti_step_duration_seconds_bucket{le=\"%g\"} %lu\n",
			   bucket_bounds[i], buckets[i]);
	buf_printf(out, "sauti_step_duration_seconds_bucket{le=\"+Inf\"} %lu\n", step_count);
	buf_printf(out, "sauti_step_duration_seconds_sum %.6f\n", step_sum);
	buf_printf(out, "sauti_step_duration_seconds_count %lu\n", step_count);
	buf_printf(out, "# HELP sauti_redis_errors_total Redis commands that failed or timed out.\n"
			"# TYPE sauti_redis_errors_total counter\nsauti_redis_errors_total %lu\n",
		   redis->errors);
	buf_printf(out, "# HELP sauti_redis_commands_total Redis commands sent.\n"
			"# TYPE sauti_redis_commands_total counter\nsauti_redis_commands_total %lu\n",
		   redis->commands);
	buf_printf(out, "# HELP sauti_redis_batches_total Script calls of one loop turn sent to Redis as one.\n"
			"# TYPE sauti_redis_batches_total counter\nsauti_redis_batches_total %lu\n"
			"# HELP sauti_redis_batched_calls_total Script calls sent in those batches.\n"
			"# TYPE sauti_redis_batched_calls_total counter\nsauti_redis_batched_calls_total %lu\n",
		   redis->batches, redis->batched_calls);
	if (inbox_open >= 0)
		buf_printf(out, "# HELP sauti_inbox_open Inbox items open (counted in Redis, every second).\n"
				"# TYPE sauti_inbox_open gauge\nsauti_inbox_open %ld\n",
			   inbox_open);
	buf_printf(out, "# HELP sauti_flows_loaded Flows loaded and serving.\n"
			"# TYPE sauti_flows_loaded gauge\nsauti_flows_loaded %d\n",
		   flows_loaded);
	render_broadcasts(out);
}
