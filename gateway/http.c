/* http.c -- see http.h. */
#include "http.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "buf.h"
#include "form.h"
#include "log.h"

struct http_server {
	struct evhttp *evhttp;
	struct evhttp_bound_socket *socket;
	const struct http_route *routes;
	size_t nroutes;
	void *data;
	size_t in_flight;
	size_t max_in_flight;    /* 0: no limit */
	unsigned long shed;
	unsigned long paused;    /* connections held after a 503 */
	struct ev_token_bucket_cfg *pause; /* see pause_connection */
};

struct req_private {
	struct http_req pub;
	struct form params;      /* the query's, then the form body's */
	size_t query_params;     /* how many of them are the query's */
	char *path;
	char *body;
	bool bad_params;
	enum http_errors errors; /* its route's */
	void (*on_drained)(void *arg);
	void *drained_arg;
};

static struct req_private *priv(struct http_req *req)
{
	return (struct req_private *)req;
}

static void on_connection_close(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	struct http_req *req = arg;
	req->ev = NULL;
}

static void detach_close_cb(struct http_req *req)
{
	if (req->ev)
		evhttp_connection_set_closecb(evhttp_request_get_connection(req->ev),
					      NULL, NULL);
}

static void req_free(struct http_req *req)
{
	struct req_private *p = priv(req);
	detach_close_cb(req);
	req->server->in_flight--;
	form_release(&p->params);
	free(p->path);
	free(p->body);
	free(p);
}

/* A NUL byte in the decoded path would silently cut it short (and could
 * reach another route): refuse it.  Form values keep theirs (form.h). */
static bool has_encoded_nul(const char *s)
{
	for (; (s = strchr(s, '%')) != NULL; s++)
		if (s[1] == '0' && s[2] == '0')
			return true;
	return false;
}

static void add_params(struct req_private *p, const char *encoded, size_t len)
{
	if (form_add(&p->params, encoded, len) != FORM_OK)
		p->bad_params = true;
}

static bool is_form(struct evhttp_request *ev)
{
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(ev),
					      "Content-Type");
	return !type || strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0;
}

static void read_request(struct req_private *p, struct evhttp_request *ev)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *raw_path = evhttp_uri_get_path(uri);
	p->path = evhttp_uridecode(raw_path ? raw_path : "/", 0, NULL);
	p->pub.path = p->path;

	struct evbuffer *in = evhttp_request_get_input_buffer(ev);
	size_t len = evbuffer_get_length(in);
	p->body = xmalloc(len + 1);
	evbuffer_copyout(in, p->body, len);
	p->body[len] = '\0';
	p->pub.body = p->body;
	p->pub.body_len = len;

	const char *query = evhttp_uri_get_query(uri);
	if (query)
		add_params(p, query, strlen(query));
	p->query_params = p->params.count;
	if (p->pub.method == HTTP_POST && is_form(ev)) {
		if (memchr(p->body, '\0', len))
			p->bad_params = true;
		add_params(p, p->body, len);
	}

	char *addr = NULL;
	ev_uint16_t port = 0;
	evhttp_connection_get_peer(evhttp_request_get_connection(ev), &addr, &port);
	str_copy(p->pub.peer, sizeof(p->pub.peer), addr ? addr : "");
}

static const struct http_route *find_route(const struct http_server *s,
					   const char *path)
{
	for (size_t i = 0; i < s->nroutes; i++) {
		const char *rp = s->routes[i].path;
		size_t n = strlen(rp);
		bool prefix = rp[n - 1] == '/';
		if (prefix ? strncmp(path, rp, n) == 0 : strcmp(path, rp) == 0)
			return &s->routes[i];
	}
	return NULL;
}

static const struct {
	enum http_method method;
	enum evhttp_cmd_type cmd;
	const char *name;
} method_names[] = {
	{HTTP_GET, EVHTTP_REQ_GET, "GET"},
	{HTTP_HEAD, EVHTTP_REQ_HEAD, "HEAD"},
	{HTTP_POST, EVHTTP_REQ_POST, "POST"},
	{HTTP_DELETE, EVHTTP_REQ_DELETE, "DELETE"},
};

