/* config.c -- reads config/sauti.yaml into struct config (see config.h).
 *
 * Table-driven like Redis' config.c: one row per key with its type, where it
 * lives in struct config, its default and its range.  config_defaults() and
 * config_release() walk the same table, so a new key is one row (plus its
 * field).  The first problem stops the load: a gateway must not start on a
 * configuration it half understood. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "db_url.h"
#include "log.h"
#include "phone.h"
#include "text.h"
#include "yamlnode.h"

enum config_type {
	CONFIG_STRING,   /* char *; NULL default: optional */
	CONFIG_SECRET,   /* char *; empty or absent: NULL (off) */
	CONFIG_INT,      /* int in [min, max] */
	CONFIG_SIZE,     /* size_t in [min, max] */
	CONFIG_LIST,     /* char ** at offset, its count at count_offset */
	CONFIG_LISTEN,   /* HOST:PORT into listen_host and listen_port */
	CONFIG_BOOL,     /* bool: true/false, yes/no */
	CONFIG_TOKENS,   /* api_tokens: a list of {name, role, token} */
};

struct config_key {
	const char *section;     /* NULL for a top-level key */
	const char *name;
	enum config_type type;
	size_t offset;
	size_t count_offset;     /* CONFIG_LIST only */
	const char *def;         /* strings */
	long long idef, min, max;
	/* Why a string value is wrong, or NULL when it is fine. */
	const char *(*check)(const char *value);
	const char *env;         /* environment variable that wins */
};

static const char *check_redis(const char *v);
static const char *check_country(const char *v);
static const char *check_log_level(const char *v);
static const char *check_url(const char *v);
static const char *check_address(const char *v);
static const char *check_language(const char *v);

#define OFF(field) offsetof(struct config, field)

