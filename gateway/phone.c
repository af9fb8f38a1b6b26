/* phone.c -- see phone.h. */
#include "phone.h"

#include <string.h>
#include <strings.h>

#define E164_MIN_DIGITS 8
#define E164_MAX_DIGITS 15
#define SHORT_CODE_MAX_DIGITS 6
/* Digits kept while scanning; anything longer is too long in any form
 * ("00" + 15 digits is the longest that can succeed). */
#define SCAN_MAX_DIGITS 24

struct country {
	const char *iso;      /* ISO 3166 alpha-2 */
	const char *code;     /* calling code */
	unsigned nsn_min;     /* national significant number length */
	unsigned nsn_max;
	int trunk0;           /* "0" is the trunk prefix; else a closed plan */
	int utc_offset;       /* minutes east of UTC (none of these keeps DST) */
};

/* Every country here uses "00" as its international prefix.  Those with a
 * closed numbering plan have no trunk prefix: in Côte d'Ivoire a leading 0
 * is part of the number itself (+225 07 07 12 34 56).  Calling codes must
 * stay prefix-free among themselves (all are three digits today). */
/* The DRC spans two zones; its mining provinces (Katanga, the Kivus) are at
 * UTC+2, so that is the offset used for quiet hours. */
static const struct country countries[] = {
	{"TZ", "255", 9, 9, 1, 180},
	{"GH", "233", 9, 9, 1, 0},
	{"KE", "254", 9, 9, 1, 180},
	{"UG", "256", 9, 9, 1, 180},
	{"NG", "234", 10, 10, 1, 60},
	{"CD", "243", 9, 9, 1, 120},
	{"ZM", "260", 9, 9, 1, 120},
	{"RW", "250", 9, 9, 1, 120},
	{"BF", "226", 8, 8, 0, 0},
	{"ML", "223", 8, 8, 0, 0},
	{"SL", "232", 8, 8, 1, 0},
	{"ZW", "263", 9, 9, 1, 120},
	{"MZ", "258", 9, 9, 0, 120},
	{"SN", "221", 9, 9, 0, 0},
	{"CI", "225", 10, 10, 0, 0},
};

#define NCOUNTRIES (sizeof(countries) / sizeof(countries[0]))

static const struct country *country_by_iso(const char *iso)
{
	if (!iso)
		return NULL;
	for (size_t i = 0; i < NCOUNTRIES; i++)
		if (strcasecmp(countries[i].iso, iso) == 0)
			return &countries[i];
	return NULL;
}

/* The country whose calling code starts digits (with digits left after
 * it), or NULL. */
static const struct country *country_by_prefix(const char *digits, size_t n)
{
	for (size_t i = 0; i < NCOUNTRIES; i++) {
		size_t len = strlen(countries[i].code);
		if (n > len && memcmp(digits, countries[i].code, len) == 0)
			return &countries[i];
	}
	return NULL;
}

int phone_country_known(const char *country)
{
	return country_by_iso(country) != NULL;
}

int phone_is_e164(const char *s)
{
	if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	size_t n = 0;
	for (const char *p = s + 1; *p; p++, n++)
		if (*p < '0' || *p > '9')
			return 0;
	return n >= E164_MIN_DIGITS && n <= E164_MAX_DIGITS;
}

static int is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_separator(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' ||
	       c == ')';
}

/* What a scan of the input found. */
struct scan {
	char digits[SCAN_MAX_DIGITS];
	size_t n;              /* digits seen; only the first SCAN_MAX_DIGITS kept */
	int plus;              /* a '+' came before the first digit */
};

/* Collects the digits of input, skipping separators.  Returns 0, or -1 with
 * *reason set. */
static int scan_input(const char *input, struct scan *sc, const char **reason)
{
	int nonblank = 0;

	memset(sc, 0, sizeof(*sc));
	for (const unsigned char *p = (const unsigned char *)input; *p; p++) {
		unsigned char c = *p;
		if (c == 0xc2 && p[1] == 0xa0) {        /* UTF-8 no-break space */
			p++;
			continue;
		}
		if (c != ' ' && c != '\t')
			nonblank = 1;
		if (c >= '0' && c <= '9') {
			if (sc->n < SCAN_MAX_DIGITS)
				sc->digits[sc->n] = (char)c;
			sc->n++;
		} else if (c == '+') {
			if (sc->plus || sc->n) {
				*reason = "misplaced '+'";
				return -1;
			}
			sc->plus = 1;
		} else if (is_letter(c)) {
			*reason = "contains letters";
			return -1;
		} else if (c == '*' || c == '#') {
			*reason = "a ussd code, not a phone number";
			return -1;
		} else if (!is_separator(c)) {
			*reason = "contains invalid characters";
			return -1;
		}
	}
	if (!nonblank) {
		*reason = "empty";
		return -1;
	}
	if (sc->n == 0) {
		*reason = "no digits";
		return -1;
	}
	return 0;
}

