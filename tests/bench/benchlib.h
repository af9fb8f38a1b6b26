/* benchlib.h -- what the load generators of `make bench` share: a
 * microsecond clock, a latency recorder with percentiles, and a blocking
 * connect to a loopback port.  Only for tests/bench/; nothing in gateway/
 * uses it. */
#ifndef SAUTI_BENCHLIB_H
#define SAUTI_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in microseconds. */
int64_t bench_now_us(void);
/* CLOCK_REALTIME in microseconds (for timestamps compared across processes). */
int64_t bench_wall_us(void);

/* Latencies in microseconds; a zeroed struct is empty. */
struct bench_lat {
	int64_t *v;
	size_t n, cap;
	int sorted;
};

void bench_lat_add(struct bench_lat *l, int64_t us);
/* The p-th percentile (0..100) in milliseconds; 0 when empty.  Nearest rank. */
double bench_lat_ms(struct bench_lat *l, double p);
void bench_lat_release(struct bench_lat *l);

/* A non-blocking TCP socket connected to host:port (numeric IPv4), with
 * TCP_NODELAY; -1 with a sentence on stderr when it fails. */
int bench_connect(const char *host, int port);

/* Appends src to dst (at most cap bytes in all, NUL-terminated),
 * form-encoded: unreserved characters as they are, ' ' as '+', the rest as
 * %XX.  Returns the new length of dst. */
size_t bench_form_encode(char *dst, size_t len, size_t cap, const char *src);

/* The phone number of load number num: "+2557" then a second digit of a
 * Tanzanian mobile range and seven digits, so that every number the load
 * sends is one a network could (as real traffic is: an invalid number costs
 * libphonenumber a second reading).  Distinct for num below
 * BENCH_PHONE_CYCLE; out needs BENCH_PHONE_SIZE bytes. */
#define BENCH_PHONE_CYCLE 70000000L
#define BENCH_PHONE_SIZE 24
void bench_phone(long num, char out[BENCH_PHONE_SIZE]);
/* The num below BENCH_PHONE_CYCLE whose bench_phone is text, or -1. */
long bench_phone_num(const char *text, size_t len);

#endif