static const struct config_key config_table[] = {
	{NULL, "listen", CONFIG_LISTEN, 0, 0, "127.0.0.1:8080", 0, 0, 0, NULL,
	 NULL},
	{NULL, "redis", CONFIG_STRING, OFF(redis), 0, "redis://127.0.0.1:6379/0",
	 0, 0, 0, check_redis, NULL},
	{NULL, "flows", CONFIG_STRING, OFF(flows), 0, "flows/", 0, 0, 0, NULL,
	 NULL},
	{NULL, "web_root", CONFIG_STRING, OFF(web_root), 0, "web/", 0, 0, 0, NULL,
	 NULL},
	{NULL, "session_ttl", CONFIG_INT, OFF(session_ttl), 0, NULL, 28800, 60,
	 604800, NULL, NULL},
	{NULL, "country", CONFIG_STRING, OFF(country), 0, "TZ", 0, 0, 0,
	 check_country, NULL},
	{NULL, "api_token", CONFIG_SECRET, OFF(api_token), 0, NULL, 0, 0, 0,
	 NULL, "SAUTI_API_TOKEN"},
	{NULL, "api_tokens", CONFIG_TOKENS, 0, 0, NULL, 0, 0, 0, NULL, NULL},
	{NULL, "retention_days", CONFIG_INT, OFF(retention_days), 0, NULL, 0, 0,
	 36500, NULL, NULL},
	{NULL, "pseudonym_key", CONFIG_SECRET, OFF(pseudonym_key), 0, NULL, 0,
	 0, 0, NULL, "SAUTI_PSEUDONYM_KEY"},
	{NULL, "log_level", CONFIG_STRING, OFF(log_level), 0, "info", 0, 0, 0,
	 check_log_level, NULL},
	{NULL, "redis_timeout_ms", CONFIG_INT, OFF(redis_timeout_ms), 0, NULL,
	 1000, 10, 600000, NULL, NULL},
	{NULL, "redis_wait_replicas", CONFIG_INT, OFF(redis_wait_replicas), 0,
	 NULL, 0, 0, 16, NULL, NULL},
	{NULL, "max_in_flight", CONFIG_INT, OFF(max_in_flight), 0, NULL, 1024, 1,
	 1000000, NULL, NULL},
	{NULL, "replies_free", CONFIG_BOOL, OFF(replies_free), 0, NULL, 0, 0, 1,
	 NULL, NULL},
	{NULL, "inbox_keep_days", CONFIG_INT, OFF(inbox_keep_days), 0, NULL,
	 365, 1, 36500, NULL, NULL},
	{NULL, "max_body", CONFIG_SIZE, OFF(max_body), 0, NULL, 65536, 1024,
	 64LL << 20, NULL, NULL},
	{"kannel", "sendsms", CONFIG_STRING, OFF(kannel.sendsms), 0,
	 "http://127.0.0.1:13013/cgi-bin/sendsms", 0, 0, 0, check_url, NULL},
	{"kannel", "username", CONFIG_STRING, OFF(kannel.username), 0, "sauti",
	 0, 0, 0, NULL, NULL},
	{"kannel", "password", CONFIG_SECRET, OFF(kannel.password), 0, NULL, 0,
	 0, 0, NULL, "SAUTI_KANNEL_PASSWORD"},
	{"kannel", "from", CONFIG_STRING, OFF(kannel.from), 0, NULL, 0, 0, 0,
	 NULL, NULL},
	{"kannel", "rate", CONFIG_INT, OFF(kannel.rate), 0, NULL, 20, 1, 1000,
	 NULL, NULL},
	{"kannel", "allow", CONFIG_LIST, OFF(kannel.allow), OFF(kannel.nallow),
	 NULL, 0, 0, 0, check_address, NULL},
	{"ussd", "max_chars", CONFIG_INT, OFF(ussd.max_chars), 0, NULL, 182, 40,
	 1000, NULL, NULL},
	{"limits", "max_per_window", CONFIG_INT, OFF(limits.max_per_window), 0,
	 NULL, 0, 0, 1000000, NULL, NULL},
	{"limits", "window", CONFIG_INT, OFF(limits.window), 0, NULL, 60, 1,
	 86400, NULL, NULL},
	{"quiet_hours", "start", CONFIG_INT, OFF(quiet_hours.start), 0, NULL, -1,
	 -1, 23, NULL, NULL},
	{"quiet_hours", "end", CONFIG_INT, OFF(quiet_hours.end), 0, NULL, -1, -1,
	 23, NULL, NULL},
	{NULL, "messages", CONFIG_STRING, OFF(messages), 0, NULL, 0, 0, 0, NULL,
	 NULL},
	{NULL, "fallback_language", CONFIG_STRING, OFF(fallback_language), 0,
	 "en", 0, 0, 0, check_language, NULL},
	{NULL, "gsm7_substitute", CONFIG_BOOL, OFF(gsm7_substitute), 0, NULL, 0,
	 0, 1, NULL, NULL},
	{"words", "stop", CONFIG_LIST, OFF(words.stop), OFF(words.nstop), NULL,
	 0, 0, 0, word_problem, NULL},
	{"words", "join", CONFIG_LIST, OFF(words.join), OFF(words.njoin), NULL,
	 0, 0, 0, word_problem, NULL},
	{"words", "help", CONFIG_LIST, OFF(words.help), OFF(words.nhelp), NULL,
	 0, 0, 0, word_problem, NULL},
	{"words", "language", CONFIG_LIST, OFF(words.language),
	 OFF(words.nlanguage), NULL, 0, 0, 0, word_problem, NULL},
};

#define NKEYS (sizeof(config_table) / sizeof(config_table[0]))

static const char *const sections[] = {"kannel", "ussd", "limits", "words",
				       "quiet_hours", NULL};

/* ------------------------------------------------------------------------
 * Checks of string values
 * ------------------------------------------------------------------------ */

static const char *check_redis(const char *v)
{
	struct db_url u;
	char err[256];
	bool no_host = !strncmp(v, "redis://", 8) && (!v[8] || v[8] == '/');
	if (!no_host && db_url_parse(v, &u, err, sizeof(err)) == 0) {
		db_url_release(&u);
		return NULL;
	}
	return "must be redis://HOST[:PORT][/DB] or unix:/path/redis.sock, or "
	       "sentinel://HOST:PORT[,HOST:PORT...]/MASTER_NAME[/DB]";
}

