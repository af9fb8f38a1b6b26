/* text.c -- see text.h: SMS cost, USSD length, and reading typed replies.
 *
 * The GSM 03.38 tables are those of 3GPP TS 23.038: the default alphabet
 * plus its extension table, whose characters travel as ESC + septet and so
 * cost two septets each. */
#include "text.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "buf.h"

#define SMS_GSM_SINGLE 160
#define SMS_GSM_PART 153
#define SMS_UCS2_SINGLE 70
#define SMS_UCS2_PART 67

/* ---- UTF-8 --------------------------------------------------------------- */

/* Decodes the character at s (len > 0 bytes available): returns its length
 * and sets *cp, or returns 0 when s does not start a valid character
 * (a stray continuation byte, a truncated or overlong sequence, a surrogate,
 * or a value above U+10FFFF). */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, min = 0x80, c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, min = 0x800, c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	if (!s)
		return len == 0;
	while (i < len) {
		size_t n = utf8_next(p + i, len - i, &cp);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* Appends code point cp (a valid one: not a surrogate, at most U+10FFFF)
 * as UTF-8. */
static void put_utf8(struct buf *out, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(out, b, n);
}

/* ---- GSM 03.38 ----------------------------------------------------------- */

/* The characters of the default alphabet above U+007F, sorted. */
static const uint16_t gsm_basic_high[] = {
	0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5,
	0x00C6, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF,
	0x00E0, 0x00E4, 0x00E5, 0x00E6, 0x00E8, 0x00E9, 0x00EC, 0x00F1,
	0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393, 0x0394, 0x0398,
	0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,
};

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

/* What an ASCII character costs in GSM-7 (see gsm_septets()): printable
 * ASCII is in the default alphabet but for '`' (none) and ^ { } \ [ ~ ] |
 * (the extension table, like form feed); of the control characters only
 * \n and \r are in it. */
static const unsigned char gsm_ascii[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0, 0,  /* 0x00 \n \f \r */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x10 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1,  /* 0x50 [ \ ] ^ */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x60 ` */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0,  /* 0x70 { | } ~ DEL */
};

/* Septets a character costs in GSM-7: 1 in the default alphabet, 2 in the
 * extension table, 0 when it has no GSM-7 form. */
static int gsm_septets(uint32_t cp)
{
	if (cp < 0x80)
		return gsm_ascii[cp];
	if (cp == 0x20AC) /* euro, in the extension table */
		return 2;
	if (cp > 0xFFFF)
		return 0;
	uint16_t key = (uint16_t)cp;
	return bsearch(&key, gsm_basic_high,
		       sizeof(gsm_basic_high) / sizeof(gsm_basic_high[0]),
		       sizeof(gsm_basic_high[0]), cmp_u16) ? 1 : 0;
}

/* Packs characters into the parts of a multipart SMS: a character (an escape
 * sequence, a surrogate pair) is never split between two parts. */
struct sms_packer {
	size_t part;    /* capacity of one part */
	size_t parts;
	size_t fill;    /* units in the last part */
};

static void packer_add(struct sms_packer *p, size_t units)
{
	if (p->parts == 0 || p->fill + units > p->part) {
		p->parts++;
		p->fill = 0;
	}
	p->fill += units;
}

void sms_cost(const char *utf8, size_t len, struct sms_cost *cost)
{
	const unsigned char *s = (const unsigned char *)utf8;
	struct sms_packer gsm = {SMS_GSM_PART, 0, 0};
	struct sms_packer ucs = {SMS_UCS2_PART, 0, 0};
	size_t septets = 0, units = 0, i = 0;

	memset(cost, 0, sizeof(*cost));
	if (!utf8)
		len = 0;
	while (i < len) {
		uint32_t cp = 0xFFFD;
		size_t n = utf8_next(s + i, len - i, &cp);
		int sept = n ? gsm_septets(cp) : 0;
		size_t u = cp > 0xFFFF ? 2 : 1;

		if (!n)
			n = 1; /* an invalid byte would go as U+FFFD */
		if (!sept && !cost->ucs2) {
			cost->ucs2 = true;
			cost->first_ucs2 = i;
			cost->first_ucs2_len = n;
		}
		septets += (size_t)sept;
		if (sept)
			packer_add(&gsm, (size_t)sept);
		units += u;
		packer_add(&ucs, u);
		i += n;
	}
	if (cost->ucs2) {
		cost->units = units;
		cost->segments = units <= SMS_UCS2_SINGLE ? 1 : ucs.parts;
	} else {
		cost->units = septets;
		cost->segments = septets <= SMS_GSM_SINGLE ? 1 : gsm.parts;
	}
}

/* ---- USSD ---------------------------------------------------------------- */

size_t ussd_budget(size_t max_chars, bool ucs2)
{
	return ucs2 ? (max_chars * 7 / 8) / 2 : max_chars;
}

/* Counts as sms_cost() does, without packing the text into SMS parts. */
void ussd_measure(const char *utf8, size_t len, struct ussd_size *size)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t i = 0;

	memset(size, 0, sizeof(*size));
	if (!utf8)
		len = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			/* Most screens are all ASCII: a run of it at once, one
			 * UTF-16 unit a byte. */
			size_t start = i, septets = 0;
			bool all_gsm = true;
			do {
				unsigned char sept = gsm_ascii[s[i]];
				septets += sept;
				all_gsm &= sept != 0;
			} while (++i < len && s[i] < 0x80);
			size->septets += septets;
			size->units += i - start;
			if (!all_gsm)
				size->ucs2 = true;
			continue;
		}
		uint32_t cp = 0xFFFD;
		size_t n = utf8_next(s + i, len - i, &cp);
		int sept = n ? gsm_septets(cp) : 0;
		if (!n)
			n = 1; /* an invalid byte would go as U+FFFD */
		if (!sept)
			size->ucs2 = true;
		size->septets += (size_t)sept;
		size->units += cp > 0xFFFF ? 2 : 1;
		i += n;
	}
}

void ussd_size_add(struct ussd_size *sum, const struct ussd_size *piece)
{
	sum->septets += piece->septets;
	sum->units += piece->units;
	sum->ucs2 = sum->ucs2 || piece->ucs2;
}

bool ussd_size_fits(const struct ussd_size *size, size_t max_chars)
{
	size_t n = size->ucs2 ? size->units : size->septets;
	return n <= ussd_budget(max_chars, size->ucs2);
}

size_t ussd_length(const char *utf8, bool *ucs2)
{
	struct ussd_size size;

	ussd_measure(utf8, utf8 ? strlen(utf8) : 0, &size);
	if (ucs2)
		*ucs2 = size.ucs2;
	return size.ucs2 ? size.units : size.septets;
}

bool ussd_fits(const char *utf8, size_t max_chars)
{
	struct ussd_size size;

	ussd_measure(utf8, utf8 ? strlen(utf8) : 0, &size);
	return ussd_size_fits(&size, max_chars);
}

/* ---- replies ------------------------------------------------------------- */

/* Length of the white space character at s (len bytes available), or 0.
 * Besides ASCII white space, phones and keyboards put in no-break, thin and
 * zero-width spaces, which a person cannot see and did not mean. */
static size_t space_len(const unsigned char *s, size_t len)
{
	if (len == 0)
		return 0;
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80) /* most of what people type */
		return s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r');
	n = utf8_next(s, len, &cp);
	if (!n)
		return 0;
	switch (cp) {
	case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
	case 0x00A0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
	case 0x205F: case 0x3000: case 0xFEFF:
		return n;
	}
	return cp >= 0x2000 && cp <= 0x200B ? n : 0;
}

/* Length of the white space character ending at s + end, or 0. */
static size_t space_len_before(const unsigned char *s, size_t start,
			       size_t end)
{
	for (size_t n = 1; n <= 3 && n <= end - start; n++)
		if (space_len(s + end - n, n) == n)
			return n;
	return 0;
}

size_t utf8_space_len(const char *s, size_t len)
{
	return space_len((const unsigned char *)s, len);
}

size_t utf8_space_before(const char *s, size_t start, size_t end)
{
	return space_len_before((const unsigned char *)s, start, end);
}

size_t utf8_char_len(const char *s, size_t len)
{
	uint32_t cp;
	return len ? utf8_next((const unsigned char *)s, len, &cp) : 0;
}

void utf8_append_clean(struct buf *out, const char *s, size_t len)
{
	size_t i = 0, start = 0;

	while (i < len) {
		size_t n = utf8_char_len(s + i, len - i);
		if (n) {
			i += n;
			continue;
		}
		buf_append(out, s + start, i - start);
		buf_puts(out, "\xEF\xBF\xBD");
		start = ++i;
	}
	buf_append(out, s + start, i - start);
}

/* Case is folded by the C library's simple lowercase mapping in the C.UTF-8
 * locale (Debian's essential libc-bin ships it; glibc's table is all of
 * Unicode's simple mapping): made once and kept, as c_numeric() is below.
 * (locale_t)0 when it cannot be had: then only ASCII is folded. */
static locale_t c_utf8(void)
{
	static locale_t loc;
	static bool tried;
	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

bool reply_fold_unicode(void)
{
	return c_utf8() != (locale_t)0;
}

/* Appends map (towlower_l or towupper_l) of the non-ASCII character at s
 * (len bytes left of the text) to out, an invalid byte as it is, and returns
 * how many bytes it read.  Leaves room in out for the rest of the text at its
 * own length: a letter's other case can be longer (U+023A, 2 bytes, is
 * U+2C65, 3, in lowercase). */
static size_t map_char(struct buf *out, const unsigned char *s, size_t len,
		       wint_t (*map)(wint_t, locale_t))
{
	uint32_t cp;
	size_t n = utf8_next(s, len, &cp);
	locale_t loc = c_utf8();

	if (!n) {
		out->data[out->len++] = (char)s[0];
		return 1;
	}
	if (loc)
		cp = (uint32_t)map((wint_t)cp, loc);
	put_utf8(out, cp);
	buf_grow(out, len - n);
	return n;
}

char *reply_fold(const char *input)
{
	const unsigned char *s = (const unsigned char *)(input ? input : "");
	size_t start = 0, end = strlen((const char *)s), n;
	bool space = false;
	struct buf out = BUF_INIT;

	while (start < end && (n = space_len(s + start, end - start)))
		start += n;
	for (;;) {
		if (end > start && (s[end - 1] == '.' || s[end - 1] == ',' ||
				    s[end - 1] == ')'))
			end--;
		else if ((n = space_len_before(s, start, end)))
			end -= n;
		else
			break;
	}
	/* Room for the text at its own length: ASCII (most replies) is
	 * written in place, a byte at a time; map_char() keeps the room. */
	buf_grow(&out, end - start);
	for (size_t i = start; i < end;) {
		if ((n = space_len(s + i, end - i))) {
			space = true;
			i += n;
			continue;
		}
		if (space)
			out.data[out.len++] = ' ';
		space = false;
		if (s[i] < 0x80) {
			out.data[out.len++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ?
						     s[i] + 32 : s[i]);
			i++;
		} else {
			i += map_char(&out, s + i, end - i, towlower_l);
		}
	}
	out.data[out.len] = '\0';
	return buf_detach(&out);
}

char *text_upper(const char *input)
{
	const unsigned char *s = (const unsigned char *)(input ? input : "");
	size_t len = strlen((const char *)s);
	struct buf out = BUF_INIT;

	buf_grow(&out, len);
	for (size_t i = 0; i < len;) {
		if (s[i] < 0x80) {
			out.data[out.len++] = (char)(s[i] >= 'a' && s[i] <= 'z' ?
						     s[i] - 32 : s[i]);
			i++;
		} else {
			i += map_char(&out, s + i, len - i, towupper_l);
		}
	}
	out.data[out.len] = '\0';
	return buf_detach(&out);
}

const char *word_problem(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s >= '0' && *s <= '9' ? "begins with a digit, as the number of a choice does" : NULL;
}

/* Parses a whole folded reply as [+-]digits[(.|,)digits] with at least one
 * digit, into a C-syntax number in c ("-1.5"); returns -1 otherwise. */
static int number_syntax(const char *s, struct buf *c)
{
	size_t digits = 0;
	bool sep = false;

	if (*s == '+' || *s == '-') {
		if (*s == '-')
			buf_putc(c, '-');
		s++;
	}
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			buf_putc(c, *s);
			digits++;
		} else if ((*s == '.' || *s == ',') && !sep) {
			buf_putc(c, '.');
			sep = true;
		} else {
			return -1;
		}
	}
	return digits ? 0 : -1;
}

/* Currency words people write around an amount: "Tsh 50,000", "50,000 shs". */
static const char *const currencies[] = {
	"tshs", "tsh", "tzs", "shs", "sh", "kshs", "ksh", "kes", "shilingi",
	"ghs", "ghc", "gh\xE2\x82\xB5", "\xE2\x82\xB5", "cedis", "cedi",
};

/* Removes a currency word (and a '.' after it) from the start or the end of
 * the folded reply in b, and a "/=" or "/-" after the amount ("50,000/="). */
static void strip_money(struct buf *b)
{
	char *s = b->data;
	size_t len = b->len;
	if (len >= 2 && s[len - 2] == '/' && (s[len - 1] == '=' || s[len - 1] == '-'))
		len -= 2;
	for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++) {
		size_t n = strlen(currencies[i]);
		if (len > n && strncmp(s, currencies[i], n) == 0 &&
		    (s[n] == ' ' || s[n] == '.' || (s[n] >= '0' && s[n] <= '9'))) {
			size_t skip = n + (s[n] == '.');
			while (skip < len && s[skip] == ' ')
				skip++;
			memmove(s, s + skip, len - skip);
			len -= skip;
			break;
		}
		if (len > n && strncmp(s + len - n, currencies[i], n) == 0) {
			len -= n;
			break;
		}
	}
	while (len && s[len - 1] == ' ')
		len--;
	b->len = len;
	s[len] = '\0';
}

/* "50,000", "1 250 000": digits in groups of three after the first, split by
 * one kind of separator (',' or a space), perhaps with decimals after a '.';
 * the separators are removed.  Anything else is left as it is: one ','
 * before other than three digits stays a decimal comma ("1,5"). */
static void drop_thousands(struct buf *b)
{
	const char *s = b->data;
	size_t i = 0, lead = 0;
	if (s[i] == '-' || s[i] == '+')
		i++;
	while (s[i + lead] >= '0' && s[i + lead] <= '9')
		lead++;
	char sep = s[i + lead];
	if (lead == 0 || lead > 3 || (sep != ',' && sep != ' '))
		return;
	size_t j = i + lead;
	while (s[j] == sep) {
		for (int k = 1; k <= 3; k++)
			if (s[j + k] < '0' || s[j + k] > '9')
				return;
		j += 4;
	}
	if (s[j] != '\0' && s[j] != '.')
		return;
	struct buf out = BUF_INIT;
	for (const char *p = s; *p; p++)
		if (*p != sep || p >= s + j)
			buf_putc(&out, *p);
	buf_release(b);
	*b = out;
}

/* strtod() reads the decimal point of the current locale; number_syntax()
 * writes C's, so numbers are read in the C locale: made once and kept (a
 * newlocale() per reply cost more than the rest of the parse). */
static locale_t c_numeric(void)
{
	static locale_t loc;
	if (!loc)
		loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	return loc;
}

int reply_number(const char *input, double *value)
{
	char *folded = reply_fold(input);
	struct buf amount = BUF_INIT, c = BUF_INIT;
	int ret = -1;

	buf_puts(&amount, folded ? folded : "");
	if (amount.len) {
		strip_money(&amount);
		drop_thousands(&amount);
	}
	if (amount.len && number_syntax(buf_str(&amount), &c) == 0) {
		locale_t loc = c_numeric();
		if (loc) {
			char *end;
			double v = strtod_l(buf_str(&c), &end, loc);
			if (*end == '\0' && isfinite(v)) {
				if (value)
					*value = v == 0 ? 0 : v; /* no -0 */
				ret = 0;
			}
		}
	}
	buf_release(&amount);
	buf_release(&c);
	free(folded);
	return ret;
}

void number_format(double value, char *out, size_t size)
{
	char tmp[512];

	if (!out || size == 0)
		return;
	if (!isfinite(value)) {
		str_copy(out, size, isnan(value) ? "nan" :
			 value > 0 ? "inf" : "-inf");
		return;
	}
	if (value == 0)
		value = 0; /* -0 prints as "0" */
	/* A whole number of 15 digits or fewer is what "%.15g" would print,
	 * without printf's cost: most answers are counts and ages. */
	if (fabs(value) < 1e15 && value == trunc(value)) {
		char *end = tmp + sizeof(tmp) - 1;
		*end = '\0';
		str_copy(out, size, buf_long_digits(end, (long)value));
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.15g", value);
	if (strchr(tmp, 'e')) {
		/* %g chose an exponent: print the same 15 significant
		 * digits positionally instead. */
		int exp10 = (int)floor(log10(fabs(value)));
		int decimals = 14 - exp10;
		if (decimals < 0)
			decimals = 0;
		snprintf(tmp, sizeof(tmp), "%.*f", decimals, value);
	}
	if (strchr(tmp, '.')) {
		size_t n = strlen(tmp);
		while (n > 0 && tmp[n - 1] == '0')
			tmp[--n] = '\0';
		if (n > 0 && tmp[n - 1] == '.')
			tmp[--n] = '\0';
	}
	if (strcmp(tmp, "-0") == 0)
		strcpy(tmp, "0");
	str_copy(out, size, tmp);
}

size_t first_word_len(const char *folded)
{
	size_t end = strcspn(folded ? folded : "", " ");
	/* "Utafiti." and "survey!" are the keyword all the same. */
	while (end > 0 && strchr(".,;:!?)", folded[end - 1]))
		end--;
	return end;
}

/* GSM 03.38 default alphabet, septet -> Unicode. */
static const uint16_t gsm_to_unicode[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, 0x00A0, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* The extension table, after the escape septet 0x1B. */
static uint32_t gsm_extension(unsigned char septet)
{
	switch (septet) {
	case 0x0A: return 0x000C;
	case 0x14: return '^';
	case 0x28: return '{';
	case 0x29: return '}';
	case 0x2F: return '\\';
	case 0x3C: return '[';
	case 0x3D: return '~';
	case 0x3E: return ']';
	case 0x40: return '|';
	case 0x65: return 0x20AC;
	default: return 0x0020; /* an unknown escape reads as a space */
	}
}

char *gsm7_to_utf8(const unsigned char *septets, size_t n)
{
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = septets[i] & 0x7F;
		if (c == 0x1B && i + 1 < n)
			put_utf8(&out, gsm_extension(septets[++i] & 0x7F));
		else
			put_utf8(&out, c == 0x1B ? 0x20 : gsm_to_unicode[c]);
	}
	return buf_detach(&out);
}

size_t utf8_length(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* ---- GSM-7 substitutes ----------------------------------------------------- */

/* Characters a word processor or a phone's keyboard puts in where the
 * writer meant a plain GSM-7 one: each alone makes a whole SMS UCS-2 (70
 * characters a part instead of 160).  Sorted by code point. */
static const struct {
	uint32_t cp;
	const char *gsm7;
} gsm7_substitutes[] = {
	{0x00A0, " "},   /* no-break space */
	{0x00AB, "\""},  /* « */
	{0x00BB, "\""},  /* » */
	{0x2002, " "},   {0x2003, " "},   {0x2009, " "},
	{0x2010, "-"},   {0x2011, "-"},   {0x2012, "-"},
	{0x2013, "-"},   /* – en dash */
	{0x2014, "-"},   /* — em dash */
	{0x2018, "'"},   /* ‘ */
	{0x2019, "'"},   /* ’ */
	{0x201A, "'"},
	{0x201C, "\""},  /* “ */
	{0x201D, "\""},  /* ” */
	{0x201E, "\""},
	{0x2026, "..."}, /* … */
	{0x202F, " "},   /* narrow no-break space */
	{0x2032, "'"},   {0x2033, "\""},
};

const char *gsm7_substitute_of(const char *utf8, size_t len, size_t *n)
{
	uint32_t cp;
	size_t used = utf8 && len ? utf8_next((const unsigned char *)utf8, len, &cp) : 0;
	if (n)
		*n = used;
	if (!used)
		return NULL;
	size_t lo = 0, hi = sizeof(gsm7_substitutes) / sizeof(gsm7_substitutes[0]);
	while (lo < hi) { /* invariant: the entry, if any, is in [lo, hi) */
		size_t mid = lo + (hi - lo) / 2;
		if (gsm7_substitutes[mid].cp == cp)
			return gsm7_substitutes[mid].gsm7;
		if (gsm7_substitutes[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void gsm7_substitute(const char *utf8, size_t len, struct buf *out)
{
	size_t i = 0, start = 0, n;
	while (i < len) {
		const char *sub = (unsigned char)utf8[i] < 0x80 ? NULL :
				  gsm7_substitute_of(utf8 + i, len - i, &n);
		if (!sub) {
			i++;
			continue;
		}
		buf_append(out, utf8 + start, i - start);
		buf_puts(out, sub);
		i += n;
		start = i;
	}
	buf_append(out, utf8 + start, len - start);
}