/* Checks a national significant number's length and first digit for
 * country c. */
static int check_nsn(const struct country *c, const char *nsn, size_t n,
		     const char **reason)
{
	if (n < c->nsn_min) {
		*reason = "too short";
		return -1;
	}
	if (n > c->nsn_max) {
		*reason = "too long";
		return -1;
	}
	/* Once its one trunk 0 is dropped, such a country's number cannot
	 * start with 0: "+255 (0)012 345678" would become +255012345678, which
	 * does not normalise to itself (found by tests/fuzz/fuzz_phone). */
	if (c->trunk0 && nsn[0] == '0') {
		*reason = "too many leading zeros";
		return -1;
	}
	return 0;
}

/* Writes '+', code and nsn into out. */
static int write_e164(const char *code, const char *nsn, size_t n, char *out,
		      size_t outsize, const char **reason)
{
	size_t codelen = strlen(code);
	if (codelen + n + 2 > outsize) {
		*reason = "output buffer too small";
		return -1;
	}
	out[0] = '+';
	memcpy(out + 1, code, codelen);
	memcpy(out + 1 + codelen, nsn, n);
	out[1 + codelen + n] = '\0';
	return 0;
}

/* digits follow a '+' or "00". */
static int normalise_international(const char *digits, size_t n, char *out,
				   size_t outsize, const char **reason)
{
	if (n > SCAN_MAX_DIGITS) {
		*reason = "too long";
		return -1;
	}
	if (n && digits[0] == '0') {
		*reason = "invalid country code";
		return -1;
	}
	const struct country *c = country_by_prefix(digits, n);
	if (c) {
		size_t codelen = strlen(c->code);
		const char *nsn = digits + codelen;
		size_t nsnlen = n - codelen;
		if (c->trunk0 && nsn[0] == '0') {   /* "+255 (0)712 ..." */
			nsn++;
			nsnlen--;
		}
		if (check_nsn(c, nsn, nsnlen, reason) < 0)
			return -1;
		return write_e164(c->code, nsn, nsnlen, out, outsize, reason);
	}
	if (n < E164_MIN_DIGITS) {
		*reason = "too short";
		return -1;
	}
	if (n > E164_MAX_DIGITS) {
		*reason = "too long";
		return -1;
	}
	return write_e164("", digits, n, out, outsize, reason);
}

static int normalise_local(const char *digits, size_t n, const char *country,
			   char *out, size_t outsize, const char **reason)
{
	if (n <= SHORT_CODE_MAX_DIGITS && n >= 3 && digits[0] != '0') {
		*reason = "short code, not a phone number";
		return -1;
	}
	const struct country *c = country_by_iso(country);
	if (!c) {
		*reason = country ? "unknown country"
				  : "local number without a country";
		return -1;
	}
	if (n > SCAN_MAX_DIGITS) {
		*reason = "too long";
		return -1;
	}
	size_t codelen = strlen(c->code);
	const char *nsn = digits;
	size_t nsnlen = n;
	if (c->trunk0 && digits[0] == '0') {
		nsn++;
		nsnlen--;
	} else if (!(n >= c->nsn_min && n <= c->nsn_max) && n > codelen &&
		   memcmp(digits, c->code, codelen) == 0) {
		/* "255712345678": the country code without its '+' */
		nsn += codelen;
		nsnlen -= codelen;
		if (c->trunk0 && nsn[0] == '0') {
			nsn++;
			nsnlen--;
		}
	}
	if (check_nsn(c, nsn, nsnlen, reason) < 0)
		return -1;
	return write_e164(c->code, nsn, nsnlen, out, outsize, reason);
}

int phone_normalise(const char *input, const char *country, char *out,
		    size_t outsize, const char **reason)
{
	const char *ignored;
	struct scan sc;

	if (!reason)
		reason = &ignored;
	if (!input) {
		*reason = "empty";
		return -1;
	}
	if (scan_input(input, &sc, reason) < 0)
		return -1;
	if (sc.plus)
		return normalise_international(sc.digits, sc.n, out, outsize,
					       reason);
	if (sc.n >= 2 && sc.digits[0] == '0' && sc.digits[1] == '0')
		return normalise_international(sc.digits + 2, sc.n - 2, out,
					       outsize, reason);
	return normalise_local(sc.digits, sc.n, country, out, outsize, reason);
}

int phone_utc_offset(const char *e164, int *minutes)
{
	if (!e164 || e164[0] != '+')
		return -1;
	const struct country *c = country_by_prefix(e164 + 1, strlen(e164 + 1));
	if (!c)
		return -1;
	*minutes = c->utc_offset;
	return 0;
}
