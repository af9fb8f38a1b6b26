/* test_form.c -- form.c as a table: a form text in, its status and fields
 * out (a NUL byte in a value is shown as <NUL>). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"

/* "name=value|name=value": what form_add made of a text. */
static char *fields_text(const struct form *f)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < f->count; i++) {
		const struct form_field *field = &f->fields[i];
		if (i)
			buf_putc(&b, '|');
		buf_printf(&b, "%s=", field->name);
		for (size_t j = 0; j < field->value_len; j++)
			if (field->value[j])
				buf_putc(&b, field->value[j]);
			else
				buf_puts(&b, "<NUL>");
		assert_int_equal(field->value[field->value_len], '\0');
	}
	return buf_detach(&b);
}

static const struct {
	const char *text;
	enum form_status status;
	const char *fields;
} cases[] = {
	{"", FORM_OK, ""},
	{"a=1", FORM_OK, "a=1"},
	{"a=1&b=2", FORM_OK, "a=1|b=2"},
	{"a=1&", FORM_OK, "a=1"},
	{"a=", FORM_OK, "a="},
	{"a==b", FORM_OK, "a==b"},
	{"a=1&a=2", FORM_OK, "a=1|a=2"},
	{"text=hello+world%21", FORM_OK, "text=hello world!"},
	{"t=%2B%2b+", FORM_OK, "t=++ "},
	{"t=%41", FORM_OK, "t=A"},
	{"t=%zz%4", FORM_OK, "t=%zz%4"},
	{"t=100%", FORM_OK, "t=100%"},
	{"t=%E2%82%AC", FORM_OK, "t=\xE2\x82\xAC"},
	{"na%6De=x", FORM_OK, "na%6De=x"},   /* a name is taken as it is */
	{"sessionId=ATUid_1&serviceCode=%2A384%2A1%23&phoneNumber=%2B2557000000&text=1%2A2",
	 FORM_OK, "sessionId=ATUid_1|serviceCode=*384*1#|phoneNumber=+2557000000|text=1*2"},
	{"a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17",
	 FORM_OK, "a=1|b=2|c=3|d=4|e=5|f=6|g=7|h=8|i=9|j=10|k=11|l=12|m=13|n=14|o=15|p=16|q=17"},
	{"t=a%00b", FORM_HAS_NUL, "t=a<NUL>b"},
	{"t=%00&u=2", FORM_HAS_NUL, "t=<NUL>|u=2"},
	{"&", FORM_MALFORMED, ""},
	{"&a=1", FORM_MALFORMED, ""},
	{"a=1&&b=2", FORM_MALFORMED, ""},
	{"a", FORM_MALFORMED, ""},
	{"a=1&b", FORM_MALFORMED, ""},
	{"=1", FORM_MALFORMED, ""},
};

static void texts_read_as_the_table_says(void **state)
{
	(void)state;
	size_t failed = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct form f;
		form_init(&f);
		enum form_status status = form_add(&f, cases[i].text, strlen(cases[i].text));
		char *got = fields_text(&f);
		if (status != cases[i].status || strcmp(got, cases[i].fields) != 0) {
			print_message("'%s': status %d, fields '%s'; wanted %d, '%s'\n",
				      cases[i].text, status, got, cases[i].status,
				      cases[i].fields);
			failed++;
		}
		free(got);
		form_release(&f);
	}
	assert_int_equal(failed, 0);
}

/* The query's fields, then the body's: the first of a name is found,
 * whatever the case of its letters; a malformed text adds nothing. */
static void texts_add_up_and_the_first_is_found(void **state)
{
	(void)state;
	struct form f;
	form_init(&f);
	assert_int_equal(form_add(&f, "phoneNumber=1&text=q", 20), FORM_OK);
	assert_int_equal(form_add(&f, "TEXT=body&extra=x", 17), FORM_OK);
	assert_int_equal(form_add(&f, "a=1&&b=2", 8), FORM_MALFORMED);
	assert_int_equal(f.count, 4);
	assert_string_equal(form_find(&f, "phonenumber")->value, "1");
	assert_string_equal(form_find(&f, "Text")->value, "q");
	assert_string_equal(form_find(&f, "extra")->value, "x");
	assert_null(form_find(&f, "a"));
	assert_null(form_find(&f, "phone"));
	form_release(&f);
	assert_int_equal(f.count, 0);
	assert_null(form_find(&f, "text"));
}

/* Only len bytes are read: a text need not be NUL-terminated. */
static void a_text_is_its_length(void **state)
{
	(void)state;
	struct form f;
	form_init(&f);
	assert_int_equal(form_add(&f, "a=1&b=2", 3), FORM_OK);
	char *got = fields_text(&f);
	assert_string_equal(got, "a=1");
	free(got);
	form_release(&f);
	/* a raw NUL, in a name as in a value, is kept and told */
	assert_int_equal(form_add(&f, "n\0=1&v=\0", 8), FORM_HAS_NUL);
	got = fields_text(&f);
	assert_string_equal(got, "n=1|v=<NUL>");
	free(got);
	form_release(&f);
}

static void decoding_stops_at_max(void **state)
{
	(void)state;
	char out[4];
	assert_int_equal(form_decode("%41%42+cd", 9, out, sizeof(out)), 4);
	assert_memory_equal(out, "AB c", 4);
	assert_int_equal(form_decode("%00@", 4, out, sizeof(out)), 2);
	assert_memory_equal(out, "\0@", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(texts_read_as_the_table_says),
		cmocka_unit_test(texts_add_up_and_the_first_is_found),
		cmocka_unit_test(a_text_is_its_length),
		cmocka_unit_test(decoding_stops_at_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
