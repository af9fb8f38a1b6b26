/* smsc_load.c -- the phones of `make bench`: a client of bearerbox's fake
 * SMSC that speaks the protocol of Kannel's test/fakesmsc (one line per
 * message: "FROM TO text TEXT", MTs coming back as "FROM TO text|data|udh
 * ..."), but keeps many phones busy at once and timestamps what it gets.
 * Kannel's own fakesmsc sends MOs picked at random from its command line and
 * logs with one-second timestamps, which can neither walk a survey nor time
 * a step.
 *
 *   load (default)  -c phones, each with one MO in flight, walking the
 *                   district survey by SMS: WILAYA, 1, 3, 1, 5, 8,
 *                   "maji safi" (seven MOs, seven replies), then a new
 *                   phone starts.  The figure is MOs answered per second
 *                   (a reply of several parts counts when its last part
 *                   arrives) over -d seconds after -w seconds of warm-up.
 *                   With -k a reply that is Kannel's couldnotfetch text, or
 *                   a last reply that is not the survey's "Asante" end, is
 *                   an error.
 *   sink (-S)       only receives: writes "WALL_US RECEIVER" for every
 *                   complete MT to -o FILE until -n messages came or
 *                   nothing came for -t seconds.  With -R PREFIX only MTs
 *                   to numbers starting with PREFIX count (bearerbox hands
 *                   a new client the MTs that were waiting for the last).
 *
 * Load prints one line: rate=MO/S replies=N total=N errors=N timeouts=N
 * p50_ms= p90_ms= p99_ms= max_ms= sessions=N (replies: in the measured
 * window; total: in all).  Sink prints count=N. */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchlib.h"
#include "buf.h"
#include "form.h"

#define NSTEPS 7
#define LINE_MAX_LEN 8192
#define REPLY_TIMEOUT_US (15 * 1000000LL)

static const char *const walk[NSTEPS] = {"WILAYA", "1", "3", "1", "5", "8", "maji safi"};

struct phone {
	long num;            /* the phone is bench_phone(num) */
	long round;          /* sessions this slot has started */
	int step;
	int64_t sent;        /* 0: nothing in flight */
	int parts, total;    /* of a multipart reply */
	struct buf text;     /* the reply so far, decoded */
};

struct smsc {
	struct event_base *base;
	int fd;
	struct event *rev, *tick;
	const char *to;
	struct buf out;
	size_t out_off;
	struct event *wev;
	char in[LINE_MAX_LEN * 2];
	size_t in_len;
	/* load */
	struct phone *phones;
	int nphones;
	long base_num;
	bool check;
	int64_t t_measure, t_end;
	struct bench_lat lat;
	long in_window, total, errors, timeouts, sessions;
	/* sink */
	bool sink;
	const char *prefix;
	FILE *log;
	long want, got;
	int parts;
	double idle_secs;
	int64_t last_seen;
};

/* -- output ------------------------------------------------------------------- */

