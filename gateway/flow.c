/* flow.c -- loads flow files (docs/flows.md) into the structs of
 * flow.h, reporting every mistake at its file:line:column.
 *
 * A file is read in three passes over its YAML document: the flow-level keys
 * (languages first, since every text depends on them), a scan of the steps
 * for their ids and save names (so that next/branch targets and
 * {answers.NAME} can be checked where they are written), then each step.
 * The loader keeps going after an error so that one run of `flows check`
 * shows them all.  A file that loads without error is then checked against
 * the flows already in the set (ids, keywords, USSD codes): the later file
 * gets the error.
 *
 * The lookups inside one loaded flow (flow_lang_index, flow_text_get, ...)
 * live in flow_lookup.c, so that the engine links without libyaml. */
#include "flow.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "engine.h"
#include "text.h"
#include "catalogue.h"
#include "yamlnode.h"

#define USSD_MAX_CHARS 182
#define MAX_CHOICES 97          /* 98 and 0 page a USSD list */
#define MAX_RETRIES 20
#define MAX_TEXT_MAX 10000
#define MAX_EXPIRE (365L * 86400)
#define MAX_ID_LEN 64

/* ------------------------------------------------------------------------
 * Diagnostics
 * ------------------------------------------------------------------------ */

void flow_diags_add(struct flow_diags *diags, const char *file, int line,
		    int column, bool warning, const char *message)
{
	diags->items = xrealloc(diags->items,
				(diags->n + 1) * sizeof(*diags->items));
	struct flow_diag *d = &diags->items[diags->n++];
	d->file = xstrdup(file);
	d->line = line;
	d->column = column;
	d->warning = warning;
	d->message = xstrdup(message);
}

static void diags_add(struct flow_diags *diags, const char *file,
		      struct ypos pos, bool warning, const char *message)
{
	flow_diags_add(diags, file, pos.line, pos.column, warning, message);
}

/* Orders the diagnostics of one file by place; stable, and n is small. */
static void diags_sort(struct flow_diags *diags, size_t from)
{
	for (size_t i = from + 1; i < diags->n; i++) {
		struct flow_diag d = diags->items[i];
		size_t j = i;
		while (j > from &&
		       (diags->items[j - 1].line > d.line ||
			(diags->items[j - 1].line == d.line &&
			 diags->items[j - 1].column > d.column))) {
			diags->items[j] = diags->items[j - 1];
			j--;
		}
		diags->items[j] = d;
	}
}

void flow_diags_format(const struct flow_diag *d, char *out, size_t size)
{
	const char *kind = d->warning ? "warning: " : "";
	if (d->line > 0)
		snprintf(out, size, "%s:%d:%d: %s%s", d->file, d->line,
			 d->column, kind, d->message);
	else
		snprintf(out, size, "%s: %s%s", d->file, kind, d->message);
}

size_t flow_diags_errors(const struct flow_diags *diags)
{
	size_t n = 0;
	for (size_t i = 0; i < diags->n; i++)
		if (!diags->items[i].warning)
			n++;
	return n;
}

void flow_diags_release(struct flow_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		free(diags->items[i].file);
		free(diags->items[i].message);
	}
	free(diags->items);
	diags->items = NULL;
	diags->n = 0;
}

/* ------------------------------------------------------------------------
 * Freeing
 * ------------------------------------------------------------------------ */

static void text_free(struct flow_text *t)
{
	for (size_t i = 0; i < FLOW_MAX_LANGS; i++) {
		free(t->t[i]);
		t->t[i] = NULL;
	}
}

static void step_free(struct flow_step *s)
{
	free(s->id);
	text_free(&s->text);
	for (size_t i = 0; i < s->nchoices; i++) {
		free(s->choices[i].key);
		text_free(&s->choices[i].label);
		free(s->choices[i].folded_key);
		text_free(&s->choices[i].folded_label);
	}
	free(s->choices);
	free(s->save);
	for (size_t i = 0; i < s->nbranches; i++)
		free(s->branches[i].value);
	free(s->branches);
	text_free(&s->invalid);
}

static void flow_free(struct flow *f)
{
	if (!f)
		return;
	free(f->id);
	free(f->path);
	text_free(&f->title);
	for (size_t i = 0; i < f->nlangs; i++)
		free(f->langs[i]);
	for (size_t i = 0; i < f->nkeywords; i++) {
		free(f->keywords[i]);
		free(f->keyword_folds[i]);
	}
	free(f->keywords);
	free(f->keyword_folds);
	free(f->keyword_langs);
	free(f->ussd);
	text_free(&f->remind.text);
	for (size_t i = 0; i < f->nvars; i++) {
		free(f->vars[i].name);
		text_free(&f->vars[i].value);
	}
	free(f->vars);
	for (size_t i = 0; i < f->nsteps; i++)
		step_free(&f->steps[i]);
	free(f->steps);
	free(f);
}

/* ------------------------------------------------------------------------
 * The loader of one file
 * ------------------------------------------------------------------------ */

/* A {stats.FLOW...} placeholder, checked once the whole set is loaded:
 * FLOW may be a flow whose file comes later (docs/flows.md, Texts). */
struct stats_ref {
	const struct flow *from;     /* the flow whose text holds it */
	char *text;                  /* the placeholder, without braces */
	char *flow, *name, *key;     /* name and key NULL in {stats.FLOW.count} */
	struct ypos pos;
};

struct stats_refs {
	struct stats_ref *items;
	size_t n;
};

static void stats_refs_release(struct stats_refs *refs)
{
	for (size_t i = 0; i < refs->n; i++) {
		free(refs->items[i].text);
		free(refs->items[i].flow);
		free(refs->items[i].name);
		free(refs->items[i].key);
	}
	free(refs->items);
	refs->items = NULL;
	refs->n = 0;
}

struct loader {
	struct ydoc doc;
	const char *file;
	size_t ussd_max;
	const struct catalogue *catalogue;
	struct flow_diags *diags;
	size_t errors;
	struct flow *flow;
	char where[96];              /* "step 'consent'": what diags are about */
	/* gathered from the steps before they are read */
	const char **step_ids;       /* per step, or NULL */
	yaml_node_t **step_id_nodes;
	const char **saves;
	size_t nsaves;
	size_t bad_targets;          /* next/branch targets that failed */
	/* where the things checked across files are written */
	struct ypos id_pos, ussd_pos;
	struct ypos *keyword_pos;
	struct stats_refs stats;     /* this flow's, handed to the set's load */
};

/* The nodes of a text's translations, for pointing at one of them. */
struct text_nodes {
	yaml_node_t *n[FLOW_MAX_LANGS];
};

enum {
	TEXT_PLACEHOLDERS = 1,       /* check its {placeholders} */
	TEXT_SHOWN = 2,              /* shown on a phone: warn about UCS-2 */
};

static void loader_release(struct loader *ld)
{
	ydoc_release(&ld->doc);
	free(ld->step_ids);
	free(ld->step_id_nodes);
	free(ld->saves);
	free(ld->keyword_pos);
	stats_refs_release(&ld->stats);
}

static void vreport(struct loader *ld, struct ypos pos, bool warning,
		    const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT;
	if (ld->where[0])
		buf_printf(&msg, "%s: ", ld->where);
	buf_vprintf(&msg, fmt, ap);
	diags_add(ld->diags, ld->file, pos, warning, buf_str(&msg));
	buf_release(&msg);
	if (!warning)
		ld->errors++;
}

static void error_pos(struct loader *ld, struct ypos pos, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));
static void error_pos(struct loader *ld, struct ypos pos, const char *fmt,
		      ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ld, pos, false, fmt, ap);
	va_end(ap);
}

static void error_at(struct loader *ld, const yaml_node_t *n,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void error_at(struct loader *ld, const yaml_node_t *n,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ld, ynode_pos(n), false, fmt, ap);
	va_end(ap);
}

static void warn_pos(struct loader *ld, struct ypos pos, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
static void warn_pos(struct loader *ld, struct ypos pos, const char *fmt,
		     ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ld, pos, true, fmt, ap);
	va_end(ap);
}

static void set_where(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_where(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->where, sizeof(ld->where), fmt, ap);
	va_end(ap);
}

/* Reports each repeated or unknown key of map; returns how many. */
static size_t check_keys(struct loader *ld, const yaml_node_t *map,
			 const char *const *allowed)
{
	char why[160];
	size_t bad = 0;
	for (size_t i = 0; i < ymap_len(map); i++) {
		if (ymap_check_key(&ld->doc, map, i, allowed, why,
				   sizeof(why)) < 0) {
			error_at(ld, ymap_key(&ld->doc, map, i), "%s", why);
			bad++;
		}
	}
	return bad;
}

