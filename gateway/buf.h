/* buf.h -- a growable byte string, always NUL-terminated.
 *
 * A zeroed struct buf is an empty buffer.  Every append aborts the process on
 * out-of-memory (like Redis' zmalloc): a gateway that cannot allocate a few
 * bytes cannot do anything useful, and checking every append hides the logic.
 * buf_detach() hands the string to the caller, who frees it with free(). */
#ifndef SAUTI_BUF_H
#define SAUTI_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_grow(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Appends v in decimal, without printf's cost. */
void buf_put_long(struct buf *b, long v);
/* Writes v's decimal digits to end just before end (BUF_DIGITS_MAX room
 * before it) and returns where they begin: buf_put_long's digits, for a
 * caller writing into room it made itself. */
#define BUF_DIGITS_MAX 20
char *buf_digits(char *end, unsigned long v);
/* The same for a signed v, '-' first when negative (BUF_DIGITS_MAX + 1
 * room before end). */
char *buf_long_digits(char *end, long v);
void buf_reset(struct buf *b);
/* Drops the first n bytes (all when there are fewer). */
void buf_drop_front(struct buf *b, size_t n);
/* The contents ("" when empty); valid until the next append. */
const char *buf_str(const struct buf *b);
char *buf_detach(struct buf *b);
void buf_release(struct buf *b);

/* Copies src (NULL: "") into dst (size bytes), cut to fit and
 * NUL-terminated, as snprintf(dst, size, "%s", src) would, without
 * printf's cost; returns the length copied. */
size_t str_copy(char *dst, size_t size, const char *src);

/* malloc that aborts on failure, and strdup/strndup on top of it. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
