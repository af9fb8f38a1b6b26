/* phonenumber.h -- the C face of libphonenumber (Debian's
 * libphonenumber-dev, C++), which knows every country's numbering plan:
 * calling codes, trunk and international prefixes, lengths, and which
 * ranges are mobile.  Implemented in phonenumber.cc; phone.h builds the
 * gateway's rules on it.
 *
 * The library's PhoneNumberUtil is a process-wide singleton, made on first
 * use and never freed (the library's own design); its log is muted, so no
 * number it sees is ever written anywhere.  Safe from any thread. */
#ifndef SAUTI_PHONENUMBER_H
#define SAUTI_PHONENUMBER_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
/* No exception may unwind into C: one (out of memory) ends the process. */
#define PN_NOEXCEPT noexcept
#else
#define PN_NOEXCEPT
#endif

/* Why text is not a possible number (libphonenumber's ErrorType and
 * ValidationResult together). */
enum pn_status {
	PN_OK,
	PN_NO_COUNTRY,        /* a local form, and no (known) region to read it in */
	PN_NOT_A_NUMBER,
	PN_TOO_SHORT,
	PN_TOO_LONG,
	PN_INVALID_LENGTH,    /* between the shortest and longest, but no length in use */
};

/* libphonenumber's PhoneNumberType, in its order. */
enum pn_type {
	PN_FIXED_LINE,
	PN_MOBILE,
	PN_FIXED_LINE_OR_MOBILE,  /* the plan does not tell them apart */
	PN_TOLL_FREE,
	PN_PREMIUM_RATE,
	PN_SHARED_COST,
	PN_VOIP,
	PN_PERSONAL_NUMBER,
	PN_PAGER,
	PN_UAN,
	PN_VOICEMAIL,
	PN_UNKNOWN,
};

#define PN_E164_SIZE 24       /* '+', up to 3 + 17 digits, NUL */

struct pn_number {
	char e164[PN_E164_SIZE];  /* "+255712345678" */
	char region[4];           /* "TZ"; "" when the calling code has none
				   * (a non-geographic "001" number, say) */
	bool typed;               /* valid, type and region were read (below) */
	bool valid;               /* a range in use (IsValidNumber) */
	enum pn_type type;        /* PN_UNKNOWN unless valid */
};

/* Reads text as written in region (ISO 3166 alpha-2, any case; NULL: only
 * international forms).  Returns PN_OK with *n filled when the library
 * parses it and its length is possible for its country, else why not (*n
 * is then undefined). */
enum pn_status pn_parse(const char *text, const char *region,
			struct pn_number *n) PN_NOEXCEPT;
/* The same, but when text is already its own E.164 form (the number a
 * network gives), its range is not judged: n->typed is false, and region,
 * valid and type are empty.  Judging it costs a third of a reading (the
 * type's patterns), which a number that reads back as itself does not need
 * (phone.c, the possible rule); and "+" with digits that read back as
 * themselves is told without the library's parse, in a sixth of its time. */
enum pn_status pn_parse_form(const char *text, const char *region,
			     struct pn_number *n) PN_NOEXCEPT;

/* true when text, read in region, is a possible short code there
 * ("15055", "100"): a service number, not a person's. */
bool pn_is_short_code(const char *text, const char *region) PN_NOEXCEPT;

/* true when region (any case) is one the library has a plan for. */
bool pn_region_known(const char *region) PN_NOEXCEPT;

/* The region of an E.164 number ("TZ") into out (size >= 4); false when it
 * does not parse or its calling code has no region.  A calling code of one
 * region gives that region without the number being checked further. */
bool pn_region_of(const char *e164, char *out) PN_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif
