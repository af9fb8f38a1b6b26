/* engine.c -- see engine.h: walks a flow one reply at a time.
 *
 * A run waits at a prompt (an ask or a language step).  A reply is read
 * against that prompt; a valid one is saved and the run moves on through say
 * steps, whose texts are gathered as the "lead" of the next message, to the
 * next prompt or to the end.
 *
 * USSD pages are laid out from the prompt alone, never from what is shown
 * above it (say texts, an invalid-reply message): run->page is all the store
 * keeps, so page N must hold the same choices whenever it is computed.  Text
 * shown above a page therefore gives way (it is shortened) rather than
 * pushing choices off the page. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalogue.h"
#include "text.h"

#define NAV_MORE "98"
#define NAV_BACK "0"
#define ELLIPSIS "..."

/* ---- names --------------------------------------------------------------- */

static const char *const status_names[] = {
	[RUN_ACTIVE] = "active",
	[RUN_COMPLETED] = "completed",
	[RUN_EXPIRED] = "expired",
	[RUN_STOPPED] = "stopped",
	[RUN_INTERRUPTED] = "interrupted",
};

const char *channel_name(enum channel c)
{
	return c == CHANNEL_USSD ? "ussd" : "sms";
}

const char *run_status_name(enum run_status s)
{
	if ((unsigned)s < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[s];
	return "unknown";
}

int run_status_parse(const char *name, enum run_status *s)
{
	for (size_t i = 0; name && i < sizeof(status_names) /
					   sizeof(status_names[0]); i++) {
		if (strcmp(name, status_names[i]) == 0) {
			if (s)
				*s = (enum run_status)i;
			return 0;
		}
	}
	return -1;
}

void run_init(struct run *run, int lang, enum channel channel)
{
	memset(run, 0, sizeof(*run));
	run->lang = lang;
	run->channel = channel;
	run->status = RUN_ACTIVE;
	run->step = -1;
}

void run_release(struct run *run)
{
	fields_release(&run->answers);
}

void engine_out_release(struct engine_out *out)
{
	buf_release(&out->reply);
	out->ended = false;
	out->saved = NULL;
	out->lang_changed = false;
	out->gave_up = false;
}

static void out_init(struct engine_out *out)
{
	memset(out, 0, sizeof(*out));
}

/* ---- placeholders -------------------------------------------------------- */

enum expand_mode {
	EXPAND_ALL,
	EXPAND_VARS,    /* only {vars.X}: the cost of a step in `flows check` */
	EXPAND_NESTED,  /* inside an answer's label: answers show raw values */
};

/* What a rendering needs: where, in which language, and how much to expand. */
struct view {
	const struct engine_ctx *ctx;
	const struct flow *flow;
	const struct run *run;     /* may be NULL */
	bool ending;               /* the text is the end of run: its own
				    * stats count it (docs/flows.md) */
	int lang;                  /* a valid index into flow->langs */
	size_t ussd_max;           /* 0 on SMS */
	enum expand_mode mode;
};

static void view_init(struct view *v, const struct engine_ctx *ctx,
		      const struct run *run)
{
	v->ctx = ctx;
	v->flow = ctx->flow;
	v->run = run;
	v->ending = false;
	v->lang = run ? run->lang : 0;
	if (v->lang < 0 || (size_t)v->lang >= v->flow->nlangs)
		v->lang = 0;
	v->ussd_max = ctx->ussd_max_chars;
	v->mode = EXPAND_ALL;
}

static void expand(const struct view *v, const char *text, struct buf *out);

static bool has_prefix(const char *name, size_t len, const char *prefix,
		       size_t *plen)
{
	*plen = strlen(prefix);
	return len >= *plen && memcmp(name, prefix, *plen) == 0;
}

static bool put_var(const struct view *v, const char *name, struct buf *out)
{
	for (size_t i = 0; i < v->flow->nvars; i++) {
		if (v->flow->vars[i].name &&
		    strcmp(v->flow->vars[i].name, name) == 0) {
			buf_puts(out, flow_text_get(v->flow,
						    &v->flow->vars[i].value,
						    v->lang));
			return true;
		}
	}
	return false;
}

/* An answer as a person reads it: a choice by its label, a language by its
 * own name, anything else as saved. */
static void put_answer(const struct view *v, const char *name,
		       struct buf *out)
{
	const char *value = v->run ? fields_get(&v->run->answers, name) : NULL;
	const struct flow_step *step = flow_step_saving(v->flow, name);

	if (!value)
		return;
	if (step && v->mode == EXPAND_ALL && step->type == STEP_ASK &&
	    step->ask == ASK_CHOICES) {
		for (size_t i = 0; i < step->nchoices; i++) {
			if (step->choices[i].key &&
			    strcmp(step->choices[i].key, value) == 0) {
				struct view nested = *v;
				nested.mode = EXPAND_NESTED;
				expand(&nested, flow_text_get(v->flow,
					&step->choices[i].label, v->lang), out);
				return;
			}
		}
	}
	if (step && step->type == STEP_LANGUAGE &&
	    flow_lang_index(v->flow, value) >= 0) {
		buf_puts(out, language_own_name(v->ctx->catalogue, value));
		return;
	}
	utf8_append_clean(out, value, strlen(value));
}

/* Appends the value of the placeholder {name} (len bytes, not
 * NUL-terminated); returns false to leave it as written. */
static bool put_placeholder(const struct view *v, const char *name,
			    size_t len, struct buf *out)
{
	char *key;
	size_t plen;
	bool done = true;

	if (has_prefix(name, len, "vars.", &plen)) {
		key = xstrndup(name + plen, len - plen);
		done = put_var(v, key, out);
	} else if (v->mode == EXPAND_VARS) {
		return false;
	} else if (has_prefix(name, len, "contact.", &plen)) {
		/* {contact.name|rafiki}: the text after '|' stands in for an
		 * empty or missing value (docs/flows.md). */
		const char *bar = memchr(name + plen, '|', len - plen);
		size_t klen = bar ? (size_t)(bar - name - plen) : len - plen;
		key = xstrndup(name + plen, klen);
		const char *val = v->ctx->contact ?
			fields_get(v->ctx->contact, key) : NULL;
		if (val && *val)
			utf8_append_clean(out, val, strlen(val));
		else if (bar)
			buf_append(out, bar + 1, (size_t)(name + len - bar - 1));
	} else if (has_prefix(name, len, "answers.", &plen)) {
		key = xstrndup(name + plen, len - plen);
		put_answer(v, key, out);
	} else if (has_prefix(name, len, "stats.", &plen)) {
		key = xstrndup(name + plen, len - plen);
		size_t before = out->len;
		size_t idlen = strlen(v->flow->id);
		const struct run *own = v->ending && v->run &&
			strncmp(key, v->flow->id, idlen) == 0 &&
			key[idlen] == '.' ? v->run : NULL;
		if (!v->ctx->stats ||
		    v->ctx->stats(v->ctx->stats_data, key, own, out) < 0) {
			out->len = before; /* drop anything half-written */
			if (out->data)
				out->data[before] = '\0';
		}
	} else {
		return false;
	}
	free(key);
	return done;
}

static void expand(const struct view *v, const char *text, struct buf *out)
{
	const char *p = text ? text : "";

	while (*p) {
		const char *open = strchr(p, '{'), *close;
		if (!open) {
			buf_puts(out, p);
			return;
		}
		buf_append(out, p, (size_t)(open - p));
		close = open + 1 + strcspn(open + 1, "{}");
		if (*close != '}') {
			/* "{" with no "}", or "{ {x}": the first brace is
			 * plain text. */
			buf_append(out, open, (size_t)(close - open));
			p = close;
			continue;
		}
		if (!put_placeholder(v, open + 1, (size_t)(close - open - 1),
				     out))
			buf_append(out, open, (size_t)(close - open + 1));
		p = close + 1;
	}
}

void engine_expand(const struct engine_ctx *ctx, const struct run *run,
		   const char *text, struct buf *out)
{
	struct view v;

	view_init(&v, ctx, run);
	expand(&v, text, out);
}

/* ---- messages ------------------------------------------------------------ */

static bool is_prompt(const struct flow_step *s)
{
	return (s->type == STEP_ASK && s->ask != ASK_NONE) ||
	       s->type == STEP_LANGUAGE;
}

/* Appends line to out, on a line of its own when out is not empty. */
static void put_line(struct buf *out, const char *line)
{
	if (!line || !*line)
		return;
	if (out->len)
		buf_putc(out, '\n');
	buf_puts(out, line);
}

static void put_text(const struct view *v, const struct flow_text *t,
		     struct buf *out)
{
	expand(v, flow_text_get(v->flow, t, v->lang), out);
}

/* A prompt's options: a choice list, or the flow's languages by their own
 * names. */
static size_t option_count(const struct view *v, const struct flow_step *s)
{
	if (s->type == STEP_LANGUAGE)
		return v->flow->nlangs;
	if (s->type == STEP_ASK && s->ask == ASK_CHOICES)
		return s->nchoices;
	return 0;
}

static const char *option_key(const struct view *v, const struct flow_step *s,
			      size_t i)
{
	const char *key = s->type == STEP_LANGUAGE ? v->flow->langs[i] :
			  s->choices[i].key;
	return key ? key : "";
}

static void put_option_label(const struct view *v, const struct flow_step *s,
			     size_t i, struct buf *out)
{
	if (s->type == STEP_LANGUAGE)
		buf_puts(out, language_own_name(v->ctx->catalogue, v->flow->langs[i]));
	else
		put_text(v, &s->choices[i].label, out);
}

/* Appends "N. label", the line of option i. */
static void put_option_line(const struct view *v, const struct flow_step *s,
			    size_t i, struct buf *out)
{
	char num[32];
	size_t at = sizeof(num), n = i + 1;

	/* "N. " without printf's cost: a page lays out every option */
	num[--at] = ' ';
	num[--at] = '.';
	do
		num[--at] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	buf_append(out, num + at, sizeof(num) - at);
	put_option_label(v, s, i, out);
}

/* Appends the line of option i, on a line of its own when out is not
 * empty. */
static void put_option(const struct view *v, const struct flow_step *s,
		       size_t i, struct buf *out)
{
	if (out->len)
		buf_putc(out, '\n');
	put_option_line(v, s, i, out);
}

/* The language code of the view, for the gateway's own texts. */
static const char *view_code(const struct view *v)
{
	return v->flow->nlangs ? v->flow->langs[v->lang] : "en";
}

static void put_nav(const struct view *v, bool more, bool back,
		    struct buf *out)
{
	if (more) {
		put_line(out, NAV_MORE ". ");
		msg_render(v->ctx->catalogue, MSG_PAGE_MORE, view_code(v), NULL, out);
	}
	if (back) {
		put_line(out, NAV_BACK ". ");
		msg_render(v->ctx->catalogue, MSG_PAGE_BACK, view_code(v), NULL, out);
	}
}

/* The SMS form of a step: its text and every option. */
static void render_full(const struct view *v, const struct flow_step *s,
			struct buf *out)
{
	put_text(v, &s->text, out);
	for (size_t i = 0; i < option_count(v, s); i++)
		put_option(v, s, i, out);
}

/* ---- USSD screens -------------------------------------------------------- */

static bool fits(const struct view *v, const char *screen)
{
	return ussd_fits(screen, v->ussd_max);
}

/* The longest start of s (cut at a character) that, followed by suffix,
 * fits a screen; returns its length, or -1 when even "" + suffix does not
 * fit.  Fitting only gets harder as the start grows (more septets, and once
 * UCS-2 always UCS-2), so a binary search finds it. */
static long fit_start(const struct view *v, const char *s, const char *suffix)
{
	size_t len = strlen(s), nb = 0;
	size_t *bounds, lo, hi;
	struct buf tmp = BUF_INIT;
	long ret;

	/* a screen of max characters holds at most 4 * max bytes */
	if (v->ussd_max < len / 4)
		len = 4 * v->ussd_max + 4;
	bounds = xmalloc((len + 1) * sizeof(*bounds));
	for (size_t i = 0; i <= len; i++)
		if (i == 0 || i == len || ((unsigned char)s[i] & 0xC0) != 0x80)
			bounds[nb++] = i;
	lo = 0;
	hi = nb;
	/* invariant: bounds[< lo] fit, bounds[>= hi] do not */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		buf_reset(&tmp);
		buf_append(&tmp, s, bounds[mid]);
		buf_puts(&tmp, suffix);
		if (fits(v, buf_str(&tmp)))
			lo = mid + 1;
		else
			hi = mid;
	}
	ret = lo == 0 ? -1 : (long)bounds[lo - 1];
	free(bounds);
	buf_release(&tmp);
	return ret;
}