static const char *check_country(const char *v)
{
	if (strlen(v) != 2 || !isupper((unsigned char)v[0]) ||
	    !isupper((unsigned char)v[1]))
		return "must be two capital letters (ISO 3166), like TZ or GH";
	if (!phone_country_known(v))
		return "is no country with a numbering plan (ISO 3166), like TZ or GH";
	return NULL;
}

static const char *check_log_level(const char *v)
{
	enum log_level level;
	return log_level_parse(v, &level) == 0
		   ? NULL
		   : "must be debug, info, warn or error";
}

static const char *check_url(const char *v)
{
	const char *host = !strncmp(v, "http://", 7)    ? v + 7
			   : !strncmp(v, "https://", 8) ? v + 8
							: NULL;
	if (host && *host && *host != '/')
		return NULL;
	return "must be an http:// URL";
}

static const char *check_address(const char *v)
{
	unsigned char addr[16];
	if (inet_pton(AF_INET, v, addr) == 1 ||
	    inet_pton(AF_INET6, v, addr) == 1)
		return NULL;
	return "must be an IP address, like 127.0.0.1";
}

static const char *check_language(const char *v)
{
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyz");
	if (n >= 2 && n <= 3 && !v[n])
		return NULL;
	return "must be a language code (ISO 639), like en, sw or tw";
}

/* HOST:PORT or [IPV6]:PORT. */
static int parse_listen(const char *v, char **host, int *port)
{
	const char *colon, *h = v;
	size_t hlen;
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (!close || close[1] != ':')
			return -1;
		h = v + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon || memchr(v, ':', (size_t)(colon - v)))
			return -1;
		hlen = (size_t)(colon - v);
	}
	if (hlen == 0)
		return -1;
	for (size_t i = 0; i < hlen; i++)
		if (isspace((unsigned char)h[i]))
			return -1;
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end || errno || p < 1 ||
	    p > 65535)
		return -1;
	*host = xstrndup(h, hlen);
	*port = (int)p;
	return 0;
}

/* ------------------------------------------------------------------------
 * Which file
 * ------------------------------------------------------------------------ */

#define CONFIG_DEFAULT_PATH "config/sauti.yaml"
#define CONFIG_RUN_PATH "run/sauti.yaml"     /* scripts/run.sh writes it */
#define CONFIG_RUN_PID "run/run.pid"         /* and its own pid beside it */

/* Whether the `make run` that wrote run/sauti.yaml is still running: one
 * killed with SIGKILL leaves the file, and a command must not then take a
 * stopped stack's configuration for the default. */
