/* words.c -- see words.h. */
#include "words.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

struct msg_text {
	const char *sw;
	const char *en;
};

/* %K stands for the start keywords.  Every text is GSM-7 and fits one SMS. */
static const struct msg_text msg_texts[] = {
	[MSG_UNKNOWN] = {
		"Samahani, hatukuelewa ujumbe wako. Tuma %K kuanza, au MSAADA kwa msaada.",
		"Sorry, we did not understand your message. Send %K to start, or HELP for help.",
	},
	[MSG_HELP] = {
		"Tuma %K kuanza. ACHA: kusitisha ujumbe. JIUNGE: kujiunga tena. LUGHA: kubadili lugha. Kujibu ni bure.",
		"Send %K to start. STOP: no more messages. JOIN: join again. LANGUAGE: change language. Replies are free.",
	},
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
		"Lugha yako sasa ni Kiswahili.",
		"Your language is now English.",
	},
	[MSG_NO_FLOW] = {
		"Samahani, huduma hii haipatikani kwa sasa.",
		"Sorry, this service is not available now.",
	},
	[MSG_RESUME_ASK] = {
		"Karibu tena! Uendelee ulipoishia?\n1. Endelea\n2. Anza upya",
		"Welcome back! Continue where you left off?\n1. Continue\n2. Start again",
	},
};

void msg_render(enum msg msg, const char *lang, const char *keywords,
		struct buf *out)
{
	const struct msg_text *t = &msg_texts[msg];
	const char *s = lang && strcmp(lang, "sw") == 0 ? t->sw : t->en;
	for (; *s; s++) {
		if (s[0] == '%' && s[1] == 'K') {
			buf_puts(out, keywords && *keywords ? keywords : "HELP");
			s++;
		} else {
			buf_putc(out, *s);
		}
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