/* Makes sure the screen fits, cutting its end if it has to: the last resort
 * for texts no flow check can foresee (a long contact field). */
static void clip(const struct view *v, struct buf *screen)
{
	long n;
	const char *suffix = ELLIPSIS;

	if (fits(v, buf_str(screen)))
		return;
	n = fit_start(v, buf_str(screen), suffix);
	if (n < 0) {
		suffix = "";
		n = fit_start(v, buf_str(screen), suffix);
	}
	screen->len = n < 0 ? 0 : (size_t)n;
	if (screen->data)
		screen->data[screen->len] = '\0';
	buf_puts(screen, suffix);
}

/* out = above + "\n" + screen on one screen; what is above gives way. */
static void compose(const struct view *v, const char *above,
		    const char *screen, struct buf *out)
{
	struct buf tail = BUF_INIT;
	long n;

	buf_reset(out);
	if (!*above || !*screen) {
		buf_puts(out, *above ? above : screen);
		clip(v, out);
		return;
	}
	buf_printf(out, "%s\n%s", above, screen);
	if (fits(v, buf_str(out)))
		return;
	buf_printf(&tail, ELLIPSIS "\n%s", screen);
	n = fit_start(v, above, buf_str(&tail));
	buf_reset(out);
	if (n > 0) {
		buf_append(out, above, (size_t)n);
		buf_puts(out, buf_str(&tail));
	} else {
		buf_puts(out, screen);
	}
	buf_release(&tail);
	clip(v, out);
}