static void flush_out(struct smsc *S)
{
	while (S->out_off < S->out.len) {
		ssize_t n = write(S->fd, S->out.data + S->out_off, S->out.len - S->out_off);
		if (n > 0) {
			S->out_off += (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			event_add(S->wev, NULL);
			return;
		} else {
			fprintf(stderr, "smsc_load: write to bearerbox: %s\n", strerror(errno));
			event_base_loopbreak(S->base);
			return;
		}
	}
	buf_reset(&S->out);
	S->out_off = 0;
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_out(arg);
}

static void send_step(struct smsc *S, struct phone *p)
{
	char phone[BENCH_PHONE_SIZE];
	bench_phone(p->num, phone);
	buf_printf(&S->out, "%s %s text %s\n", phone, S->to, walk[p->step]);
	p->sent = bench_now_us();
	p->parts = p->total = 0;
	buf_reset(&p->text);
	if (!event_pending(S->wev, EV_WRITE, NULL))
		flush_out(S);
}

/* Phone slot i walks numbers base+i, base+i+n, base+i+2n, ... so that a
 * number tells its slot. */
static void phone_start(struct smsc *S, struct phone *p, int slot)
{
	p->num = S->base_num + p->round++ * S->nphones + slot;
	p->step = 0;
	send_step(S, p);
}

/* -- decoding MTs ---------------------------------------------------------------- */

/* Kannel's octstr_url_encode: %XX, and '+' for a space (form.h decodes it). */
static size_t url_decode(const char *s, size_t len, unsigned char *out, size_t max)
{
	return form_decode(s, len, (char *)out, max);
}

/* The total number of parts a concatenation UDH announces; 1 when none. */
static int udh_total(const unsigned char *udh, size_t len)
{
	size_t end = len ? 1 + (size_t)udh[0] : 0;
	for (size_t i = 1; i + 1 < len && i < end;) {
		int iei = udh[i], ielen = udh[i + 1];
		if (iei == 0x00 && ielen == 3 && i + 4 < len)
			return udh[i + 3];
		if (iei == 0x08 && ielen == 4 && i + 5 < len)
			return udh[i + 4];
		i += 2 + (size_t)ielen;
	}
	return 1;
}

struct mt {
	const char *receiver;
	size_t receiver_len;
	int total;                 /* parts announced; 1 for a plain MT */
	unsigned char data[LINE_MAX_LEN];
	size_t len;
};

/* "FROM TO text TEXT", "FROM TO data URLENC", "FROM TO udh URLENC URLENC". */
static int mt_parse(const char *line, size_t len, struct mt *m)
{
	const char *end = line + len;
	const char *sp1 = memchr(line, ' ', len);
	if (!sp1)
		return -1;
	const char *to = sp1 + 1;
	const char *sp2 = memchr(to, ' ', (size_t)(end - to));
	if (!sp2)
		return -1;
	m->receiver = to;
	m->receiver_len = (size_t)(sp2 - to);
	const char *type = sp2 + 1;
	const char *sp3 = memchr(type, ' ', (size_t)(end - type));
	const char *rest = sp3 ? sp3 + 1 : end;
	size_t rlen = (size_t)(end - rest);
	m->total = 1;
	if (strncmp(type, "text ", 5) == 0) {
		memcpy(m->data, rest, rlen);
		m->len = rlen;
	} else if (strncmp(type, "data ", 5) == 0 || strncmp(type, "ucs-2 ", 6) == 0) {
		m->len = url_decode(rest, rlen, m->data, sizeof(m->data));
	} else if (strncmp(type, "udh ", 4) == 0) {
		const char *sp4 = memchr(rest, ' ', rlen);
		if (!sp4)
			return -1;
		unsigned char udh[256];
		size_t ulen = url_decode(rest, (size_t)(sp4 - rest), udh, 80);
		m->total = udh_total(udh, ulen);
		m->len = url_decode(sp4 + 1, (size_t)(end - sp4 - 1), m->data, sizeof(m->data));
	} else {
		return -1;
	}
	return 0;
}

/* -- load ------------------------------------------------------------------------ */

static bool reply_ok(const struct smsc *S, const struct phone *p)
{
	const char *t = buf_str(&p->text);
	if (strstr(t, "Samahani, huduma haipatikani"))
		return false;
	if (S->check && p->step == NSTEPS - 1)
		return strncmp(t, "Asante", 6) == 0;
	return true;
}

static void phone_answered(struct smsc *S, struct phone *p, int slot)
{
	int64_t now = bench_now_us();
	if (!reply_ok(S, p)) {
		char phone[BENCH_PHONE_SIZE];
		bench_phone(p->num, phone);
		if (S->errors++ < 5)
			fprintf(stderr, "smsc_load: %s step %d got: %.160s\n",
				phone, p->step, buf_str(&p->text));
	} else if (now >= S->t_measure && now <= S->t_end) {
		bench_lat_add(&S->lat, now - p->sent);
		S->in_window++;
	}
	S->total++;
	p->sent = 0;
	if (++p->step < NSTEPS) {
		send_step(S, p);
		return;
	}
	S->sessions++;
	phone_start(S, p, slot);
}

static void load_mt(struct smsc *S, const struct mt *m)
{
	long num = bench_phone_num(m->receiver, m->receiver_len);
	if (num < 0)
		return;
	/* back to the load's own count: every number in flight is within a
	 * round of phones from base_num, far less than a cycle */
	num += S->base_num / BENCH_PHONE_CYCLE * BENCH_PHONE_CYCLE;
	if (num < S->base_num)
		num += BENCH_PHONE_CYCLE;
	int slot = (int)(((num - S->base_num) % S->nphones + S->nphones) % S->nphones);
	struct phone *p = &S->phones[slot];
	if (!p->sent || p->num != num)
		return; /* a late part of something we gave up on */
	buf_append(&p->text, m->data, m->len);
	p->total = m->total;
	if (++p->parts >= p->total)
		phone_answered(S, p, slot);
}

/* Every second: a phone waiting too long has lost its message; it counts
 * as a timeout and the phone starts again. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct smsc *S = arg;
	int64_t now = bench_now_us();
	if (S->sink) {
		if ((double)(now - S->last_seen) > S->idle_secs * 1e6)
			event_base_loopbreak(S->base);
		return;
	}
	for (int i = 0; i < S->nphones; i++) {
		struct phone *p = &S->phones[i];
		if (p->sent && now - p->sent > REPLY_TIMEOUT_US) {
			S->timeouts++;
			phone_start(S, p, i);
		}
	}
}

/* -- sink ------------------------------------------------------------------------- */

static void sink_mt(struct smsc *S, const struct mt *m)
{
	size_t plen = S->prefix ? strlen(S->prefix) : 0;
	if (plen && (m->receiver_len < plen || strncmp(m->receiver, S->prefix, plen) != 0))
		return;
	/* a multipart MT counts once, when its last part comes (its parts
	 * arrive one after the other) */
	if (++S->parts < m->total)
		return;
	S->parts = 0;
	fprintf(S->log, "%lld %.*s\n", (long long)bench_wall_us(), (int)m->receiver_len,
		m->receiver);
	S->last_seen = bench_now_us();
	if (++S->got >= S->want)
		event_base_loopbreak(S->base);
}

/* -- input -------------------------------------------------------------------------- */

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct smsc *S = arg;
	ssize_t n = read(fd, S->in + S->in_len, sizeof(S->in) - S->in_len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		fprintf(stderr, "smsc_load: bearerbox closed the connection\n");
		event_base_loopbreak(S->base);
		return;
	}
	S->in_len += (size_t)n;
	size_t start = 0;
	static struct mt m;
	for (;;) {
		char *nl = memchr(S->in + start, '\n', S->in_len - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (S->in + start));
		if (len < LINE_MAX_LEN && mt_parse(S->in + start, len, &m) == 0) {
			if (S->sink)
				sink_mt(S, &m);
			else
				load_mt(S, &m);
		}
		start += len + 1;
	}
	memmove(S->in, S->in + start, S->in_len - start);
	S->in_len -= start;
	if (S->in_len == sizeof(S->in)) /* a line longer than anything Kannel sends */
		S->in_len = 0;
}

