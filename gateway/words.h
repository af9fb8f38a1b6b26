/* words.h -- the words that always work (STOP, JOIN, HELP, LANGUAGE) and the
 * gateway's own texts in each language it speaks.  Pure tables.
 *
 * Every text the gateway says by itself (not a flow's) is looked up through
 * msg_render() and nowhere else, so that one function decides where a text
 * comes from (docs/flows.md, "Words that always work"). */
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
/* The word the first word of text is, and in *rest what follows it (white
 * space skipped; "" when nothing does), or WORD_NONE. */
enum word word_lookup_first(const char *text, const struct word_lists *lists,
			    const char **rest);

/* The gateway's own texts; each name is the text's key in a message
 * catalogue (msg_key). */
enum msg {
	MSG_UNKNOWN,            /* not an answer, no keyword: {keywords} */
	MSG_HELP,               /* {keywords} */
	MSG_REPLIES_FREE,       /* added to help when config replies_free */
	MSG_STOPPED,
	MSG_JOINED,
	MSG_LANGUAGE_ASK,
	MSG_LANGUAGE_SET,       /* {language}: the own name of the one chosen */
	MSG_NO_FLOW,            /* USSD: a code no flow claims */
	MSG_RESUME_ASK,         /* USSD: continue where you left off? */
	MSG_RESUME_CONTINUE,    /* its entry 1 */
	MSG_RESUME_RESTART,     /* its entry 2 */
	MSG_INVALID_CHOICE,     /* {max}: the number of choices */
	MSG_INVALID_CHOICE_ONE, /* a list of one choice */
	MSG_INVALID_NUMBER,     /* {min} {max} */
	MSG_INVALID_NUMBER_MIN, /* {min} */
	MSG_INVALID_NUMBER_MAX, /* {max} */
	MSG_INVALID_NUMBER_ANY,
	MSG_INVALID_TEXT,       /* {max}: characters */
	MSG_INVALID_TEXT_EMPTY,
	MSG_PAGE_MORE,               /* the paging entry 98 */
	MSG_PAGE_BACK,               /* the paging entry 0 */
	MSG_COUNT
};

/* The values a text's placeholders stand for; any may be NULL. */
struct msg_args {
	const char *keywords;   /* the start keywords offered */
	const char *language;   /* a language's own name */
	const char *min, *max;
};

/* Appends the text of msg in lang ("sw", "en", "sw-TZ"; a language without
 * the text falls back to English), placeholders filled from args (may be
 * NULL).  The one place the gateway's own texts are looked up. */
void msg_render(enum msg msg, const char *lang, const struct msg_args *args,
		struct buf *out);
/* The catalogue key of msg ("unknown", "invalid_choice", ...). */
const char *msg_key(enum msg msg);

/* A language's name in itself ("Kiswahili"), or the code. */
const char *language_own_name(const char *code);
/* The language a reply to a language question picks among langs: by number
 * (1-based), code or own name.  Returns the index or -1. */
int language_pick(const char *reply, const char *const *langs, int nlangs);

#endif