/* The key node of map's entry named key, for pointing at it. */
static yaml_node_t *key_node(struct loader *ld, const yaml_node_t *map,
			     const char *key)
{
	for (size_t i = 0; i < ymap_len(map); i++) {
		yaml_node_t *k = ymap_key(&ld->doc, map, i);
		const char *s = ynode_str(k);
		if (s && !strcmp(s, key))
			return k;
	}
	return NULL;
}

/* A scalar with a value, or NULL after reporting what is wrong with n. */
static const char *want_scalar(struct loader *ld, const yaml_node_t *n,
			       const char *what)
{
	if (ynode_is_scalar(n) && !ynode_is_null(n))
		return ynode_str(n);
	error_at(ld, n, "%s must be a text, not %s", what, ynode_what(n));
	return NULL;
}

static bool all_in(const char *s, size_t len, const char *set)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

#define FLOW_ID_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_"
#define NAME_CHARS                                                           \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

static bool is_flow_id(const char *s, size_t len)
{
	return len <= MAX_ID_LEN && all_in(s, len, FLOW_ID_CHARS);
}

static bool is_name(const char *s)
{
	size_t len = strlen(s);
	return len <= MAX_ID_LEN && all_in(s, len, NAME_CHARS);
}

static int parse_long(const char *s, long *v)
{
	char *end;
	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_double(const char *s, double *v)
{
	char *end;
	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	return errno || *end || !isfinite(*v) ? -1 : 0;
}

static void lang_list(const struct flow *f, struct buf *out)
{
	for (size_t i = 0; i < f->nlangs; i++)
		buf_printf(out, "%s%s", i ? ", " : "", f->langs[i]);
}

/* ------------------------------------------------------------------------
 * Texts and placeholders
 * ------------------------------------------------------------------------ */

static bool name_in(const char *name, size_t len, const char *const *names,
		    size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return true;
	return false;
}

static const struct flow_var *var_find(const struct flow *f,
				       const char *name, size_t len)
{
	for (size_t i = 0; i < f->nvars; i++)
		if (strlen(f->vars[i].name) == len &&
		    !memcmp(f->vars[i].name, name, len))
			return &f->vars[i];
	return NULL;
}

struct part {
	const char *s;
	size_t len;
};

static bool part_is(const struct part *p, const char *word)
{
	return p->len == strlen(word) && !memcmp(p->s, word, p->len);
}

/* Keeps a {stats...} placeholder (at pos) for check_stats_refs. */
static void stats_ref_keep(struct loader *ld, const char *p, size_t len,
			   const struct part *parts, size_t n, struct ypos pos)
{
	struct stats_refs *refs = &ld->stats;
	refs->items = xrealloc(refs->items, (refs->n + 1) * sizeof(*refs->items));
	struct stats_ref *r = &refs->items[refs->n++];
	memset(r, 0, sizeof(*r));
	r->text = xstrndup(p, len);
	r->flow = xstrndup(parts[1].s, parts[1].len);
	if (n == 5) {
		r->name = xstrndup(parts[2].s, parts[2].len);
		r->key = xstrndup(parts[3].s, parts[3].len);
	}
	r->pos = pos;
}

/* Why the placeholder p (len bytes, without braces, at pos) names nothing
 * a text can use; NULL when it is fine, as far as one flow can tell. */
static const char *placeholder_problem(struct loader *ld, const char *p,
				       size_t len, struct ypos pos, char *why,
				       size_t size)
{
	struct part parts[6] = {{NULL, 0}};
	size_t n = 0;
	const char *s = p, *end = p + len;
	while (n < 6) {
		const char *dot = memchr(s, '.', (size_t)(end - s));
		parts[n].s = s;
		parts[n].len = (size_t)((dot ? dot : end) - s);
		n++;
		if (!dot)
			break;
		s = dot + 1;
	}
	if (part_is(&parts[0], "contact")) {
		if (n >= 2 && len > strlen("contact."))
			return NULL;
		return "write {contact.FIELD}";
	}
	if (part_is(&parts[0], "answers") || part_is(&parts[0], "vars")) {
		bool answers = part_is(&parts[0], "answers");
		if (n != 2 || !parts[1].len)
			return answers ? "write {answers.NAME}"
				       : "write {vars.NAME}";
		if (answers && name_in(parts[1].s, parts[1].len, ld->saves,
				       ld->nsaves))
			return NULL;
		if (!answers && var_find(ld->flow, parts[1].s, parts[1].len))
			return NULL;
		snprintf(why, size, answers ? "no step saves '%.*s'"
					    : "there is no var '%.*s'",
			 (int)parts[1].len, parts[1].s);
		return why;
	}
	if (part_is(&parts[0], "stats")) {
		const char *form = "write {stats.FLOW.count} or "
				   "{stats.FLOW.NAME.KEY.pct} (or .count)";
		if (n < 2 || !is_flow_id(parts[1].s, parts[1].len))
			return form;
		if (n == 3 && part_is(&parts[2], "count")) {
			stats_ref_keep(ld, p, len, parts, n, pos);
			return NULL;
		}
		if (n != 5 || !parts[2].len || !parts[3].len ||
		    !(part_is(&parts[4], "pct") || part_is(&parts[4], "count")))
			return form;
		/* Other flows are known only once the set is loaded
		 * (check_stats_refs); this one is now. */
		const char *id = ld->flow->id;
		if (id && strlen(id) == parts[1].len &&
		    !memcmp(id, parts[1].s, parts[1].len) &&
		    !name_in(parts[2].s, parts[2].len, ld->saves, ld->nsaves)) {
			snprintf(why, size, "no step of this flow saves '%.*s'",
				 (int)parts[2].len, parts[2].s);
			return why;
		}
		stats_ref_keep(ld, p, len, parts, n, pos);
		return NULL;
	}
	return "a placeholder is {contact.X}, {answers.X}, {vars.X} or "
	       "{stats.X}";
}

static void check_placeholders(struct loader *ld, const yaml_node_t *n,
			       const char *text, const char *lang,
			       const char *what)
{
	char why[160];
	const char *p = text;
	while ((p = strchr(p, '{')) != NULL) {
		const char *close = strchr(p + 1, '}');
		const char *open = strchr(p + 1, '{');
		struct ypos pos = ynode_pos_at(n, (size_t)(p - text));
		if (!close || (open && open < close)) {
			error_pos(ld, pos,
				  "'{' without a closing '}' in the %s %s",
				  lang, what);
			p++;
			continue;
		}
		size_t len = (size_t)(close - p - 1);
		const char *problem =
		    placeholder_problem(ld, p + 1, len, pos, why, sizeof(why));
		if (problem)
			error_pos(ld, pos,
				  "unknown placeholder '{%.*s}' in the %s %s: "
				  "%s",
				  (int)len, p + 1, lang, what, problem);
		else if (len > 8 && !strncmp(p + 1, "contact.", 8) &&
			 !memchr(p + 1, '|', len))
			warn_pos(ld, pos,
				 "'{%.*s}' in the %s %s has no default: a contact "
				 "without it gets nothing there; write "
				 "{%.*s|TEXT} (docs/flows.md)",
				 (int)len, p + 1, lang, what, (int)len, p + 1);
		p = close + 1;
	}
}

static void check_ucs2(struct loader *ld, const yaml_node_t *n,
		       const char *text, const char *lang, const char *what)
{
	struct sms_cost cost;
	sms_cost(text, strlen(text), &cost);
	if (!cost.ucs2)
		return;
	warn_pos(ld, ynode_pos_at(n, cost.first_ucs2),
		 "the %s %s needs UCS-2 because of '%.*s', so a USSD screen "
		 "holds only %zu characters of it",
		 lang, what, (int)cost.first_ucs2_len, text + cost.first_ucs2,
		 ussd_budget(ld->ussd_max, true));
}

static void set_translation(struct loader *ld, struct flow_text *out,
			    struct text_nodes *nodes, size_t li,
			    yaml_node_t *n, const char *what, int flags)
{
	const char *lang = ld->flow->langs[li];
	const char *s = ynode_str(n);
	if (!s || ynode_is_null(n)) {
		error_at(ld, n, "the %s %s must be a text, not %s", lang, what,
			 ynode_what(n));
		return;
	}
	if (!*s) {
		error_at(ld, n, "the %s %s is empty", lang, what);
		return;
	}
	out->t[li] = xstrdup(s);
	if (nodes)
		nodes->n[li] = n;
	if (flags & TEXT_PLACEHOLDERS)
		check_placeholders(ld, n, s, lang, what);
	if ((flags & TEXT_SHOWN) && ld->flow->ussd)
		check_ucs2(ld, n, s, lang, what);
}

/* Reads a TEXT: a map with one entry per language of the flow, or a plain
 * text in a flow with one language.  what names it in sentences ("ask
 * text").  Returns 0 when every language has its translation. */
static int parse_text(struct loader *ld, yaml_node_t *n, const char *what,
		      struct flow_text *out, struct text_nodes *nodes,
		      int flags)
{
	struct flow *f = ld->flow;
	size_t errors = ld->errors;
	struct buf langs = BUF_INIT;

	if (f->nlangs == 0)
		return -1; /* the languages are wrong, and reported */
	lang_list(f, &langs);
	if (ynode_is_scalar(n) && !ynode_is_null(n)) {
		if (f->nlangs == 1)
			set_translation(ld, out, nodes, 0, n, what, flags);
		else
			error_at(ld, n,
				 "%s must be a map with one entry per "
				 "language (%s), not one plain text",
				 what, buf_str(&langs));
	} else if (ynode_is_map(n)) {
		bool seen[FLOW_MAX_LANGS] = {false};
		check_keys(ld, n, NULL);
		for (size_t i = 0; i < ymap_len(n); i++) {
			yaml_node_t *k = ymap_key(&ld->doc, n, i);
			const char *code = ynode_str(k);
			int li = code ? flow_lang_index(f, code) : -1;
			if (!code)
				continue; /* reported by check_keys */
			if (li < 0) {
				error_at(ld, k,
					 "%s has language '%s', which is not "
					 "in languages (%s)",
					 what, code, buf_str(&langs));
				continue;
			}
			if (seen[li])
				continue;
			seen[li] = true;
			set_translation(ld, out, nodes, (size_t)li,
					ymap_value(&ld->doc, n, i), what, flags);
		}
		for (size_t li = 0; li < f->nlangs; li++)
			if (!seen[li])
				error_at(ld, n, "%s is missing language '%s'",
					 what, f->langs[li]);
	} else if (f->nlangs == 1) {
		error_at(ld, n, "%s must be a text, not %s", what,
			 ynode_what(n));
	} else {
		error_at(ld, n,
			 "%s must be a map with one entry per language (%s), "
			 "not %s",
			 what, buf_str(&langs), ynode_what(n));
	}
	buf_release(&langs);
	return ld->errors == errors ? 0 : -1;
}


/* ------------------------------------------------------------------------
 * USSD screens
 * ------------------------------------------------------------------------ */

/* Every screen of s must fit, laid out by the engine as it will be shown. */
static void check_screens(struct loader *ld, const struct flow_step *s,
			  const struct text_nodes *nodes)
{
	const struct flow *f = ld->flow;
	struct buf screen = BUF_INIT;
	for (size_t li = 0; li < f->nlangs; li++) {
		bool paged = false, ucs2;
		if (engine_screen_fits(f, s, (int)li, ld->ussd_max, ld->catalogue, &screen, &paged))
			continue;
		size_t len = ussd_length(buf_str(&screen), &ucs2);
		error_pos(ld, ynode_pos(nodes->n[li]),
			  "the %s screen needs %zu characters, more than the "
			  "%zu a USSD screen holds%s%s",
			  f->langs[li], len, ussd_budget(ld->ussd_max, ucs2),
			  ucs2 ? " in UCS-2" : "",
			  paged ? ", even with its choices paged" : "");
	}
	buf_release(&screen);
}

/* ------------------------------------------------------------------------
 * Flow-level keys
 * ------------------------------------------------------------------------ */

static void parse_id(struct loader *ld, yaml_node_t *n)
{
	const char *id = want_scalar(ld, n, "flow");
	if (!id)
		return;
	if (!is_flow_id(id, strlen(id))) {
		error_at(ld, n,
			 "flow id '%s' may use only a-z, 0-9 and '_' (at most "
			 "%d characters)",
			 id, MAX_ID_LEN);
		return;
	}
	ld->flow->id = xstrdup(id);
	ld->id_pos = ynode_pos(n);
}

static void parse_kind(struct loader *ld, yaml_node_t *n)
{
	static const char *const kinds[] = {"survey", "invitation",
					    "report_back"};
	const char *kind = want_scalar(ld, n, "kind");
	if (!kind)
		return;
	for (size_t i = 0; i < 3; i++) {
		if (!strcmp(kind, kinds[i])) {
			ld->flow->kind = (enum flow_kind)i;
			return;
		}
	}
	error_at(ld, n, "kind '%s' is not survey, invitation or report_back",
		 kind);
}

static bool is_lang_code(const char *s)
{
	size_t len = strlen(s);
	return len >= 2 && len <= 8 &&
	       all_in(s, len, "abcdefghijklmnopqrstuvwxyz");
}

/* Adds one language; returns -1 on an error (reported). */
static int add_lang(struct loader *ld, yaml_node_t *n)
{
	struct flow *f = ld->flow;
	const char *code = want_scalar(ld, n, "a language");
	if (!code)
		return -1;
	if (!is_lang_code(code)) {
		error_at(ld, n,
			 "language code '%s' must be 2 to 8 lowercase letters "
			 "(sw, en)",
			 code);
		return -1;
	}
	if (flow_lang_index(f, code) >= 0) {
		warn_pos(ld, ynode_pos(n),
			 "language '%s' is listed twice; the second is ignored",
			 code);
		return 0;
	}
	if (f->nlangs == FLOW_MAX_LANGS) {
		error_at(ld, n, "a flow has at most %d languages",
			 FLOW_MAX_LANGS);
		return -1;
	}
	f->langs[f->nlangs++] = xstrdup(code);
	return 0;
}

static void parse_languages(struct loader *ld, yaml_node_t *n)
{
	struct flow *f = ld->flow;
	int bad = 0;
	if (ynode_is_seq(n)) {
		for (size_t i = 0; i < yseq_len(n); i++)
			bad |= add_lang(ld, yseq_item(&ld->doc, n, i));
	} else if (ynode_is_scalar(n) && !ynode_is_null(n)) {
		bad = add_lang(ld, n);
	} else {
		error_at(ld, n, "languages must be a list like [sw, en], not %s",
			 ynode_what(n));
		return;
	}
	if (!bad && f->nlangs == 0)
		error_at(ld, n, "languages must list at least one language");
	for (size_t i = 0; !bad && i < f->nlangs; i++)
		if (!catalogue_has(ld->catalogue, f->langs[i]))
			warn_pos(ld, ynode_pos(n),
				 "language '%s' has no texts in the message catalogue: "
				 "what sauti says by itself (invalid replies, paging, help) "
				 "goes in '%s', the fallback_language; add %s to the "
				 "messages: file",
				 f->langs[i], catalogue_fallback(ld->catalogue), f->langs[i]);
	if (bad) {
		/* Texts are not checked against a list known to be wrong. */
		for (size_t i = 0; i < f->nlangs; i++) {
			free(f->langs[i]);
			f->langs[i] = NULL;
		}
		f->nlangs = 0;
	}
}

/* lang: the index of the language the keyword is in, -1 for any. */
static void add_keyword(struct loader *ld, yaml_node_t *n, int lang)
{
	struct flow *f = ld->flow;
	const char *word = want_scalar(ld, n, "a keyword");
	if (!word)
		return;
	for (const char *p = word; *p; p++) {
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			error_at(ld, n, "keyword '%s' must be one word", word);
			return;
		}
	}
	if (strlen(word) > MAX_ID_LEN) {
		error_at(ld, n, "keyword '%s' is longer than %d characters",
			 word, MAX_ID_LEN);
		return;
	}
	char *fold = reply_fold(word);
	for (size_t i = 0; i < f->nkeywords; i++) {
		if (!strcmp(f->keyword_folds[i], fold)) {
			warn_pos(ld, ynode_pos(n), "keyword '%s' is listed twice",
				 f->keywords[i]);
			free(fold);
			return;
		}
	}
	char *upper = text_upper(word);
	if (word_lookup(ld->catalogue, upper, NULL) != WORD_NONE)
		warn_pos(ld, ynode_pos(n),
			 "keyword '%s' is a word that always works "
			 "(opt-out, help, language); a message of just "
			 "'%s' does not start this flow",
			 upper, upper);
	f->keywords = xrealloc(f->keywords,
			       (f->nkeywords + 1) * sizeof(*f->keywords));
	f->keyword_folds = xrealloc(f->keyword_folds,
				    (f->nkeywords + 1) * sizeof(*f->keyword_folds));
	f->keyword_langs = xrealloc(f->keyword_langs,
				    (f->nkeywords + 1) * sizeof(*f->keyword_langs));
	f->keyword_langs[f->nkeywords] = lang;
	ld->keyword_pos = xrealloc(ld->keyword_pos,
				   (f->nkeywords + 1) * sizeof(*ld->keyword_pos));
	ld->keyword_pos[f->nkeywords] = ynode_pos(n);
	f->keyword_folds[f->nkeywords] = fold;
	f->keywords[f->nkeywords++] = upper;
}

