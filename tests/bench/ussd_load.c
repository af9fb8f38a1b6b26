/* ussd_load.c -- the USSD load generator of `make bench`.
 *
 * Plays an Africa's-Talking-style aggregator: POST /ussd with sessionId,
 * serviceCode, phoneNumber, text (every input of the session so far joined
 * by '*') and networkCode, over keep-alive HTTP/1.1 connections.  Every
 * session is a new person walking the whole district survey of
 * tests/flows/broadcast/district.yaml: dial, 1 (Kiswahili), 3 (Chunya),
 * 1 (works), 5 (days), 8 (hours), "maji safi" (need) -> END: seven steps.
 *
 *   closed loop (default)  -c connections, one request in flight on each:
 *                          the most steps a second the server gives;
 *   open loop (-r RATE)    requests fall due at a fixed rate whether or not
 *                          earlier ones were answered (on up to -c
 *                          connections); latency counts from when a request
 *                          fell due, so a stall is not hidden;
 *   counted (-n N)         exactly N sessions from step -f up to (not
 *                          including) step -l, closed loop, then exits: puts
 *                          a known number of sessions in a known state.
 *
 * With -k the screens are checked: CON for every step but the last, END for
 * the last.  Without it (the hello baseline) only a 200 with a CON/END body
 * is required.  Prints one line:
 *
 *   rate=STEPS/S requests=N total=N errors=N p50_ms= p90_ms= p99_ms=
 *   p999_ms= max_ms= lag_p50_ms= lag_p99_ms= sessions=N conns=N
 *
 * (requests: answered in the measured window; total: answered in all;
 * lag: open loop, how long after it fell due each step was written, the
 * client's own share of the latency)
 * and exits 1 when a request failed. */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "benchlib.h"
#include "buf.h"

#define NSTEPS 7
#define OUT_CAP 1024
#define IN_CAP 16384

/* The inputs after the dial; step k sends the first k joined by '*'. */
static const char *const walk_inputs[NSTEPS - 1] = {"1", "3", "1", "5", "8", "maji safi"};

struct session {
	long num;
	int step;
	int64_t due;
	struct session *next;
};

struct session_queue {
	struct session *head, *tail;
	size_t n;
};

struct load;

struct conn {
	struct load *L;
	int fd;
	struct event *rev, *wev;
	char out[OUT_CAP];
	size_t out_len, out_off;
	char in[IN_CAP];
	size_t in_len;
	struct session *s;   /* the session of the request in flight, or NULL */
	struct conn *next;   /* in the idle list */
	LIST_ENTRY(conn) in_all; /* in L->all */
};

struct load {
	struct event_base *base;
	const char *host;
	int port;
	char code[64];               /* serviceCode, form-encoded */
	char texts[NSTEPS][128];     /* text of each step, form-encoded */
	int first, last;             /* steps sent: first .. last-1 */
	double rate;                 /* open loop; 0: closed loop */
	int max_conns, nconns, peak_conns;
	long base_num;
	long target;                 /* counted mode: sessions to run; 0 = by time */
	long started, finished;
	bool check, stopping;
	int64_t t0, t_measure, t_end;
	long issued;
	struct conn *idle;
	LIST_HEAD(, conn) all;       /* every open connection */
	struct session_queue ready;  /* open loop: sessions waiting for their next step */
	struct session_queue backlog;/* open loop: due, but no connection free */
	struct bench_lat lat;
	struct bench_lat lag;        /* open loop: how late each step was sent */
	long in_window, total, errors;
	struct event *tick;
};

static void q_push(struct session_queue *q, struct session *s)
{
	s->next = NULL;
	if (q->tail)
		q->tail->next = s;
	else
		q->head = s;
	q->tail = s;
	q->n++;
}

static struct session *q_pop(struct session_queue *q)
{
	struct session *s = q->head;
	if (!s)
		return NULL;
	q->head = s->next;
	if (!q->head)
		q->tail = NULL;
	q->n--;
	return s;
}

static struct session *session_new(struct load *L)
{
	if (L->target && L->started >= L->target)
		return NULL;
	struct session *s = xcalloc(1, sizeof(*s));
	s->num = L->base_num + L->started++;
	s->step = L->first;
	return s;
}

static void conn_close(struct conn *c);
static void on_readable(evutil_socket_t fd, short what, void *arg);
static void on_writable(evutil_socket_t fd, short what, void *arg);

