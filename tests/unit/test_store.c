/* test_store.c -- the scripts' protocol as data: each key and argument of
 * the load and the commit at the position its name says, in C and in the
 * Lua locals the scripts declare; only what changed is sent; and the
 * decoders of a contact's and a run's hash, in both reply forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "script_check.h"
#include "store.h"

#define PHONE "+255700000001"


/* Resolves owned arguments' pointers, as db_command_args does. */
static void settle(struct db_args *a)
{
	for (int i = 0; i < a->n; i++)
		if (a->own[i] >= 0)
			a->v[i] = a->text.data + a->own[i];
}


/* Every local the script declares for KEYS and ARGV sits where the C side
 * puts the argument of that name (a key after the last one named: none). */
static void locals_match_positions(const struct db_args *a, int (*position)(const char *))
{
	char names[64][32];
	int nkeys = atoi(arg(a, 2));
	int n = lua_locals(arg(a, 1), "KEYS", names, 64);
	assert_true(n > 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(position(names[i]), i < nkeys ? 3 + i : -1);
	n = lua_locals(arg(a, 1), "ARGV", names, 64);
	assert_true(n > 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(position(names[i]), 3 + nkeys + i);
}

#define AT(a, pos, name) arg(a, pos(name))

/* The commit's positions in the command last built (its numbers of keys
 * and options). */
static int commit_nkeys, commit_nopts;
static int commit_position(const char *name)
{
	return store_commit_position(commit_nkeys, commit_nopts, name);
}

static void commit_settle(struct db_args *a)
{
	settle(a);
	commit_nkeys = atoi(arg(a, 2));
	commit_nopts = atoi(arg(a, store_commit_position(commit_nkeys, 0, "nopts")));
	/* the options' locals, where their names say (left out: none) */
	char names[16][32];
	int n = lua_locals_from(arg(a, 1), "A", "NARGS + 2", names, 16);
	assert_true(n > 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(commit_position(names[i]),
				 i < commit_nopts ? commit_position("nopts") + 1 + i : -1);
}

/* Where the commit's counted lists begin: after its options. */
static int commit_lists(void) { return commit_position("nopts") + 1 + commit_nopts; }

/* Whether the commit last built writes the run's field name. */
static bool run_field_sent(const struct db_args *a, const char *name)
{
	int n = atoi(arg(a, commit_lists()));
	for (int k = 1; k <= n; k += 2)
		if (strcmp(arg(a, commit_lists() + k), name) == 0)
			return true;
	return false;
}

/* run: was, moved on to step (the answers so far kept). */
static void moved_on(struct stored_run *run, const struct stored_run *was, const char *step)
{
	stored_run_copy(run, was);
	free(run->step);
	run->step = xstrdup(step);
}

static void commit_sends_each_thing_where_its_name_says(void **state)
{
	(void)state;
	struct stored_run was = {.id = "{" PHONE "}:0123456789abcdef", .version = 3, .status = RUN_ACTIVE,
				 .channel = CHANNEL_SMS, .started = 100, .updated = 150,
				 .expires = 9000, .retries = 0};
	was.flow = xstrdup("roster");
	was.phone = xstrdup(PHONE);
	was.lang = xstrdup("en");
	was.step = xstrdup("days");
	fields_set(&was.answers, "ready", "yes");
	fields_set(&was.answers, "note", "x");
	struct stored_run run;
	moved_on(&run, &was, "hours");
	run.updated = 160;
	fields_set(&run.answers, "days", "4");
	fields_del(&run.answers, "note");
	struct fields set = FIELDS_INIT;
	fields_set(&set, "_lang", "sw");
	const char *stats[] = {"count", "a:days:4"};
	struct commit c = {
		.phone = PHONE, .kind = "ussd", .msg_id = "m1", .msg_ttl = 600,
		.reply = "How many hours?", .expect_pointer = run.id, .contact_version = 7,
		.pointer = POINTER_KEEP, .run = &run, .stored = &was,
		.end_run = "{" PHONE "}:fedcba9876543210", .end_status = "interrupted",
		.contact_set = &set, .stats = stats, .nstats = 2, .now = 160,
		.load_msg_id = "m1", .session = "s1",
	};
	struct db_args a = {0};
	store_commit_command(&a, &c);
	commit_settle(&a);
	assert_string_equal(arg(&a, 0), "EVAL");
	locals_match_positions(&a, commit_position);
	int (*pos)(const char *) = commit_position;
	assert_string_equal(AT(&a, pos, "k_contact"), "sauti:c:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "k_pointer"), "sauti:cur:ussd:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "k_run"), "sauti:r:{" PHONE "}:0123456789abcdef");
	assert_string_equal(AT(&a, pos, "k_end_run"), "sauti:r:{" PHONE "}:fedcba9876543210");
	assert_string_equal(AT(&a, pos, "k_reply"), "sauti:mo:{" PHONE "}:m1");
	assert_string_equal(AT(&a, pos, "k_person_replies"), "sauti:pm:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "k_contacts"), "sauti:contacts");
	assert_string_equal(AT(&a, pos, "k_stats"), "sauti:stats:roster");
	/* a run stored already is in its flow's index: the slot stands in */
	assert_string_equal(AT(&a, pos, "k_flow_runs"), "sauti:c:{" PHONE "}");
	/* the keys after the last one needed (the run ended) are not named */
	assert_int_equal(atoi(arg(&a, 2)), store_commit_position(99, 0, "k_end_run") - 3 + 1);
	assert_int_equal(pos("k_inbox_item"), -1);
	assert_string_equal(AT(&a, pos, "phone"), PHONE);
	assert_string_equal(AT(&a, pos, "msg_id"), "m1");
	assert_string_equal(AT(&a, pos, "reply"), "How many hours?");
	/* writing on to the active run the pointer names: the pointer is
	 * implied by the run's version, unless another run ends too */
	assert_string_equal(AT(&a, pos, "expect_ptr"), run.id);
	assert_string_equal(AT(&a, pos, "ptr_action"), "keep");
	assert_string_equal(AT(&a, pos, "run_id"), run.id);
	assert_string_equal(AT(&a, pos, "run_v"), "3");
	assert_string_equal(AT(&a, pos, "run_next_v"), "4");
	assert_string_equal(AT(&a, pos, "started"), "100");
	assert_string_equal(AT(&a, pos, "end_run"), "{" PHONE "}:fedcba9876543210");
	assert_string_equal(AT(&a, pos, "end_status"), "interrupted");
	assert_string_equal(AT(&a, pos, "now"), "160");
	assert_string_equal(AT(&a, pos, "reply_ttl"), "600");
	assert_string_equal(AT(&a, pos, "contact_v"), "7");
	assert_string_equal(AT(&a, pos, "contact_next_v"), "8");
	assert_string_equal(AT(&a, pos, "load_msg_id"), "m1");
	assert_string_equal(AT(&a, pos, "session"), "s1");
	/* not guarded: no limit counter, nothing counted */
	assert_string_equal(AT(&a, pos, "k_limit"), "sauti:c:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "guarded"), "0");
	assert_string_equal(AT(&a, pos, "limit"), "0");
	assert_string_equal(AT(&a, pos, "window"), "60");

	/* The counted lists: only what changed of the run, the answer gone,
	 * the contact's field, the counters; the reminder and the inbox item
	 * (inbox.h) after them, left out when empty. */
	int i = commit_lists();
	const char *want[] = {"6", "step", "hours", "tu", "160", "a:days", "4",
			      "1", "a:note",
			      "2", "_lang", "sw",
			      "0",
			      "2", "count", "a:days:4"};
	assert_int_equal(a.n, i + (int)(sizeof(want) / sizeof(want[0])));
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		assert_string_equal(arg(&a, i + (int)k), want[k]);
	db_args_release(&a);

	/* A new run is sent whole; with no run, run to end or message id the
	 * keys stand in as the contact's (same slot, never touched). */
	c.stored = NULL;
	c.end_run = NULL;
	c.expect_pointer = "";
	store_commit_command(&a, &c);
	commit_settle(&a);
	assert_string_equal(AT(&a, pos, "expect_ptr"), "");
	assert_int_equal(pos("k_end_run"), -1);
	/* the options up to the last one needed: by_sms, for a run of SMS */
	assert_int_equal(pos("end_run"), -1);
	assert_string_equal(AT(&a, pos, "by_sms"), "1");
	assert_int_equal(pos("guarded"), -1);
	assert_int_equal(atoi(arg(&a, commit_lists())) % 2, 0);
	assert_true(atoi(arg(&a, commit_lists())) >= 2 * 14);
	assert_true(run_field_sent(&a, "try"));
	db_args_release(&a);
	/* A run not stored yet leaves out the fields at their default (none
	 * retried, the first page, not completed): nothing to overwrite. */
	run.version = 0;
	store_commit_command(&a, &c);
	commit_settle(&a);
	assert_true(atoi(arg(&a, commit_lists())) >= 2 * 11);
	assert_false(run_field_sent(&a, "try") || run_field_sent(&a, "pg") ||
		     run_field_sent(&a, "t1"));
	assert_true(run_field_sent(&a, "step") && run_field_sent(&a, "st"));
	db_args_release(&a);
	run.version = 3;

	c.run = NULL;
	c.msg_id = NULL;
	c.load_msg_id = NULL;
	c.nstats = 0;
	store_commit_command(&a, &c);
	commit_settle(&a);
	assert_string_equal(AT(&a, pos, "k_run"), "sauti:c:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "k_reply"), "sauti:c:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "run_id"), "");
	/* the load's context (a session, no message id) and the options the
	 * contact's field needs, no more; the reply not remembered: not sent */
	assert_int_equal(commit_nopts, 4);
	assert_string_equal(AT(&a, pos, "load_msg_id"), "");
	assert_string_equal(AT(&a, pos, "session"), "s1");
	assert_string_equal(AT(&a, pos, "contact_next_v"), "8");
	assert_string_equal(AT(&a, pos, "phone"), PHONE);
	assert_int_equal(pos("ptr_action"), -1);
	assert_int_equal(pos("msg_id"), -1);
	assert_int_equal(pos("reply"), -1);
	/* up to the contacts set, which the contact's new field needs */
	assert_int_equal(atoi(arg(&a, 2)), store_commit_position(99, 0, "k_contacts") - 3 + 1);
	/* no run, the contact's field; nothing after it */
	const char *tail[] = {"0", "0", "2", "_lang", "sw"};
	assert_int_equal(a.n, commit_lists() + (int)(sizeof(tail) / sizeof(tail[0])));
	for (size_t k = 0; k < sizeof(tail) / sizeof(tail[0]); k++)
		assert_string_equal(arg(&a, commit_lists() + (int)k), tail[k]);
	db_args_release(&a);

	/* A guarded SMS commit (decided on a kept copy): the repeat is looked
	 * up by the message's id and the message counted in the phone's
	 * limit counter, by the commit itself. */
	c.kind = "sms";
	c.msg_id = "k9";
	c.load_msg_id = "k9";
	c.session = NULL;
	c.guarded = true;
	c.limit = 5;
	c.window = 30;
	store_commit_command(&a, &c);
	commit_settle(&a);
	locals_match_positions(&a, commit_position);
	assert_string_equal(AT(&a, pos, "k_pointer"), "sauti:cur:sms:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "k_reply"), "sauti:mo:{" PHONE "}:k9");
	assert_string_equal(AT(&a, pos, "k_limit"), "sauti:lim:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "guarded"), "1");
	assert_string_equal(AT(&a, pos, "limit"), "5");
	assert_string_equal(AT(&a, pos, "window"), "30");
	assert_string_equal(AT(&a, pos, "load_msg_id"), "k9");
	assert_string_equal(AT(&a, pos, "session"), "");
	db_args_release(&a);

	fields_release(&set);
	stored_run_release(&run);
	stored_run_release(&was);
}

/* An active USSD run of PHONE's, as stored at version (session s1, one
 * retry). */
static void stored_ussd_run(struct stored_run *r, long version, const char *flow,
			    const char *step, const char *text)
{
	*r = (struct stored_run){.id = "{" PHONE "}:0123456789abcdef", .version = version,
				 .status = RUN_ACTIVE, .channel = CHANNEL_USSD, .started = 100,
				 .updated = 150, .expires = 9000, .retries = 1};
	r->flow = xstrdup(flow);
	r->phone = xstrdup(PHONE);
	r->lang = xstrdup("sw");
	r->step = xstrdup(step);
	r->ussd_session = xstrdup("s1");
	r->ussd_text = xstrdup(text);
}

/* A step in the middle of a USSD survey: the contact, the pointer, the
 * run and the reply's key named, the load's context the only options, the
 * run's changes; a retry gone back to none is
 * deleted, not written. */
static void commit_of_a_middle_step_names_the_least(void **state)
{
	(void)state;
	struct stored_run was;
	stored_ussd_run(&was, 4, "district", "days", "1*3");
	struct stored_run run;
	moved_on(&run, &was, "hours");
	run.retries = 0;
	fields_set(&run.answers, "days", "5");
	struct fields none = FIELDS_INIT;
	struct commit c = {
		.phone = PHONE, .kind = "ussd", .expect_pointer = run.id, .contact_version = 2,
		.pointer = POINTER_KEEP, .run = &run, .stored = &was, .contact_set = &none,
		.now = 150, .load_msg_id = "u:1", .session = "s1",
	};
	struct db_args a = {0};
	store_commit_command(&a, &c);
	commit_settle(&a);
	int (*pos)(const char *) = commit_position;
	assert_int_equal(atoi(arg(&a, 2)), 4);
	assert_int_equal(commit_nopts, 2);
	assert_string_equal(AT(&a, pos, "k_reply"), "sauti:mo:{" PHONE "}:u:1");
	assert_string_equal(AT(&a, pos, "load_msg_id"), "u:1");
	assert_string_equal(AT(&a, pos, "session"), "s1");
	assert_string_equal(AT(&a, pos, "expect_ptr"), "*");
	assert_string_equal(AT(&a, pos, "run_v"), "4");
	assert_string_equal(AT(&a, pos, "contact_v"), "2");
	const char *want[] = {"4", "step", "hours", "a:days", "5", "1", "try"};
	int i = commit_lists();
	assert_int_equal(a.n, i + (int)(sizeof(want) / sizeof(want[0])));
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		assert_string_equal(arg(&a, i + (int)k), want[k]);
	db_args_release(&a);
	/* a contact not there when loaded: no version, "-" */
	c.contact_absent = true;
	store_commit_command(&a, &c);
	commit_settle(&a);
	assert_string_equal(AT(&a, pos, "contact_v"), "-");
	db_args_release(&a);
	stored_run_release(&run);
	stored_run_release(&was);
}

static const struct convo_query *load_query;
static int load_position(const char *name) { return store_load_position(load_query, name); }

static void load_sends_each_thing_where_its_name_says(void **state)
{
	(void)state;
	char *flows[] = {"roster", "pulse"};
	struct convo_query q = {.kind = "sms", .phone = PHONE, .msg_id = "k7", .limit = 5,
				.window = 0, .stats_flows = flows, .nstats = 2};
	struct db_args a = {0};
	store_load_command(&a, &q);
	settle(&a);
	load_query = &q;
	locals_match_positions(&a, load_position);
	int (*pos)(const char *) = load_position;
	assert_string_equal(arg(&a, 2), "6"); /* four keys and two stats */
	assert_string_equal(AT(&a, pos, "k_contact"), "sauti:c:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "k_pointer"), "sauti:cur:sms:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "k_limit"), "sauti:lim:{" PHONE "}");
	assert_string_equal(AT(&a, pos, "k_reply"), "sauti:mo:{" PHONE "}:k7");
	assert_string_equal(arg(&a, pos("k_reply") + 1), "sauti:stats:roster");
	assert_string_equal(arg(&a, pos("k_reply") + 2), "sauti:stats:pulse");
	assert_string_equal(AT(&a, pos, "phone"), PHONE);
	assert_string_equal(AT(&a, pos, "msg_id"), "k7");
	assert_string_equal(AT(&a, pos, "limit"), "5");
	assert_string_equal(AT(&a, pos, "window"), "60"); /* the default */
	assert_string_equal(AT(&a, pos, "session"), "");
	assert_string_equal(arg(&a, pos("session") + 1), "roster");
	assert_string_equal(arg(&a, pos("session") + 2), "pulse");
	assert_int_equal(a.n, pos("session") + 3);
	assert_int_equal(load_position("nothing"), -1);
	db_args_release(&a);
}

/* -- decoders ----------------------------------------------------------------------- */

static redisReply *str_reply(const char *s, size_t len)
{
	redisReply *r = xcalloc(1, sizeof(*r));
	r->type = REDIS_REPLY_STRING;
	r->str = xmalloc(len + 1);
	memcpy(r->str, s, len);
	r->str[len] = '\0';
	r->len = len;
	return r;
}

/* HGETALL's flat array of the NULL-ended names and values. */
static redisReply *flat_reply(const char *const *kv)
{
	redisReply *r = xcalloc(1, sizeof(*r));
	r->type = REDIS_REPLY_ARRAY;
	while (kv[r->elements])
		r->elements++;
	r->element = xcalloc(r->elements, sizeof(*r->element));
	for (size_t i = 0; i < r->elements; i++)
		r->element[i] = str_reply(kv[i], strlen(kv[i]));
	return r;
}

/* The load script's form: names and values joined by NUL bytes. */
static redisReply *joined_reply(const char *const *kv)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; kv[i]; i++) {
		if (i)
			buf_putc(&b, '\0');
		buf_puts(&b, kv[i]);
	}
	redisReply *r = str_reply(b.data ? b.data : "", b.len);
	buf_release(&b);
	return r;
}

static void reply_free(redisReply *r)
{
	for (size_t i = 0; i < r->elements; i++)
		reply_free(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

static void contact_decodes_in_both_forms(void **state)
{
	(void)state;
	static const char *const kv[] = {"_lang", "sw", "_optout", "1", "_await", "lang",
					 "_v", "12", "_last", "1700000000 roster", "name", "Amina",
					 "_groups", "a;b", NULL};
	redisReply *(*forms[])(const char *const *) = {flat_reply, joined_reply};
	for (size_t f = 0; f < 2; f++) {
		redisReply *r = forms[f](kv);
		struct contact c = {0};
		contact_decode(&c, PHONE, r);
		assert_string_equal(c.phone, PHONE);
		assert_string_equal(c.lang, "sw");
		assert_true(c.opted_out);
		assert_string_equal(c.await, "lang");
		assert_int_equal(c.version, 12);
		assert_true(c.known);
		assert_string_equal(c.last_flow, "roster");
		assert_int_equal(c.last_ended, 1700000000);
		assert_string_equal(fields_get(&c.fields, "name"), "Amina");
		assert_null(fields_get(&c.fields, "_groups")); /* internal fields stay out */
		contact_release(&c);
		reply_free(r);
	}
	/* A version alone (everything else deleted) is not a contact. */
	static const char *const only_v[] = {"_v", "3", NULL};
	redisReply *r = joined_reply(only_v);
	struct contact c = {0};
	contact_decode(&c, PHONE, r);
	assert_false(c.known);
	assert_int_equal(c.version, 3);
	contact_release(&c);
	reply_free(r);
}

static void run_decodes_in_both_forms(void **state)
{
	(void)state;
	static const char *const kv[] = {"flow", "roster", "ph", PHONE, "lang", "en", "ch", "ussd",
					 "st", "active", "step", "days", "try", "1", "pg", "2",
					 "t0", "100", "t1", "0", "tu", "150", "exp", "9000", "v", "4",
					 "us", "s1", "ut", "1*2", "aw", "resume", "a:ready", "yes",
					 "sc", "1", NULL};
	redisReply *(*forms[])(const char *const *) = {flat_reply, joined_reply};
	for (size_t f = 0; f < 2; f++) {
		redisReply *r = forms[f](kv);
		struct stored_run run = {0};
		assert_int_equal(stored_run_decode(&run, "{" PHONE "}:0123456789abcdef", r), 0);
		assert_string_equal(run.id, "{" PHONE "}:0123456789abcdef");
		assert_string_equal(run.flow, "roster");
		assert_string_equal(run.phone, PHONE);
		assert_string_equal(run.lang, "en");
		assert_int_equal(run.channel, CHANNEL_USSD);
		assert_int_equal(run.status, RUN_ACTIVE);
		assert_string_equal(run.step, "days");
		assert_int_equal(run.retries, 1);
		assert_int_equal(run.page, 2);
		assert_int_equal(run.started, 100);
		assert_int_equal(run.updated, 150);
		assert_int_equal(run.expires, 9000);
		assert_int_equal(run.version, 4);
		assert_string_equal(run.ussd_session, "s1");
		assert_string_equal(run.ussd_text, "1*2");
		assert_true(run.await_resume);
		assert_string_equal(fields_get(&run.answers, "ready"), "yes");
		stored_run_release(&run);
		reply_free(r);
	}
	/* Not a run: a hash without flow, phone or language. */
	static const char *const partial[] = {"flow", "roster", "v", "1", NULL};
	redisReply *r = joined_reply(partial);
	struct stored_run run = {0};
	assert_int_equal(stored_run_decode(&run, "x", r), -1);
	reply_free(r);
}

/* A run that completes keeps what it was (its answers, times, status) and
 * drops where it was in the flow (and when it would have expired): the
 * walk's fields are deleted, not written. */
static void completed_run_drops_its_walk(void **state)
{
	(void)state;
	struct stored_run was;
	stored_ussd_run(&was, 2, "roster", "need", "1*2");
	was.page = 1;
	struct stored_run run;
	stored_run_copy(&run, &was);
	run.status = RUN_COMPLETED;
	run.completed = run.updated = 160;
	fields_set(&run.answers, "need", "water");
	struct commit c = {
		.phone = PHONE, .kind = "ussd", .msg_id = "m1", .msg_ttl = 600,
		.reply = "Thank you", .expect_pointer = run.id, .contact_version = 7,
		.pointer = POINTER_CLEAR, .run = &run, .stored = &was, .now = 160,
		.load_msg_id = "m1", .session = "s1",
	};
	struct db_args a = {0};
	store_commit_command(&a, &c);
	commit_settle(&a);
	int i = commit_lists();
	const char *want[] = {"8", "st", "completed", "t1", "160", "tu", "160", "a:need", "water",
			      "7", "step", "try", "pg", "exp", "us", "ut", "aw"};
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		assert_string_equal(arg(&a, i + (int)k), want[k]);
	db_args_release(&a);
	stored_run_release(&run);
	stored_run_release(&was);
}

/* What the encoder writes for a whole run, the decoder reads back. */
static void run_fields_round_trip(void **state)
{
	(void)state;
	struct stored_run r = {.id = "{" PHONE "}:0123456789abcdef", .status = RUN_ACTIVE,
			       .channel = CHANNEL_USSD, .started = 5, .updated = 6,
			       .completed = 7, .expires = 8, .retries = 1, .page = 3,
			       .await_resume = true};
	r.flow = xstrdup("roster");
	r.phone = xstrdup(PHONE);
	r.lang = xstrdup("sw");
	r.ussd_session = xstrdup("sess");
	r.ussd_text = xstrdup("1*1");
	fields_set(&r.answers, "days", "3");
	struct db_args a = {0};
	store_run_fields(&a, &r);
	settle(&a);
	int n = atoi(arg(&a, 0));
	assert_int_equal(n, a.n - 1);
	const char *kv[64];
	for (int i = 0; i < n; i++)
		kv[i] = arg(&a, i + 1);
	kv[n] = NULL;
	redisReply *reply = flat_reply(kv);
	struct stored_run back = {0};
	assert_int_equal(stored_run_decode(&back, r.id, reply), 0);
	assert_string_equal(back.flow, "roster");
	assert_string_equal(back.lang, "sw");
	assert_int_equal(back.status, RUN_ACTIVE);
	assert_int_equal(back.channel, CHANNEL_USSD);
	assert_null(back.step);
	assert_int_equal(back.completed, 7);
	assert_int_equal(back.page, 3);
	assert_true(back.await_resume);
	assert_string_equal(back.ussd_text, "1*1");
	assert_string_equal(fields_get(&back.answers, "days"), "3");
	stored_run_release(&back);
	reply_free(reply);
	db_args_release(&a);
	stored_run_release(&r);
}

/* A run's id: its person's tag and the random part; only that part is
 * ever shown (docs/keys.md, On a Redis Cluster). */
static void run_ids_carry_the_tag_and_show_the_hex(void **state)
{
	(void)state;
	char id[RUN_ID_LEN + 1];
	run_id_make(id, PHONE, "0123456789abcdef");
	assert_string_equal(id, "{" PHONE "}:0123456789abcdef");
	assert_string_equal(run_id_public(id), "0123456789abcdef");
	assert_string_equal(run_id_public("0123456789abcdef"), "0123456789abcdef");
	run_id_make(id, "+123456789012345", "fedcba9876543210"); /* the longest E.164 */
	assert_string_equal(id, "{+123456789012345}:fedcba9876543210");
	char a[RUN_ID_LEN + 1], b[RUN_ID_LEN + 1];
	run_id_new(a, PHONE);
	run_id_new(b, PHONE);
	assert_int_equal(strlen(a), strlen("{" PHONE "}:") + RUN_ID_HEX_LEN);
	assert_memory_equal(a, "{" PHONE "}:", strlen("{" PHONE "}:"));
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(run_id_public(a), "0123456789abcdef"), RUN_ID_HEX_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_ids_carry_the_tag_and_show_the_hex),
		cmocka_unit_test(commit_sends_each_thing_where_its_name_says),
		cmocka_unit_test(commit_of_a_middle_step_names_the_least),
		cmocka_unit_test(load_sends_each_thing_where_its_name_says),
		cmocka_unit_test(contact_decodes_in_both_forms),
		cmocka_unit_test(run_decodes_in_both_forms),
		cmocka_unit_test(run_fields_round_trip),
		cmocka_unit_test(completed_run_drops_its_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