static bool is_ussd_code(const char *s)
{
	size_t len = strlen(s);
	if (len < 3 || s[0] != '*' || s[len - 1] != '#' || s[len - 2] == '*')
		return false;
	for (size_t i = 1; i < len - 1; i++) {
		if (s[i] == '*' && s[i - 1] == '*')
			return false;
		if (s[i] != '*' && !isdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* A list of keywords, or one. */
static void add_keywords(struct loader *ld, yaml_node_t *kw, int lang)
{
	if (ynode_is_seq(kw)) {
		for (size_t i = 0; i < yseq_len(kw); i++)
			add_keyword(ld, yseq_item(&ld->doc, kw, i), lang);
	} else if (ynode_is_scalar(kw) && !ynode_is_null(kw)) {
		add_keyword(ld, kw, lang);
	} else if (kw && !ynode_is_null(kw)) {
		error_at(ld, kw, "keywords must be a list like [SURVEY], or one "
			 "per language like {sw: [UTAFITI], en: [SURVEY]}, not %s",
			 ynode_what(kw));
	}
}

static void parse_triggers(struct loader *ld, yaml_node_t *n)
{
	static const char *const keys[] = {"keywords", "ussd", NULL};
	if (ynode_is_null(n))
		return;
	if (!ynode_is_map(n)) {
		error_at(ld, n,
			 "triggers must be a map with keywords and/or ussd, "
			 "not %s",
			 ynode_what(n));
		return;
	}
	check_keys(ld, n, keys);
	yaml_node_t *kw = ymap_get(&ld->doc, n, "keywords");
	if (ynode_is_map(kw)) {
		/* {sw: [UTAFITI], en: [SURVEY]}: HELP offers each person the
		 * keyword of their language (docs/flows.md). */
		for (size_t i = 0; i < ymap_len(kw); i++) {
			yaml_node_t *key = ymap_key(&ld->doc, kw, i);
			const char *code = ynode_str(key);
			int lang = code ? flow_lang_index(ld->flow, code) : -1;
			if (lang < 0) {
				error_at(ld, key, "keywords for '%s', which is not one "
					 "of the flow's languages", code ? code : "?");
				continue;
			}
			add_keywords(ld, ymap_value(&ld->doc, kw, i), lang);
		}
	} else {
		add_keywords(ld, kw, -1);
	}
	yaml_node_t *ussd = ymap_get(&ld->doc, n, "ussd");
	const char *code = ussd ? want_scalar(ld, ussd, "ussd") : NULL;
	if (code && !is_ussd_code(code)) {
		error_at(ld, ussd,
			 "ussd code '%s' must look like \"*150*88#\" (in "
			 "quotes)",
			 code);
	} else if (code) {
		ld->flow->ussd = xstrdup(code);
		ld->ussd_pos = ynode_pos(ussd);
	}
}

/* "72h", "30m", "2d", "90s", or several: "1d12h".  Returns 0, -1 for a bad
 * form, -2 out of range. */
static int parse_duration(const char *s, long *out)
{
	long total = 0;
	if (!*s)
		return -1;
	while (*s) {
		long n = 0, unit;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			n = n * 10 + (*s++ - '0');
			if (n > MAX_EXPIRE)
				return -2;
		}
		switch (*s++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return -1;
		}
		total += n * unit;
		if (total > MAX_EXPIRE)
			return -2;
	}
	*out = total;
	return total > 0 ? 0 : -2;
}

static void parse_expire(struct loader *ld, yaml_node_t *n)
{
	const char *s = want_scalar(ld, n, "expire");
	long v;
	if (!s)
		return;
	switch (parse_duration(s, &v)) {
	case 0:
		ld->flow->expire = v;
		break;
	case -1:
		error_at(ld, n,
			 "expire '%s' is not a duration like 72h, 30m, 2d or "
			 "90s",
			 s);
		break;
	default:
		error_at(ld, n, "expire '%s' must be between 1s and 365d", s);
		break;
	}
}

#define MAX_REMIND_TIMES 10

/* remind: {after: 24h, times: 2, text: {...}}; after must be shorter than
 * expire, which parse_flow() reads first. */
static void parse_remind(struct loader *ld, yaml_node_t *n)
{
	static const char *const keys[] = {"after", "times", "text", NULL};
	struct flow_remind *r = &ld->flow->remind;
	if (!ynode_is_map(n)) {
		error_at(ld, n, "remind must be a map with after, times and text, not %s",
			 ynode_what(n));
		return;
	}
	check_keys(ld, n, keys);
	yaml_node_t *after = ymap_get(&ld->doc, n, "after");
	yaml_node_t *times = ymap_get(&ld->doc, n, "times");
	yaml_node_t *text = ymap_get(&ld->doc, n, "text");
	if (!after)
		error_at(ld, n, "remind is missing 'after' (how long a silence, like 24h)");
	if (!text)
		error_at(ld, n, "remind is missing 'text' (sent before the question again)");
	r->times = 1;
	long v;
	if (times && (parse_long(ynode_str(times), &v) < 0 || v < 1 || v > MAX_REMIND_TIMES))
		error_at(ld, times, "remind times must be a whole number from 1 to %d",
			 MAX_REMIND_TIMES);
	else if (times)
		r->times = (int)v;
	const char *s = after ? want_scalar(ld, after, "remind after") : NULL;
	if (s && parse_duration(s, &v) < 0)
		error_at(ld, after, "remind after '%s' is not a duration like 24h, 30m or 90s", s);
	else if (s && v >= ld->flow->expire)
		error_at(ld, after, "remind after '%s' must be shorter than expire (%lds)", s,
			 ld->flow->expire);
	else if (s)
		r->after = v;
	if (text)
		parse_text(ld, text, "remind text", &r->text, NULL,
			   TEXT_PLACEHOLDERS | TEXT_SHOWN);
}

static void parse_vars(struct loader *ld, yaml_node_t *n)
{
	struct flow *f = ld->flow;
	if (ynode_is_null(n))
		return;
	if (!ynode_is_map(n)) {
		error_at(ld, n, "vars must be a map of NAME: text, not %s",
			 ynode_what(n));
		return;
	}
	check_keys(ld, n, NULL);
	f->vars = xcalloc(ymap_len(n), sizeof(*f->vars));
	for (size_t i = 0; i < ymap_len(n); i++) {
		yaml_node_t *k = ymap_key(&ld->doc, n, i);
		yaml_node_t *v = ymap_value(&ld->doc, n, i);
		const char *name = ynode_str(k);
		if (!name || var_find(f, name, strlen(name)))
			continue; /* reported by check_keys */
		if (!is_name(name)) {
			error_at(ld, k,
				 "var name '%s' may use only letters, digits "
				 "and '_'",
				 name);
			continue;
		}
		struct flow_var *var = &f->vars[f->nvars++];
		var->name = xstrdup(name);
		set_where(ld, "var '%s'", name);
		/* A constant such as a place or a date may be one text for
		 * every language. */
		if (ynode_is_scalar(v) && !ynode_is_null(v) && f->nlangs > 1) {
			for (size_t li = 0; li < f->nlangs; li++)
				var->value.t[li] = xstrdup(ynode_str(v));
		} else {
			parse_text(ld, v, "value", &var->value, NULL,
				   TEXT_SHOWN);
		}
		ld->where[0] = '\0';
	}
}

/* ------------------------------------------------------------------------
 * Steps
 * ------------------------------------------------------------------------ */

static const char *const step_keys[] = {
	"id",      "say",  "ask",  "language", "end",     "choices", "number",
	"text",    "save", "next", "branch",   "invalid", "retries", NULL,
};

/* In the order of enum step_type. */
static const char *const type_keys[] = {"say", "ask", "language", "end"};

/* Ids and save names of every step, before any step is read. */
static void scan_steps(struct loader *ld, const yaml_node_t *steps)
{
	size_t n = yseq_len(steps);
	ld->step_ids = xcalloc(n, sizeof(*ld->step_ids));
	ld->step_id_nodes = xcalloc(n, sizeof(*ld->step_id_nodes));
	ld->saves = xcalloc(n, sizeof(*ld->saves));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *step = yseq_item(&ld->doc, steps, i);
		if (!ynode_is_map(step))
			continue;
		yaml_node_t *id = ymap_get(&ld->doc, step, "id");
		if (ynode_is_scalar(id) && !ynode_is_null(id)) {
			ld->step_ids[i] = ynode_str(id);
			ld->step_id_nodes[i] = id;
		}
		yaml_node_t *save = ymap_get(&ld->doc, step, "save");
		if (ynode_is_scalar(save) && !ynode_is_null(save))
			ld->saves[ld->nsaves++] = ynode_str(save);
	}
}

/* "next step 'thnaks' is not a step id (did you mean 'thanks'?)", or with
 * the step ids there are when none is close: what to write instead. */
static void step_id_error(struct loader *ld, yaml_node_t *n, const char *what,
			  const char *id)
{
	size_t count = ld->flow->nsteps, k = 0;
	const char **ids = xcalloc(count + 1, sizeof(*ids));
	for (size_t i = 0; i < count; i++)
		if (ld->step_ids[i])
			ids[k++] = ld->step_ids[i];
	const char *guess = yword_closest(id, ids);
	struct buf known = BUF_INIT;
	for (size_t i = 0; i < k && known.len < 200; i++)
		buf_printf(&known, "%s%s", i ? ", " : "", ids[i]);
	if (k && known.len >= 200 && k > 1)
		buf_puts(&known, ", ...");
	if (guess)
		error_at(ld, n, "%s '%s' is not a step id (did you mean '%s'?)",
			 what, id, guess);
	else if (k)
		error_at(ld, n, "%s '%s' is not a step id (the steps are: %s)",
			 what, id, buf_str(&known));
	else
		error_at(ld, n, "%s '%s' is not a step id", what, id);
	buf_release(&known);
	free(ids);
}

/* The index of the step n names, or -1 after reporting it. */
static int resolve(struct loader *ld, yaml_node_t *n, const char *what)
{
	const char *id = ynode_str(n);
	ld->bad_targets++;
	if (!id || ynode_is_null(n)) {
		error_at(ld, n, "%s must be a step id, not %s", what,
			 ynode_what(n));
		return -1;
	}
	for (size_t i = 0; i < ld->flow->nsteps; i++) {
		if (ld->step_ids[i] && !strcmp(ld->step_ids[i], id)) {
			ld->bad_targets--;
			return (int)i;
		}
	}
	step_id_error(ld, n, what, id);
	return -1;
}

static void parse_choices(struct loader *ld, struct flow_step *s,
			  yaml_node_t *n)
{
	char what[96];
	if (!ynode_is_seq(n) || yseq_len(n) == 0) {
		error_at(ld, n,
			 "choices must be a list of '- key: text' entries, "
			 "not %s",
			 ynode_is_seq(n) ? "an empty list" : ynode_what(n));
		return;
	}
	if (yseq_len(n) > MAX_CHOICES) {
		error_at(ld, n, "a step has at most %d choices", MAX_CHOICES);
		return;
	}
	s->choices = xcalloc(yseq_len(n), sizeof(*s->choices));
	for (size_t i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(&ld->doc, n, i);
		if (!ynode_is_map(item) || ymap_len(item) != 1) {
			const char *k = ynode_str(item);
			if (k && !ynode_is_null(item))
				error_at(ld, item,
					 "choice '%s' needs a label: write "
					 "'- %s: text'",
					 k, k);
			else
				error_at(ld, item,
					 "a choice must be one 'key: text' "
					 "entry, not %s",
					 ynode_is_map(item) ? "a map of several"
							    : ynode_what(item));
			continue;
		}
		yaml_node_t *k = ymap_key(&ld->doc, item, 0);
		const char *key = want_scalar(ld, k, "a choice key");
		if (!key)
			continue;
		bool dup = false;
		for (size_t j = 0; j < s->nchoices && !dup; j++)
			dup = !strcasecmp(s->choices[j].key, key);
		if (dup) {
			error_at(ld, k, "choice key '%s' is used twice", key);
			continue;
		}
		struct flow_choice *c = &s->choices[s->nchoices++];
		c->key = xstrdup(key);
		snprintf(what, sizeof(what), "label of choice '%s'", key);
		parse_text(ld, ymap_value(&ld->doc, item, 0), what, &c->label,
			   NULL, TEXT_PLACEHOLDERS | TEXT_SHOWN);
	}
}

static void parse_bound(struct loader *ld, yaml_node_t *map, const char *key,
			double *v, bool *has)
{
	yaml_node_t *n = ymap_get(&ld->doc, map, key);
	if (!n || ynode_is_null(n))
		return;
	if (parse_double(ynode_str(n), v) < 0) {
		error_at(ld, n, "number %s must be a number, not %s", key,
			 ynode_is_scalar(n) ? ynode_str(n) : ynode_what(n));
		return;
	}
	*has = true;
}

static void parse_number(struct loader *ld, struct flow_step *s,
			 yaml_node_t *n)
{
	static const char *const keys[] = {"min", "max", NULL};
	if (ynode_is_null(n))
		return;
	if (!ynode_is_map(n)) {
		error_at(ld, n, "number must be a map like {min: 0, max: 80}, "
				"not %s",
			 ynode_what(n));
		return;
	}
	check_keys(ld, n, keys);
	parse_bound(ld, n, "min", &s->min, &s->has_min);
	parse_bound(ld, n, "max", &s->max, &s->has_max);
	if (s->has_min && s->has_max && s->min > s->max)
		error_at(ld, n, "number min %g is greater than max %g", s->min,
			 s->max);
}

static void parse_text_option(struct loader *ld, struct flow_step *s,
			      yaml_node_t *n)
{
	static const char *const keys[] = {"max", NULL};
	s->text_max = FLOW_DEFAULT_TEXT_MAX;
	if (ynode_is_null(n))
		return;
	if (!ynode_is_map(n)) {
		error_at(ld, n, "text must be a map like {max: 320}, not %s",
			 ynode_what(n));
		return;
	}
	check_keys(ld, n, keys);
	yaml_node_t *max = ymap_get(&ld->doc, n, "max");
	long v;
	if (!max || ynode_is_null(max))
		return;
	if (parse_long(ynode_str(max), &v) < 0 || v < 1 || v > MAX_TEXT_MAX) {
		error_at(ld, max, "text max must be a whole number from 1 to %d",
			 MAX_TEXT_MAX);
		return;
	}
	s->text_max = (size_t)v;
}

/* The choice key or language code a branch value stands for, or NULL
 * after reporting that it can never match. */
static const char *branch_value(struct loader *ld, const struct flow_step *s,
				yaml_node_t *k, const char *value)
{
	const struct flow *f = ld->flow;
	struct buf known = BUF_INIT;
	const char *match = value;
	if (s->type == STEP_LANGUAGE) {
		int li = flow_lang_index(f, value);
		if (li < 0) {
			lang_list(f, &known);
			error_at(ld, k,
				 "branch value '%s' is not a language of the "
				 "flow (%s)",
				 value, buf_str(&known));
		}
		match = li < 0 ? NULL : f->langs[li];
	} else if (s->ask == ASK_CHOICES && s->nchoices) {
		match = NULL;
		for (size_t i = 0; i < s->nchoices; i++) {
			buf_printf(&known, "%s%s", i ? ", " : "",
				   s->choices[i].key);
			if (!strcasecmp(s->choices[i].key, value))
				match = s->choices[i].key;
		}
		if (!match)
			error_at(ld, k,
				 "branch value '%s' is not a choice of this "
				 "step (%s)",
				 value, buf_str(&known));
	}
	buf_release(&known);
	return match;
}

static void parse_branch(struct loader *ld, struct flow_step *s,
			 yaml_node_t *n)
{
	if (ynode_is_null(n))
		return;
	if (!ynode_is_map(n)) {
		error_at(ld, n,
			 "branch must be a map of VALUE: step id, not %s",
			 ynode_what(n));
		return;
	}
	check_keys(ld, n, NULL);
	s->branches = xcalloc(ymap_len(n), sizeof(*s->branches));
	for (size_t i = 0; i < ymap_len(n); i++) {
		yaml_node_t *k = ymap_key(&ld->doc, n, i);
		yaml_node_t *v = ymap_value(&ld->doc, n, i);
		const char *value = ynode_str(k);
		bool dup = false;
		for (size_t j = 0; value && j < i && !dup; j++) {
			const char *other = ynode_str(ymap_key(&ld->doc, n, j));
			dup = other && !strcmp(other, value);
		}
		if (!value || dup)
			continue; /* reported by check_keys */
		int target = resolve(ld, v, "branch target");
		if (!strcmp(value, "default")) {
			s->branch_default = target;
			continue;
		}
		const char *match = branch_value(ld, s, k, value);
		if (!match)
			continue;
		struct flow_branch *b = &s->branches[s->nbranches++];
		b->value = xstrdup(match);
		b->target = target;
	}
}

static void parse_retries(struct loader *ld, struct flow_step *s,
			  yaml_node_t *n)
{
	long v;
	if (parse_long(ynode_str(n), &v) < 0 || v < 0 || v > MAX_RETRIES) {
		error_at(ld, n, "retries must be a whole number from 0 to %d",
			 MAX_RETRIES);
		return;
	}
	s->retries = (int)v;
}

/* Which of say/ask/language/end the step is; -1 when none (reported). */
static int step_type(struct loader *ld, yaml_node_t *map, size_t *entry)
{
	int type = -1;
	for (size_t i = 0; i < ymap_len(map); i++) {
		yaml_node_t *k = ymap_key(&ld->doc, map, i);
		const char *key = ynode_str(k);
		for (int t = 0; key && t < 4; t++) {
			if (strcmp(key, type_keys[t]))
				continue;
			if (type < 0) {
				type = t;
				*entry = i;
			} else if (t != type) {
				error_at(ld, k,
					 "has both '%s' and '%s'; a step is "
					 "exactly one of say, ask, language or "
					 "end",
					 type_keys[type], key);
			}
		}
	}
	if (type < 0)
		error_at(ld, map, "needs one of say, ask, language or end");
	return type;
}

/* Reads choices, number or text; reports them on a step that is no ask. */
static void parse_ask_options(struct loader *ld, struct flow_step *s,
			      yaml_node_t *map, bool is_ask)
{
	static const char *const opts[] = {"choices", "number", "text"};
	static const enum ask_type types[] = {ASK_CHOICES, ASK_NUMBER,
					      ASK_TEXT};
	for (size_t i = 0; i < ymap_len(map); i++) {
		yaml_node_t *k = ymap_key(&ld->doc, map, i);
		yaml_node_t *v = ymap_value(&ld->doc, map, i);
		const char *key = ynode_str(k);
		for (size_t o = 0; key && o < 3; o++) {
			if (strcmp(key, opts[o]) || key_node(ld, map, key) != k)
				continue;
			if (!is_ask) {
				error_at(ld, k, "'%s' goes only with ask", key);
			} else if (s->ask != ASK_NONE) {
				error_at(ld, k,
					 "has both '%s' and '%s'; an ask takes "
					 "exactly one of choices, number or "
					 "text",
					 opts[s->ask - ASK_CHOICES], key);
			} else {
				s->ask = types[o];
				if (o == 0)
					parse_choices(ld, s, v);
				else if (o == 1)
					parse_number(ld, s, v);
				else
					parse_text_option(ld, s, v);
			}
		}
	}
	if (is_ask && s->ask == ASK_NONE)
		error_at(ld, map, "ask needs one of choices, number or text");
}

static void parse_save(struct loader *ld, struct flow_step *s, size_t index,
		       yaml_node_t *n)
{
	const char *name = want_scalar(ld, n, "save");
	if (!name)
		return;
	if (!is_name(name)) {
		error_at(ld, n,
			 "save name '%s' may use only letters, digits and '_'",
			 name);
		return;
	}
	for (size_t j = 0; j < index; j++) {
		const struct flow_step *other = &ld->flow->steps[j];
		if (other->save && !strcmp(other->save, name)) {
			warn_pos(ld, ynode_pos(n),
				 "save name '%s' is also used by step '%s'; "
				 "the later answer replaces the earlier",
				 name, other->id ? other->id : "?");
			break;
		}
	}
	s->save = xstrdup(name);
}

static void parse_step_id(struct loader *ld, struct flow_step *s,
			  size_t index, yaml_node_t *map)
{
	yaml_node_t *n = ymap_get(&ld->doc, map, "id");
	if (!n) {
		error_at(ld, map, "missing key 'id'");
		return;
	}
	const char *id = want_scalar(ld, n, "id");
	if (!id)
		return;
	for (size_t j = 0; j < index; j++) {
		if (ld->step_ids[j] && !strcmp(ld->step_ids[j], id)) {
			error_at(ld, n,
				 "id '%s' is already used by step %zu "
				 "(line %d)",
				 id, j + 1, ynode_pos(ld->step_id_nodes[j]).line);
			break;
		}
	}
	s->id = xstrdup(id);
}

/* The keys that belong only on ask and language steps. */
static void check_answer_keys(struct loader *ld, yaml_node_t *map, int type)
{
	static const char *const keys[] = {"save", "branch", "invalid",
					   "retries", NULL};
	if (type == STEP_ASK || type == STEP_LANGUAGE || type < 0)
		return;
	for (size_t i = 0; keys[i]; i++) {
		yaml_node_t *k = key_node(ld, map, keys[i]);
		if (k)
			error_at(ld, k,
				 "'%s' goes only on ask and language steps, "
				 "not on %s",
				 keys[i], type_keys[type]);
	}
}

static void parse_step(struct loader *ld, size_t index, yaml_node_t *map)
{
	struct flow_step *s = &ld->flow->steps[index];
	struct text_nodes nodes = {{NULL}};
	char what[32];
	size_t entry = 0;

	if (ld->step_ids[index])
		set_where(ld, "step '%s'", ld->step_ids[index]);
	else
		set_where(ld, "step %zu", index + 1);
	if (!ynode_is_map(map)) {
		error_at(ld, map,
			 "must be a map with an id and one of say, ask, "
			 "language or end, not %s",
			 ynode_what(map));
		return;
	}
	check_keys(ld, map, step_keys);
	parse_step_id(ld, s, index, map);
	int type = step_type(ld, map, &entry);
	int text_ok = -1;
	if (type >= 0) {
		s->type = (enum step_type)type;
		snprintf(what, sizeof(what), "%s text", type_keys[type]);
		text_ok = parse_text(ld, ymap_value(&ld->doc, map, entry), what,
				     &s->text, &nodes,
				     TEXT_PLACEHOLDERS | TEXT_SHOWN);
	}
	size_t errors = ld->errors;
	parse_ask_options(ld, s, map, type == STEP_ASK);
	if (ld->flow->ussd && text_ok == 0 && ld->errors == errors)
		check_screens(ld, s, &nodes);
	check_answer_keys(ld, map, type);
	bool answers = type == STEP_ASK || type == STEP_LANGUAGE;

	yaml_node_t *v;
	if (answers && (v = ymap_get(&ld->doc, map, "save")))
		parse_save(ld, s, index, v);
	if ((v = ymap_get(&ld->doc, map, "next"))) {
		if (type == STEP_END)
			error_at(ld, key_node(ld, map, "next"),
				 "an end step has no next: the run ends there");
		else
			s->next = resolve(ld, v, "next step");
	}
	if (answers && (v = ymap_get(&ld->doc, map, "branch")))
		parse_branch(ld, s, v);
	if (answers && (v = ymap_get(&ld->doc, map, "invalid")))
		s->has_invalid = parse_text(ld, v, "invalid text", &s->invalid,
					    NULL,
					    TEXT_PLACEHOLDERS | TEXT_SHOWN) == 0;
	if (answers && (v = ymap_get(&ld->doc, map, "retries")))
		parse_retries(ld, s, v);
}

/* Walks from the first step along every way a run can go on; a step never
 * met is an error.  Skipped when a target is wrong: it would only repeat
 * that error. */
static void visit(bool *seen, int *stack, size_t *top, int to)
{
	if (to >= 0 && !seen[to]) {
		seen[to] = true;
		stack[(*top)++] = to;
	}
}

static void check_reachable(struct loader *ld)
{
	struct flow *f = ld->flow;
	size_t n = f->nsteps, top = 0;
	if (ld->bad_targets || n == 0)
		return;
	bool *seen = xcalloc(n, sizeof(*seen));
	int *stack = xcalloc(n, sizeof(*stack));
	visit(seen, stack, &top, 0);
	while (top > 0) {
		int i = stack[--top];
		const struct flow_step *s = &f->steps[i];
		if (s->type != STEP_END && s->next >= 0)
			visit(seen, stack, &top, s->next);
		else if (s->type != STEP_END && (size_t)i + 1 < n)
			visit(seen, stack, &top, i + 1);
		visit(seen, stack, &top, s->branch_default);
		for (size_t b = 0; b < s->nbranches; b++)
			visit(seen, stack, &top, s->branches[b].target);
	}
	ld->where[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (seen[i])
			continue;
		if (f->steps[i].id)
			error_pos(ld, (struct ypos){f->steps[i].line,
						    f->steps[i].column},
				  "step '%s' can never be reached: no step "
				  "before it goes there",
				  f->steps[i].id);
		else
			error_pos(ld, (struct ypos){f->steps[i].line,
						    f->steps[i].column},
				  "step %zu can never be reached", i + 1);
	}
	free(seen);
	free(stack);
}

/* A say is joined to the screen after it on USSD (docs/flows.md): where the
 * two cannot share one screen, the say is cut there with "...", which the
 * person should not have to read.  A warning: the flow still works. */
static void check_says_on_ussd(struct loader *ld)
{
	const struct flow *f = ld->flow;
	struct buf said = BUF_INIT;
	if (!f->ussd || ld->errors)
		return;
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *s = &f->steps[i];
		if (s->type != STEP_SAY)
			continue;
		for (size_t li = 0; li < f->nlangs; li++) {
			if (engine_say_fits(f, (int)i, (int)li, ld->ussd_max, ld->catalogue, &said))
				continue;
			warn_pos(ld, (struct ypos){s->line, s->column},
				 "step '%s': its %s say text (%zu characters) and the USSD screen "
				 "after it do not fit the %zu characters of one screen, so the "
				 "say is cut there with '...'; shorten it, or end the say's "
				 "sentence in the next question",
				 s->id, f->langs[li], ussd_length(buf_str(&said), NULL),
				 ld->ussd_max);
		}
	}
	buf_release(&said);
}

