/* text.h -- pure text helpers for what a phone shows and what a person types.
 *
 * No I/O, no globals: everything here is unit-tested and fuzzed. */
#ifndef SAUTI_TEXT_H
#define SAUTI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* How a text travels as SMS and what it costs. */
struct sms_cost {
	bool ucs2;           /* needs UCS-2 (some character is not GSM-7) */
	size_t units;        /* GSM-7 septets (escapes count 2) or UTF-16 units */
	size_t segments;     /* SMS parts: 160/153 septets or 70/67 units */
	size_t first_ucs2;   /* byte offset of the first non-GSM-7 character */
	size_t first_ucs2_len; /* its length in bytes (0 when !ucs2) */
};

/* Fills *cost for a UTF-8 text.  Invalid UTF-8 counts as UCS-2. */
void sms_cost(const char *utf8, size_t len, struct sms_cost *cost);

/* Length of a text on a USSD screen: GSM-7 septets, or UTF-16 units when the
 * text needs UCS-2 (*ucs2 set).  A screen is max_chars septets, i.e.
 * max_chars * 7 / 8 octets; in UCS-2 that holds half as many units
 * (182 septets = 159 octets = 79 UCS-2 characters).  ussd_fits() applies
 * that rule; ussd_budget() gives the limit for a text's coding. */
size_t ussd_budget(size_t max_chars, bool ucs2);
size_t ussd_length(const char *utf8, bool *ucs2);
bool ussd_fits(const char *utf8, size_t max_chars);

/* The size of a piece of a USSD screen in both codings, so that a screen
 * made of pieces can be measured by adding theirs up instead of measuring it
 * whole.  The sum is exact as long as no character is split between two
 * pieces; a join next to an ASCII character ("\n") never splits one. */
struct ussd_size {
	size_t septets;      /* GSM-7 septets of what has a GSM-7 form */
	size_t units;        /* UTF-16 units of everything */
	bool ucs2;           /* some character is not GSM-7 (or not UTF-8) */
};

/* Measures len bytes of UTF-8, counting as ussd_length() does. */
void ussd_measure(const char *utf8, size_t len, struct ussd_size *size);
/* *sum becomes the size of sum's text followed by piece's. */
void ussd_size_add(struct ussd_size *sum, const struct ussd_size *piece);
/* ussd_fits() for a text of that size. */
bool ussd_size_fits(const struct ussd_size *size, size_t max_chars);

struct buf;

bool utf8_valid(const char *s, size_t len);
/* Length of the valid UTF-8 character at s (len bytes available), or 0. */
size_t utf8_char_len(const char *s, size_t len);
/* Appends len bytes of s to out with each invalid byte replaced by U+FFFD:
 * what is sent and saved is always valid UTF-8, whatever arrived. */
void utf8_append_clean(struct buf *out, const char *s, size_t len);
/* Length of the white space character at s (len bytes available), or 0:
 * ASCII white space and the no-break, thin and zero-width spaces phones put
 * in.  The one definition of a space for everything a person types. */
size_t utf8_space_len(const char *s, size_t len);
/* Length of the white space character ending at s + end (not before
 * s + start), or 0. */
size_t utf8_space_before(const char *s, size_t start, size_t end);
/* How many characters (code points) len bytes of UTF-8 hold. */
size_t utf8_length(const char *s, size_t len);

/* Normalises a typed reply for matching: trims white space and trailing
 * '.', ',' and ')' characters, folds case to lower in all of Unicode (each
 * code point to its simple lowercase: "ÉLEVEUR" is "éleveur", "Ɛ" is "ɛ")
 * and collapses inner runs of white space to one space; an invalid byte is
 * kept as it is.  The result can be longer than the input (a few letters'
 * lowercase takes more bytes).  Returns a new string (free()).  */
char *reply_fold(const char *input);
/* Why s cannot be one of the words that always work (STOP...), or NULL:
 * one that begins with a digit would be read before the number of a choice
 * ("1"), and word lookups skip any reply that does (docs/flows.md). */
const char *word_problem(const char *s);
/* Whether reply_fold() folds beyond ASCII: false when the C library's
 * C.UTF-8 locale is missing (the daemon warns at start). */
bool reply_fold_unicode(void);
/* s upper-cased in all of Unicode, as reply_fold() lower-cases it ("éleveur"
 * is "ÉLEVEUR"), nothing else changed: how a keyword is shown.  Returns a new
 * string (free()). */
char *text_upper(const char *s);

/* Reads a number as a person types it: "12", " 1,5 ", "1.5", "-3".  Returns
 * 0 and the value, or -1 when the text is not one number. */
int reply_number(const char *input, double *value);

/* Formats a number the way it is saved and exported: no trailing zeros, no
 * exponent ("1.5", "12", "0.25").  Writes at most size bytes. */
void number_format(double value, char *out, size_t size);

/* The length of the first word of a text reply_fold() made, without the
 * punctuation that may end it ("utafiti!" of "utafiti! sasa"): 0 for none. */
size_t first_word_len(const char *folded);

/* Decodes GSM 03.38 text sent one septet per byte (as Kannel hands on USSD
 * with data coding 0x0F: coding=3), escapes included, into UTF-8.  Returns
 * a new string (free()). */
char *gsm7_to_utf8(const unsigned char *septets, size_t n);

/* The plain GSM-7 text a writer most likely meant by the character at
 * utf8 (len bytes available): "'" for a curly quote, "-" for a dash, "..."
 * for an ellipsis, " " for a no-break space; NULL when there is none.  *n
 * (may be NULL) gets the character's length in bytes (0 if invalid). */
const char *gsm7_substitute_of(const char *utf8, size_t len, size_t *n);
/* Appends utf8 to out with every such character replaced by its substitute
 * (config gsm7_substitute: a stray curly quote must not double a
 * message's cost). */
struct buf;
void gsm7_substitute(const char *utf8, size_t len, struct buf *out);

#endif
