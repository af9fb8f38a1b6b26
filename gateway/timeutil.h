/* timeutil.h -- ISO 8601 times, as exported and as typed on the command line.
 *
 * Pure: no clock, no time zone database, no globals.  Times are seconds since
 * the Unix epoch, as a long. */
#ifndef SAUTI_TIMEUTIL_H
#define SAUTI_TIMEUTIL_H

#define TIME_ISO8601_SIZE 32

/* Writes t as UTC, "2026-11-22T09:14:03Z". */
void time_iso8601(long t, char out[TIME_ISO8601_SIZE]);

/* Reads "2026-11-22T12:14:03+03:00" into *t and returns 0, or returns -1.
 * Accepted: a date and a time ("T", "t" or one space between them) with
 * seconds optional and fractions of a second ignored, then "Z" or an offset
 * (+03:00, +0300, +03, -01:30; a space for the '+', " 03:00", as an
 * unencoded '+' in a URL's query arrives); or a bare date, "2026-11-22",
 * read as midnight UTC.  A time without an offset is refused: it would be
 * ambiguous.  Years are four digits; every field is range-checked
 * (February 29 only in leap years; a leap second :60 is allowed). */
int time_parse_iso8601(const char *s, long *t);

#endif
