/* words.h -- the names of what the gateway says by itself and of the words
 * that always work (STOP, JOIN, HELP, LANGUAGE).  The texts and words
 * themselves, per language, are data: the message catalogue (catalogue.h),
 * looked up through msg_render() and nowhere else (docs/flows.md, "The
 * message catalogue"). */
#ifndef SAUTI_WORDS_H
#define SAUTI_WORDS_H

#include <stddef.h>

enum word { WORD_NONE, WORD_STOP, WORD_JOIN, WORD_HELP, WORD_LANGUAGE };

/* Configured words, each list replacing the built-in languages' words for
 * its meaning when not empty (config words.stop, ...). */
struct word_lists {
	char *const *lists[5];      /* indexed by enum word */
	size_t counts[5];
};

/* The gateway's own texts; each name is the text's key in the message
 * catalogue (msg_key).  Those marked "built in" are finer variants the
 * built-in languages have (a messages: file gives only the keys of
 * docs/flows.md); a language without one says its base text instead. */
enum msg {
	MSG_NAME,               /* the language's own name, in menus */
	MSG_UNKNOWN,            /* not an answer, no keyword: {keywords} */
	MSG_HELP,               /* {keywords} */
	MSG_STOPPED,
	MSG_JOINED,
	MSG_LANGUAGE_ASK,
	MSG_LANGUAGE_SET,       /* {language}: the own name of the one chosen */
	MSG_NO_FLOW,            /* USSD: a code no flow claims */
	MSG_RESUME_ASK,         /* USSD: continue where you left off? */
	MSG_RESUME_CONTINUE,    /* its entry 1 */
	MSG_RESUME_RESTART,     /* its entry 2 */
	MSG_INVALID_CHOICE,     /* {max}: the number of choices */
	MSG_INVALID_NUMBER,     /* {min} {max} */
	MSG_INVALID_TEXT,       /* {max}: characters */
	MSG_PAGE_MORE,          /* the paging entry 98 */
	MSG_PAGE_BACK,          /* the paging entry 0 */
	/* built in */
	MSG_REPLIES_FREE,       /* added to help when config replies_free */
	MSG_INVALID_CHOICE_ONE, /* a list of one choice */
	MSG_INVALID_NUMBER_MIN, /* {min} */
	MSG_INVALID_NUMBER_MAX, /* {max} */
	MSG_INVALID_NUMBER_ANY,
	MSG_INVALID_TEXT_EMPTY,
	MSG_COUNT
};

/* The values a text's placeholders stand for; any may be NULL. */
struct msg_args {
	const char *keywords;   /* the start keywords offered */
	const char *language;   /* a language's own name */
	const char *min, *max;
};

#endif