/* A prompt's screen in pieces, each rendered and measured once: the
 * question, every option line and the paging entries.  A page is some of
 * these joined by '\n', so its size is the sum of theirs (text.h): laying
 * out pages adds sizes up instead of building and measuring every candidate
 * page, and the page shown is copied from the pieces. */
struct option_line {
	size_t start, len;              /* "N. label" in prompt_lines.options */
	struct ussd_size size;
	struct ussd_size rest;          /* this and every later line, each
					 * after a '\n' */
};

/* '\n' between two lines: one septet, one UTF-16 unit. */
static const struct ussd_size newline = {1, 1, false};

struct prompt_lines {
	struct buf text;                /* the question */
	struct ussd_size text_size;
	struct buf options;             /* every option line, one after another */
	struct option_line *line;       /* n of them */
	size_t n;
	struct ussd_size more, back;    /* the lines put_nav() writes */
};

static void lines_init(struct prompt_lines *pl, const struct view *v,
		       const struct flow_step *s)
{
	struct buf nav = BUF_INIT;

	memset(pl, 0, sizeof(*pl));
	pl->n = option_count(v, s);
	pl->line = xcalloc(pl->n + 1, sizeof(*pl->line));
	put_text(v, &s->text, &pl->text);
	ussd_measure(buf_str(&pl->text), pl->text.len, &pl->text_size);
	for (size_t i = 0; i < pl->n; i++) {
		struct option_line *l = &pl->line[i];
		l->start = pl->options.len;
		put_option_line(v, s, i, &pl->options);
		l->len = pl->options.len - l->start;
		ussd_measure(pl->options.data + l->start, l->len, &l->size);
	}
	for (size_t i = pl->n; i-- > 0;) {
		pl->line[i].rest = pl->line[i + 1].rest; /* line[n]: none */
		ussd_size_add(&pl->line[i].rest, &newline);
		ussd_size_add(&pl->line[i].rest, &pl->line[i].size);
	}
	put_nav(v, true, false, &nav);
	ussd_measure(buf_str(&nav), nav.len, &pl->more);
	buf_reset(&nav);
	put_nav(v, false, true, &nav);
	ussd_measure(buf_str(&nav), nav.len, &pl->back);
	buf_release(&nav);
}

