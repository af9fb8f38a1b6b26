/* form.h -- application/x-www-form-urlencoded text (a query string, a form
 * body) read into its names and values.
 *
 * Read as libevent's evhttp_parse_query_str reads it, which sauti used
 * before: items are split at '&', each must be NAME=VALUE with a name; the
 * value is percent-decoded ('+' is a space), the name is taken as it is.  A
 * trailing '&' is allowed, an empty item elsewhere is not.  Unlike libevent,
 * a value keeps every byte it decodes to, a NUL included (GSM text, where
 * 0x00 is '@'), and a text costs one allocation however many fields it has:
 * the form of every USSD step is read here (docs/performance.md). */
#ifndef SAUTI_FORM_H
#define SAUTI_FORM_H

#include <stdbool.h>
#include <stddef.h>

struct form_field {
	const char *name;
	const char *value;   /* NUL-terminated, and may hold NULs before it */
	size_t value_len;
};

struct form_text;        /* the decoded copy of one text (form.c) */

#define FORM_INLINE_FIELDS 8
struct form {
	struct form_field *fields;  /* inline, or owned once there are more */
	size_t count, cap;
	struct form_text *texts;    /* owned */
	struct form_field inline_fields[FORM_INLINE_FIELDS];
};

void form_init(struct form *f);
void form_release(struct form *f);

enum form_status {
	FORM_OK,
	FORM_MALFORMED,  /* an item without '=' or name: none of it is added */
	FORM_HAS_NUL,    /* added, but a name or value holds a NUL byte */
};
/* Adds the fields of text[0..len) after those already there. */
enum form_status form_add(struct form *f, const char *text, size_t len);

/* The first field named name (ASCII case ignored, as for HTTP headers), or
 * NULL. */
const struct form_field *form_find(const struct form *f, const char *name);

/* Percent-decodes src[0..len) ('+' is a space) into out, at most max bytes,
 * keeping every byte (%00 included); returns the length. */
size_t form_decode(const char *src, size_t len, char *out, size_t max);

#endif
