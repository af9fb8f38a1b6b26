/* words.c -- see words.h. */
#include "words.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

static const struct {
	const char *word;
	enum word meaning;
} always_words[] = {
	{"stop", WORD_STOP},     {"acha", WORD_STOP},   {"sitaki", WORD_STOP},
	{"unsubscribe", WORD_STOP},
	{"join", WORD_JOIN},     {"jiunge", WORD_JOIN}, {"start", WORD_JOIN},
	{"help", WORD_HELP},     {"msaada", WORD_HELP},
	{"language", WORD_LANGUAGE}, {"lugha", WORD_LANGUAGE},
};

static bool configured(const struct word_lists *lists, enum word meaning)
{
	return lists && lists->counts[meaning] > 0;
}

enum word word_lookup(const char *text, const struct word_lists *lists)
{
	char *folded = reply_fold(text);
	enum word found = WORD_NONE;
	for (int w = WORD_STOP; w <= WORD_LANGUAGE && found == WORD_NONE; w++) {
		if (!configured(lists, (enum word)w))
			continue;
		for (size_t i = 0; i < lists->counts[w]; i++) {
			char *word = reply_fold(lists->lists[w][i]);
			if (strcmp(folded, word) == 0)
				found = (enum word)w;
			free(word);
		}
	}
	for (size_t i = 0; found == WORD_NONE && i < sizeof(always_words) / sizeof(always_words[0]); i++)
		if (!configured(lists, always_words[i].meaning) &&
		    strcmp(folded, always_words[i].word) == 0)
			found = always_words[i].meaning;
	free(folded);
	return found;
}

enum word word_lookup_first(const char *text, const struct word_lists *lists,
			    const char **rest)
{
	const char *p = text;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	size_t n = strcspn(p, " \t\n\r");
	char first[64];
	if (n == 0 || n >= sizeof(first))
		return WORD_NONE;
	memcpy(first, p, n);
	first[n] = '\0';
	enum word w = word_lookup(first, lists);
	p += n;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	*rest = p;
	return w;
}

struct msg_text {
	const char *sw;
	const char *en;
};

/* Every text is GSM-7 and fits one SMS with its placeholders filled. */
static const struct msg_text msg_texts[MSG_COUNT] = {
	[MSG_UNKNOWN] = {
		"Samahani, hatukuelewa ujumbe wako. Tuma {keywords} kuanza, au MSAADA kwa msaada.",
		"Sorry, we did not understand your message. Send {keywords} to start, or HELP for help.",
	},
	[MSG_HELP] = {
		"Tuma {keywords} kuanza. ACHA: kusitisha ujumbe. JIUNGE: kujiunga tena. LUGHA: kubadili lugha.",
		"Send {keywords} to start. STOP: no more messages. JOIN: join again. LANGUAGE: change language.",
	},
	[MSG_REPLIES_FREE] = {"Kujibu ni bure.", "Replies are free."},
	[MSG_STOPPED] = {
		"Umejiondoa, hutapokea ujumbe zaidi. Tuma JIUNGE kujiunga tena.",
		"You are unsubscribed and will get no more messages. Send JOIN to join again.",
	},
	[MSG_JOINED] = {
		"Karibu tena! Umejiunga. Tuma ACHA kusitisha wakati wowote.",
		"Welcome back! You have joined. Send STOP to stop at any time.",
	},
	[MSG_LANGUAGE_ASK] = {
		"Chagua lugha / Choose language:",
		"Choose language / Chagua lugha:",
	},
	[MSG_LANGUAGE_SET] = {
		"Lugha yako sasa ni {language}.",
		"Your language is now {language}.",
	},
	[MSG_NO_FLOW] = {
		"Samahani, huduma hii haipatikani kwa sasa.",
		"Sorry, this service is not available now.",
	},
	[MSG_RESUME_ASK] = {
		"Karibu tena! Je, ungependa kuendelea ulipoishia?",
		"Welcome back! Continue where you left off?",
	},
	[MSG_RESUME_CONTINUE] = {"Endelea", "Continue"},
	[MSG_RESUME_RESTART] = {"Anza upya", "Start again"},
	[MSG_INVALID_CHOICE] = {
		"Tafadhali jibu kwa namba 1 hadi {max}.",
		"Please reply with a number from 1 to {max}.",
	},
	[MSG_INVALID_CHOICE_ONE] = {
		"Tafadhali jibu kwa namba 1.",
		"Please reply with the number 1.",
	},
	[MSG_INVALID_NUMBER] = {
		"Tafadhali jibu kwa namba kati ya {min} na {max}.",
		"Please reply with a number from {min} to {max}.",
	},
	[MSG_INVALID_NUMBER_MIN] = {
		"Tafadhali jibu kwa namba isiyopungua {min}.",
		"Please reply with a number of at least {min}.",
	},
	[MSG_INVALID_NUMBER_MAX] = {
		"Tafadhali jibu kwa namba isiyozidi {max}.",
		"Please reply with a number of at most {max}.",
	},
	[MSG_INVALID_NUMBER_ANY] = {
		"Tafadhali jibu kwa namba.",
		"Please reply with a number.",
	},
	[MSG_INVALID_TEXT] = {
		"Tafadhali andika jibu lisilozidi herufi {max}.",
		"Please type an answer of at most {max} characters.",
	},
	[MSG_INVALID_TEXT_EMPTY] = {
		"Tafadhali andika jibu lako.",
		"Please type your answer.",
	},
	[MSG_PAGE_MORE] = {"Zaidi", "More"},
	[MSG_PAGE_BACK] = {"Rudi", "Back"},
};