static struct conn *conn_open(struct load *L)
{
	int fd = bench_connect(L->host, L->port);
	if (fd < 0)
		return NULL;
	struct conn *c = xcalloc(1, sizeof(*c));
	c->L = L;
	c->fd = fd;
	c->rev = event_new(L->base, fd, EV_READ | EV_PERSIST, on_readable, c);
	c->wev = event_new(L->base, fd, EV_WRITE, on_writable, c);
	event_add(c->rev, NULL);
	LIST_INSERT_HEAD(&L->all, c, in_all);
	if (++L->nconns > L->peak_conns)
		L->peak_conns = L->nconns;
	return c;
}

static void flush_out(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n > 0) {
			c->out_off += (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			event_add(c->wev, NULL);
			return;
		} else {
			/* the read event sees the end and closes it */
			shutdown(c->fd, SHUT_RDWR);
			return;
		}
	}
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_out(arg);
}

static void conn_send(struct conn *c, struct session *s)
{
	struct load *L = c->L;
	char body[512], phone[BENCH_PHONE_SIZE];
	bench_phone(s->num, phone);
	int blen = snprintf(body, sizeof(body),
			    "sessionId=bench-%ld&serviceCode=%s&phoneNumber=%%2B%s"
			    "&text=%s&networkCode=63902",
			    s->num, L->code, phone + 1, L->texts[s->step]);
	c->out_len = (size_t)snprintf(c->out, sizeof(c->out),
				      "POST /ussd HTTP/1.1\r\nHost: %s:%d\r\n"
				      "Content-Type: application/x-www-form-urlencoded\r\n"
				      "Content-Length: %d\r\n\r\n%s",
				      L->host, L->port, blen, body);
	c->out_off = 0;
	c->s = s;
	if (L->rate > 0 && s->due >= L->t_measure)
		bench_lat_add(&L->lag, bench_now_us() - s->due);
	flush_out(c);
}

/* A complete response at the start of buf: its length, 0 when more must be
 * read, -1 when it is not HTTP we understand. */
static long parse_response(const char *buf, size_t len, int *status,
			   const char **body, size_t *body_len, bool *closing)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len >= IN_CAP - 1 ? -1 : 0;
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0)
		return -1;
	*status = atoi(buf + 9);
	*closing = false;
	long clen = -1;
	const char *p = strstr(buf, "\r\n") + 2;
	while (p < end) {
		const char *eol = strstr(p, "\r\n");
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			clen = atol(p + 15);
		else if (strncasecmp(p, "Connection:", 11) == 0 &&
			 memmem(p, (size_t)(eol - p), "close", 5))
			*closing = true;
		p = eol + 2;
	}
	if (clen < 0)
		return -1;
	size_t head = (size_t)(end - buf) + 4;
	if (len < head + (size_t)clen)
		return 0;
	*body = buf + head;
	*body_len = (size_t)clen;
	return (long)(head + (size_t)clen);
}

static bool screen_ok(const struct load *L, const struct session *s, int status,
		      const char *body, size_t len)
{
	if (status != 200 || len < 4)
		return false;
	bool con = strncmp(body, "CON ", 4) == 0, end = strncmp(body, "END ", 4) == 0;
	if (!L->check)
		return con || end;
	return s->step == NSTEPS - 1 ? end : con;
}

static void dispatch(struct load *L, struct session *s);
static void conn_next(struct conn *c, struct session *done);

static void record(struct load *L, const struct session *s, int64_t now)
{
	bool counted = L->rate > 0 ? s->due >= L->t_measure : now >= L->t_measure;
	if (counted)
		bench_lat_add(&L->lat, now - s->due);
	if (now >= L->t_measure && now <= L->t_end)
		L->in_window++;
	L->total++;
}

static void on_response(struct conn *c, int status, const char *body, size_t len)
{
	struct load *L = c->L;
	struct session *s = c->s;
	int64_t now = bench_now_us();
	c->s = NULL;
	if (!screen_ok(L, s, status, body, len)) {
		if (L->errors++ < 5) {
			size_t shown = len > 200 ? 200 : len;
			while (shown && (body[shown - 1] == '\n' || body[shown - 1] == '\r'))
				shown--;
			fprintf(stderr, "ussd_load: session %ld step %d: status %d: %.*s\n",
				s->num, s->step, status, (int)shown, body);
		}
		s->step = L->last; /* abandon the session */
	} else {
		record(L, s, now);
		s->step++;
	}
	conn_next(c, s);
}