static bool make_run_running(void)
{
	FILE *f = fopen(CONFIG_RUN_PID, "r");
	long pid = 0;
	if (!f)
		return false;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

const char *config_choose_path(const char *given, const char **why)
{
	const char *ignored, *env = getenv("SAUTI_CONFIG");
	if (!why)
		why = &ignored;
	if (given) {
		*why = "given with -c";
		return given;
	}
	if (env && *env) {
		*why = "named by SAUTI_CONFIG";
		return env;
	}
	if (access(CONFIG_RUN_PATH, R_OK) == 0 && make_run_running()) {
		*why = "the one `make run` wrote";
		return CONFIG_RUN_PATH;
	}
	*why = "the default; -c FILE or SAUTI_CONFIG names another";
	return CONFIG_DEFAULT_PATH;
}

/* ------------------------------------------------------------------------
 * Fields through the table
 * ------------------------------------------------------------------------ */

static char **field_str(struct config *cfg, const struct config_key *k)
{
	return (char **)((char *)cfg + k->offset);
}

static void list_free(struct config *cfg, const struct config_key *k)
{
	char ***list = (char ***)((char *)cfg + k->offset);
	size_t *n = (size_t *)((char *)cfg + k->count_offset);
	for (size_t i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

static void set_str(struct config *cfg, const struct config_key *k,
		    const char *v)
{
	char **field = field_str(cfg, k);
	free(*field);
	*field = v ? xstrdup(v) : NULL;
}

static void tokens_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->napi_tokens; i++) {
		free(cfg->api_tokens[i].name);
		if (cfg->api_tokens[i].token)
			sodium_memzero(cfg->api_tokens[i].token, strlen(cfg->api_tokens[i].token));
		free(cfg->api_tokens[i].token);
	}
	free(cfg->api_tokens);
	cfg->api_tokens = NULL;
	cfg->napi_tokens = 0;
}

/* Not secret: exports made with it can be reversed by anyone with the
 * numbers; docs/configuration.md says to set pseudonym_key. */
#define DEVELOPMENT_PSEUDONYM_KEY "sauti-development-key-not-secret"

const char *config_pseudonym_key(const struct config *cfg)
{
	return cfg->pseudonym_key ? cfg->pseudonym_key : DEVELOPMENT_PSEUDONYM_KEY;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_table[i];
		switch (k->type) {
		case CONFIG_STRING:
		case CONFIG_SECRET:
			set_str(cfg, k, k->def);
			break;
		case CONFIG_INT:
			*(int *)((char *)cfg + k->offset) = (int)k->idef;
			break;
		case CONFIG_SIZE:
			*(size_t *)((char *)cfg + k->offset) = (size_t)k->idef;
			break;
		case CONFIG_BOOL:
			*(bool *)((char *)cfg + k->offset) = k->idef != 0;
			break;
		case CONFIG_LIST:
		case CONFIG_TOKENS:
			break;
		case CONFIG_LISTEN:
			parse_listen(k->def, &cfg->listen_host,
				     &cfg->listen_port);
			break;
		}
	}
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_table[i];
		if (k->type == CONFIG_STRING || k->type == CONFIG_SECRET)
			set_str(cfg, k, NULL);
		else if (k->type == CONFIG_LIST)
			list_free(cfg, k);
	}
	tokens_free(cfg);
	free(cfg->listen_host);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

/* ------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------ */

struct config_loader {
	struct ydoc doc;
	const char *file;
	char *err;
	size_t errsize;
};

static int fail(struct config_loader *cl, const yaml_node_t *n,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct config_loader *cl, const yaml_node_t *n,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct ypos pos = ynode_pos(n);
	snprintf(cl->err, cl->errsize, "%s:%d:%d: %s", cl->file, pos.line,
		 pos.column, msg);
	return -1;
}

/* "kannel.rate" or "listen", for sentences. */
static void key_name(const struct config_key *k, char *out, size_t size)
{
	if (k->section)
		snprintf(out, size, "%s.%s", k->section, k->name);
	else
		str_copy(out, size, k->name);
}

static const struct config_key *find_key(const char *section,
					 const char *name)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_table[i];
		bool same = section ? k->section && !strcmp(k->section, section)
				    : !k->section;
		if (same && !strcmp(k->name, name))
			return k;
	}
	return NULL;
}

static int set_list(struct config_loader *cl, struct config *cfg,
		    const struct config_key *k, const char *name,
		    yaml_node_t *n)
{
	char ***list = (char ***)((char *)cfg + k->offset);
	size_t *count = (size_t *)((char *)cfg + k->count_offset);
	size_t len = ynode_is_seq(n) ? yseq_len(n) : 1;
	list_free(cfg, k);
	if (ynode_is_null(n))
		return 0;
	if (ynode_is_map(n))
		return fail(cl, n, "%s must be a list, not a map", name);
	*list = xcalloc(len, sizeof(**list));
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *item = ynode_is_seq(n) ? yseq_item(&cl->doc, n, i)
						    : n;
		const char *v = ynode_str(item);
		const char *why;
		if (!v || ynode_is_null(item))
			return fail(cl, item, "%s: each entry must be a text, "
					      "not %s",
				    name, ynode_what(item));
		if (k->check && (why = k->check(v)))
			return fail(cl, item, "%s: '%s' %s", name, v, why);
		(*list)[(*count)++] = xstrdup(v);
	}
	return 0;
}

