/* form.c -- see form.h. */
#include "form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

struct form_text {
	struct form_text *next;
	char bytes[];
};

void form_init(struct form *f)
{
	f->fields = f->inline_fields;
	f->count = 0;
	f->cap = FORM_INLINE_FIELDS;
	f->texts = NULL;
}

void form_release(struct form *f)
{
	while (f->texts) {
		struct form_text *next = f->texts->next;
		free(f->texts);
		f->texts = next;
	}
	if (f->fields != f->inline_fields)
		free(f->fields);
	form_init(f);
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t form_decode(const char *src, size_t len, char *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < max; i++) {
		int hi, lo;
		if (src[i] == '%' && i + 2 < len && (hi = hex_digit(src[i + 1])) >= 0 &&
		    (lo = hex_digit(src[i + 2])) >= 0) {
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = src[i] == '+' ? ' ' : src[i];
		}
	}
	return n;
}

static struct form_field *new_field(struct form *f)
{
	if (f->count == f->cap) {
		size_t cap = f->cap * 2;
		struct form_field *grown = xmalloc(cap * sizeof(*grown));
		memcpy(grown, f->fields, f->count * sizeof(*grown));
		if (f->fields != f->inline_fields)
			free(f->fields);
		f->fields = grown;
		f->cap = cap;
	}
	return &f->fields[f->count++];
}

/* Copies item (NAME=VALUE) to out as NAME\0VALUE\0, the value decoded;
 * returns the bytes written (at most the item's length + 1), or 0 for an
 * item that is not one. */
static size_t read_item(struct form *f, const char *item, size_t len, char *out,
			bool *has_nul)
{
	const char *eq = memchr(item, '=', len);
	if (!eq || eq == item)
		return 0;
	size_t name_len = (size_t)(eq - item);
	if (memchr(item, '\0', name_len))
		*has_nul = true;
	memcpy(out, item, name_len);
	out[name_len] = '\0';
	char *value = out + name_len + 1;
	size_t value_len = form_decode(eq + 1, len - name_len - 1, value, len - name_len - 1);
	value[value_len] = '\0';
	if (memchr(value, '\0', value_len))
		*has_nul = true;
	struct form_field *field = new_field(f);
	field->name = out;
	field->value = value;
	field->value_len = value_len;
	return name_len + 1 + value_len + 1;
}

enum form_status form_add(struct form *f, const char *text, size_t len)
{
	if (len == 0)
		return FORM_OK;
	/* Decoding never lengthens: each item's '=' and '&' make room for its
	 * two NULs, and one more byte ends the last. */
	struct form_text *copy = xmalloc(sizeof(*copy) + len + 1);
	size_t count_before = f->count, used = 0;
	bool has_nul = false;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t item_len = (size_t)((amp ? amp : end) - p);
		size_t n = read_item(f, p, item_len, copy->bytes + used, &has_nul);
		if (n == 0) {
			f->count = count_before;
			free(copy);
			return FORM_MALFORMED;
		}
		used += n;
		p = amp ? amp + 1 : end;
	}
	copy->next = f->texts;
	f->texts = copy;
	return has_nul ? FORM_HAS_NUL : FORM_OK;
}

const struct form_field *form_find(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->count; i++)
		if (strcasecmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}
