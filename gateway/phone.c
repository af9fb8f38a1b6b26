/* phone.c -- see phone.h.  The numbering plans are libphonenumber's
 * (phonenumber.h); what is here is what sauti accepts and how it says no. */
#include "phone.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "phonenumber.h"

#define E164_MIN_DIGITS 7       /* Niue, Tokelau: +683 4002 */
#define E164_MAX_DIGITS 15
/* Digits kept from the input; more is too long in any form. */
#define SCAN_MAX_DIGITS 24

/* What the input looks like once its separators are gone: an optional '+'
 * and the digits. */
struct scan {
	char text[SCAN_MAX_DIGITS + 2];
	size_t ndigits;
	bool plus;
};

static bool is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_separator(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' ||
	       c == '(' || c == ')';
}

/* Checks the characters of input and collects its digits.  libphonenumber
 * itself would take letters (vanity numbers), "tel:" and extensions, none of
 * which belong in a contact sheet: they are refused here, with a reason. */
static int scan_input(const char *input, struct scan *sc, const char **reason)
{
	bool nonblank = false;
	memset(sc, 0, sizeof(*sc));
	for (const unsigned char *p = (const unsigned char *)input; *p; p++) {
		unsigned char c = *p;
		if (c == 0xc2 && p[1] == 0xa0) {        /* UTF-8 no-break space */
			p++;
			continue;
		}
		if (c != ' ' && c != '\t')
			nonblank = true;
		if (c >= '0' && c <= '9') {
			if (sc->ndigits >= SCAN_MAX_DIGITS) {
				*reason = "too long";
				return -1;
			}
			sc->text[sc->plus + sc->ndigits++] = (char)c;
		} else if (c == '+') {
			if (sc->plus || sc->ndigits) {
				*reason = "misplaced '+'";
				return -1;
			}
			sc->plus = true;
			sc->text[0] = '+';
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
	if (sc->ndigits == 0) {
		*reason = "no digits";
		return -1;
	}
	return 0;
}

static const char *status_reason(enum pn_status st, bool international)
{
	switch (st) {
	case PN_NO_COUNTRY:
		return international ? "invalid country code" : "unknown country";
	case PN_TOO_SHORT:
		return "too short";
	case PN_TOO_LONG:
		return "too long";
	case PN_INVALID_LENGTH:
		return "wrong number of digits";
	case PN_NOT_A_NUMBER:
	case PN_OK:
	default:
		return "not a phone number";
	}
}

/* Why a valid number of this type is no mobile number, or NULL when it is
 * one. */
static const char *not_mobile(enum pn_type type)
{
	switch (type) {
	case PN_MOBILE:
	case PN_FIXED_LINE_OR_MOBILE:
		return NULL;
	case PN_FIXED_LINE:
		return "a landline, not a mobile number";
	case PN_TOLL_FREE:
		return "a toll-free number, not a mobile number";
	case PN_PREMIUM_RATE:
		return "a premium-rate number, not a mobile number";
	case PN_SHARED_COST:
		return "a shared-cost number, not a mobile number";
	case PN_VOIP:
		return "an internet (VoIP) number, not a mobile number";
	case PN_PERSONAL_NUMBER:
		return "a personal forwarding number, not a mobile number";
	case PN_PAGER:
		return "a pager number, not a mobile number";
	case PN_UAN:
		return "a company (UAN) number, not a mobile number";
	case PN_VOICEMAIL:
		return "a voicemail number, not a mobile number";
	case PN_UNKNOWN:
	default:
		return "not a mobile number";
	}
}

/* How much a reading needs to be taken. */
enum take { TAKE_POSSIBLE, TAKE_VALID, TAKE_MOBILE };

/* Reads text (separators gone) in country; 0 when it is taken under the
 * rule, else -1 with *reason. */
static int read_as(const char *text, const char *country, enum take take,
		   struct pn_number *n, const char **reason)
{
	/* Under the possible rule a number read back as itself needs no
	 * judging (below): pn_parse_form leaves it out. */
	enum pn_status st = take == TAKE_POSSIBLE ? pn_parse_form(text, country, n)
						  : pn_parse(text, country, n);
	if (st != PN_OK) {
		*reason = status_reason(st, text[0] == '+');
		return -1;
	}
	if (!phone_is_e164(n->e164)) {
		*reason = strlen(n->e164) - 1 < E164_MIN_DIGITS ? "too short" : "too long";
		return -1;
	}
	/* A number in no range in use is still taken from the network when
	 * its length is possible, but only if its E.164 form reads back as
	 * itself: "0000002121" in GH would become +233000002121, which reads
	 * back as +23300002121 (found by tests/fuzz/fuzz_phone). */
	struct pn_number again;
	if (n->typed && !n->valid &&
	    (take != TAKE_POSSIBLE || pn_parse(n->e164, NULL, &again) != PN_OK ||
			  strcmp(again.e164, n->e164) != 0)) {
		*reason = "not a valid number in its country";
		return -1;
	}
	if (take != TAKE_MOBILE)
		return 0;
	*reason = not_mobile(n->type);
	return *reason ? -1 : 0;
}

/* "00..." is the international prefix (ITU's, and that of nearly every
 * country sauti serves), or else the default country's own may explain it
 * (TZ dials out with 000, 005 and 006).  Of the two readings the first
 * valid one wins, under either rule, so that both rules read a number
 * alike; failing that, the international reading is judged. */
static int read_00(const char *text, const char *country, enum take take,
		   struct pn_number *n, const char **reason)
{
	char intl[64];      /* "+" and the digits after 00 (at most SCAN_MAX_DIGITS) */
	const char *ignored;
	snprintf(intl, sizeof(intl), "+%s", text + 2);
	if (read_as(intl, NULL, TAKE_VALID, n, &ignored) == 0)
		return read_as(intl, NULL, take, n, reason);
	if (country && pn_region_known(country) &&
	    read_as(text, country, TAKE_VALID, n, &ignored) == 0)
		return read_as(text, country, take, n, reason);
	return read_as(intl, NULL, take, n, reason);
}

static int normalise(const char *input, const char *country, bool mobile,
		     char *out, size_t outsize, char *region, const char **reason)
{
	const char *ignored;
	struct scan sc;
	struct pn_number n;

	if (!reason)
		reason = &ignored;
	if (!input) {
		*reason = "empty";
		return -1;
	}
	if (scan_input(input, &sc, reason) < 0)
		return -1;
	enum take take = mobile ? TAKE_MOBILE : TAKE_POSSIBLE;
	int rc;
	if (sc.plus) {
		rc = read_as(sc.text, NULL, take, &n, reason);
	} else if (sc.ndigits > 2 && sc.text[0] == '0' && sc.text[1] == '0') {
		rc = read_00(sc.text, country, take, &n, reason);
	} else if (!country || !pn_region_known(country)) {
		*reason = country ? "unknown country" : "local number without a country";
		return -1;
	} else {
		rc = read_as(sc.text, country, take, &n, reason);
		if (rc < 0 && pn_is_short_code(sc.text, country) &&
		    sc.text[0] != '0')
			*reason = "short code, not a phone number";
	}
	if (rc < 0)
		return -1;
	size_t len = strlen(n.e164);
	if (len + 1 > outsize) {
		*reason = "output buffer too small";
		return -1;
	}
	memcpy(out, n.e164, len + 1);
	if (region)
		memcpy(region, n.region, PHONE_REGION_SIZE);
	return 0;
}

/* -- the answers given lately ---------------------------------------------------
 * A reading through libphonenumber costs tens of microseconds (its ICU
 * regular expressions: a third of a USSD step's CPU; a network's own E.164
 * form costs a sixth of that, phonenumber.cc), and the same numbers
 * come again and again: every step of a session, every SMS of a survey.
 * An answer depends only on the input, the country and the rule (the
 * library's state never changes), so the latest are kept in a
 * direct-mapped table: a slot per hash, the newest answer wins it.  As
 * many slots as the daemon keeps USSD sessions (serve.c's kept state):
 * under overload thousands of sessions are under way at once, and with a
 * smaller table each of their steps read the number again. */
#define MEMO_SLOTS 65536                /* a power of two; 88 B each, 5.5 MiB */
#define MEMO_INPUT_MAX 40               /* longer inputs are not kept */

struct memo {
	bool used, mobile, has_country;
	char input[MEMO_INPUT_MAX];
	char country[PHONE_REGION_SIZE];
	int rc;
	char e164[PHONE_E164_SIZE];
	char region[PHONE_REGION_SIZE];
	const char *reason;             /* static, as normalise() gives it */
};

static struct memo memo[MEMO_SLOTS];

/* The slot of a question, or NULL when it is not one to keep. */
static struct memo *memo_slot(const char *input, const char *country, bool mobile)
{
	size_t in_len = strlen(input), c_len = country ? strlen(country) : 0;
	if (in_len >= MEMO_INPUT_MAX || c_len >= PHONE_REGION_SIZE)
		return NULL;
	uint32_t h = 2166136261u;       /* FNV-1a */
	for (size_t i = 0; i < in_len; i++)
		h = (h ^ (unsigned char)input[i]) * 16777619u;
	for (size_t i = 0; i < c_len; i++)
		h = (h ^ (unsigned char)country[i]) * 16777619u;
	h = (h ^ (mobile ? 1u : 2u) ^ (country ? 4u : 0u)) * 16777619u;
	return &memo[h & (MEMO_SLOTS - 1)];
}

static bool memo_answers(const struct memo *m, const char *input, const char *country,
			 bool mobile)
{
	return m->used && m->mobile == mobile && m->has_country == (country != NULL) &&
	       strcmp(m->input, input) == 0 && (!country || strcmp(m->country, country) == 0);
}

static void memo_keep(struct memo *m, const char *input, const char *country, bool mobile,
		      int rc, const char *e164, const char *region, const char *reason)
{
	m->used = true;
	m->mobile = mobile;
	m->has_country = country != NULL;
	strcpy(m->input, input);                        /* lengths checked by memo_slot */
	strcpy(m->country, country ? country : "");
	m->rc = rc;
	strcpy(m->e164, rc == 0 ? e164 : "");
	memcpy(m->region, rc == 0 ? region : "", rc == 0 ? PHONE_REGION_SIZE : 1);
	m->reason = reason;
}

/* normalise(), answered from the table when it can be. */
static int normalise_kept(const char *input, const char *country, bool mobile,
			  char *out, size_t outsize, char *region, const char **reason)
{
	struct memo *m = input ? memo_slot(input, country, mobile) : NULL;
	if (!m)
		return normalise(input, country, mobile, out, outsize, region, reason);
	if (!memo_answers(m, input, country, mobile)) {
		char e164[PHONE_E164_SIZE] = "", reg[PHONE_REGION_SIZE] = "";
		const char *why = NULL;
		int rc = normalise(input, country, mobile, e164, sizeof(e164), reg, &why);
		memo_keep(m, input, country, mobile, rc, e164, reg, why);
	}
	if (m->rc < 0) {
		if (reason)
			*reason = m->reason;
		return -1;
	}
	size_t len = strlen(m->e164);
	if (len + 1 > outsize) {
		if (reason)
			*reason = "output buffer too small";
		return -1;
	}
	memcpy(out, m->e164, len + 1);
	if (region)
		memcpy(region, m->region, PHONE_REGION_SIZE);
	return 0;
}

int phone_normalise(const char *input, const char *country, char *out,
		    size_t outsize, const char **reason)
{
	return normalise_kept(input, country, false, out, outsize, NULL, reason);
}

int phone_normalise_mobile(const char *input, const char *country, char *out,
			   size_t outsize, char *region, const char **reason)
{
	return normalise_kept(input, country, true, out, outsize, region, reason);
}

int phone_country_known(const char *country)
{
	return country && strlen(country) == 2 && pn_region_known(country);
}

int phone_region(const char *e164, char *out)
{
	return phone_is_e164(e164) && pn_region_of(e164, out) ? 0 : -1;
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

/* Minutes east of UTC, for quiet hours in the recipient's country.  None
 * of these keeps daylight saving time.  The DRC spans two zones; its mining
 * provinces (Katanga, the Kivus) are at UTC+2. */
static const struct {
	const char *iso;
	int minutes;
} utc_offsets[] = {
	{"TZ", 180}, {"GH", 0},    {"KE", 180}, {"UG", 180}, {"NG", 60},
	{"CD", 120}, {"ZM", 120},  {"RW", 120}, {"BF", 0},   {"ML", 0},
	{"SL", 0},   {"ZW", 120},  {"MZ", 120}, {"SN", 0},   {"CI", 0},
	{"ET", 180}, {"IN", 330},  {"PE", -300}, {"CO", -300}, {"BO", -240},
	{"NE", 60},  {"GN", 0},    {"LR", 0},   {"MG", 180},
};

int phone_utc_offset(const char *e164, int *minutes)
{
	char region[PHONE_REGION_SIZE];
	if (phone_region(e164, region) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(utc_offsets) / sizeof(utc_offsets[0]); i++)
		if (strcmp(utc_offsets[i].iso, region) == 0) {
			*minutes = utc_offsets[i].minutes;
			return 0;
		}
	return -1;
}

/* -- scrubbing numbers out of text ------------------------------------------ */

/* The length of the number-like run at s ('+'? digits and single spaces,
 * ending in a digit) when it has as many digits as the shortest E.164
 * number or more, else 0. */
static size_t number_run(const char *s)
{
	size_t i = *s == '+' ? 1 : 0, end = 0, digits = 0;
	while (s[i]) {
		if (isdigit((unsigned char)s[i])) {
			digits++;
			end = ++i;
		} else if (s[i] == ' ' && isdigit((unsigned char)s[i + 1]) && digits) {
			i++;
		} else {
			break;
		}
	}
	return digits >= E164_MIN_DIGITS ? end : 0;
}

void phone_scrub(const char *in, char *out, size_t size)
{
	size_t o = 0;
	if (!size)
		return;
	for (size_t i = 0; in && in[i] && o + 1 < size;) {
		bool at_start = i == 0 || !isdigit((unsigned char)in[i - 1]);
		size_t n = at_start ? number_run(in + i) : 0;
		if (n) {
			out[o++] = '#';
			i += n;
		} else {
			out[o++] = in[i++];
		}
	}
	out[o] = '\0';
}
