/* config.h -- the gateway's configuration (config/sauti.yaml).
 *
 * Table-driven like Redis' config.c: every key has a type, a default and a
 * range, and an unknown key, a bad value or a missing required key is an
 * error naming file:line:column.  Secrets may come from the environment
 * instead (SAUTI_API_TOKEN, SAUTI_KANNEL_PASSWORD, SAUTI_PSEUDONYM_KEY), which
 * wins over the file. */
#ifndef SAUTI_CONFIG_H
#define SAUTI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

/* One entry of api_tokens: a named token with a role (auth.h). */
struct config_token {
	char *name;
	enum auth_role role;
	char *token;              /* the token itself, or "sha256:" and hex */
};

struct config {
	char *path;               /* the file read */
	char *listen_host;        /* listen: HOST:PORT, default 127.0.0.1:8080 */
	int listen_port;
	char *redis;              /* redis://, unix: or sentinel:// (db_url.h) */
	char *flows;              /* directory, relative to the working directory */
	char *web_root;           /* the console's files (web.h), like flows */
	int session_ttl;          /* seconds a console sign-in lasts (session.h) */
	char *country;            /* ISO 3166 alpha-2, default TZ */
	char *api_token;          /* an admin token named "admin"; NULL: none */
	struct config_token *api_tokens; /* api_tokens: more tokens, with roles */
	size_t napi_tokens;       /* no token at all: the /api/ paths are off */
	int retention_days;       /* runs and closed inbox items older are
				   * erased by a daily sweep; 0 = kept */
	char *pseudonym_key;      /* NULL: a built-in development key, warned */
	char *log_level;          /* debug | info | warn | error, default info */
	struct {
		char *sendsms;    /* URL of Kannel's sendsms */
		char *username;
		char *password;
		char *from;
		int rate;         /* SMS per second handed to Kannel, default 20 */
		char **allow;     /* client addresses allowed on /kannel/ and /ussd */
		size_t nallow;    /* 0: any */
	} kannel;
	struct {
		int max_chars;    /* default 182 */
	} ussd;
	struct {
		int max_per_window;  /* messages from one number per window; 0 = off */
		int window;          /* seconds */
	} limits;
	struct {
		/* Local hours [start, end) in the recipient's country when no
		 * broadcast message goes out; -1: no quiet hours. */
		int start, end;
	} quiet_hours;
	struct {
		/* The words that always work; a list given replaces the
		 * built-in one for that meaning (words.h). */
		char **stop, **join, **help, **language;
		size_t nstop, njoin, nhelp, nlanguage;
	} words;
	char *messages;           /* the message catalogue file; NULL: built-in only */
	char *fallback_language;  /* for a language without catalogue texts; "en" */
	bool gsm7_substitute;     /* send ' for ’, - for – ... (text.h) */
	int inbox_keep_days;      /* a closed inbox item is kept this long */
	int redis_timeout_ms;     /* a Redis command not answered by then fails */
	int redis_wait_replicas;  /* commits wait for this many replicas (WAIT) */
	size_t max_body;          /* largest request body accepted, bytes */
	int max_in_flight;        /* requests served at once; more get 503 */
	bool replies_free;        /* HELP says replies cost nothing (false) */
};

/* The config file a command reads: given (from -c FILE) when not NULL, else
 * $SAUTI_CONFIG when set, else run/sauti.yaml while `make run` runs (it
 * writes the file at start and removes it when it stops), else
 * config/sauti.yaml (docs/configuration.md, "Which file").  *why (when not
 * NULL) says how the file was chosen, for messages: "given with -c" and the
 * like; static strings. */
const char *config_choose_path(const char *given, const char **why);

/* The key of pseudonyms (pseudonym_key, SAUTI_PSEUDONYM_KEY), or without one
 * the built-in development key (serve warns). */
const char *config_pseudonym_key(const struct config *cfg);

/* Reads path into *cfg.  On error returns -1 with "file:line:column:
 * sentence" in err; *cfg is then released. */
int config_load(const char *path, struct config *cfg, char *err, size_t errsize);
/* Defaults only, as if from an empty file (tests, `sauti phone`). */
void config_defaults(struct config *cfg);
void config_release(struct config *cfg);

#endif