static void parse_steps(struct loader *ld, yaml_node_t *n)
{
	struct flow *f = ld->flow;
	if (!ynode_is_seq(n) || yseq_len(n) == 0) {
		error_at(ld, n, "steps must be a list of steps, not %s",
			 ynode_is_seq(n) ? "an empty list" : ynode_what(n));
		return;
	}
	scan_steps(ld, n);
	f->nsteps = yseq_len(n);
	f->steps = xcalloc(f->nsteps, sizeof(*f->steps));
	for (size_t i = 0; i < f->nsteps; i++) {
		struct flow_step *s = &f->steps[i];
		yaml_node_t *item = yseq_item(&ld->doc, n, i);
		struct ypos pos = ynode_pos(item);
		s->next = -1;
		s->branch_default = -1;
		s->retries = FLOW_DEFAULT_RETRIES;
		s->line = pos.line;
		s->column = pos.column;
		parse_step(ld, i, item);
	}
	ld->where[0] = '\0';
	check_reachable(ld);
	check_says_on_ussd(ld);
}

/* ------------------------------------------------------------------------
 * A whole file
 * ------------------------------------------------------------------------ */

static const char *const flow_keys[] = {
	"flow", "kind", "title", "languages", "triggers", "expire", "remind",
	"vars", "steps", NULL,
};

