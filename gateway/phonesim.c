/* phonesim.c -- `sauti phone NUMBER [--ussd CODE]`: a basic phone in the
 * terminal.  It talks to a running gateway over the same HTTP interfaces as
 * a real network: SMS as Kannel's smsbox would (GET /kannel/sms), USSD as an
 * aggregator would (POST /ussd, inputs joined by '*').  Each screen is shown
 * boxed as a phone would, with its length and SMS cost.  With stdin not a
 * terminal it reads one input per line, so it is scriptable. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "commands.h"
#include "config.h"
#include "phone.h"
#include "text.h"
#include "usage.h"

#define SCREEN_WIDTH 30

struct phone {
	struct event_base *base;
	struct evhttp_connection *conn;
	const char *host;
	int port;
	const char *number;
	const char *code;       /* USSD service code, or NULL for SMS */
	const char *shortcode;  /* the "to" of an SMS */
	int ussd_max;           /* config ussd.max_chars: a screen's room */
	bool tty;
	char session[40];
	struct buf ussd_text;   /* inputs of this USSD session, '*'-joined */
	bool session_open;
	int status;             /* HTTP status of the last answer */
	struct buf answer;
	int failures;           /* requests not answered 200: exit status 1 */
};

static void on_answer(struct evhttp_request *req, void *arg)
{
	struct phone *p = arg;
	buf_reset(&p->answer);
	if (!req) {
		p->status = 0;
	} else {
		p->status = evhttp_request_get_response_code(req);
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(in);
		buf_grow(&p->answer, len);
		evbuffer_remove(in, p->answer.data, len);
		p->answer.len = len;
		p->answer.data[len] = '\0';
	}
	event_base_loopbreak(p->base);
}

/* Sends one request and waits for its answer. */
static int fetch(struct phone *p, enum evhttp_cmd_type method, const char *uri,
		 const char *form)
{
	struct evhttp_request *req = evhttp_request_new(on_answer, p);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", p->host);
	evhttp_add_header(h, "User-Agent", "sauti-phone");
	if (form) {
		evhttp_add_header(h, "Content-Type", "application/x-www-form-urlencoded");
		evbuffer_add(evhttp_request_get_output_buffer(req), form, strlen(form));
	}
	if (evhttp_make_request(p->conn, req, method, uri) < 0)
		return -1;
	event_base_dispatch(p->base);
	return p->status ? 0 : -1;
}


/* Byte length of the longest prefix of s with at most width characters,
 * broken at a space when there is one. */
static size_t wrap_at(const char *s, size_t len, size_t width)
{
	size_t chars = 0, i = 0, last_space = 0;
	while (i < len && chars < width) {
		if (s[i] == ' ')
			last_space = i;
		i++;
		while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	if (i < len && last_space > 0)
		return last_space;
	return i;
}

static void print_rule(void)
{
	printf("+");
	for (int i = 0; i < SCREEN_WIDTH + 2; i++)
		printf("-");
	printf("+\n");
}

/* A reply boxed as a phone shows it, then what it costs: SMS segments, or
 * for a USSD screen (ussd_max > 0) how much of the screen's room it takes,
 * since a screen is not paid per SMS (docs/flows.md, triggers.ussd). */
static void show_screen(const char *title, const char *text, int ussd_max)
{
	printf("%s\n", title);
	print_rule();
	const char *line = text;
	while (*line) {
		size_t n = strcspn(line, "\n");
		const char *s = line;
		size_t left = n;
		do {
			size_t take = wrap_at(s, left, SCREEN_WIDTH);
			printf("| %.*s%*s |\n", (int)take, s,
			       (int)(SCREEN_WIDTH - utf8_length(s, take)), "");
			s += take;
			left -= take;
			while (left && *s == ' ') {
				s++;
				left--;
			}
		} while (left);
		line += n;
		if (*line == '\n')
			line++;
	}
	print_rule();
	size_t chars = utf8_length(text, strlen(text));
	if (ussd_max > 0) {
		printf("  %zu of %d characters (ussd.max_chars)\n", chars, ussd_max);
		return;
	}
	struct sms_cost cost;
	sms_cost(text, strlen(text), &cost);
	printf("  %zu characters, %s, %zu SMS\n", chars,
	       cost.ucs2 ? "UCS-2" : "GSM-7", cost.segments);
}

static char *encode(const char *s) { return evhttp_uriencode(s, -1, 1); }

static void no_answer(struct phone *p)
{
	printf("(no answer from the gateway at %s:%d)\n", p->host, p->port);
	p->failures++;
}

static void refused(struct phone *p)
{
	printf("(gateway answered %d: %s)\n", p->status, buf_str(&p->answer));
	p->failures++;
}

static void sms_send(struct phone *p, const char *text)
{
	char *from = encode(p->number), *to = encode(p->shortcode), *t = encode(text);
	unsigned char raw[8];
	char id[17];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	struct buf uri = BUF_INIT;
	buf_printf(&uri, "/kannel/sms?from=%s&to=%s&text=%s&id=%s&smsc=phone&coding=0&charset=UTF-8",
		   from, to, t, id);
	if (fetch(p, EVHTTP_REQ_GET, uri.data, NULL) < 0)
		no_answer(p);
	else if (p->status != 200)
		refused(p);
	else if (p->answer.len == 0)
		printf("(no reply)\n");
	else
		show_screen("SMS from the gateway:", buf_str(&p->answer), 0);
	buf_release(&uri);
	free(from);
	free(to);
	free(t);
}

static void ussd_request(struct phone *p)
{
	char *sid = encode(p->session), *code = encode(p->code), *num = encode(p->number);
	char *text = encode(buf_str(&p->ussd_text));
	struct buf form = BUF_INIT;
	buf_printf(&form, "sessionId=%s&serviceCode=%s&phoneNumber=%s&text=%s&networkCode=00000",
		   sid, code, num, text);
	if (fetch(p, EVHTTP_REQ_POST, "/ussd", form.data) < 0) {
		no_answer(p);
		p->session_open = false;
	} else if (p->status != 200 || p->answer.len < 4) {
		refused(p);
		p->session_open = false;
	} else {
		bool end = strncmp(p->answer.data, "END", 3) == 0;
		show_screen(end ? "USSD (session ends):" : "USSD:", p->answer.data + 4,
			    p->ussd_max);
		p->session_open = !end;
		if (end)
			printf("(session ended; %s %s again)\n",
			       p->tty ? "press Enter to dial" : "the next line, whatever it says, dials",
			       p->code);
	}
	buf_release(&form);
	free(sid);
	free(code);
	free(num);
	free(text);
}

static void ussd_dial(struct phone *p)
{
	unsigned char raw[8];
	randombytes_buf(raw, sizeof(raw));
	memcpy(p->session, "ATUid_", 6);
	sodium_bin2hex(p->session + 6, sizeof(p->session) - 6, raw, sizeof(raw));
	buf_reset(&p->ussd_text);
	printf("> dial %s\n", p->code);
	ussd_request(p);
}

static void ussd_input(struct phone *p, const char *line)
{
	if (!p->session_open) {
		ussd_dial(p);
		return;
	}
	if (p->ussd_text.len)
		buf_putc(&p->ussd_text, '*');
	buf_puts(&p->ussd_text, line);
	ussd_request(p);
}

static int parse_hostport(const char *s, char *host, size_t size, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) >= size)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = atoi(colon + 1);
	return *port > 0 && *port < 65536 ? 0 : -1;
}

