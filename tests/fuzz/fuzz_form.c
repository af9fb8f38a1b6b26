/* fuzz_form.c -- libFuzzer target: the form reader, against libevent's.
 *
 * The input is a form text (form_add is given exactly its bytes, so ASan
 * sees a read past the end).  form.c replaced evhttp_parse_query_str on
 * every request and must read a text as it did: for a text with no NUL,
 * raw or encoded, both accept or both refuse it, with the same names and
 * values in the same order. */
#include <sys/queue.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fields(const struct form *f, enum form_status status)
{
	for (size_t i = 0; i < f->count; i++) {
		const struct form_field *field = &f->fields[i];
		FUZZ_CHECK(field->name[0] != '\0' || status == FORM_HAS_NUL);
		FUZZ_CHECK(!strchr(field->name, '&') && !strchr(field->name, '='));
		FUZZ_CHECK(field->value[field->value_len] == '\0');
	}
}

static void compare_with_libevent(const struct form *f, enum form_status status,
				  const char *text)
{
	struct evkeyvalq theirs;
	TAILQ_INIT(&theirs);
	int rc = evhttp_parse_query_str(text, &theirs);
	FUZZ_CHECK((rc == 0) == (status == FORM_OK));
	if (rc == 0) {
		size_t i = 0;
		struct evkeyval *kv;
		TAILQ_FOREACH(kv, &theirs, next) {
			FUZZ_CHECK(i < f->count);
			FUZZ_CHECK(strcmp(kv->key, f->fields[i].name) == 0);
			FUZZ_CHECK(strcmp(kv->value, f->fields[i].value) == 0);
			i++;
		}
		FUZZ_CHECK(i == f->count);
	}
	evhttp_clear_headers(&theirs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	memcpy(text, data, size);
	struct form f;
	form_init(&f);
	enum form_status status = form_add(&f, text, size);
	if (status == FORM_MALFORMED)
		FUZZ_CHECK(f.count == 0);
	check_fields(&f, status);
	if (!memchr(text, '\0', size) && status != FORM_HAS_NUL) {
		char *terminated = fuzz_strndup(data, size);
		compare_with_libevent(&f, status, terminated);
		free(terminated);
	}
	form_release(&f);
	free(text);
	return 0;
}
