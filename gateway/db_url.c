/* db_url.c -- see db_url.h. */
#include "db_url.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define REDIS_PORT 6379
#define SENTINEL_PORT 26379

/* A port: 1..65535 spelt in decimal, the whole of [s, end). */
static int parse_port(const char *s, const char *end)
{
	if (s == end || end - s > 5)
		return -1;
	long port = 0;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (*p - '0');
	}
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

/* HOST[:PORT] of [s, end) into a; HOST may be [IPv6]. */
static int parse_addr(const char *s, const char *end, int default_port,
		      struct db_addr *a)
{
	const char *host = s, *host_end, *rest;
	if (s >= end)
		return -1;
	if (*s == '[') {
		host = s + 1;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (!host_end)
			return -1;
		rest = host_end + 1;
	} else {
		host_end = memchr(s, ':', (size_t)(end - s));
		if (!host_end)
			host_end = end;
		rest = host_end;
	}
	if (host_end == host)
		return -1;
	int port = default_port;
	if (rest < end) {
		if (*rest != ':' || (port = parse_port(rest + 1, end)) < 0)
			return -1;
	}
	a->host = xstrndup(host, (size_t)(host_end - host));
	a->port = port;
	return 0;
}

/* "/DB" at the end of a URL, or nothing. */
static int parse_dbnum(const char *s, int *dbnum)
{
	if (!*s)
		return 0;
	if (*s != '/')
		return -1;
	if (!s[1])
		return 0; /* "redis://host/" */
	char *end;
	long n = strtol(s + 1, &end, 10);
	if (*end || end == s + 1 || s[1] == '-' || s[1] == '+' || n > 15)
		return -1;
	*dbnum = (int)n;
	return 0;
}

/* [:PASSWORD@] at the start of an authority; returns what follows. */
static const char *parse_password(const char *p, struct db_url *u)
{
	const char *at = strrchr(p, '@');
	if (!at)
		return p;
	const char *colon = memchr(p, ':', (size_t)(at - p));
	const char *pw = colon ? colon + 1 : p;
	u->password = xstrndup(pw, (size_t)(at - pw));
	return at + 1;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static int parse_sentinel(const char *url, const char *p, struct db_url *u,
			  char *err, size_t errsize)
{
	u->kind = DB_URL_SENTINEL;
	p = parse_password(p, u);
	const char *slash = strchr(p, '/');
	if (!slash) {
		snprintf(err, errsize, "redis url '%s' names no master (sentinel://HOST:PORT/MASTER_NAME)", url);
		return -1;
	}
	for (const char *s = p; s <= slash;) {
		const char *comma = memchr(s, ',', (size_t)(slash - s));
		const char *end = comma ? comma : slash;
		struct db_addr a;
		if (parse_addr(s, end, SENTINEL_PORT, &a) < 0) {
			snprintf(err, errsize, "redis url '%s' has a bad Sentinel address '%.*s'",
				 url, (int)(end - s), s);
			return -1;
		}
		u->sentinels = xrealloc(u->sentinels, (u->nsentinels + 1) * sizeof(*u->sentinels));
		u->sentinels[u->nsentinels++] = a;
		s = end + 1;
	}
	const char *name = slash + 1;
	size_t len = strcspn(name, "/");
	for (size_t i = 0; i < len; i++)
		if (!name_char(name[i]))
			len = 0;
	if (!len) {
		snprintf(err, errsize, "redis url '%s' has a bad master name (letters, digits, '.', '-', '_')", url);
		return -1;
	}
	u->master_name = xstrndup(name, len);
	if (parse_dbnum(name + len, &u->dbnum) < 0) {
		snprintf(err, errsize, "redis url '%s' has a bad database number", url);
		return -1;
	}
	return 0;
}

static int parse_tcp(const char *url, const char *p, struct db_url *u,
		     char *err, size_t errsize)
{
	u->kind = DB_URL_TCP;
	p = parse_password(p, u);
	const char *end = p + strcspn(p, "/");
	if (end == p) {
		u->addr.host = xstrdup("127.0.0.1");
		u->addr.port = REDIS_PORT;
	} else if (parse_addr(p, end, REDIS_PORT, &u->addr) < 0) {
		snprintf(err, errsize, "redis url '%s' has a bad host or port", url);
		return -1;
	}
	if (parse_dbnum(end, &u->dbnum) < 0) {
		snprintf(err, errsize, "redis url '%s' has a bad database number", url);
		return -1;
	}
	return 0;
}

int db_url_parse(const char *url, struct db_url *u, char *err, size_t errsize)
{
	memset(u, 0, sizeof(*u));
	int rc;
	if (strncmp(url, "unix:", 5) == 0) {
		u->kind = DB_URL_UNIX;
		if (!url[5]) {
			snprintf(err, errsize, "redis url '%s' names no socket", url);
			return -1;
		}
		u->socket_path = xstrdup(url + 5);
		return 0;
	}
	if (strncmp(url, "redis://", 8) == 0)
		rc = parse_tcp(url, url + 8, u, err, errsize);
	else if (strncmp(url, "sentinel://", 11) == 0)
		rc = parse_sentinel(url, url + 11, u, err, errsize);
	else {
		snprintf(err, errsize, "redis url '%s' must start with redis://, unix: or sentinel://", url);
		rc = -1;
	}
	if (rc < 0)
		db_url_release(u);
	return rc;
}

void db_url_release(struct db_url *u)
{
	free(u->addr.host);
	free(u->socket_path);
	for (size_t i = 0; i < u->nsentinels; i++)
		free(u->sentinels[i].host);
	free(u->sentinels);
	free(u->master_name);
	free(u->password);
	memset(u, 0, sizeof(*u));
}