static void lines_release(struct prompt_lines *pl)
{
	buf_release(&pl->text);
	buf_release(&pl->options);
	free(pl->line);
}

/* The size of a screen put together line by line. */
struct screen_size {
	struct ussd_size size;
	bool empty;
};

/* Adds a line as put_line() and put_option() do: after a '\n' unless the
 * screen is empty. */
static void size_add_line(struct screen_size *ss, const struct ussd_size *line)
{
	if (!ss->empty)
		ussd_size_add(&ss->size, &newline);
	ussd_size_add(&ss->size, line);
	ss->empty = false;
}

static void size_add_nav(const struct prompt_lines *pl, bool more, bool back,
			 struct screen_size *ss)
{
	if (more)
		size_add_line(ss, &pl->more);
	if (back)
		size_add_line(ss, &pl->back);
}

struct page {
	int index;
	size_t from, to;        /* options [from, to) */
	bool more, back;
	bool fits;              /* the page fits a screen as it is */
};

/* Lays out the page of options that starts at from: as many as fit with the
 * prompt and the paging entries, at least one.  *fits tells whether that
 * page fits (a single option may not). */
static size_t page_end(const struct view *v, const struct prompt_lines *pl,
		       size_t from, bool back, bool *fits)
{
	size_t n = pl->n, best = from + 1;
	struct screen_size lines = {pl->text_size, pl->text.len == 0}, tmp;

	*fits = false;
	for (size_t e = from + 1; e <= n; e++) {
		size_add_line(&lines, &pl->line[e - 1].size);
		tmp = lines;
		size_add_nav(pl, e < n, back, &tmp);
		if (ussd_size_fits(&tmp.size, v->ussd_max)) {
			best = e;
			*fits = true;
		} else if (e < n) {
			/* longer pages with "98" cannot fit either; only the
			 * whole rest without it is left to try */
			ussd_size_add(&lines.size, &pl->line[e].rest);
			size_add_nav(pl, false, back, &lines);
			if (ussd_size_fits(&lines.size, v->ussd_max)) {
				best = n;
				*fits = true;
			}
			break;
		}
	}
	return best;
}

/* Finds page `index` (or the last page, if there are fewer). */
static void page_layout(const struct view *v, const struct prompt_lines *pl,
			int index, struct page *pg)
{
	size_t n = pl->n;

	memset(pg, 0, sizeof(*pg));
	for (;;) {
		pg->back = pg->index > 0;
		pg->fits = false;
		pg->to = n ? page_end(v, pl, pg->from, pg->back, &pg->fits) : 0;
		pg->more = pg->to < n;
		if (pg->index >= index || !pg->more)
			return;
		pg->index++;
		pg->from = pg->to;
	}
}

static void render_page(const struct view *v, const struct prompt_lines *pl,
			const struct page *pg, bool with_text,
			struct buf *out)
{
	if (with_text)
		buf_append(out, buf_str(&pl->text), pl->text.len);
	for (size_t i = pg->from; i < pg->to; i++) {
		if (out->len)
			buf_putc(out, '\n');
		buf_append(out, pl->options.data + pl->line[i].start,
			   pl->line[i].len);
	}
	put_nav(v, pg->more, pg->back, out);
}

/* Page `page` of a prompt with its question, on one screen. */
static void show_page(const struct view *v, const struct prompt_lines *pl,
		      int page, struct buf *out)
{
	struct page pg;
	size_t before = out->len;

	page_layout(v, pl, page, &pg);
	render_page(v, pl, &pg, true, out);
	if (!pg.fits || before) /* else the layout has measured it already */
		clip(v, out);
}

/* The message of the prompt the run waits at, without any lead: the whole
 * list on SMS, the current page on USSD. */
static void render_prompt(const struct view *v, const struct flow_step *s,
			  int page, struct buf *out)
{
	struct prompt_lines pl;

	if (!v->ussd_max) {
		render_full(v, s, out);
		return;
	}
	lines_init(&pl, v, s);
	show_page(v, &pl, page, out);
	lines_release(&pl);
}

/* Sends lead (say texts) joined to message. */
static void send_joined(const struct view *v, const char *lead,
			const char *message, struct engine_out *out)
{
	if (v->ussd_max) {
		compose(v, lead, message, &out->reply);
	} else {
		buf_reset(&out->reply);
		put_line(&out->reply, lead);
		put_line(&out->reply, message);
	}
}

/* ---- invalid replies ----------------------------------------------------- */

enum why { WHY_NONE, WHY_EMPTY, WHY_TOO_LONG };

static size_t text_max(const struct flow_step *s)
{
	return s->text_max ? s->text_max : FLOW_DEFAULT_TEXT_MAX;
}

static void put_builtin_invalid(const struct view *v,
				const struct flow_step *s, enum why why,
				struct buf *out)
{
	size_t n = option_count(v, s);
	/* A language whose catalogue entry lacks the finer texts (words.h)
	 * says the base one: "..." then stands for a bound not given. */
	char lo[64] = "...", hi[64] = "...", count[24];
	struct msg_args args = {.min = lo, .max = hi};
	enum msg msg;