static void on_end(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((struct smsc *)arg)->base);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: smsc_load [-H HOST] -p PORT [-c PHONES] [-d SECS] [-w SECS] [-P BASE]\n"
		"                 [-T SHORTCODE] [-k]\n"
		"       smsc_load [-H HOST] -p PORT -S -n COUNT -o FILE [-t IDLE_SECS] [-R PREFIX]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct smsc S = {.to = "15055", .nphones = 50, .idle_secs = 30};
	const char *host = "127.0.0.1", *out = NULL;
	int port = 0, opt;
	double duration = 5, warmup = 1;
	while ((opt = getopt(argc, argv, "H:p:c:d:w:P:T:kSn:o:t:R:")) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': S.nphones = atoi(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'P': S.base_num = atol(optarg); break;
		case 'T': S.to = optarg; break;
		case 'k': S.check = true; break;
		case 'S': S.sink = true; break;
		case 'n': S.want = atol(optarg); break;
		case 'o': out = optarg; break;
		case 't': S.idle_secs = atof(optarg); break;
		case 'R': S.prefix = optarg; break;
		default: return usage();
		}
	}
	if (port <= 0 || S.nphones < 1 || optind != argc || (S.sink && (!out || S.want < 1)))
		return usage();
	signal(SIGPIPE, SIG_IGN);
	S.fd = bench_connect(host, port);
	if (S.fd < 0)
		return 1;
	S.base = event_base_new();
	S.rev = event_new(S.base, S.fd, EV_READ | EV_PERSIST, on_readable, &S);
	S.wev = event_new(S.base, S.fd, EV_WRITE, on_writable, &S);
	S.tick = event_new(S.base, -1, EV_PERSIST, on_tick, &S);
	event_add(S.rev, NULL);
	struct timeval second = {1, 0};
	event_add(S.tick, &second);
	int status = 0;
	if (S.sink) {
		S.log = fopen(out, "w");
		if (!S.log) {
			fprintf(stderr, "smsc_load: cannot write %s: %s\n", out, strerror(errno));
			return 1;
		}
		S.last_seen = bench_now_us();
		event_base_dispatch(S.base);
		fclose(S.log);
		printf("count=%ld\n", S.got);
		status = S.got >= S.want ? 0 : 1;
	} else {
		S.phones = xcalloc((size_t)S.nphones, sizeof(*S.phones));
		int64_t t0 = bench_now_us();
		S.t_measure = t0 + (int64_t)(warmup * 1e6);
		S.t_end = S.t_measure + (int64_t)(duration * 1e6);
		double total = warmup + duration;
		struct timeval tv = {(time_t)total, (suseconds_t)((total - (double)(long)total) * 1e6)};
		event_base_once(S.base, -1, EV_TIMEOUT, on_end, &S, &tv);
		for (int i = 0; i < S.nphones; i++)
			phone_start(&S, &S.phones[i], i);
		event_base_dispatch(S.base);
		printf("rate=%.1f replies=%ld total=%ld errors=%ld timeouts=%ld p50_ms=%.3f "
		       "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f sessions=%ld\n",
		       (double)S.in_window / duration, S.in_window, S.total, S.errors, S.timeouts,
		       bench_lat_ms(&S.lat, 50), bench_lat_ms(&S.lat, 90),
		       bench_lat_ms(&S.lat, 99), bench_lat_ms(&S.lat, 100), S.sessions);
		status = S.errors || S.timeouts ? 1 : 0;
		for (int i = 0; i < S.nphones; i++)
			buf_release(&S.phones[i].text);
		free(S.phones);
		bench_lat_release(&S.lat);
	}
	event_free(S.rev);
	event_free(S.wev);
	event_free(S.tick);
	buf_release(&S.out);
	close(S.fd);
	event_base_free(S.base);
	return status;
}
