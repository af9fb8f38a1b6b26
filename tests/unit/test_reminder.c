/* test_reminder.c -- when a run's reminder is due, and what it says.  Run
 * from the top of the tree (the flow is tests/flows/remind/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "reminder.h"

static void test_due_at(void **state)
{
	(void)state;
	static const struct {
		long after;
		enum channel ch;
		enum run_status st;
		const char *step;
		long due;
	} cases[] = {
	    {30, CHANNEL_SMS, RUN_ACTIVE, "rsvp", 1030},     /* waits: due after the silence */
	    {30, CHANNEL_SMS, RUN_COMPLETED, NULL, -1},      /* ended: dropped */
	    {30, CHANNEL_SMS, RUN_STOPPED, "rsvp", -1},      /* STOP: dropped */
	    {30, CHANNEL_SMS, RUN_INTERRUPTED, "rsvp", -1},  /* another flow: dropped */
	    {30, CHANNEL_USSD, RUN_ACTIVE, "rsvp", -1},      /* no reminders on USSD */
	    {0, CHANNEL_SMS, RUN_ACTIVE, "rsvp", 0},         /* a flow without remind: */
	    {0, CHANNEL_SMS, RUN_COMPLETED, NULL, 0},        /* the schedule is not touched */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stored_run r = {.remind_after = cases[i].after, .channel = cases[i].ch,
				       .status = cases[i].st, .step = (char *)cases[i].step};
		assert_int_equal(reminder_due_at(&r, 1000), cases[i].due);
	}
}

static void test_render(void **state)
{
	(void)state;
	const char *paths[] = {"tests/flows/remind"};
	struct flow_load_opts opts = {.ussd_max_chars = 182};
	struct flow_diags d = {0};
	struct flow_set *set = flow_set_load(paths, 1, &opts, &d);
	const struct flow *f = flow_set_find(set, "kumbuka");
	assert_non_null(f);
	struct stored_run r = {.flow = "kumbuka", .lang = "en", .step = "rsvp",
			       .channel = CHANNEL_SMS, .status = RUN_ACTIVE};
	struct contact c = {0};
	struct buf out = BUF_INIT;
	assert_int_equal(reminder_render(f, &r, &c, &out), 0);
	assert_string_equal(buf_str(&out), "A reminder:\nWill you come to the meeting?\n1. Yes\n2. No");
	buf_release(&out);
	r.lang = "sw";
	assert_int_equal(reminder_render(f, &r, &c, &out), 0);
	assert_string_equal(buf_str(&out), "Kumbusho:\nUtakuja mkutanoni?\n1. Ndiyo\n2. Hapana");
	buf_release(&out);
	r.step = "gone"; /* the flow was edited: nothing to ask again */
	assert_int_equal(reminder_render(f, &r, &c, &out), -1);
	buf_release(&out);
	flow_set_unref(set);
	flow_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_due_at),
	    cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
