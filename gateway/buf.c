/* buf.c -- see buf.h. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "sauti: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

size_t str_copy(char *dst, size_t size, const char *src)
{
	if (size == 0)
		return 0;
	size_t n = src ? strnlen(src, size - 1) : 0;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* buf_grow's rare part, apart so that the common one inlines small. */
static void __attribute__((noinline)) grow_room(struct buf *b, size_t extra)
{
	if (extra >= SIZE_MAX / 2 - b->len) /* more than can ever be had */
		out_of_memory(extra);
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_grow(struct buf *b, size_t extra)
{
	if (extra >= b->cap - b->len) /* no room for it and the NUL (cap > len, or 0) */
		grow_room(b, extra);
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len) /* data may be an empty buf's NULL */
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s) { buf_append(b, s, strlen(s)); }

void buf_putc(struct buf *b, char c) { buf_append(b, &c, 1); }

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	/* Formats straight into the room left, and only when that is too
	 * small grows and formats again: most strings fit the first time. */
	va_list again;
	va_copy(again, ap);
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (n < 0) {
		if (b->data)
			b->data[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

char *buf_digits(char *end, unsigned long v)
{
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	return end;
}

char *buf_long_digits(char *end, long v)
{
	char *at = buf_digits(end, v < 0 ? 0UL - (unsigned long)v : (unsigned long)v);
	if (v < 0)
		*--at = '-';
	return at;
}

void buf_put_long(struct buf *b, long v)
{
	char digits[BUF_DIGITS_MAX + 1];
	char *end = digits + sizeof(digits);
	char *at = buf_long_digits(end, v);
	buf_append(b, at, (size_t)(end - at));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_drop_front(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n + 1);
	b->len -= n;
}

const char *buf_str(const struct buf *b) { return b->data ? b->data : ""; }

char *buf_detach(struct buf *b)
{
	char *s = b->data ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