	if (s->has_min)
		number_format(s->min, lo, sizeof(lo));
	if (s->has_max)
		number_format(s->max, hi, sizeof(hi));
	if (n == 1) {
		args.max = "1";
		msg = MSG_INVALID_CHOICE_ONE;
	} else if (n > 1 || s->ask == ASK_CHOICES) {
		snprintf(count, sizeof(count), "%zu", n);
		args.max = count;
		msg = MSG_INVALID_CHOICE;
	} else if (s->ask == ASK_NUMBER) {
		msg = s->has_min && s->has_max ? MSG_INVALID_NUMBER :
		      s->has_min ? MSG_INVALID_NUMBER_MIN :
		      s->has_max ? MSG_INVALID_NUMBER_MAX : MSG_INVALID_NUMBER_ANY;
	} else if (why == WHY_TOO_LONG) {
		snprintf(count, sizeof(count), "%zu", text_max(s));
		args.max = count;
		msg = MSG_INVALID_TEXT;
	} else {
		snprintf(count, sizeof(count), "%zu", text_max(s));
		args.max = count;
		msg = MSG_INVALID_TEXT_EMPTY;
	}
	msg_render(v->ctx->catalogue, msg, view_code(v), &args, out);
}

static size_t sms_parts(const struct buf *b)
{
	struct sms_cost cost;
	sms_cost(buf_str(b), b->len, &cost);
	return cost.segments;
}

/* The invalid-reply message and the question again; on USSD, the current
 * page only (run->page becomes that page's index, should the run hold one
 * past the last), and the question's own text gives way first. */
static void send_invalid(const struct view *v, struct run *run,
			 const struct flow_step *s, enum why why,
			 struct engine_out *out)
{
	struct buf inv = BUF_INIT, full = BUF_INIT, bare = BUF_INIT;
	struct prompt_lines pl;
	struct page pg;

	if (s->has_invalid)
		put_text(v, &s->invalid, &inv);
	else
		put_builtin_invalid(v, s, why, &inv);
	if (!v->ussd_max) {
		render_full(v, s, &full);
		send_joined(v, buf_str(&inv), buf_str(&full), out);
		if (sms_parts(&out->reply) > 1 && sms_parts(&full) == 1) {
			/* The question fits one SMS, with the retry text it
			 * would not: the invalid text already says what to
			 * send, so the list gives way, then the question. */
			put_text(v, &s->text, &bare);
			send_joined(v, buf_str(&inv), buf_str(&bare), out);
			if (sms_parts(&out->reply) > 1)
				send_joined(v, buf_str(&inv), "", out);
		}
	} else if (option_count(v, s) == 0) {
		put_text(v, &s->text, &full);
		buf_reset(&out->reply);
		put_line(&out->reply, buf_str(&inv));
		put_line(&out->reply, buf_str(&full));
		clip(v, &out->reply);
	} else {
		lines_init(&pl, v, s);
		page_layout(v, &pl, run->page, &pg);
		run->page = pg.index;
		render_page(v, &pl, &pg, true, &full);
		render_page(v, &pl, &pg, false, &bare);
		lines_release(&pl);
		buf_reset(&out->reply);
		put_line(&out->reply, buf_str(&inv));
		put_line(&out->reply, buf_str(&full));
		if (!fits(v, buf_str(&out->reply)))
			compose(v, buf_str(&inv), buf_str(&bare), &out->reply);
	}
	buf_release(&inv);
	buf_release(&full);
	buf_release(&bare);
}

/* ---- reading replies ----------------------------------------------------- */

/* A reply that is the number shown before an option ("1" ... "n"). */
static bool read_option_number(const char *folded, size_t n, size_t *index)
{
	size_t len = strlen(folded), v = 0;

	if (len == 0 || len > 9 || strspn(folded, "0123456789") != len)
		return false;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (size_t)(folded[i] - '0');
	if (v < 1 || v > n)
		return false;
	*index = v - 1;
	return true;
}

static bool folded_equal(const char *folded, const char *text)
{
	char *f = reply_fold(text);
	bool eq = *f && strcmp(f, folded) == 0;
	free(f);
	return eq;
}

/* Whether folded is option i's key, from the key the loader folded when
 * there is one (struct flow_choice). */
static bool is_option_key(const struct view *v, const struct flow_step *s,
			  size_t i, const char *folded)
{
	if (s->type != STEP_LANGUAGE && s->choices[i].folded_key)
		return *s->choices[i].folded_key &&
		       strcmp(s->choices[i].folded_key, folded) == 0;
	return folded_equal(folded, option_key(v, s, i));
}

/* Whether folded is option i's label as language l shows it; scratch is
 * for a label folded here (a language step's names, a label with
 * placeholders). */
static bool is_option_label(const struct view *v, const struct flow_step *s,
			    size_t i, int l, const char *folded, struct buf *scratch)
{
	if (s->type != STEP_LANGUAGE && l < FLOW_MAX_LANGS) {
		const char *once = s->choices[i].folded_label.t[l];
		if (once)
			return *once && strcmp(once, folded) == 0;
	}
	struct view in_l = *v;
	in_l.lang = l;
	buf_reset(scratch);
	put_option_label(&in_l, s, i, scratch);
	return folded_equal(folded, buf_str(scratch));
}

/* The option a reply names: by its number, its key, or its label in any of
 * the flow's languages.  The number wins over a key that looks like one. */