static yaml_node_t *required(struct loader *ld, yaml_node_t *root,
			     const char *key, const char *about)
{
	yaml_node_t *n = ymap_get(&ld->doc, root, key);
	if (!n)
		error_at(ld, root, "missing key '%s' (%s)", key, about);
	return n;
}

static void parse_title(struct loader *ld, yaml_node_t *n)
{
	struct flow *f = ld->flow;
	if (n) {
		parse_text(ld, n, "title", &f->title, NULL, TEXT_PLACEHOLDERS);
		return;
	}
	for (size_t li = 0; li < f->nlangs && f->id; li++)
		f->title.t[li] = xstrdup(f->id);
}

static void parse_flow(struct loader *ld, yaml_node_t *root)
{
	yaml_node_t *n;
	if (!root) {
		error_pos(ld, (struct ypos){1, 1},
			  "the file is empty; a flow needs at least flow, "
			  "languages and steps");
		return;
	}
	if (!ynode_is_map(root)) {
		error_at(ld, root,
			 "a flow file must be a map of keys (flow, kind, "
			 "languages, steps, ...), not %s",
			 ynode_what(root));
		return;
	}
	check_keys(ld, root, flow_keys);
	if ((n = required(ld, root, "flow", "the flow's id")))
		parse_id(ld, n);
	if ((n = ymap_get(&ld->doc, root, "kind")))
		parse_kind(ld, n);
	if ((n = required(ld, root, "languages", "like [sw, en]")))
		parse_languages(ld, n);
	if ((n = ymap_get(&ld->doc, root, "triggers")))
		parse_triggers(ld, n);
	if ((n = ymap_get(&ld->doc, root, "expire")))
		parse_expire(ld, n);
	if ((n = ymap_get(&ld->doc, root, "vars")))
		parse_vars(ld, n);
	if ((n = ymap_get(&ld->doc, root, "remind")))
		parse_remind(ld, n);
	parse_title(ld, ymap_get(&ld->doc, root, "title"));
	if ((n = required(ld, root, "steps", "the list of steps")))
		parse_steps(ld, n);
}

