/* fuzzutil.h -- what the libFuzzer targets in tests/fuzz/ share.
 *
 * The loaders (flow.c, config.c) read a path, so a target writes its input
 * into one anonymous in-memory file (memfd) and hands over its
 * /proc/self/fd/N path; where memfd or /proc is missing it falls back to a
 * temporary file that is removed at exit.  Everything else here turns fuzz
 * bytes into the C strings the parsers take.
 *
 * Each target is one translation unit; the helpers are static inline so
 * that a target need not use them all. */
#ifndef SAUTI_FUZZUTIL_H
#define SAUTI_FUZZUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "engine.h"
#include "fields.h"
#include "flow.h"
#include "text.h"
#include "ussd_dialect.h"

#include <jansson.h>

/* Stops the run the way a sanitizer does, so libFuzzer keeps the input: an
 * invariant of the API broke even though nothing crashed. */
#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",     \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

/* The fallback temporary file's name, for removing it at exit. */
static inline char *fuzz_tmp_path(void)
{
	static char path[64];
	return path;
}

static inline void fuzz_tmp_remove(void)
{
	unlink(fuzz_tmp_path());
}

static inline int fuzz_file_open(char *path, size_t size)
{
	int fd = memfd_create("sauti-fuzz", 0);
	if (fd >= 0) {
		snprintf(path, size, "/proc/self/fd/%d", fd);
		if (access(path, R_OK) == 0)
			return fd;
		close(fd);
	}
	const char *dir = getenv("TMPDIR");
	char *tmp = fuzz_tmp_path();
	snprintf(tmp, 64, "%s/sauti-fuzz.XXXXXX",
		 dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
	fd = mkstemp(tmp);
	if (fd < 0) {
		perror("fuzz: cannot create a temporary file");
		abort();
	}
	atexit(fuzz_tmp_remove);
	snprintf(path, size, "%s", tmp);
	return fd;
}

/* Replaces the contents of the one scratch file with data and returns its
 * path, valid for the whole run. */
static inline const char *fuzz_file_write(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0)
		fd = fuzz_file_open(path, sizeof(path));
	if (ftruncate(fd, 0) < 0 ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz: cannot write the scratch file");
		abort();
	}
	return path;
}

/* A NUL-terminated copy of data (free()); an inner NUL ends the string
 * early, as it would for any C caller. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	return xstrndup((const char *)data, size);
}

/* Splits *data at the first byte sep: returns the part before it as a new
 * string (free()) and moves *data and *size past sep.  Without sep, the
 * whole rest is returned and *size becomes 0. */
static inline char *fuzz_split(const uint8_t **data, size_t *size, uint8_t sep)
{
	const uint8_t *end = memchr(*data, sep, *size);
	size_t len = end ? (size_t)(end - *data) : *size;
	char *s = fuzz_strndup(*data, len);
	*data += end ? len + 1 : len;
	*size -= end ? len + 1 : len;
	return s;
}

/* ---- driving the engine ------------------------------------------------ */

/* Counters as the store would give them: the flow's count and a smaller
 * count per answer, so that percentages come out between 0 and 100. */
static inline long fuzz_count(void *data, const char *flow, size_t flow_len,
			      const char *field)
{
	(void)data;
	(void)flow;
	return strcmp(field, "count") == 0 ? 42 + (long)flow_len
					   : (long)(strlen(field) % 40);
}

/* {stats.PATH} through engine_stats_value(), as the gateway fills it. */
static inline int fuzz_stats(void *data, const char *path, const struct run *own,
			     struct buf *out)
{
	return engine_stats_value(path, own, fuzz_count, data, out);
}

/* What must hold after every call into the engine. */
static inline void fuzz_check_out(const struct engine_ctx *ctx,
				  const struct run *run,
				  const struct engine_out *out)
{
	const struct flow *f = ctx->flow;
	FUZZ_CHECK(run->step >= -1 && run->step < (int)f->nsteps);
	FUZZ_CHECK(run->lang >= 0 && (size_t)run->lang < f->nlangs);
	FUZZ_CHECK(out->reply.len == strlen(buf_str(&out->reply)));
	FUZZ_CHECK(out->ended == (run->step == -1));
	FUZZ_CHECK(!out->saved || fields_get(&run->answers, out->saved));
}

/* Starts a run of flow in language lang and feeds it replies[0..n) until it
 * ends; screens: also ask for the current screen again after each reply, as
 * a resumed USSD session does.  Screens must fit when fits_max > 0. */
static inline void fuzz_engine_run(const struct flow *flow, int lang,
				   size_t ussd_max, size_t fits_max,
				   const char *const *replies, size_t n,
				   int screens)
{
	struct fields contact = FIELDS_INIT;
	struct engine_ctx ctx = {flow, &contact, fuzz_stats, NULL, ussd_max, NULL};
	struct engine_out out;
	struct run run;

	fields_set(&contact, "name", "Asha");
	fields_set(&contact, "mining_site", "Nyarugusu");
	run_init(&run, lang, ussd_max ? CHANNEL_USSD : CHANNEL_SMS);
	engine_start(&ctx, &run, &out);
	for (size_t i = 0;; i++) {
		fuzz_check_out(&ctx, &run, &out);
		if (fits_max)
			FUZZ_CHECK(ussd_fits(buf_str(&out.reply), fits_max));
		bool ended = out.ended;
		engine_out_release(&out);
		if (ended || i == n)
			break;
		engine_input(&ctx, &run, replies[i], &out);
		if (screens && !out.ended) {
			struct engine_out again;
			fuzz_check_out(&ctx, &run, &out);
			engine_screen(&ctx, &run, &again);
			fuzz_check_out(&ctx, &run, &again);
			engine_out_release(&again);
		}
	}
	run_release(&run);
	fields_release(&contact);
}

/* ---- USSD dialects ------------------------------------------------------- */

/* One body through a dialect's parser, and what it reads back out through
 * its encoder: a request is read whole or refused with a reason, and every
 * answer is a JSON object, whatever the body held. */
static inline void fuzz_ussd_dialect(enum ussd_dialect d, const uint8_t *data,
				     size_t size)
{
	struct ussd_request r;
	char why[256] = "";
	struct buf out = BUF_INIT;
	/* The first line is Beem's ?code= (the others ignore it). */
	char *code = fuzz_split(&data, &size, '\n');
	int rc = ussd_dialect_parse(d, (const char *)data, size, code, &r, why, sizeof(why));

	if (rc == 0) {
		FUZZ_CHECK(r.input && strlen(r.input) <= USSD_DIALECT_INPUT_MAX);
		FUZZ_CHECK(*r.session && *r.number);
		FUZZ_CHECK(!(r.dial && r.left));
		FUZZ_CHECK(!r.dial || (*r.code && !*r.input));
		ussd_dialect_answer(&r, r.input, r.left, &out);
	} else {
		FUZZ_CHECK(*why && !r.input);
		ussd_dialect_error(&r, why, &out);
	}
	json_t *o = json_loads(buf_str(&out), 0, NULL);
	FUZZ_CHECK(json_is_object(o));
	json_decref(o);
	buf_release(&out);
	ussd_request_release(&r);
	free(code);
}

#endif
