/* http.h -- the HTTP server every endpoint is served through (evhttp).
 *
 * A request is a struct http_req from the moment it arrives until the
 * handler answers it with exactly one http_reply() / http_error(), possibly
 * after asynchronous work.  If the client goes away first, req->gone is set
 * and the answer is dropped quietly: a late Redis reply never writes to a
 * freed connection.  Query and form parameters are decoded once, before
 * the handler runs (form.h). */
#ifndef SAUTI_HTTP_H
#define SAUTI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* The Retry-After of every answer refused for overload, and the time its
 * connection is then not read (http_server_set_max_in_flight). */
#define HTTP_RETRY_AFTER_SECONDS 1
#define HTTP_STR_(x) #x
#define HTTP_STR(x) HTTP_STR_(x)
#define HTTP_RETRY_AFTER HTTP_STR(HTTP_RETRY_AFTER_SECONDS)

struct event_base;
struct evhttp_request;
struct evbuffer;
struct http_server;
struct http_req;

/* A route that takes GET also takes HEAD only when it lists HTTP_HEAD (the
 * console's files): a streamed answer cannot be cut to its headers. */
enum http_method { HTTP_GET = 1, HTTP_POST = 2, HTTP_DELETE = 4, HTTP_HEAD = 8 };

typedef void (*http_handler)(struct http_req *req, void *data);

/* How a route's errors read: a sentence; JSON {"error": reason} (the API);
 * "END reason" (Africa's Talking's USSD dialect, whose every answer is
 * CON or END: docs/http.md). */
enum http_errors { HTTP_ERRORS_TEXT, HTTP_ERRORS_JSON, HTTP_ERRORS_USSD_END };

struct http_route {
	const char *path;      /* exact, or a prefix when it ends in '/'; "/"
				* alone takes every path no route before it
				* takes */
	int methods;           /* HTTP_GET | HTTP_POST | ... */
	http_handler fn;
	enum http_errors errors; /* how http_error answers on it, the 405 and
				  * 400 of a path under it included */
};

struct http_req {
	struct evhttp_request *ev; /* NULL once the client is gone */
	enum http_method method;
	const char *path;          /* decoded path, without the query */
	const char *body;          /* the request body, NUL-terminated */
	size_t body_len;
	char peer[64];             /* client address */
	struct http_server *server;
};

/* Binds host:port.  Returns NULL with a reason in err. */
struct http_server *http_server_new(struct event_base *base, const char *host,
				    int port, size_t max_body,
				    const struct http_route *routes,
				    size_t nroutes, void *data,
				    char *err, size_t errsize);
/* Requests beyond max_in_flight at once are answered 503 (Retry-After: 1)
 * at once, before anything of them is parsed, on a connection that stays
 * open but is not read again for that second: under overload the daemon
 * sheds load instead of queueing without bound, and refusing does not eat
 * the CPU serving needs (docs/operations.md, "Overload"). */
void http_server_set_max_in_flight(struct http_server *s, size_t max);
/* How many requests were shed that way (or by http_refuse_busy()). */
unsigned long http_server_shed(const struct http_server *s);
/* How many times a connection answered 503 was held, not read, for the
 * second its Retry-After names (docs/operations.md, "Overload"). */
unsigned long http_server_paused(const struct http_server *s);
/* True when more than three quarters of max_in_flight are in flight (this
 * request included): the moment to refuse what can wait, a new USSD
 * session, so that the sessions begun go on (docs/operations.md,
 * "Overload"). */
bool http_server_crowded(const struct http_server *s);
/* The answer to a request a handler refuses for overload: a 503 with
 * Retry-After, counted as shed.  Frees req. */
void http_refuse_busy(struct http_req *req);
/* Counts a request its handler refuses for overload in its own words, and
 * holds its connection as for a 503 beyond max_in_flight. */
void http_shed(struct http_req *req);
/* Stops accepting new connections; requests in flight go on. */
void http_server_stop_accepting(struct http_server *s);
size_t http_server_in_flight(const struct http_server *s);
void http_server_free(struct http_server *s);

/* A decoded query or form parameter, or NULL.  A value that contained a NUL
 * byte makes http_params_bad() true. */
const char *http_param(const struct http_req *req, const char *name);
bool http_params_bad(const struct http_req *req);
const char *http_header(const struct http_req *req, const char *name);
/* A query parameter decoded to raw bytes, NUL bytes included (GSM text
 * where 0x00 is '@').  Returns a new buffer (free()) and its length, or
 * NULL when absent. */
char *http_param_bytes(const struct http_req *req, const char *name, size_t *len);

/* "GET, POST" for HTTP_GET | HTTP_POST: an Allow header's value. */
void http_allow_text(int methods, char *out, size_t size);
/* Adds a header to the answer; call before http_reply(). */
void http_add_header(struct http_req *req, const char *name, const char *value);
/* Answers and frees req. */
void http_reply(struct http_req *req, int code, const char *content_type,
		const char *body, size_t len);
/* reason as the answer's body: a line of text, or {"error": reason} on a
 * route with HTTP_ERRORS_JSON. */
void http_error(struct http_req *req, int code, const char *reason);

/* Streaming: start a chunked answer, send chunks, end it (frees req).
 * on_drained (may be NULL) fires when a chunk has been written out, to pace
 * a producer; it is not called once the client is gone. */
void http_stream_start(struct http_req *req, const char *content_type);
void http_stream_chunk(struct http_req *req, const char *data, size_t len,
		       void (*on_drained)(void *arg), void *arg);
void http_stream_end(struct http_req *req);

#endif