void http_allow_text(int methods, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (methods & (int)method_names[i].method)
			len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
						len ? ", " : "", method_names[i].name);
}

/* 0 for a method no route takes (PUT, OPTIONS...): always a 405. */
static enum http_method method_of(enum evhttp_cmd_type cmd)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (method_names[i].cmd == cmd)
			return method_names[i].method;
	return 0;
}

/* A connection answered 503 is not read again for the second its
 * Retry-After names (docs/operations.md, "Overload").  Without this, an
 * aggregator with a backlog sends its next request on the same connection
 * at once, and at a few times sauti's capacity the daemon spends its CPU
 * answering 503s instead of serving: a refusal costs half a served step
 * (the kernel's read and write of it), and refusing every excess request
 * leaves about half of the capacity.  Held, the next request waits in the
 * kernel's socket buffer, which costs nothing, and is read when the second
 * is over.  The hold is libevent's rate limit (its suspension survives the
 * enabling evhttp does after every answer): the connection gets a bucket
 * far larger than any traffic, emptied here, refilled a tick later. */
#define PAUSE_BUCKET ((size_t)1 << 30)

static void pause_connection(struct http_server *s, struct evhttp_request *ev)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(ev);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	if (!bev || !s->pause)
		return;
	if (!bufferevent_get_token_bucket_cfg(bev) && bufferevent_set_rate_limit(bev, s->pause) < 0)
		return;
	ev_ssize_t left = bufferevent_get_read_limit(bev);
	if (left > 0 && bufferevent_decrement_read_limit(bev, left) == 0)
		s->paused++;
}

/* Every refusal for overload: counted, its connection held. */
static void shed(struct http_server *s, struct evhttp_request *ev)
{
	s->shed++;
	pause_connection(s, ev);
}

/* evhttp gives every answer without a Date header one, formatting the time
 * anew each time (a twentieth of what a USSD step costs sauti); the text
 * changes once a second, so it is made once a second here, with the same
 * libevent function. */
static const char *date_now(void)
{
	static time_t made_at;          /* 0: never (no clock reads 1970) */
	static char text[64];
	time_t now = time(NULL);
	if (now != made_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		evutil_date_rfc1123(text, sizeof(text), &tm);
		made_at = now;
	}
	return text;
}

/* The headers every answer has. */
static void add_headers(struct evhttp_request *ev, const char *content_type)
{
	struct evkeyvalq *headers = evhttp_request_get_output_headers(ev);
	evhttp_add_header(headers, "Content-Type", content_type);
	evhttp_add_header(headers, "Date", date_now());
}

/* The answer to a request refused under overload, as cheap as an answer
 * gets: nothing of the request is copied or parsed (libevent 2.1 calls a
 * server back only once the body is read, so this is the first moment to
 * decide), the connection stays open for the next request, and the client
 * is told when to come back. */
static void refuse_busy(struct evhttp_request *ev)
{
	static const char body[] = "busy, retry later\n";
	evhttp_add_header(evhttp_request_get_output_headers(ev), "Retry-After", HTTP_RETRY_AFTER);
	add_headers(ev, "text/plain; charset=utf-8");
	evbuffer_add(evhttp_request_get_output_buffer(ev), body, sizeof(body) - 1);
	evhttp_send_reply(ev, 503, "Service Unavailable", NULL);
}

