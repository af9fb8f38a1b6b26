/* benchlib.c -- see benchlib.h. */
#include "benchlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static int64_t clock_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t bench_now_us(void) { return clock_us(CLOCK_MONOTONIC); }

int64_t bench_wall_us(void) { return clock_us(CLOCK_REALTIME); }

void bench_lat_add(struct bench_lat *l, int64_t us)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = us;
	l->sorted = 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

double bench_lat_ms(struct bench_lat *l, double p)
{
	if (!l->n)
		return 0;
	if (!l->sorted) {
		qsort(l->v, l->n, sizeof(*l->v), cmp_i64);
		l->sorted = 1;
	}
	/* nearest rank: the smallest value with at least p% at or below it */
	size_t rank = (size_t)((p / 100.0) * (double)l->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > l->n)
		rank = l->n;
	return (double)l->v[rank - 1] / 1000.0;
}

void bench_lat_release(struct bench_lat *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int bench_connect(const char *host, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "bench: '%s' is not an IPv4 address\n", host);
		return -1;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "bench: socket: %s\n", strerror(errno));
		return -1;
	}
	/* On loopback a blocking connect returns at once. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "bench: connect to %s:%d: %s\n", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

size_t bench_form_encode(char *dst, size_t len, size_t cap, const char *src)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *s = (const unsigned char *)src; *s && len + 4 < cap; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == '~') {
			dst[len++] = (char)*s;
		} else if (*s == ' ') {
			dst[len++] = '+';
		} else {
			dst[len++] = '%';
			dst[len++] = hex[*s >> 4];
			dst[len++] = hex[*s & 15];
		}
	}
	if (cap)
		dst[len < cap ? len : cap - 1] = '\0';
	return len;
}

/* Second digits after +2557 that libphonenumber takes as TZ mobile numbers
 * (70, 72 and 77 are in no range). */
static const char mobile_digits[] = "1345689";

void bench_phone(long num, char out[BENCH_PHONE_SIZE])
{
	long n = num % BENCH_PHONE_CYCLE;
	snprintf(out, BENCH_PHONE_SIZE, "+2557%c%07ld", mobile_digits[n / 10000000], n % 10000000);
}

long bench_phone_num(const char *text, size_t len)
{
	if (len != 13 || strncmp(text, "+2557", 5) != 0)
		return -1;
	const char *d = strchr(mobile_digits, text[5]);
	if (!d || !*d)
		return -1;
	long rest = 0;
	for (size_t i = 6; i < 13; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		rest = rest * 10 + (text[i] - '0');
	}
	return (long)(d - mobile_digits) * 10000000 + rest;
}