/* The flows already loaded keep their id, keywords and USSD code. */
static void check_against(struct loader *ld, const struct flow_set *set)
{
	const struct flow *f = ld->flow;
	const struct flow *other;
	ld->where[0] = '\0';
	if ((other = flow_set_find(set, f->id)))
		error_pos(ld, ld->id_pos, "flow id '%s' is already used by %s",
			  f->id, other->path);
	for (size_t i = 0; i < f->nkeywords; i++)
		if ((other = flow_set_by_keyword(set, f->keyword_folds[i])))
			error_pos(ld, ld->keyword_pos[i],
				  "keyword '%s' is already claimed by flow "
				  "'%s' (%s)",
				  f->keywords[i], other->id, other->path);
	if (f->ussd && (other = flow_set_by_ussd(set, f->ussd)))
		error_pos(ld, ld->ussd_pos,
			  "ussd code '%s' is already claimed by flow '%s' (%s)",
			  f->ussd, other->id, other->path);
}

/* What replies are compared with, folded once here rather than for every
 * message (struct flow_choice). */
static void fold_choices(struct flow *f)
{
	for (size_t s = 0; s < f->nsteps; s++) {
		for (size_t i = 0; i < f->steps[s].nchoices; i++) {
			struct flow_choice *c = &f->steps[s].choices[i];
			c->folded_key = reply_fold(c->key);
			for (size_t l = 0; l < f->nlangs && l < FLOW_MAX_LANGS; l++) {
				const char *shown = flow_text_get(f, &c->label, (int)l);
				if (!strchr(shown, '{'))
					c->folded_label.t[l] = reply_fold(shown);
			}
		}
	}
}