static const char *const msg_keys[MSG_COUNT] = {
	[MSG_UNKNOWN] = "unknown",
	[MSG_HELP] = "help",
	[MSG_REPLIES_FREE] = "replies_free",
	[MSG_STOPPED] = "stopped",
	[MSG_JOINED] = "joined",
	[MSG_LANGUAGE_ASK] = "language_ask",
	[MSG_LANGUAGE_SET] = "language_set",
	[MSG_NO_FLOW] = "no_flow",
	[MSG_RESUME_ASK] = "resume_ask",
	[MSG_RESUME_CONTINUE] = "resume_continue",
	[MSG_RESUME_RESTART] = "resume_restart",
	[MSG_INVALID_CHOICE] = "invalid_choice",
	[MSG_INVALID_CHOICE_ONE] = "invalid_choice_one",
	[MSG_INVALID_NUMBER] = "invalid_number",
	[MSG_INVALID_NUMBER_MIN] = "invalid_number_min",
	[MSG_INVALID_NUMBER_MAX] = "invalid_number_max",
	[MSG_INVALID_NUMBER_ANY] = "invalid_number_any",
	[MSG_INVALID_TEXT] = "invalid_text",
	[MSG_INVALID_TEXT_EMPTY] = "invalid_text_empty",
	[MSG_PAGE_MORE] = "more",
	[MSG_PAGE_BACK] = "back",
};

const char *msg_key(enum msg msg)
{
	return (unsigned)msg < MSG_COUNT ? msg_keys[msg] : "";
}

/* Compares the primary subtag of code ("sw" of "sw-TZ") with want. */
static bool lang_is(const char *code, const char *want)
{
	size_t n = code ? strcspn(code, "-_") : 0;
	return n == strlen(want) && strncasecmp(code, want, n) == 0;
}

/* The value of placeholder name (len bytes), or NULL when it has none. */
static const char *msg_arg(const struct msg_args *a, const char *name, size_t len)
{
	static const char *const names[] = {"keywords", "language", "min", "max"};
	if (!a)
		return NULL;
	const char *values[] = {a->keywords, a->language, a->min, a->max};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0)
			return values[i];
	return NULL;
}

void msg_render(enum msg msg, const char *lang, const struct msg_args *args,
		struct buf *out)
{
	if ((unsigned)msg >= MSG_COUNT)
		return;
	const struct msg_text *t = &msg_texts[msg];
	const char *s = lang_is(lang, "sw") ? t->sw : t->en;
	while (*s) {
		const char *close = *s == '{' ? strchr(s, '}') : NULL;
		if (!close) {
			buf_putc(out, *s++);
			continue;
		}
		size_t len = (size_t)(close - s - 1);
		const char *v = msg_arg(args, s + 1, len);
		if (strncmp(s + 1, "keywords", len) == 0 && len == 8 && (!v || !*v))
			v = "HELP"; /* no flow has a keyword: HELP at least answers */
		buf_puts(out, v ? v : "");
		s = close + 1;
	}
}

static const struct {
	const char *code;
	const char *name;
} own_names[] = {
	{"sw", "Kiswahili"}, {"en", "English"}, {"fr", "Français"},
	{"pt", "Português"}, {"ha", "Hausa"},   {"tw", "Twi"},
	{"ak", "Akan"},      {"ee", "Eʋegbe"},  {"rw", "Ikinyarwanda"},
	{"lg", "Luganda"},   {"ln", "Lingála"}, {"am", "አማርኛ"},
};

const char *language_own_name(const char *code)
{
	if (!code)
		return "";
	for (size_t i = 0; i < sizeof(own_names) / sizeof(own_names[0]); i++)
		if (strcmp(own_names[i].code, code) == 0)
			return own_names[i].name;
	return code;
}

int language_pick(const char *reply, const char *const *langs, int nlangs)
{
	double number;
	if (reply_number(reply, &number) == 0) {
		/* Range first: casting a double beyond int ("99999999999")
		 * is undefined behaviour (found by tests/fuzz/fuzz_reply). */
		if (number < 1 || number > nlangs)
			return -1;
		int n = (int)number;
		return (double)n == number ? n - 1 : -1;
	}
	char *folded = reply_fold(reply);
	int found = -1;
	for (int i = 0; i < nlangs && found < 0; i++) {
		char *name = reply_fold(language_own_name(langs[i]));
		if (strcmp(folded, langs[i]) == 0 || strcmp(folded, name) == 0)
			found = i;
		free(name);
	}
	/* "swahili", "kiingereza": what people type when they mean a language. */
	static const struct { const char *word, *code; } aliases[] = {
		{"swahili", "sw"}, {"kiswahili", "sw"}, {"kiingereza", "en"},
		{"english", "en"}, {"kingereza", "en"},
	};
	for (size_t a = 0; found < 0 && a < sizeof(aliases) / sizeof(aliases[0]); a++)
		if (strcmp(folded, aliases[a].word) == 0)
			for (int i = 0; i < nlangs; i++)
				if (strcmp(langs[i], aliases[a].code) == 0)
					found = i;
	free(folded);
	return found;
}
