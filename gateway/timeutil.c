/* timeutil.c -- see timeutil.h. */
#include "timeutil.h"

#include <stdio.h>
#include <time.h>

void time_iso8601(long t, char out[TIME_ISO8601_SIZE])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(out, TIME_ISO8601_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n digits at *p into *v and moves *p past them. */
static int digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		*v = *v * 10 + (c - '0');
	}
	*p += n;
	return 0;
}

static int parse_date(const char **p, int *y, int *mo, int *d)
{
	if (digits(p, 4, y) < 0 || *(*p)++ != '-' || digits(p, 2, mo) < 0 ||
	    *(*p)++ != '-' || digits(p, 2, d) < 0)
		return -1;
	if (*mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo))
		return -1;
	return 0;
}

/* "HH:MM[:SS[.fff]]" */
static int parse_clock(const char **p, int *h, int *mi, int *sec)
{
	*sec = 0;
	if (digits(p, 2, h) < 0 || *(*p)++ != ':' || digits(p, 2, mi) < 0)
		return -1;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 2, sec) < 0)
			return -1;
		if (**p == '.' || **p == ',') {
			(*p)++;
			if (**p < '0' || **p > '9')
				return -1;
			while (**p >= '0' && **p <= '9')
				(*p)++;
		}
	}
	if (*h > 23 || *mi > 59 || *sec > 60)
		return -1;
	return 0;
}

/* "Z", "+HH:MM", "+HHMM" or "+HH" (or '-'), into seconds east of UTC; the
 * whole rest of the string.  A space stands for '+': that is what a '+'
 * written unencoded in a URL's query becomes (docs/http.md). */
static int parse_offset(const char *p, long *offset)
{
	int sign, h, m = 0;

	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
		*offset = 0;
		return 0;
	}
	if (*p != '+' && *p != '-' && *p != ' ')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &h) < 0)
		return -1;
	if (*p == ':')
		p++;
	if (*p && digits(&p, 2, &m) < 0)
		return -1;
	if (*p || h > 23 || m > 59)
		return -1;
	*offset = sign * (h * 3600L + m * 60L);
	return 0;
}

int time_parse_iso8601(const char *s, long *t)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	long offset = 0;

	if (parse_date(&p, &y, &mo, &d) < 0)
		return -1;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (parse_clock(&p, &h, &mi, &sec) < 0 ||
		    parse_offset(p, &offset) < 0)
			return -1;
	}
	*t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400L +
	     h * 3600L + mi * 60L + sec - offset;
	return 0;
}