/* Hands the {stats...} placeholders of a flow loaded without errors (f)
 * to the set's load. */
static void stats_refs_take(struct stats_refs *into, struct stats_refs *from,
			    const struct flow *f)
{
	if (!from->n)
		return;
	into->items = xrealloc(into->items,
			       (into->n + from->n) * sizeof(*into->items));
	for (size_t i = 0; i < from->n; i++) {
		from->items[i].from = f;
		into->items[into->n++] = from->items[i];
	}
	free(from->items);
	from->items = NULL;
	from->n = 0;
}

/* Loads one file; NULL when it has an error (reported in diags).  What its
 * {stats...} placeholders name is checked later, against the whole set:
 * they go to stats. */
static struct flow *load_file(const char *path, const struct flow_set *set,
			      const struct flow_load_opts *opts,
			      struct flow_diags *diags, struct stats_refs *stats)
{
	struct loader ld;
	struct ypos pos;
	char err[512];
	size_t first = diags->n;

	memset(&ld, 0, sizeof(ld));
	ld.file = path;
	ld.ussd_max = opts->ussd_max_chars;
	ld.catalogue = opts->catalogue;
	ld.diags = diags;
	if (ydoc_load(&ld.doc, path, &pos, err, sizeof(err)) < 0) {
		diags_add(diags, path, pos, false, err);
		return NULL;
	}
	ld.flow = xcalloc(1, sizeof(*ld.flow));
	ld.flow->path = xstrdup(path);
	ld.flow->expire = FLOW_DEFAULT_EXPIRE;
	parse_flow(&ld, ydoc_root(&ld.doc));
	if (ld.errors == 0)
		check_against(&ld, set);
	if (ld.errors == 0)
		fold_choices(ld.flow);
	diags_sort(diags, first);
	struct flow *f = ld.flow;
	if (ld.errors) {
		flow_free(f);
		f = NULL;
	} else {
		stats_refs_take(stats, &ld.stats, f);
	}
	loader_release(&ld);
	return f;
}

/* ------------------------------------------------------------------------
 * Sets
 * ------------------------------------------------------------------------ */

static void set_add(struct flow_set *set, struct flow *f)
{
	set->flows = xrealloc(set->flows, (set->n + 1) * sizeof(*set->flows));
	set->flows[set->n++] = f;
}

static void load_into(struct flow_set *set, const char *path,
		      const struct flow_load_opts *opts,
		      struct flow_diags *diags, struct stats_refs *stats)
{
	struct flow *f = load_file(path, set, opts, diags, stats);
	if (f)
		set_add(set, f);
}

