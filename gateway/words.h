/* words.h -- the words that always work (STOP, JOIN, HELP, LANGUAGE) and the
 * gateway's own short texts in each language it speaks.  Pure tables. */
#ifndef SAUTI_WORDS_H
#define SAUTI_WORDS_H

#include "buf.h"

enum word { WORD_NONE, WORD_STOP, WORD_JOIN, WORD_HELP, WORD_LANGUAGE };

/* Configured words, each list replacing the built-in one for its meaning
 * when not empty (config words.stop, ...). */
struct word_lists {
	char *const *lists[5];      /* indexed by enum word */
	size_t counts[5];
};

/* The word a whole message is (case, surrounding space and a trailing '.'
 * ignored), or WORD_NONE.  lists may be NULL: the built-in words. */
enum word word_lookup(const char *text, const struct word_lists *lists);

enum msg {
	MSG_UNKNOWN,      /* not an answer, no keyword: says what to send */
	MSG_HELP,
	MSG_STOPPED,
	MSG_JOINED,
	MSG_LANGUAGE_ASK,
	MSG_LANGUAGE_SET,
	MSG_NO_FLOW,      /* USSD: a code no flow claims */
	MSG_RESUME_ASK,   /* USSD: continue where you left off? */
};

/* Appends the text of msg in lang ("sw", "en"; others fall back to "en").
 * keywords: the flows' start keywords, for MSG_UNKNOWN and MSG_HELP. */
void msg_render(enum msg msg, const char *lang, const char *keywords,
		struct buf *out);

/* A language's name in itself ("Kiswahili"), or the code. */
const char *language_own_name(const char *code);
/* The language a reply to a language question picks among langs: by number
 * (1-based), code or own name.  Returns the index or -1. */
int language_pick(const char *reply, const char *const *langs, int nlangs);

#endif
