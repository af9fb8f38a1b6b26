/* tap.c -- a TCP relay that timestamps HTTP requests, for the throttle
 * figure of `make bench`.  sauti's kannel.sendsms points at the tap, the tap
 * at smsbox's sendsms port: every byte passes unchanged both ways, and the
 * moment the first byte of each request arrives -- the moment an MT is
 * handed to Kannel -- is written with the request's `to` parameter:
 *
 *	WALL_US TO
 *
 * to -o FILE (line-buffered).  It assumes what sauti sends: GET requests
 * without a body, one after the other on a connection.
 *
 *	tap -l LISTEN_PORT -u UPSTREAM_PORT -o FILE
 *
 * SIGTERM or SIGINT stops it. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "benchlib.h"
#include "buf.h"

struct pair;

struct tap {
	struct event_base *base;
	int upstream_port;
	FILE *log;
	struct pair *pairs;  /* every open pair, freed at exit */
};

struct pair {
	struct tap *tap;
	struct bufferevent *client, *upstream;
	struct pair *prev, *next;
	/* the request being scanned */
	bool at_start;
	int crlf;            /* how much of "\r\n\r\n" was just seen */
	int64_t started;
	char line[256];      /* its first line, as much as fits */
	size_t line_len;
	bool line_done;
};

static void pair_free(struct pair *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		p->tap->pairs = p->next;
	if (p->next)
		p->next->prev = p->prev;
	bufferevent_free(p->client);
	bufferevent_free(p->upstream);
	free(p);
}

static void log_request(struct pair *p)
{
	p->line[p->line_len] = '\0';
	const char *to = strstr(p->line, "&to=");
	if (!to)
		to = strstr(p->line, "?to=");
	char phone[64] = "-";
	if (to) {
		to += 4;
		size_t n = strcspn(to, "& ");
		snprintf(phone, sizeof(phone), "%.*s", (int)(n < 63 ? n : 63), to);
	}
	fprintf(p->tap->log, "%lld %s\n", (long long)p->started, phone);
}

/* Finds where requests start in the bytes going upstream. */
static void scan(struct pair *p, const unsigned char *data, size_t len)
{
	static const char end[] = "\r\n\r\n";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = data[i];
		if (p->at_start) {
			p->started = bench_wall_us();
			p->at_start = false;
			p->line_len = 0;
			p->line_done = false;
		}
		if (!p->line_done) {
			if (c == '\r' || c == '\n') {
				p->line_done = true;
				log_request(p);
			} else if (p->line_len < sizeof(p->line) - 1) {
				p->line[p->line_len++] = (char)c;
			}
		}
		p->crlf = c == (unsigned char)end[p->crlf] ? p->crlf + 1 : (c == '\r' ? 1 : 0);
		if (p->crlf == 4) {
			p->crlf = 0;
			p->at_start = true;
		}
	}
}

static void on_client_read(struct bufferevent *bev, void *arg)
{
	struct pair *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v[8];
	int n = evbuffer_peek(in, -1, NULL, v, 8);
	for (int i = 0; i < n && i < 8; i++)
		scan(p, v[i].iov_base, v[i].iov_len);
	bufferevent_write_buffer(p->upstream, in);
}

static void on_upstream_read(struct bufferevent *bev, void *arg)
{
	struct pair *p = arg;
	bufferevent_write_buffer(p->client, bufferevent_get_input(bev));
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct pair *p = arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		pair_free(p);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)sa;
	(void)salen;
	struct tap *t = arg;
	struct pair *p = xcalloc(1, sizeof(*p));
	p->tap = t;
	p->at_start = true;
	p->next = t->pairs;
	if (t->pairs)
		t->pairs->prev = p;
	t->pairs = p;
	p->client = bufferevent_socket_new(t->base, fd, BEV_OPT_CLOSE_ON_FREE);
	p->upstream = bufferevent_socket_new(t->base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct sockaddr_in up = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)t->upstream_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bufferevent_socket_connect(p->upstream, (struct sockaddr *)&up, sizeof(up)) < 0) {
		pair_free(p);
		return;
	}
	bufferevent_setcb(p->client, on_client_read, NULL, on_event, p);
	bufferevent_setcb(p->upstream, on_upstream_read, NULL, on_event, p);
	bufferevent_enable(p->client, EV_READ);
	bufferevent_enable(p->upstream, EV_READ);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(((struct tap *)arg)->base, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: tap -l LISTEN_PORT -u UPSTREAM_PORT -o FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct tap t = {0};
	int port = 0, opt;
	const char *out = NULL;
	while ((opt = getopt(argc, argv, "l:u:o:")) != -1) {
		switch (opt) {
		case 'l': port = atoi(optarg); break;
		case 'u': t.upstream_port = atoi(optarg); break;
		case 'o': out = optarg; break;
		default: return usage();
		}
	}
	if (port <= 0 || t.upstream_port <= 0 || !out || optind != argc)
		return usage();
	t.log = fopen(out, "w");
	if (!t.log) {
		perror(out);
		return 1;
	}
	setvbuf(t.log, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	t.base = event_base_new();
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct evconnlistener *l = evconnlistener_new_bind(
		t.base, on_accept, &t, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
		(struct sockaddr *)&sa, sizeof(sa));
	if (!l) {
		fprintf(stderr, "tap: cannot listen on 127.0.0.1:%d\n", port);
		return 1;
	}
	struct event *term = evsignal_new(t.base, SIGTERM, on_signal, &t);
	struct event *intr = evsignal_new(t.base, SIGINT, on_signal, &t);
	event_add(term, NULL);
	event_add(intr, NULL);
	event_base_dispatch(t.base);
	event_free(term);
	event_free(intr);
	while (t.pairs)
		pair_free(t.pairs);
	evconnlistener_free(l);
	event_base_free(t.base);
	fclose(t.log);
	return 0;
}