/* After an answer: the session goes on (or ends) and the connection takes
 * the next request. */
static void conn_next(struct conn *c, struct session *s)
{
	struct load *L = c->L;
	int64_t now = bench_now_us();
	if (s->step >= L->last) {
		L->finished++;
		free(s);
		s = NULL;
	}
	if (L->stopping) {
		free(s);
		return;
	}
	if (L->rate > 0) {
		if (s)
			q_push(&L->ready, s);
		struct session *next = q_pop(&L->backlog);
		if (next) {
			conn_send(c, next);
		} else {
			c->next = L->idle;
			L->idle = c;
		}
		return;
	}
	if (!s)
		s = session_new(L);
	if (s) {
		s->due = now;
		conn_send(c, s);
	} else if (L->target && L->finished >= L->target) {
		event_base_loopbreak(L->base);
	}
}

static void conn_close(struct conn *c)
{
	struct load *L = c->L;
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	L->nconns--;
	LIST_REMOVE(c, in_all);
	/* take it off the idle list if it is there */
	for (struct conn **p = &L->idle; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	struct session *s = c->s;
	free(c);
	if (L->stopping) {
		free(s);
		return;
	}
	if (s) {
		L->errors++;
		fprintf(stderr, "ussd_load: connection lost with session %ld step %d in flight\n",
			s->num, s->step);
		L->finished++;
		free(s);
	}
	if (L->rate == 0) {
		/* closed loop: keep the concurrency */
		struct conn *n = conn_open(L);
		struct session *ns = n ? session_new(L) : NULL;
		if (ns) {
			ns->due = bench_now_us();
			conn_send(n, ns);
		} else if (L->target && L->finished >= L->target) {
			event_base_loopbreak(L->base);
		}
	}
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct conn *c = arg;
	ssize_t n = read(fd, c->in + c->in_len, IN_CAP - 1 - c->in_len);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	c->in[c->in_len] = '\0';
	for (;;) {
		int status;
		const char *body;
		size_t blen;
		bool closing;
		long used = parse_response(c->in, c->in_len, &status, &body, &blen, &closing);
		if (used == 0)
			return;
		if (used < 0 || !c->s) {
			fprintf(stderr, "ussd_load: unreadable or unexpected response\n");
			conn_close(c);
			return;
		}
		on_response(c, status, body, blen);
		/* on_response may have sent the next request on c; c is still open */
		memmove(c->in, c->in + used, c->in_len - (size_t)used);
		c->in_len -= (size_t)used;
		c->in[c->in_len] = '\0';
		if (closing) {
			conn_close(c);
			return;
		}
	}
}

static void dispatch(struct load *L, struct session *s)
{
	struct conn *c = L->idle;
	if (c) {
		L->idle = c->next;
	} else if (L->nconns < L->max_conns) {
		c = conn_open(L);
	}
	if (c)
		conn_send(c, s);
	else
		q_push(&L->backlog, s);
}

/* Open loop: every millisecond (by the precise clock, main()), whatever
 * fell due since. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct load *L = arg;
	int64_t now = bench_now_us();
	double interval = 1e6 / L->rate;
	for (;;) {
		int64_t due = L->t0 + (int64_t)((double)L->issued * interval);
		if (due > now)
			break;
		struct session *s = q_pop(&L->ready);
		if (!s)
			s = session_new(L);
		s->due = due;
		L->issued++;
		dispatch(L, s);
	}
}

static void on_end(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct load *L = arg;
	event_base_loopbreak(L->base);
}

static void build_texts(struct load *L, const char *code)
{
	bench_form_encode(L->code, 0, sizeof(L->code), code);
	char plain[256] = "";
	for (int k = 0; k < NSTEPS; k++) {
		if (k > 0) {
			if (k > 1)
				strcat(plain, "*");
			strcat(plain, walk_inputs[k - 1]);
		}
		bench_form_encode(L->texts[k], 0, sizeof(L->texts[k]), plain);
	}
}

static int usage(void)
{
	fprintf(stderr,
		"usage: ussd_load [-H HOST] -p PORT [-c CONNS] [-r RATE] [-d SECS] [-w SECS]\n"
		"                 [-n SESSIONS [-f FIRST] [-l LAST]] [-P BASE] [-s CODE] [-k]\n");
	return 2;
}

static void report(struct load *L, double seconds)
{
	double rate = seconds > 0 ? (double)L->in_window / seconds : 0;
	printf("rate=%.1f requests=%ld total=%ld errors=%ld p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
	       "p999_ms=%.3f max_ms=%.3f lag_p50_ms=%.3f lag_p99_ms=%.3f sessions=%ld conns=%d\n",
	       rate, L->in_window, L->total, L->errors, bench_lat_ms(&L->lat, 50),
	       bench_lat_ms(&L->lat, 90), bench_lat_ms(&L->lat, 99),
	       bench_lat_ms(&L->lat, 99.9), bench_lat_ms(&L->lat, 100),
	       bench_lat_ms(&L->lag, 50), bench_lat_ms(&L->lag, 99), L->finished, L->peak_conns);
}

int main(int argc, char **argv)
{
	struct load L = {.host = "127.0.0.1", .max_conns = 64, .last = NSTEPS};
	double duration = 5, warmup = 1;
	const char *code = "*150*77#";
	int opt;
	while ((opt = getopt(argc, argv, "H:p:c:r:d:w:n:f:l:P:s:k")) != -1) {
		switch (opt) {
		case 'H': L.host = optarg; break;
		case 'p': L.port = atoi(optarg); break;
		case 'c': L.max_conns = atoi(optarg); break;
		case 'r': L.rate = atof(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'n': L.target = atol(optarg); break;
		case 'f': L.first = atoi(optarg); break;
		case 'l': L.last = atoi(optarg); break;
		case 'P': L.base_num = atol(optarg); break;
		case 's': code = optarg; break;
		case 'k': L.check = true; break;
		default: return usage();
		}
	}
	if (L.port <= 0 || L.max_conns < 1 || L.first < 0 || L.last > NSTEPS ||
	    L.first >= L.last || optind != argc || (L.target && L.rate > 0))
		return usage();
	signal(SIGPIPE, SIG_IGN);
	build_texts(&L, code);
	/* A precise clock: libevent's own is CLOCK_MONOTONIC_COARSE unless
	 * asked, which moves a jiffy at a time (4 ms on this kernel), so the
	 * open loop's 1 ms tick fired every 4 ms and sent 4 ms of requests at
	 * once, and every step's latency counted up to 4 ms of the client's
	 * wait (docs/performance.md, "The open loop's clock"). */
	struct event_config *cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	L.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!L.base) {
		fprintf(stderr, "ussd_load: no event base with a precise clock\n");
		return 1;
	}
	L.t0 = bench_now_us();
	if (L.target) {
		L.t_measure = L.t0;
		L.t_end = INT64_MAX;
	} else {
		L.t_measure = L.t0 + (int64_t)(warmup * 1e6);
		L.t_end = L.t_measure + (int64_t)(duration * 1e6);
		struct timeval tv = {(time_t)(warmup + duration),
				     (suseconds_t)(((warmup + duration) - (long)(warmup + duration)) * 1e6)};
		event_base_once(L.base, -1, EV_TIMEOUT, on_end, &L, &tv);
	}
	if (L.rate > 0) {
		L.tick = event_new(L.base, -1, EV_PERSIST, on_tick, &L);
		struct timeval ms = {0, 1000};
		event_add(L.tick, &ms);
	} else {
		for (int i = 0; i < L.max_conns; i++) {
			struct session *s = session_new(&L);
			if (!s)
				break;
			struct conn *c = conn_open(&L);
			if (!c) {
				free(s);
				return 1;
			}
			s->due = bench_now_us();
			conn_send(c, s);
		}
	}
	event_base_dispatch(L.base);
	int64_t stop = bench_now_us();
	L.stopping = true;
	if (L.target)
		L.t_end = stop;
	report(&L, (double)(L.t_end - L.t_measure) / 1e6);
	long errors = L.errors;
	if (L.tick)
		event_free(L.tick);
	while (!LIST_EMPTY(&L.all))
		conn_close(LIST_FIRST(&L.all));
	struct session *s;
	while ((s = q_pop(&L.ready)))
		free(s);
	while ((s = q_pop(&L.backlog)))
		free(s);
	bench_lat_release(&L.lat);
	bench_lat_release(&L.lag);
	event_base_free(L.base);
	return errors ? 1 : 0;
}