static bool is_flow_file(const char *name)
{
	size_t len = strlen(name);
	if (name[0] == '.') /* editors' lock and backup files */
		return false;
	return (len > 5 && !strcmp(name + len - 5, ".yaml")) ||
	       (len > 4 && !strcmp(name + len - 4, ".yml"));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_dir(struct flow_set *set, const char *dir,
		     const struct flow_load_opts *opts, struct flow_diags *diags,
		     struct stats_refs *stats)
{
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d) {
		char err[256];
		snprintf(err, sizeof(err), "cannot open: %s", strerror(errno));
		diags_add(diags, dir, (struct ypos){0, 0}, false, err);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_flow_file(e->d_name))
			continue;
		struct buf path = BUF_INIT;
		size_t len = strlen(dir);
		buf_printf(&path, "%s%s%s", dir,
			   len && dir[len - 1] == '/' ? "" : "/", e->d_name);
		struct stat st;
		if (stat(buf_str(&path), &st) == 0 && S_ISDIR(st.st_mode)) {
			buf_release(&path);
			continue;
		}
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = buf_detach(&path);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		load_into(set, names[i], opts, diags, stats);
		free(names[i]);
	}
	free(names);
}

static void index_stats(struct flow_set *set);
static bool file_has_error(const struct flow_diags *diags, const char *path);

/* Why r names nothing the set can count; NULL when it names an answer of
 * a loaded flow (and, for a choice, one of its keys). */
static const char *stats_ref_problem(const struct flow_set *set,
				     const struct stats_ref *r, char *why,
				     size_t size)
{
	const struct flow *f = flow_set_find(set, r->flow);
	if (!f) {
		snprintf(why, size,
			 "no flow '%s' is loaded beside this one (to check "
			 "them together: sauti flows check DIR)", r->flow);
		return why;
	}
	return flow_answer_problem(f, r->name, r->key, why, size);
}

static void set_drop(struct flow_set *set, const struct flow *f)
{
	for (size_t i = 0; i < set->n; i++) {
		if (set->flows[i] != f)
			continue;
		flow_free(set->flows[i]);
		memmove(set->flows + i, set->flows + i + 1,
			(set->n - i - 1) * sizeof(*set->flows));
		set->n--;
		return;
	}
}

/* Reports every {stats...} placeholder that names a flow, an answer or a
 * key the set does not have, and takes the flows that hold one out of the
 * set, as any flow with an error: it would show people 0 % of nothing.
 * Until no more is taken out, since a flow taken out may be one that
 * another names. */
static void check_stats_refs(struct flow_set *set, struct stats_refs *refs,
			     struct flow_diags *diags)
{
	char why[256], message[400];
	bool dropped = true;
	while (dropped) {
		dropped = false;
		for (size_t i = 0; i < refs->n; i++) {
			struct stats_ref *r = &refs->items[i];
			const char *problem =
			    r->from ? stats_ref_problem(set, r, why, sizeof(why)) : NULL;
			if (!problem)
				continue;
			snprintf(message, sizeof(message),
				 "unknown placeholder '{%s}': %s", r->text, problem);
			diags_add(diags, r->from->path, r->pos, false, message);
			dropped = true;
		}
		for (size_t i = 0; dropped && i < refs->n; i++) {
			const struct flow *bad = refs->items[i].from;
			if (!bad || !file_has_error(diags, bad->path))
				continue;
			for (size_t j = 0; j < refs->n; j++)
				if (refs->items[j].from == bad)
					refs->items[j].from = NULL;
			set_drop(set, bad);
		}
	}
}

struct flow_set *flow_set_load(const char *const *paths, size_t npaths,
			       const struct flow_load_opts *opts,
			       struct flow_diags *diags)
{
	struct flow_diags scratch = {NULL, 0};
	struct flow_set *set = xcalloc(1, sizeof(*set));
	struct flow_load_opts o = {
		.ussd_max_chars = opts && opts->ussd_max_chars ? opts->ussd_max_chars
							       : USSD_MAX_CHARS,
		.catalogue = opts ? opts->catalogue : NULL,
	};
	set->catalogue = catalogue_ref(o.catalogue);
	if (!diags)
		diags = &scratch;
	set->refcount = 1;
	struct stats_refs stats = {NULL, 0};
	for (size_t i = 0; i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			load_dir(set, paths[i], &o, diags, &stats);
		else
			load_into(set, paths[i], &o, diags, &stats);
	}
	check_stats_refs(set, &stats, diags);
	stats_refs_release(&stats);
	flow_diags_release(&scratch);
	set->nowned = set->n;
	index_stats(set);
	return set;
}

struct flow_set *flow_set_ref(struct flow_set *set)
{
	if (set)
		set->refcount++;
	return set;
}

void flow_set_unref(struct flow_set *set)
{
	if (!set || --set->refcount > 0)
		return;
	for (size_t i = 0; i < set->nowned; i++)
		flow_free(set->flows[i]);
	free(set->flows);
	for (size_t i = 0; i < set->nstats_flows; i++)
		free(set->stats_flows[i]);
	free(set->stats_flows);
	flow_set_unref(set->lender);
	catalogue_unref(set->catalogue);
	free(set);
}

static void note_stats_flow(struct flow_set *set, const char *name, size_t len)
{
	for (size_t i = 0; i < set->nstats_flows; i++)
		if (strlen(set->stats_flows[i]) == len && !strncmp(set->stats_flows[i], name, len))
			return;
	set->stats_flows = xrealloc(set->stats_flows,
				    (set->nstats_flows + 1) * sizeof(*set->stats_flows));
	set->stats_flows[set->nstats_flows++] = xstrndup(name, len);
}

static void scan_stats(struct flow_set *set, const struct flow *f, const struct flow_text *t)
{
	for (size_t l = 0; l < f->nlangs; l++) {
		for (const char *p = t->t[l]; p && (p = strstr(p, "{stats.")); p++) {
			const char *name = p + 7;
			note_stats_flow(set, name, strcspn(name, ".}"));
		}
	}
}

/* Which flows' stats the set's texts show: what a conversation must load
 * with its state to fill {stats...} in. */
static void index_stats(struct flow_set *set)
{
	for (size_t i = 0; i < set->nstats_flows; i++)
		free(set->stats_flows[i]);
	free(set->stats_flows);
	set->stats_flows = NULL;
	set->nstats_flows = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct flow *f = set->flows[i];
		for (size_t s = 0; s < f->nsteps; s++) {
			scan_stats(set, f, &f->steps[s].text);
			if (f->steps[s].has_invalid)
				scan_stats(set, f, &f->steps[s].invalid);
			for (size_t c = 0; c < f->steps[s].nchoices; c++)
				scan_stats(set, f, &f->steps[s].choices[c].label);
		}
	}
}

static bool file_has_error(const struct flow_diags *diags, const char *path)
{
	for (size_t i = 0; i < diags->n; i++)
		if (!diags->items[i].warning && strcmp(diags->items[i].file, path) == 0)
			return true;
	return false;
}

/* Whether a kept flow would claim a keyword or code the fresh set has
 * given to another flow meanwhile. */
static bool clashes(const struct flow_set *set, const struct flow *f)
{
	for (size_t k = 0; k < f->nkeywords; k++)
		if (flow_set_by_keyword(set, f->keyword_folds[k]))
			return true;
	return f->ussd && flow_set_by_ussd(set, f->ussd);
}

struct flow_set *flow_set_keep_broken(struct flow_set *fresh,
				      struct flow_set *old,
				      const struct flow_diags *diags)
{
	for (size_t i = 0; old && i < old->n; i++) {
		struct flow *f = old->flows[i];
		if (flow_set_find(fresh, f->id) || !file_has_error(diags, f->path) ||
		    clashes(fresh, f))
			continue;
		fresh->flows = xrealloc(fresh->flows, (fresh->n + 1) * sizeof(*fresh->flows));
		fresh->flows[fresh->n++] = f;
		if (!fresh->lender)
			fresh->lender = flow_set_ref(old);
	}
	index_stats(fresh);
	return fresh;
}

const struct flow *flow_set_find(const struct flow_set *set, const char *id)
{
	for (size_t i = 0; set && id && i < set->n; i++)
		if (!strcmp(set->flows[i]->id, id))
			return set->flows[i];
	return NULL;
}

const struct flow *flow_set_by_keyword(const struct flow_set *set,
				       const char *word)
{
	for (size_t i = 0; set && word && i < set->n; i++) {
		const struct flow *f = set->flows[i];
		for (size_t k = 0; k < f->nkeywords; k++)
			if (!strcmp(f->keyword_folds[k], word))
				return f;
	}
	return NULL;
}

const struct flow *flow_set_by_ussd(const struct flow_set *set,
				    const char *code)
{
	for (size_t i = 0; set && code && i < set->n; i++)
		if (set->flows[i]->ussd && !strcmp(set->flows[i]->ussd, code))
			return set->flows[i];
	return NULL;
}
