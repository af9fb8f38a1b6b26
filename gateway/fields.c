/* fields.c -- see fields.h. */
#include "fields.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

static struct field *fields_find(const struct fields *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->items[i].name, name) == 0)
			return &f->items[i];
	return NULL;
}

const char *fields_get(const struct fields *f, const char *name)
{
	const struct field *field = fields_find(f, name);
	return field ? field->value : NULL;
}

void fields_setn(struct fields *f, const char *name, const char *value,
		 size_t value_len)
{
	struct field *field = fields_find(f, name);
	if (!field) {
		f->items = xrealloc(f->items, (f->n + 1) * sizeof(*f->items));
		field = &f->items[f->n++];
		field->name = xstrdup(name);
	} else {
		free(field->value);
	}
	field->value = xstrndup(value, value_len);
}

void fields_set(struct fields *f, const char *name, const char *value)
{
	fields_setn(f, name, value, strlen(value));
}

void fields_copy(struct fields *dst, const struct fields *src)
{
	if (dst->n > 0) {
		for (size_t i = 0; i < src->n; i++)
			fields_set(dst, src->items[i].name, src->items[i].value);
		return;
	}
	/* Into an empty list (a run loaded, copied): the names are known to
	 * differ, so one allocation and no searching. */
	if (src->n == 0)
		return;
	free(dst->items);
	dst->items = xmalloc(src->n * sizeof(*dst->items));
	for (size_t i = 0; i < src->n; i++) {
		dst->items[i].name = xstrdup(src->items[i].name);
		dst->items[i].value = xstrdup(src->items[i].value);
	}
	dst->n = src->n;
}

void fields_del(struct fields *f, const char *name)
{
	struct field *field = fields_find(f, name);
	if (!field)
		return;
	free(field->name);
	free(field->value);
	size_t i = (size_t)(field - f->items);
	memmove(field, field + 1, (f->n - i - 1) * sizeof(*field));
	f->n--;
}

void fields_release(struct fields *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].name);
		free(f->items[i].value);
	}
	free(f->items);
	f->items = NULL;
	f->n = 0;
}