static int read_option(const struct view *v, const struct flow_step *s,
		       const char *input, size_t *index)
{
	size_t n = option_count(v, s);
	char *folded = reply_fold(input);
	struct buf label = BUF_INIT;
	int ret = -1;

	if (!*folded)
		goto out;
	if (read_option_number(folded, n, index)) {
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < n && ret < 0; i++) {
		if (is_option_key(v, s, i, folded)) {
			*index = i;
			ret = 0;
		}
	}
	for (size_t i = 0; i < n && ret < 0; i++) {
		for (size_t l = 0; l < v->flow->nlangs && ret < 0; l++) {
			if (is_option_label(v, s, i, (int)l, folded, &label)) {
				*index = i;
				ret = 0;
			}
		}
	}
out:
	buf_release(&label);
	free(folded);
	return ret;
}

static int read_number(const struct flow_step *s, const char *input,
		       struct buf *value)
{
	double x;
	char num[64];

	if (reply_number(input, &x) < 0)
		return -1;
	if ((s->has_min && x < s->min) || (s->has_max && x > s->max))
		return -1;
	number_format(x, num, sizeof(num));
	buf_puts(value, num);
	return 0;
}

static int read_text(const struct flow_step *s, const char *input,
		     struct buf *value, enum why *why)
{
	size_t start = 0, end = strlen(input), n;

	while (start < end && (n = utf8_space_len(input + start, end - start)))
		start += n;
	while (end > start && (n = utf8_space_before(input, start, end)) &&
	       end - n >= start)
		end -= n;
	utf8_append_clean(value, input + start, end - start);
	if (value->len == 0) {
		*why = WHY_EMPTY;
		return -1;
	}
	if (utf8_length(buf_str(value), value->len) > text_max(s)) {
		*why = WHY_TOO_LONG;
		return -1;
	}
	return 0;
}

/* A reply to a language step, read the way the LANGUAGE word reads one
 * (words.h): the number, the code, the own name, or a name people use. */
static int read_language(const struct view *v, const char *input,
			 size_t *index)
{
	double x;
	int l;

	/* language_pick() converts a number to int: keep it in range */
	if (reply_number(input, &x) == 0 &&
	    !(x >= 1 && x <= (double)v->flow->nlangs))
		return -1;
	l = language_pick(v->ctx->catalogue, input,
			  (const char *const *)v->flow->langs, (int)v->flow->nlangs);
	if (l < 0)
		return -1;
	*index = (size_t)l;
	return 0;
}

/* Reads a reply to prompt s into value (the key, number or text to save);
 * a language step also switches the run's language. */
static int read_reply(const struct view *v, struct run *run,
		      const struct flow_step *s, const char *input,
		      struct buf *value, enum why *why, struct engine_out *out)
{
	size_t i;

	*why = WHY_NONE;
	if (s->type == STEP_LANGUAGE) {
		if (read_language(v, input, &i) < 0)
			return -1;
		buf_puts(value, option_key(v, s, i));
		run->lang = (int)i;
		out->lang_changed = true;
		return 0;
	}
	if (s->ask == ASK_CHOICES) {
		if (read_option(v, s, input, &i) < 0)
			return -1;
		buf_puts(value, option_key(v, s, i));
		return 0;
	}
	if (s->ask == ASK_NUMBER)
		return read_number(s, input, value);
	return read_text(s, input, value, why);
}

/* ---- moving on ----------------------------------------------------------- */

static void end_run(const struct view *v, struct run *run, const char *lead,
		    const char *last, struct engine_out *out)
{
	run->status = RUN_COMPLETED;
	run->step = -1;
	run->retries = 0;
	run->page = 0;
	out->ended = true;
	send_joined(v, lead, last, out);
}

/* The step that follows step idx when no branch says otherwise: its
 * `next`, else the one written below it. */
static int step_after(const struct flow_step *s, int idx)
{
	return s->next >= 0 ? s->next : idx + 1;
}

/* Whether a walk from a say is over at idx, having visited that many
 * steps: past the steps, or round a loop of says that lead back to
 * themselves (no path visits more steps than the flow has). */
static bool walk_over(const struct flow *flow, int idx, size_t visited)
{
	return idx < 0 || (size_t)idx >= flow->nsteps || visited > flow->nsteps;
}

/* Runs the flow from step idx: say texts gather in lead until a prompt, an
 * end, or the end of the steps (walk_over). */
static void advance(const struct engine_ctx *ctx, struct run *run, int idx,
		    struct buf *lead, struct engine_out *out)
{
	const struct flow *flow = ctx->flow;
	struct buf text = BUF_INIT, prompt = BUF_INIT;
	struct view v;

	view_init(&v, ctx, run);
	for (size_t visited = 0;; visited++) {
		const struct flow_step *s;
		if (walk_over(flow, idx, visited)) {
			end_run(&v, run, buf_str(lead), "", out);
			break;
		}
		s = &flow->steps[idx];
		if (is_prompt(s)) {
			run->step = idx;
			run->retries = 0;
			run->page = 0;
			render_prompt(&v, s, 0, &prompt);
			if (v.ussd_max && !lead->len) { /* laid out to fit: show_page */
				buf_reset(&out->reply);
				buf_append(&out->reply, buf_str(&prompt), prompt.len);
			} else {
				send_joined(&v, buf_str(lead), buf_str(&prompt), out);
			}
			break;
		}
		buf_reset(&text);
		v.ending = s->type == STEP_END;
		put_text(&v, &s->text, &text);
		v.ending = false;
		if (s->type == STEP_END) {
			end_run(&v, run, buf_str(lead), buf_str(&text), out);
			break;
		}
		put_line(lead, buf_str(&text));
		idx = step_after(s, idx);
	}
	buf_release(&text);
	buf_release(&prompt);
}

