/* phone.h -- phone numbers as people write them, into E.164 ("+255712345678").
 *
 * The numbering plans of every country come from libphonenumber, through
 * phonenumber.h; this module holds sauti's rules on top of it: which
 * characters a number may be written with, which numbers are accepted
 * where, and the sentence that says why one is not.  No I/O; the library's
 * state is made once and never changes (phonenumber.h), and the latest
 * answers are kept, since the same numbers come again and again.
 *
 * Accepted, for a default country (ISO 3166 alpha-2, any case) such as TZ:
 *   "0712 345 678"       the national form, trunk prefix and all
 *   "712345678"          without the trunk prefix
 *   "255712345678"       the country code without '+'
 *   "+255 712 345 678"   international form, any country
 *   "00255712345678"     international form with the 00 prefix (or the
 *                        country's own international prefix, TZ's 000)
 *   "+255 (0)712 345678" a trunk 0 after the country code is dropped
 * Spaces, tabs, no-break spaces, '-', '.', '/', '(' and ')' are ignored
 * anywhere; '+' only before the first digit.  A number written with '+' or
 * an international prefix keeps its own country whatever the default; a
 * local form needs a known default country.
 *
 * Reasons for refusing a number are static lowercase strings, e.g. "empty",
 * "contains letters", "too short", "short code, not a phone number",
 * "a landline, not a mobile number". */
#ifndef SAUTI_PHONE_H
#define SAUTI_PHONE_H

#include <stddef.h>

/* Room for the longest E.164 number: '+', 15 digits, NUL. */
#define PHONE_E164_SIZE 17
/* Room for a region: two letters and NUL (one spare). */
#define PHONE_REGION_SIZE 4

/* Writes the E.164 form of input into out (outsize >= PHONE_E164_SIZE is
 * always enough) and returns 0, or returns -1 and points *reason (when
 * reason is not NULL) at why not.  country may be NULL: only international
 * forms are then accepted.  Any number whose length is possible in its
 * country is taken: this is for numbers the network hands us (Kannel's
 * `from`, an aggregator's phoneNumber), real by definition even when the
 * library's plan is older than the range. */
int phone_normalise(const char *input, const char *country, char *out,
		    size_t outsize, const char **reason);

/* As phone_normalise(), but only a valid mobile number of its country is
 * taken (FIXED_LINE_OR_MOBILE counts, where the plan cannot tell): the rule
 * for contacts, who are sent SMS.  A landline, a toll-free number or a
 * number in no range in use is refused, saying which.  region, when not
 * NULL (size PHONE_REGION_SIZE), gets the number's country, as
 * phone_region() would give it without reading the number again. */
int phone_normalise_mobile(const char *input, const char *country, char *out,
			   size_t outsize, char *region, const char **reason);

/* 1 when country (e.g. "TZ", "gh") is a region libphonenumber knows. */
int phone_country_known(const char *country);

/* The region ("TZ") of an E.164 number into out (size PHONE_REGION_SIZE);
 * 0, or -1 when it has none (unparsable, or a non-geographic number).  For
 * a number already read (normalised), which is what it is for: its calling
 * code alone tells the region where only one region uses it. */
int phone_region(const char *e164, char *out);

/* 1 when s is already E.164: '+', a first digit other than 0, then digits,
 * 7 to 15 digits in all and nothing else.  A syntax check only. */
int phone_is_e164(const char *s);

/* The local time offset (minutes east of UTC) of the country an E.164
 * number belongs to; -1 when sauti has no offset for that country. */
int phone_utc_offset(const char *e164, int *minutes);

/* Copies in to out (size bytes), each run of 7 or more digits (a '+'
 * before it and single spaces within it included) written as "#", so that
 * no phone number gets into text shown outside the host (the audit trail,
 * an API answer): an audience such as "phones:+255700000111,+255700000112"
 * becomes "phones:#,#".  out is cut short to fit; in may be NULL (""). */
void phone_scrub(const char *in, char *out, size_t size);

#endif
