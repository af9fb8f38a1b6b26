/* hello.c -- the baseline server of `make bench`: a bare evhttp server, built
 * from the same libevent as sauti, that answers every request with 200 and a
 * fixed body.  It does nothing else (no parsing of the form, no storage), so
 * it measures what the HTTP layer alone costs; sauti's figures are given as a
 * ratio to it, measured with the same client in the same run.
 *
 *	hello [-H HOST] -p PORT [-b BODY]
 *
 * BODY defaults to "CON hello" (a USSD screen); for Kannel use e.g. -b hello,
 * which smsbox sends back as the reply SMS.  SIGTERM or SIGINT stops it. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct hello {
	struct event_base *base;
	const char *body;
	size_t len;
};

static void on_request(struct evhttp_request *req, void *arg)
{
	struct hello *h = arg;
	struct evbuffer *out = evbuffer_new();
	evbuffer_add_reference(out, h->body, h->len, NULL, NULL);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	struct hello *h = arg;
	event_base_loopexit(h->base, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: hello [-H HOST] -p PORT [-b BODY]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	int port = 0, opt;
	struct hello h = {.body = "CON hello"};
	while ((opt = getopt(argc, argv, "H:p:b:")) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'b': h.body = optarg; break;
		default: return usage();
		}
	}
	if (port <= 0 || port > 65535 || optind != argc)
		return usage();
	h.len = strlen(h.body);
	signal(SIGPIPE, SIG_IGN);
	h.base = event_base_new();
	struct evhttp *http = evhttp_new(h.base);
	if (!h.base || !http) {
		fprintf(stderr, "hello: cannot set up libevent\n");
		return 1;
	}
	evhttp_set_gencb(http, on_request, &h);
	/* The backlog sauti asks for (gateway/http.c), not libevent's 128:
	 * the two servers meet a burst of new connections alike. */
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct evconnlistener *l = NULL;
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1)
		l = evconnlistener_new_bind(h.base, NULL, NULL,
					    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 65535,
					    (struct sockaddr *)&sin, sizeof(sin));
	if (!l || !evhttp_bind_listener(http, l)) {
		fprintf(stderr, "hello: cannot listen on %s:%d\n", host, port);
		return 1;
	}
	struct event *term = evsignal_new(h.base, SIGTERM, on_signal, &h);
	struct event *intr = evsignal_new(h.base, SIGINT, on_signal, &h);
	event_add(term, NULL);
	event_add(intr, NULL);
	event_base_dispatch(h.base);
	event_free(term);
	event_free(intr);
	evhttp_free(http);
	event_base_free(h.base);
	return 0;
}