/* Where a run goes after step idx saved value. */
static int step_target(const struct flow *flow, int idx, const char *value)
{
	const struct flow_step *s = &flow->steps[idx];

	for (size_t i = 0; i < s->nbranches; i++)
		if (s->branches[i].value &&
		    strcmp(s->branches[i].value, value) == 0)
			return s->branches[i].target;
	if (s->branch_default >= 0)
		return s->branch_default;
	return step_after(s, idx);
}

static void take_answer(const struct engine_ctx *ctx, struct run *run,
			const char *value, struct engine_out *out)
{
	const struct flow_step *s = &ctx->flow->steps[run->step];
	struct buf lead = BUF_INIT;

	if (s->save) {
		fields_set(&run->answers, s->save, value);
		out->saved = s->save;
	}
	advance(ctx, run, step_target(ctx->flow, run->step, value), &lead, out);
	buf_release(&lead);
}

static bool waiting(const struct engine_ctx *ctx, const struct run *run)
{
	return run->status == RUN_ACTIVE && run->step >= 0 &&
	       (size_t)run->step < ctx->flow->nsteps;
}

/* USSD "98" / "0": another page of the list; returns true when it was.
 * Only those two replies need the pages laid out: for any other, the page
 * matters only if the reply is invalid, and send_invalid() lays it out. */
static bool turn_page(const struct view *v, struct run *run,
		      const struct flow_step *s, const char *input,
		      struct engine_out *out)
{
	char *folded;
	struct prompt_lines pl;
	struct page pg;
	bool more, back, turned = false;

	if (!v->ussd_max || option_count(v, s) == 0)
		return false;
	folded = reply_fold(input);
	more = strcmp(folded, NAV_MORE) == 0;
	back = strcmp(folded, NAV_BACK) == 0;
	free(folded);
	if (!more && !back)
		return false;
	lines_init(&pl, v, s);
	page_layout(v, &pl, run->page, &pg);
	run->page = pg.index;
	if (more && pg.more) {
		run->page++;
		turned = true;
	} else if (back && pg.back) {
		run->page--;
		turned = true;
	}
	if (turned)
		show_page(v, &pl, run->page, &out->reply);
	lines_release(&pl);
	return turned;
}

/* ---- the engine ---------------------------------------------------------- */

void engine_start(const struct engine_ctx *ctx, struct run *run,
		  struct engine_out *out)
{
	struct buf lead = BUF_INIT;

	out_init(out);
	run->status = RUN_ACTIVE;
	run->step = -1;
	run->retries = 0;
	run->page = 0;
	advance(ctx, run, 0, &lead, out);
	buf_release(&lead);
}

void engine_input(const struct engine_ctx *ctx, struct run *run,
		  const char *input, struct engine_out *out)
{
	struct buf value = BUF_INIT, lead = BUF_INIT;
	const struct flow_step *s;
	struct view v;
	enum why why;
	int retries;

	out_init(out);
	if (!waiting(ctx, run)) {
		out->ended = true;
		return;
	}
	if (!input)
		input = "";
	s = &ctx->flow->steps[run->step];
	if (!is_prompt(s)) {
		/* not a step a run waits at: send it and go on */
		advance(ctx, run, run->step, &lead, out);
		buf_release(&lead);
		return;
	}
	view_init(&v, ctx, run);
	if (turn_page(&v, run, s, input, out))
		return;
	retries = s->retries >= 0 ? s->retries : FLOW_DEFAULT_RETRIES;
	if (read_reply(&v, run, s, input, &value, &why, out) == 0) {
		take_answer(ctx, run, buf_str(&value), out);
	} else if (run->retries < retries) {
		run->retries++;
		send_invalid(&v, run, s, why, out);
	} else {
		take_answer(ctx, run, "", out);
		out->gave_up = true;
	}
	buf_release(&value);
}

void engine_screen(const struct engine_ctx *ctx, const struct run *run,
		   struct engine_out *out)
{
	const struct flow_step *s;
	struct view v;

	out_init(out);
	if (!waiting(ctx, run)) {
		out->ended = true;
		return;
	}
	view_init(&v, ctx, run);
	s = &ctx->flow->steps[run->step];
	if (is_prompt(s)) {
		render_prompt(&v, s, run->page, &out->reply);
	} else {
		put_text(&v, &s->text, &out->reply);
		if (v.ussd_max)
			clip(&v, &out->reply);
	}
}

bool engine_screen_fits(const struct flow *flow, const struct flow_step *s,
			int lang, size_t max, const struct catalogue *catalogue,
			struct buf *out, bool *paged)
{
	struct engine_ctx ctx = {flow, NULL, NULL, NULL, max, catalogue};
	struct run run;
	struct view v;
	bool ok = true;

	run_init(&run, lang, CHANNEL_USSD);
	view_init(&v, &ctx, &run);
	v.mode = EXPAND_VARS;
	*paged = false;
	buf_reset(out);
	if (is_prompt(s) && option_count(&v, s) > 0) {
		/* Every page as the engine lays it out: the first that does
		 * not fit is the one reported. */
		struct prompt_lines pl;
		struct page pg;
		lines_init(&pl, &v, s);
		for (int i = 0;; i++) {
			page_layout(&v, &pl, i, &pg);
			*paged |= pg.more || pg.back;
			if (!pg.fits) {
				render_page(&v, &pl, &pg, true, out);
				ok = false;
				break;
			}
			if (!pg.more)
				break;
		}
		lines_release(&pl);
	} else {
		put_text(&v, &s->text, out);
		ok = fits(&v, buf_str(out));
	}
	run_release(&run);
	return ok;
}