static void on_request(struct evhttp_request *ev, void *arg)
{
	struct http_server *s = arg;
	if (s->max_in_flight && s->in_flight >= s->max_in_flight) {
		shed(s, ev); /* while ev is certainly alive */
		refuse_busy(ev);
		return;
	}
	s->in_flight++;
	struct req_private *p = xcalloc(1, sizeof(*p));
	form_init(&p->params);
	p->pub.ev = ev;
	p->pub.server = s;
	evhttp_connection_set_closecb(evhttp_request_get_connection(ev),
				      on_connection_close, &p->pub);

	enum evhttp_cmd_type cmd = evhttp_request_get_command(ev);
	p->pub.method = method_of(cmd);
	read_request(p, ev);

	const struct http_route *route = find_route(s, p->pub.path);
	p->errors = route ? route->errors : HTTP_ERRORS_TEXT;
	/* A NUL in the path would cut it short and reach another route. */
	const char *raw_path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(ev));
	if (raw_path && has_encoded_nul(raw_path)) {
		http_error(&p->pub, 400, "malformed path");
		return;
	}
	if (!route) {
		http_error(&p->pub, 404, "no such path");
		return;
	}
	if (!(route->methods & (int)p->pub.method)) {
		char allow[32];
		http_allow_text(route->methods, allow, sizeof(allow));
		http_add_header(&p->pub, "Allow", allow);
		http_error(&p->pub, 405, "method not allowed");
		return;
	}
	route->fn(&p->pub, s->data);
}

/* libevent's evhttp_bind_socket listens with a backlog of 128: a burst of
 * new connections past it (an aggregator opening many at once, or a moment
 * when sauti is behind) has its SYNs dropped, each retried only a second
 * later.  Here the backlog asked for is LISTEN_BACKLOG, more than any
 * kernel allows: Linux clamps it to net.core.somaxconn (listen(2)), so the
 * backlog is that limit, whatever the C library's SOMAXCONN says. */
#define LISTEN_BACKLOG 65535
static struct evhttp_bound_socket *bind_listener(struct evhttp *http,
						 struct event_base *base,
						 const char *host, int port)
{
	struct evutil_addrinfo hints = {0}, *ai = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	char service[16];
	snprintf(service, sizeof(service), "%d", port);
	if (evutil_getaddrinfo(host, service, &hints, &ai) != 0 || !ai)
		return NULL;
	struct evconnlistener *l = evconnlistener_new_bind(
		base, NULL, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
		LISTEN_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	evutil_freeaddrinfo(ai);
	if (!l)
		return NULL;
	struct evhttp_bound_socket *bound = evhttp_bind_listener(http, l);
	if (!bound)
		evconnlistener_free(l);
	return bound;
}

struct http_server *http_server_new(struct event_base *base, const char *host,
				    int port, size_t max_body,
				    const struct http_route *routes,
				    size_t nroutes, void *data,
				    char *err, size_t errsize)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->evhttp = evhttp_new(base);
	s->routes = routes;
	s->nroutes = nroutes;
	s->data = data;
	/* libevent answers 413 itself as soon as the headers announce more,
	 * without reading the body. */
	evhttp_set_max_body_size(s->evhttp, (ev_ssize_t)max_body);
	evhttp_set_max_headers_size(s->evhttp, 16 * 1024);
	evhttp_set_timeout(s->evhttp, 30);
	evhttp_set_allowed_methods(s->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
				   EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(s->evhttp, on_request, s);
	const struct timeval tick = {HTTP_RETRY_AFTER_SECONDS, 0};
	s->pause = ev_token_bucket_cfg_new(PAUSE_BUCKET, PAUSE_BUCKET, PAUSE_BUCKET,
					   PAUSE_BUCKET, &tick);
	s->socket = bind_listener(s->evhttp, base, host, port);
	if (!s->socket) {
		snprintf(err, errsize, "cannot listen on %s:%d", host, port);
		http_server_free(s);
		return NULL;
	}
	return s;
}

void http_server_stop_accepting(struct http_server *s)
{
	if (s->socket) {
		evhttp_del_accept_socket(s->evhttp, s->socket);
		s->socket = NULL;
	}
}

size_t http_server_in_flight(const struct http_server *s) { return s->in_flight; }

void http_server_set_max_in_flight(struct http_server *s, size_t max) { s->max_in_flight = max; }

unsigned long http_server_shed(const struct http_server *s) { return s->shed; }

unsigned long http_server_paused(const struct http_server *s) { return s->paused; }

bool http_server_crowded(const struct http_server *s)
{
	return s->max_in_flight && s->in_flight * 4 > s->max_in_flight * 3;
}

void http_shed(struct http_req *req)
{
	if (req->ev)
		shed(req->server, req->ev);
	else
		req->server->shed++;
}

void http_refuse_busy(struct http_req *req)
{
	http_shed(req);
	http_add_header(req, "Retry-After", HTTP_RETRY_AFTER);
	http_error(req, 503, "busy, retry later");
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	evhttp_free(s->evhttp); /* the connections, which use s->pause */
	if (s->pause)
		ev_token_bucket_cfg_free(s->pause);
	free(s);
}

const char *http_param(const struct http_req *req, const char *name)
{
	const struct form_field *field = form_find(
		&((const struct req_private *)req)->params, name);
	return field ? field->value : NULL;
}

char *http_param_bytes(const struct http_req *req, const char *name, size_t *len)
{
	const struct req_private *p = (const struct req_private *)req;
	for (size_t i = 0; i < p->query_params; i++) {
		const struct form_field *field = &p->params.fields[i];
		if (strcmp(field->name, name) == 0) {
			*len = field->value_len;
			char *out = xmalloc(field->value_len + 1);
			memcpy(out, field->value, field->value_len + 1);
			return out;
		}
	}
	return NULL;
}

bool http_params_bad(const struct http_req *req)
{
	return ((const struct req_private *)req)->bad_params;
}

const char *http_header(const struct http_req *req, const char *name)
{
	if (!req->ev)
		return NULL;
	return evhttp_find_header(evhttp_request_get_input_headers(req->ev), name);
}

void http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (req->ev)
		evhttp_add_header(evhttp_request_get_output_headers(req->ev), name, value);
}

