/* phone.h -- phone numbers as people write them, into E.164 ("+255712345678").
 *
 * Pure: no I/O, no globals.  Every stored number is E.164; this is where the
 * forms found in contact sheets and Kannel parameters become one.
 *
 * Accepted, for a default country (ISO 3166 alpha-2, any case) such as TZ:
 *   "0712 345 678"       trunk prefix 0 + national significant number (NSN)
 *   "712345678"          the NSN alone
 *   "255712345678"       country code + NSN, no '+'
 *   "+255 712 345 678"   international form
 *   "00255712345678"     international form with the 00 prefix
 *   "+255 (0)712 345678" a trunk 0 after the country code is dropped
 * Spaces, tabs, no-break spaces, '-', '.', '(' and ')' are ignored anywhere;
 * '+' only before the first digit.  A leading 0 is the trunk prefix, except
 * in the countries with a closed numbering plan (BF, ML, MZ, SN, CI), which
 * have none: there it is part of the number (CI, "+225 07 07 12 34 56") or
 * makes it too long.
 *
 * A number in international form is checked against the country table when
 * its country code is in it (the NSN must have that country's length) and
 * otherwise only needs 8 to 15 digits in all, as E.164 allows.  A local form
 * needs a known default country.
 *
 * Reasons for rejecting a number are static lowercase strings, e.g. "empty",
 * "contains letters", "too short", "too long", "short code, not a phone
 * number", "unknown country". */
#ifndef SAUTI_PHONE_H
#define SAUTI_PHONE_H

#include <stddef.h>

/* Room for the longest E.164 number: '+', 15 digits, NUL. */
#define PHONE_E164_SIZE 17

/* Writes the E.164 form of input into out (outsize >= PHONE_E164_SIZE is
 * always enough) and returns 0, or returns -1 and points *reason (when
 * reason is not NULL) at why not.  country may be NULL: only international
 * forms are then accepted. */
int phone_normalise(const char *input, const char *country, char *out,
		    size_t outsize, const char **reason);

/* 1 when country (e.g. "TZ", "gh") is in the country table, else 0. */
int phone_country_known(const char *country);

/* 1 when s is already E.164: '+', a first digit other than 0, then digits,
 * 8 to 15 digits in all and nothing else.  A syntax check only: it does not
 * consult the country table. */
int phone_is_e164(const char *s);

/* The local time offset (minutes east of UTC) of the country an E.164
 * number belongs to; -1 when the country is not in the table. */
int phone_utc_offset(const char *e164, int *minutes);

#endif
