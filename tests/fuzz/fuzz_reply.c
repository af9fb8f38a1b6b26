/* fuzz_reply.c -- libFuzzer target: reading what a person typed.
 *
 * Input: one byte (the corpus keeps it; it once sized a buffer), then the
 * reply (" 1.", "Ndiyo", "1,5", "Kiswahili", "STOP").  It goes through
 * reply_fold(), reply_number() (and number_format() of what it read),
 * word_lookup() (built-in and configured words), language_pick() over a
 * few language lists, first_word_len() of the folded reply and
 * text_upper().
 *
 * Besides crashes, leaks and undefined behaviour, a folded reply must fold
 * to itself, a number read must be finite and read again from how it is
 * formatted, and a language picked must be one of the list. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "fuzzutil.h"
#include "text.h"
#include "words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const langs_sw_en[] = {"sw", "en"};
static const char *const langs_en[] = {"en"};
static const char *const langs_many[] = {"ha", "tw", "ak", "ee",
					 "fr", "am", "sw", "en"};

static char *const stop_words[] = {"Ondoa", "stop now", " 0 "};
static char *const help_words[] = {"?", "MSAADA"};
static const struct word_lists configured = {
	{NULL, stop_words, NULL, help_words, NULL},
	{0, 3, 0, 2, 0},
};

static void check_fold(const char *reply)
{
	char *folded = reply_fold(reply);
	size_t len = strlen(folded);
	FUZZ_CHECK(!len || (folded[0] != ' ' && folded[len - 1] != ' '));
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(!(folded[i] >= 'A' && folded[i] <= 'Z'));
	char *again = reply_fold(folded);
	FUZZ_CHECK(strcmp(folded, again) == 0);
	free(again);
	free(folded);
}

static void check_number(const char *reply)
{
	double v, w;
	char text[512];

	if (reply_number(reply, &v) < 0)
		return;
	FUZZ_CHECK(isfinite(v));
	number_format(v, text, sizeof(text));
	FUZZ_CHECK(reply_number(text, &w) == 0);
}

static void check_pick(const char *reply, const char *const *langs, int n)
{
	int i = language_pick(NULL, reply, langs, n);
	FUZZ_CHECK(i >= -1 && i < n);
}

static void check_first_word(const char *reply)
{
	char *folded = reply_fold(reply);
	size_t n = first_word_len(folded);
	FUZZ_CHECK(n <= strlen(folded));
	FUZZ_CHECK(folded[n] == '\0' || strchr(" .,;:!?)", folded[n]));
	free(folded);
	char *upper = text_upper(reply);
	for (size_t i = 0; upper[i]; i++)
		FUZZ_CHECK(!(upper[i] >= 'a' && upper[i] <= 'z'));
	free(upper);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *reply = fuzz_strndup(data + 1, size - 1);

	check_fold(reply);
	check_number(reply);
	enum word w = word_lookup(NULL, reply, NULL);
	FUZZ_CHECK(w >= WORD_NONE && w <= WORD_LANGUAGE);
	w = word_lookup(NULL, reply, &configured);
	FUZZ_CHECK(w >= WORD_NONE && w <= WORD_LANGUAGE);
	check_pick(reply, langs_sw_en, 2);
	check_pick(reply, langs_en, 1);
	check_pick(reply, langs_many, 8);
	check_pick(reply, langs_en, 0);
	check_first_word(reply);
	free(reply);
	return 0;
}