bool engine_say_fits(const struct flow *flow, int step, int lang, size_t max,
		     const struct catalogue *catalogue, struct buf *screen)
{
	struct engine_ctx ctx = {flow, NULL, NULL, NULL, max, catalogue};
	struct engine_out out = {0};
	struct buf said = BUF_INIT;
	struct run run;

	run_init(&run, lang, CHANNEL_USSD);
	advance(&ctx, &run, step, &said, &out);
	/* compose() keeps what is said whole, or cuts it to make room. */
	bool whole = strncmp(buf_str(&out.reply), buf_str(&said), said.len) == 0;
	buf_reset(screen);
	buf_append(screen, buf_str(&said), said.len);
	buf_release(&said);
	engine_out_release(&out);
	run_release(&run);
	return whole;
}

void engine_render_retry(const struct flow *flow, int step, int lang,
			 const struct catalogue *catalogue, struct buf *out)
{
	struct engine_ctx ctx = {flow, NULL, NULL, NULL, 0, catalogue};
	struct engine_out eo;
	struct view v;
	struct run run;

	if (!flow || step < 0 || (size_t)step >= flow->nsteps ||
	    !is_prompt(&flow->steps[step]))
		return;
	run_init(&run, lang >= 0 && (size_t)lang < flow->nlangs ? lang : 0,
		 CHANNEL_SMS);
	run.step = step;
	view_init(&v, &ctx, &run);
	v.mode = EXPAND_VARS;
	out_init(&eo);
	send_invalid(&v, &run, &flow->steps[step], WHY_NONE, &eo);
	buf_append(out, eo.reply.data ? eo.reply.data : "", eo.reply.len);
	engine_out_release(&eo);
	run_release(&run);
}

/* A view of flow in lang that fills {vars...} in and leaves the other
 * placeholders as written: what a step says to anyone. */
static void vars_view(struct view *v, struct engine_ctx *ctx, int lang)
{
	view_init(v, ctx, NULL);
	if (lang >= 0 && (size_t)lang < ctx->flow->nlangs)
		v->lang = lang;
	v->mode = EXPAND_VARS;
}

void engine_render_step(const struct flow *flow, int step, int lang,
			const struct catalogue *catalogue, struct buf *out)
{
	struct engine_ctx ctx = {flow, NULL, NULL, NULL, 0, catalogue};
	struct view v;

	if (!flow || step < 0 || (size_t)step >= flow->nsteps)
		return;
	vars_view(&v, &ctx, lang);
	render_full(&v, &flow->steps[step], out);
}

void engine_render_joined(const struct flow *flow, int step, int lang,
			  const struct catalogue *catalogue, struct buf *out)
{
	struct engine_ctx ctx = {flow, NULL, NULL, NULL, 0, catalogue};
	struct buf part = BUF_INIT;
	struct view v;

	if (!flow || step < 0 || (size_t)step >= flow->nsteps ||
	    flow->steps[step].type != STEP_SAY)
		return;
	vars_view(&v, &ctx, lang);
	/* advance()'s walk: says gather until a prompt or an end */
	int idx = step;
	for (size_t visited = 0; !walk_over(flow, idx, visited); visited++) {
		const struct flow_step *s = &flow->steps[idx];
		buf_reset(&part);
		if (is_prompt(s))
			render_full(&v, s, &part);
		else
			put_text(&v, &s->text, &part);
		put_line(out, buf_str(&part));
		if (s->type != STEP_SAY)
			break;
		idx = step_after(s, idx);
	}
	buf_release(&part);
}

void engine_render_text(const struct flow *flow, const struct flow_text *text,
			int lang, struct buf *out)
{
	struct engine_ctx ctx = {flow, NULL, NULL, NULL, 0, NULL};
	struct view v;

	vars_view(&v, &ctx, lang);
	put_text(&v, text, out);
}

int engine_stats_value(const char *path, const struct run *own,
		       engine_count_fn count, void *data, struct buf *out)
{
	const char *dot = strchr(path, '.');
	if (!dot)
		return -1;
	size_t flow_len = (size_t)(dot - path);
	long total = count(data, path, flow_len, "count") + (own ? 1 : 0);
	const char *rest = dot + 1;
	if (strcmp(rest, "count") == 0) {
		buf_printf(out, "%ld", total);
		return 0;
	}
	const char *mid = strchr(rest, '.');
	const char *last = strrchr(rest, '.');
	if (!mid || last == mid)
		return -1;
	char field[256];
	snprintf(field, sizeof(field), "a:%.*s:%.*s", (int)(mid - rest), rest,
		 (int)(last - mid - 1), mid + 1);
	long n = count(data, path, flow_len, field);
	if (own) {
		char value[256];
		snprintf(value, sizeof(value), "%.*s", (int)(last - mid - 1), mid + 1);
		field[2 + (mid - rest)] = '\0'; /* "a:NAME" */
		const char *mine = fields_get(&own->answers, field + 2);
		if (mine && strcmp(mine, value) == 0)
			n++;
	}
	if (strcmp(last + 1, "count") == 0)
		buf_printf(out, "%ld", n);
	else if (strcmp(last + 1, "pct") == 0)
		buf_printf(out, "%ld", total ? (n * 200 + total) / (2 * total) : 0L);
	else
		return -1;
	return 0;
}
