/* catalogue.h -- the message catalogue: every text sauti says by itself (not
 * understood, help, opt-out, language menu, resume offer, invalid replies,
 * paging labels), per language, and the words that always work
 * (docs/flows.md, "The message catalogue").
 *
 * Data, not C: en, sw and fr are gateway/catalogue.yaml compiled in; the
 * file named by config `messages:` adds languages and overrides texts, read
 * by the same loader with the same checks (file:line:column, like flows).
 * A text a language lacks is its fallback_language's, then English's.
 *
 * A loaded catalogue never changes and is reference counted, so that SIGHUP
 * can swap in a new one while turns still hold the old.  Every string it
 * returns lives as long as the reference it came from.  Pure: no I/O but
 * the load. */
#ifndef SAUTI_CATALOGUE_H
#define SAUTI_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

#include "words.h"

struct buf;
struct flow_diags;

struct catalogue;

/* The built-in catalogue with fallback_language fallback (NULL: "en").
 * Never fails (the built-in texts are checked by the unit tests). */
struct catalogue *catalogue_builtin(const char *fallback);
/* The built-in catalogue, made on first use and kept: for pure callers
 * given none (tests, tools).  Every function below takes a NULL catalogue
 * as this one.  Do not unref it. */
const struct catalogue *catalogue_default(void);
/* The built-in catalogue extended by the file at path.  Problems are
 * appended to diags (warnings too); on an error returns NULL, and the
 * caller keeps serving the catalogue it had.  A fallback that no language
 * of the result has texts for is an error. */
struct catalogue *catalogue_load(const char *path, const char *fallback,
				 struct flow_diags *diags);
struct catalogue *catalogue_ref(struct catalogue *c);
void catalogue_unref(struct catalogue *c);

const char *catalogue_fallback(const struct catalogue *c);
/* True when lang has texts of its own (not just a name). */
bool catalogue_has(const struct catalogue *c, const char *lang);

/* The catalogue key of msg ("unknown", "invalid_choice", ...). */
const char *msg_key(enum msg msg);
/* The text of msg for lang ("tw", "sw-TZ"; NULL: the fallback): the first
 * of lang, fallback_language and English that has its base text gives it;
 * a built-in variant (words.h) only where that language has one at least
 * as new as its base text, else the base (replies_free: nothing).  Never
 * NULL. */
const char *msg_text(const struct catalogue *c, enum msg msg, const char *lang);
/* Appends that text with its placeholders filled from args (may be NULL):
 * one without a value is left out, but {keywords} says HELP.  The one place
 * the gateway's own texts are looked up. */
void msg_render(const struct catalogue *c, enum msg msg, const char *lang,
		const struct msg_args *args, struct buf *out);
/* A language's own name ("Kiswahili"), or its code when none is known. */
const char *language_own_name(const struct catalogue *c, const char *code);
/* The language a reply to a language menu picks among langs: by number
 * (1-based), code, own name or a name people type ("swahili").  Returns
 * the index, or -1. */
int language_pick(const struct catalogue *c, const char *reply,
		  const char *const *langs, int nlangs);

/* The word a whole message is, in any language of the catalogue (case,
 * surrounding space and a trailing '.' ignored), or WORD_NONE.  A list in
 * lists (config words.*, may be NULL) replaces the built-in languages'
 * words for its meaning; the messages: file's words always work. */
enum word word_lookup(const struct catalogue *c, const char *text,
		      const struct word_lists *lists);
/* The word the first word of text is, and in *rest what follows it (white
 * space skipped; "" when nothing does), or WORD_NONE. */
enum word word_lookup_first(const struct catalogue *c, const char *text,
			    const struct word_lists *lists, const char **rest);

/* Where lang stands among the languages of country (ISO 3166 alpha-2):
 * 0 for its first language, 1 for its second, ...; a large number for a
 * language not spoken there.  Language menus put the country's first. */
int catalogue_country_rank(const char *country, const char *lang);
/* The first language of country ("sw" for TZ), or "en". */
const char *catalogue_country_lang(const char *country);

#endif
