/* fuzz_catalogue.c -- libFuzzer target: catalogue_load() on one messages:
 * file.
 *
 * The input is the file.  Loading must not crash, leak or hit undefined
 * behaviour; every problem must name the file and, but for a file that
 * cannot be read, a line; a catalogue that loads must answer every text of
 * every language it may be asked for, and render each. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const asked[] = {"en", "sw", "fr", "tw", "ee", "zz", "sw-TZ", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file_write(data, size);
	struct flow_diags diags = {0};
	struct catalogue *c = catalogue_load(path, "en", &diags);
	size_t errors = flow_diags_errors(&diags);

	FUZZ_CHECK(!c == (errors > 0));
	for (size_t i = 0; i < diags.n; i++) {
		FUZZ_CHECK(strcmp(diags.items[i].file, path) == 0);
		FUZZ_CHECK(diags.items[i].message && *diags.items[i].message);
	}
	for (size_t l = 0; c && l < sizeof(asked) / sizeof(asked[0]); l++) {
		const struct msg_args args = {"A, B", "Twi", "1", "9"};
		struct buf b = BUF_INIT;
		for (int m = 0; m < MSG_COUNT; m++) {
			const char *t = msg_text(c, (enum msg)m, asked[l]);
			/* every text says something, but replies_free may not */
			FUZZ_CHECK(t != NULL && (m == MSG_NAME || m == MSG_REPLIES_FREE || *t));
			msg_render(c, (enum msg)m, asked[l], &args, &b);
		}
		FUZZ_CHECK(b.len == strlen(buf_str(&b)));
		buf_release(&b);
		char *text = fuzz_strndup(data, size < 64 ? size : 64);
		enum word w = word_lookup(c, text, NULL);
		FUZZ_CHECK(w >= WORD_NONE && w <= WORD_LANGUAGE);
		free(text);
	}
	catalogue_unref(c);
	flow_diags_release(&diags);
	return 0;
}
