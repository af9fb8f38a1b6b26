/* ussd_dialect.h -- the JSON dialects of USSD aggregators (docs/http.md,
 * "USSD from other aggregators"): Hubtel and Arkesel (Ghana) and Beem
 * (Tanzania), each translated to one internal request and from one internal
 * answer, so that every dialect walks the same flows as POST /ussd.
 *
 * All three are latest-only: a request carries the newest input, not every
 * input so far.  Pure: no I/O, no globals; unit-tested and fuzzed
 * (tests/fuzz/fuzz_ussd_dialect.c). */
#ifndef SAUTI_USSD_DIALECT_H
#define SAUTI_USSD_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

enum ussd_dialect { USSD_HUBTEL, USSD_BEEM, USSD_ARKESEL };

#define USSD_DIALECT_SESSION_MAX 128
#define USSD_DIALECT_INPUT_MAX 4096

/* What a request says, whatever the dialect.  Strings are NUL-terminated
 * copies in the struct itself, except input (free with
 * ussd_request_release()). */
struct ussd_request {
	enum ussd_dialect dialect;
	char session[USSD_DIALECT_SESSION_MAX + 1];
	char number[32];        /* as sent ("233200000001") */
	char code[64];          /* the dialled code ("*713#"); "" if none sent */
	char *input;            /* the newest input; "" on a dial */
	bool dial;              /* the session starts */
	bool left;              /* the person left or the session timed out */
	long hop;               /* the request's place in the session (Hubtel
				 * Sequence, Beem request_id); -1 if none */
	/* Echoed in the answer. */
	char network[32];
	char user_id[64];       /* Arkesel userID */
};

/* The dialect of a path ("/ussd/hubtel"), or -1. */
int ussd_dialect_from_path(const char *path, enum ussd_dialect *out);
const char *ussd_dialect_name(enum ussd_dialect d);   /* "hubtel", ... */
/* The country a dialect's aggregator serves: a number sent without '+' is
 * read in it first, then in the configured one (docs/http.md). */
const char *ussd_dialect_country(enum ussd_dialect d);

/* Reads a request body.  code_param: Beem's ?code= (Beem sends no code);
 * may be NULL.  Returns 0, or -1 with a sentence in why (what is malformed
 * or missing); *out is then released but may carry the session and number
 * that could be read, for the error answer. */
int ussd_dialect_parse(enum ussd_dialect d, const char *body, size_t len,
		       const char *code_param, struct ussd_request *out,
		       char *why, size_t whysize);
void ussd_request_release(struct ussd_request *r);

/* Appends the JSON answer showing screen, continuing the session or (end)
 * closing it. */
void ussd_dialect_answer(const struct ussd_request *r, const char *screen,
			 bool end, struct buf *out);
/* Appends the JSON body of an error answer (a 4xx or 503) that closes the
 * session with reason as its message. */
void ussd_dialect_error(const struct ussd_request *r, const char *reason,
			struct buf *out);

#endif
