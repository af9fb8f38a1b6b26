/* fields.h -- a small ordered list of name/value strings.
 *
 * Used for a contact's fields and a run's answers: a handful of entries, so a
 * linear search beats a hash table.  The list owns copies of every name and
 * value. */
#ifndef SAUTI_FIELDS_H
#define SAUTI_FIELDS_H

#include <stddef.h>

struct field {
	char *name;
	char *value;
};

struct fields {
	struct field *items;
	size_t n;
};

#define FIELDS_INIT {NULL, 0}

/* The value of name, or NULL when absent. */
const char *fields_get(const struct fields *f, const char *name);
/* Sets name to a copy of value, replacing an earlier value. */
void fields_set(struct fields *f, const char *name, const char *value);
void fields_setn(struct fields *f, const char *name, const char *value,
		 size_t value_len);
void fields_copy(struct fields *dst, const struct fields *src);
/* Removes name, if there. */
void fields_del(struct fields *f, const char *name);
void fields_release(struct fields *f);

#endif
