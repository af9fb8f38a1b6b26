/* test_inbox.c -- the inbox's output (the contract's CSV columns, JSON
 * lines, the API's array) and its ids, as data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "inbox.h"
#include "pseudo.h"

static struct inbox_reply replies[] = {
	{.at = 1796284800, .text = "Tutakupigia kesho.", .status = "delivered"},
};

/* Two items: one unmatched with a reply, one closed, given up as invalid,
 * whose text needs quoting in CSV and starts like a formula. */
static struct inbox_item items[] = {
	{.id = "qhzkxwbtrmea", .at = 1796284159, .phone = "+255700000101", .lang = "sw",
	 .channel = "sms", .text = "nina swali kuhusu leseni", .flow = "", .why = "unmatched",
	 .status = "open", .thread = "qhzkxwbtrmea", .replies = replies, .nreplies = 1},
	{.id = "abcdefghijkl", .at = 1796284200, .closed = 1796290000, .phone = "+233200000202",
	 .lang = "en", .channel = "ussd", .text = "=2, \"maybe\"", .flow = "maoni", .why = "invalid",
	 .status = "closed", .thread = "qhzkxwbtrmea"},
};

static const struct inbox_list list = {items, 2};

static void test_csv(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	inbox_list_write(&list, INBOX_CSV, NULL, &out);
	assert_string_equal(buf_str(&out),
			    "id,at,contact,language,channel,flow,status,text\r\n"
			    "qhzkxwbtrmea,2026-12-03T07:49:19Z,+255700000101,sw,sms,,open,"
			    "nina swali kuhusu leseni\r\n"
			    "abcdefghijkl,2026-12-03T07:50:00Z,+233200000202,en,ussd,maoni,closed,"
			    "\"'=2, \"\"maybe\"\"\"\r\n");
	buf_release(&out);
}

static void test_pseudonyms(void **state)
{
	(void)state;
	const char *key = "k3y";
	char a[PSEUDONYM_SIZE];
	pseudonym(key, strlen(key), "+255700000101", a);
	struct buf out = BUF_INIT;
	inbox_list_write(&list, INBOX_CSV, key, &out);
	assert_non_null(strstr(buf_str(&out), a));
	assert_null(strstr(buf_str(&out), "+255700000101"));
	assert_null(strstr(buf_str(&out), "233200000202"));
	buf_release(&out);
	inbox_list_write(&list, INBOX_JSON, key, &out);
	assert_null(strstr(buf_str(&out), "700000101"));
	buf_release(&out);
}

static void test_jsonl(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	inbox_list_write(&list, INBOX_JSONL, NULL, &out);
	const char *first = buf_str(&out), *nl = strchr(first, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1 + strcspn(nl + 1, "\n"), "\n"); /* two lines */
	assert_memory_equal(first,
			    "{\"id\":\"qhzkxwbtrmea\",\"at\":\"2026-12-03T07:49:19Z\","
			    "\"contact\":\"+255700000101\",\"language\":\"sw\",\"channel\":\"sms\","
			    "\"flow\":\"\",\"status\":\"open\",\"text\":\"nina swali kuhusu leseni\","
			    "\"why\":\"unmatched\",\"thread\":\"qhzkxwbtrmea\",\"replies\":"
			    "[{\"at\":\"2026-12-03T08:00:00Z\",\"text\":\"Tutakupigia kesho.\","
			    "\"status\":\"delivered\"}]}\n",
			    (size_t)(nl - first) + 1);
	assert_non_null(strstr(nl, "\"closed_at\":\"2026-12-03T09:26:40Z\""));
	assert_non_null(strstr(nl, "\"text\":\"=2, \\\"maybe\\\"\"")); /* JSON keeps it as is */
	buf_release(&out);
}

static void test_json_array(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	inbox_list_write(&list, INBOX_JSON, "k", &out);
	assert_int_equal(buf_str(&out)[0], '[');
	assert_string_equal(buf_str(&out) + out.len - 2, "]\n");
	buf_release(&out);
	struct inbox_list none = {NULL, 0};
	inbox_list_write(&none, INBOX_JSON, "k", &out);
	assert_string_equal(buf_str(&out), "[]\n");
	buf_release(&out);
}

static void test_text(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	inbox_list_write(&list, INBOX_TEXT, NULL, &out);
	assert_non_null(strstr(buf_str(&out), "qhzkxwbtrmea  2026-12-03T07:49:19Z  +255700000101  sms/sw  open\n"
					      "  > nina swali kuhusu leseni\n"
					      "  < Tutakupigia kesho. (2026-12-03T08:00:00Z, delivered)\n"));
	assert_non_null(strstr(buf_str(&out), "  (answer in the thread of qhzkxwbtrmea)\n"));
	buf_release(&out);
}

static void test_formats_and_ids(void **state)
{
	(void)state;
	enum inbox_format f;
	assert_int_equal(inbox_format_parse("csv", &f), 0);
	assert_int_equal(f, INBOX_CSV);
	assert_int_equal(inbox_format_parse("jsonl", &f), 0);
	assert_int_equal(f, INBOX_JSONL);
	assert_int_equal(inbox_format_parse("text", &f), 0);
	assert_int_equal(f, INBOX_TEXT);
	assert_int_equal(inbox_format_parse("json", &f), -1); /* the API's, not the CLI's */
	assert_int_equal(inbox_format_parse("xml", &f), -1);
	char a[INBOX_ID_LEN + 1], b[INBOX_ID_LEN + 1];
	inbox_id_new(a);
	inbox_id_new(b);
	assert_int_equal(strlen(a), INBOX_ID_LEN);
	assert_int_equal(strspn(a, "abcdefghijklmnopqrstuvwxyz"), INBOX_ID_LEN);
	assert_string_not_equal(a, b);
}

/* A reply of nothing but white space would go out as a blank SMS. */
static void test_reply_check(void **state)
{
	(void)state;
	char big[INBOX_REPLY_MAX + 2];
	assert_null(inbox_reply_check("Asante, tutakupigia kesho."));
	assert_null(inbox_reply_check(" x "));
	assert_string_equal(inbox_reply_check(""),
			    "a reply needs a text: this one is empty or only spaces");
	assert_non_null(strstr(inbox_reply_check("  \n\t "), "only spaces"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(inbox_reply_check(big), "a reply is at most 918 bytes");
	big[INBOX_REPLY_MAX] = '\0';
	assert_null(inbox_reply_check(big));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_pseudonyms),
	    cmocka_unit_test(test_jsonl),
	    cmocka_unit_test(test_json_array),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_formats_and_ids),
	    cmocka_unit_test(test_reply_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