/* One {name, role, token} of api_tokens into t. */
static int set_token(struct config_loader *cl, yaml_node_t *item, struct config_token *t)
{
	static const char *const keys[] = {"name", "role", "token", NULL};
	char why[160];
	if (!ynode_is_map(item))
		return fail(cl, item, "api_tokens: each entry must be a map {name, role, token}, "
				      "not %s", ynode_what(item));
	for (size_t i = 0; i < ymap_len(item); i++)
		if (ymap_check_key(&cl->doc, item, i, keys, why, sizeof(why)) < 0)
			return fail(cl, ymap_key(&cl->doc, item, i), "api_tokens: %s", why);
	for (size_t i = 0; keys[i]; i++) {
		yaml_node_t *v = ymap_get(&cl->doc, item, keys[i]);
		const char *text = v && !ynode_is_null(v) ? ynode_str(v) : NULL;
		const char *bad;
		if (!text || !*text)
			return fail(cl, v ? v : item, "api_tokens: each entry needs a %s", keys[i]);
		if (i == 0) {
			t->name = xstrdup(text);
		} else if (i == 1) {
			if (auth_role_parse(text, &t->role) < 0)
				return fail(cl, v, "api_tokens: role '%s' must be admin, convenor or "
						   "researcher", text);
		} else if ((bad = auth_token_check(text))) {
			return fail(cl, v, "api_tokens: the token of %s %s", t->name, bad);
		} else {
			t->token = xstrdup(text);
		}
	}
	return 0;
}

static int set_tokens(struct config_loader *cl, struct config *cfg, yaml_node_t *n)
{
	tokens_free(cfg);
	if (ynode_is_null(n))
		return 0;
	if (!ynode_is_seq(n))
		return fail(cl, n, "api_tokens must be a list of {name, role, token}, not %s",
			    ynode_what(n));
	size_t len = yseq_len(n);
	cfg->api_tokens = xcalloc(len ? len : 1, sizeof(*cfg->api_tokens));
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *item = yseq_item(&cl->doc, n, i);
		struct config_token *t = &cfg->api_tokens[cfg->napi_tokens++];
		if (set_token(cl, item, t) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->api_tokens[j].name, t->name) == 0)
				return fail(cl, item, "api_tokens: the name %s is given twice",
					    t->name);
	}
	return 0;
}

static int set_number(struct config_loader *cl, struct config *cfg,
		      const struct config_key *k, const char *name,
		      yaml_node_t *n)
{
	const char *v = ynode_str(n);
	char *end;
	long long x = 0;
	if (v && (isdigit((unsigned char)*v) || *v == '-')) {
		errno = 0;
		x = strtoll(v, &end, 10);
		if (errno || *end)
			v = NULL;
	} else {
		v = NULL;
	}
	if (!v || x < k->min || x > k->max)
		return fail(cl, n,
			    "%s must be a whole number from %lld to %lld, not "
			    "'%s'",
			    name, k->min, k->max, ynode_str(n));
	if (k->type == CONFIG_INT)
		*(int *)((char *)cfg + k->offset) = (int)x;
	else
		*(size_t *)((char *)cfg + k->offset) = (size_t)x;
	return 0;
}

