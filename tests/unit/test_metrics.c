/* test_metrics.c -- the /metrics exposition: delivery reports by whose
 * message and Kannel's status, sendsms errors by kind, broadcast recipients
 * and the inbox gauge, as Prometheus reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "metrics.h"

static struct buf rendered(void)
{
	struct buf b = BUF_INIT;
	struct redis_counts redis = {0, 0, 0, 0};
	metrics_render(&b, &redis, 1);
	return b;
}

static void has_line(const struct buf *b, const char *line)
{
	char want[256];
	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(buf_str(b), want))
		fail_msg("no line '%s' in:\n%s", line, buf_str(b));
}

/* Kannel's %d: 1 delivered, 2 failed, 16 rejected; 4 and 8 (buffered,
 * acknowledged by the SMSC) and anything else are other.  Each counted
 * under whose message it was. */
static void dlrs_by_message_and_status(void **state)
{
	(void)state;
	const int statuses[] = {1, 1, 2, 16, 8, 4, 99};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		metrics_dlr(DLR_OF_BROADCAST, statuses[i]);
	metrics_dlr(DLR_OF_REPLY, 1);
	metrics_dlr(DLR_OF_REPLY, 16);
	struct buf b = rendered();
	has_line(&b, "# TYPE sauti_broadcast_dlr_total counter");
	has_line(&b, "sauti_broadcast_dlr_total{status=\"delivered\"} 2");
	has_line(&b, "sauti_broadcast_dlr_total{status=\"failed\"} 1");
	has_line(&b, "sauti_broadcast_dlr_total{status=\"rejected\"} 1");
	has_line(&b, "sauti_broadcast_dlr_total{status=\"other\"} 3");
	has_line(&b, "# TYPE sauti_reply_dlr_total counter");
	has_line(&b, "sauti_reply_dlr_total{status=\"delivered\"} 1");
	has_line(&b, "sauti_reply_dlr_total{status=\"failed\"} 0");
	has_line(&b, "sauti_reply_dlr_total{status=\"rejected\"} 1");
	buf_release(&b);
}

static void sendsms_errors_by_kind(void **state)
{
	(void)state;
	metrics_sendsms_error(SENDSMS_HTTP);
	metrics_sendsms_error(SENDSMS_HTTP);
	metrics_sendsms_error(SENDSMS_UNREACHABLE);
	struct buf b = rendered();
	has_line(&b, "sauti_sendsms_errors_total{kind=\"unreachable\"} 1");
	has_line(&b, "sauti_sendsms_errors_total{kind=\"http_status\"} 2");
	has_line(&b, "sauti_sendsms_errors_total{kind=\"refused\"} 0");
	buf_release(&b);
}

/* Gauges show the last figures read from Redis, not a sum. */
static void gauges_show_the_last_reading(void **state)
{
	(void)state;
	const char *const names[] = {"queued", "waiting", "sent"};
	metrics_broadcast_recipients(names, (const long[]){5, 2, 9}, 3);
	metrics_broadcast_recipients(names, (const long[]){0, 1, 16}, 3);
	metrics_set_inbox_open(4);
	metrics_set_inbox_open(3);
	metrics_inc(M_REMINDERS_SENT, CHANNEL_SMS);
	struct buf b = rendered();
	has_line(&b, "sauti_broadcast_recipients{state=\"queued\"} 0");
	has_line(&b, "sauti_broadcast_recipients{state=\"waiting\"} 1");
	has_line(&b, "sauti_broadcast_recipients{state=\"sent\"} 16");
	has_line(&b, "sauti_inbox_open 3");
	has_line(&b, "sauti_reminders_sent_total 1");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dlrs_by_message_and_status),
		cmocka_unit_test(sendsms_errors_by_kind),
		cmocka_unit_test(gauges_show_the_last_reading),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