int cmd_phone(int argc, char **argv)
{
	struct phone p = {0};
	const char *config_path = NULL, *url = NULL;
	p.shortcode = "15055";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-c") == 0 && v)
			config_path = argv[++i];
		else if (strcmp(a, "--ussd") == 0 && v)
			p.code = argv[++i];
		else if (strcmp(a, "--url") == 0 && v)
			url = argv[++i];
		else if (strcmp(a, "--to") == 0 && v)
			p.shortcode = argv[++i];
		else if (a[0] != '-' && !p.number)
			p.number = a;
		else
			return usage_print("phone", 2);
	}
	if (!p.number)
		return usage_print("phone", 2);

	struct config cfg;
	char err[512], host[256];
	if (config_load(config_choose_path(config_path, NULL), &cfg, err, sizeof(err)) < 0)
		config_defaults(&cfg);
	str_copy(host, sizeof(host), cfg.listen_host);
	p.port = cfg.listen_port;
	p.ussd_max = cfg.ussd.max_chars;
	if (cfg.kannel.from)
		p.shortcode = cfg.kannel.from;
	if (url && parse_hostport(strncmp(url, "http://", 7) == 0 ? url + 7 : url, host,
				  sizeof(host), &p.port) < 0) {
		fprintf(stderr, "sauti: --url must be HOST:PORT\n");
		config_release(&cfg);
		return 2;
	}
	char e164[PHONE_E164_SIZE];
	const char *why = NULL;
	if (phone_normalise(p.number, cfg.country, e164, sizeof(e164), &why) < 0) {
		fprintf(stderr, "sauti: '%s' is not a phone number: %s\n", p.number, why);
		config_release(&cfg);
		return 2;
	}
	p.host = host;
	p.tty = isatty(STDIN_FILENO);
	p.base = event_base_new();
	p.conn = evhttp_connection_base_new(p.base, NULL, p.host, (ev_uint16_t)p.port);
	evhttp_connection_set_timeout(p.conn, 10);

	printf("phone %s -> gateway %s:%d (%s)\n", p.number, p.host, p.port,
	       p.code ? "USSD" : "SMS");
	if (p.code)
		ussd_dial(&p);
	else if (p.tty)
		printf("type a message (e.g. UTAFITI) and Enter; Ctrl-D quits\n");
	char line[1024];
	for (;;) {
		if (p.tty) {
			printf("> ");
			fflush(stdout);
		}
		if (!fgets(line, sizeof(line), stdin))
			break;
		line[strcspn(line, "\r\n")] = '\0';
		if (!p.tty)
			printf("> %s\n", line);
		if (p.code)
			ussd_input(&p, line);
		else if (*line)
			sms_send(&p, line);
	}
	evhttp_connection_free(p.conn);
	event_base_free(p.base);
	buf_release(&p.answer);
	buf_release(&p.ussd_text);
	config_release(&cfg);
	return p.failures ? 1 : 0;
}
