/* flow_lookup.c -- the pure lookups of flow.h that the engine needs.
 *
 * Kept apart from flow.c (the YAML loader) so that the engine and its tests
 * link without libyaml being touched. */
#include "flow.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int flow_lang_index(const struct flow *flow, const char *lang)
{
	if (!flow || !lang)
		return -1;
	for (size_t i = 0; i < flow->nlangs; i++)
		if (flow->langs[i] && strcasecmp(flow->langs[i], lang) == 0)
			return (int)i;
	return -1;
}

int flow_step_index(const struct flow *flow, const char *id)
{
	if (!flow || !id)
		return -1;
	for (size_t i = 0; i < flow->nsteps; i++)
		if (flow->steps[i].id && strcmp(flow->steps[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* A language out of range, or a text missing in it, falls back to the
 * flow's default language, then to "": the engine never gets NULL. */
const char *flow_text_get(const struct flow *flow, const struct flow_text *t,
			  int lang)
{
	size_t n = flow ? flow->nlangs : FLOW_MAX_LANGS;

	if (!t)
		return "";
	if (n > FLOW_MAX_LANGS)
		n = FLOW_MAX_LANGS;
	if (lang >= 0 && (size_t)lang < n && t->t[lang])
		return t->t[lang];
	return t->t[0] ? t->t[0] : "";
}

const struct flow_step *flow_step_saving(const struct flow *flow,
					 const char *name)
{
	if (!flow || !name)
		return NULL;
	for (size_t i = 0; i < flow->nsteps; i++) {
		const char *save = flow->steps[i].save;
		if (save && strcmp(save, name) == 0)
			return &flow->steps[i];
	}
	return NULL;
}

const char *flow_answer_problem(const struct flow *flow, const char *name,
				const char *key, char *why, size_t size)
{
	if (!name)
		return NULL;
	const struct flow_step *s = flow_step_saving(flow, name);
	if (!s) {
		snprintf(why, size, "no step of flow '%s' saves '%s'", flow->id, name);
		return why;
	}
	if (s->ask != ASK_CHOICES || !key)
		return NULL; /* a number or a text: KEY is any value saved */
	for (size_t i = 0; i < s->nchoices; i++)
		if (!strcmp(s->choices[i].key, key))
			return NULL;
	snprintf(why, size, "'%s' is not one of the keys of '%s' in flow '%s'", key, name,
		 flow->id);
	return why;
}

int flow_keyword_lang(const struct flow *flow, const char *word)
{
	for (size_t i = 0; flow && word && i < flow->nkeywords; i++)
		if (!strcmp(flow->keyword_folds[i], word))
			return flow->keyword_langs ? flow->keyword_langs[i] : -1;
	return -1;
}

const char *flow_keyword_for(const struct flow *flow, const char *lang)
{
	int want = lang ? flow_lang_index(flow, lang) : -1;
	const char *any = NULL;
	for (size_t i = 0; i < flow->nkeywords; i++) {
		int l = flow->keyword_langs ? flow->keyword_langs[i] : -1;
		if (want >= 0 && l == want)
			return flow->keywords[i];
		if (l < 0 && !any)
			any = flow->keywords[i];
	}
	return any ? any : flow->nkeywords ? flow->keywords[0] : NULL;
}