static int set_value(struct config_loader *cl, struct config *cfg,
		     const struct config_key *k, yaml_node_t *n)
{
	char name[64];
	const char *v = ynode_str(n);
	const char *why;
	key_name(k, name, sizeof(name));
	if (k->type == CONFIG_LIST)
		return set_list(cl, cfg, k, name, n);
	if (k->type == CONFIG_TOKENS)
		return set_tokens(cl, cfg, n);
	if (!v)
		return fail(cl, n, "%s must be a single value, not %s", name,
			    ynode_what(n));
	if (ynode_is_null(n))
		v = "";
	switch (k->type) {
	case CONFIG_INT:
	case CONFIG_SIZE:
		return set_number(cl, cfg, k, name, n);
	case CONFIG_SECRET:
		set_str(cfg, k, *v ? v : NULL);
		return 0;
	case CONFIG_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes"))
			*(bool *)((char *)cfg + k->offset) = true;
		else if (!strcmp(v, "false") || !strcmp(v, "no"))
			*(bool *)((char *)cfg + k->offset) = false;
		else
			return fail(cl, n, "%s must be true or false, not '%s'", name, v);
		return 0;
	case CONFIG_LISTEN: {
		char *host;
		int port;
		if (parse_listen(v, &host, &port) < 0)
			return fail(cl, n,
				    "listen '%s' must be HOST:PORT, like "
				    "127.0.0.1:8080",
				    v);
		free(cfg->listen_host);
		cfg->listen_host = host;
		cfg->listen_port = port;
		return 0;
	}
	default:
		break;
	}
	if (!*v) {
		if (k->def)
			return fail(cl, n, "%s needs a value", name);
		set_str(cfg, k, NULL);
		return 0;
	}
	if (k->check && (why = k->check(v)))
		return fail(cl, n, "%s '%s' %s", name, v, why);
	set_str(cfg, k, v);
	return 0;
}

/* Every key of map; section is NULL at the top level. */
static int load_map(struct config_loader *cl, struct config *cfg,
		    const yaml_node_t *map, const char *section)
{
	char why[160];
	const char *allowed[NKEYS + 4];
	size_t na = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_table[i];
		if (section ? k->section && !strcmp(k->section, section)
			    : !k->section)
			allowed[na++] = k->name;
	}
	for (size_t i = 0; !section && sections[i]; i++)
		allowed[na++] = sections[i];
	allowed[na] = NULL;

	for (size_t i = 0; i < ymap_len(map); i++) {
		yaml_node_t *key = ymap_key(&cl->doc, map, i);
		yaml_node_t *value = ymap_value(&cl->doc, map, i);
		if (ymap_check_key(&cl->doc, map, i, allowed, why,
				   sizeof(why)) < 0)
			return section ? fail(cl, key, "%s: %s", section, why)
				       : fail(cl, key, "%s", why);
		const char *name = ynode_str(key);
		const struct config_key *k = find_key(section, name);
		int rc;
		if (k) {
			rc = set_value(cl, cfg, k, value);
		} else if (ynode_is_null(value)) {
			rc = 0; /* an empty section: all defaults */
		} else if (!ynode_is_map(value)) {
			rc = fail(cl, value, "%s must be a map of keys, not %s",
				  name, ynode_what(value));
		} else {
			rc = load_map(cl, cfg, value, name);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void apply_env(struct config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_table[i];
		const char *v = k->env ? getenv(k->env) : NULL;
		if (v)
			set_str(cfg, k, *v ? v : NULL);
	}
}

int config_load(const char *path, struct config *cfg, char *err,
		size_t errsize)
{
	struct config_loader cl = {.file = path, .err = err,
				   .errsize = errsize};
	struct ypos pos;
	char why[512];
	int rc = -1;

	config_defaults(cfg);
	cfg->path = xstrdup(path);
	if (ydoc_load(&cl.doc, path, &pos, why, sizeof(why)) < 0) {
		if (pos.line > 0)
			snprintf(err, errsize, "%s:%d:%d: %s", path, pos.line,
				 pos.column, why);
		else
			snprintf(err, errsize, "%s: %s", path, why);
		config_release(cfg);
		return -1;
	}
	yaml_node_t *root = ydoc_root(&cl.doc);
	if (root && !ynode_is_null(root) && !ynode_is_map(root))
		fail(&cl, root, "the configuration must be a map of keys "
				"(listen, redis, ...), not %s",
		     ynode_what(root));
	else if (!ynode_is_map(root) || load_map(&cl, cfg, root, NULL) == 0)
		rc = 0;
	ydoc_release(&cl.doc);
	if (rc < 0) {
		config_release(cfg);
		return -1;
	}
	apply_env(cfg);
	return 0;
}