static const char *reason_phrase(int code)
{
	switch (code) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return code < 400 ? "OK" : "Error";
	}
}

void http_reply(struct http_req *req, int code, const char *content_type,
		const char *body, size_t len)
{
	if (req->ev) {
		struct evhttp_request *ev = req->ev;
		detach_close_cb(req);
		add_headers(ev, content_type);
		/* straight into the request's own buffer, where evhttp would
		 * move a buffer of ours */
		evbuffer_add(evhttp_request_get_output_buffer(ev), body, len);
		evhttp_send_reply(ev, code, reason_phrase(code), NULL);
		req->ev = NULL;
	}
	req_free(req);
}

void http_error(struct http_req *req, int code, const char *reason)
{
	struct buf b = BUF_INIT;
	if (priv(req)->errors == HTTP_ERRORS_JSON) {
		json_t *o = json_pack("{s:s}", "error", reason);
		char *text = json_dumps(o, JSON_COMPACT);
		buf_printf(&b, "%s\n", text);
		free(text);
		json_decref(o);
		http_reply(req, code, "application/json", b.data, b.len);
	} else {
		bool end = priv(req)->errors == HTTP_ERRORS_USSD_END;
		buf_printf(&b, "%s%s\n", end ? "END " : "", reason);
		http_reply(req, code, "text/plain; charset=utf-8", b.data, b.len);
	}
	buf_release(&b);
}

void http_stream_start(struct http_req *req, const char *content_type)
{
	if (!req->ev)
		return;
	add_headers(req->ev, content_type);
	evhttp_send_reply_start(req->ev, 200, "OK");
}

static void on_chunk_written(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	struct req_private *p = arg;
	void (*fn)(void *) = p->on_drained;
	p->on_drained = NULL;
	if (fn && p->pub.ev)
		fn(p->drained_arg);
}

void http_stream_chunk(struct http_req *req, const char *data, size_t len,
		       void (*on_drained)(void *arg), void *arg)
{
	if (!req->ev)
		return;
	struct req_private *p = priv(req);
	p->on_drained = on_drained;
	p->drained_arg = arg;
	struct evbuffer *out = evbuffer_new();
	evbuffer_add(out, data, len);
	evhttp_send_reply_chunk_with_cb(req->ev, out, on_chunk_written, p);
	evbuffer_free(out);
}

void http_stream_end(struct http_req *req)
{
	if (req->ev) {
		struct evhttp_request *ev = req->ev;
		detach_close_cb(req);
		evhttp_send_reply_end(ev);
		req->ev = NULL;
	}
	req_free(req);
}
