/* db_url.h -- where Redis is: the `redis:` value of the configuration, read.
 *
 *   redis://[:PASSWORD@]HOST[:PORT][/DB]           one Redis (port 6379)
 *   unix:/path/to/redis.sock                       one Redis on a socket
 *   sentinel://[:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER_NAME[/DB]
 *                                                  the master that these
 *                                                  Sentinels (port 26379)
 *                                                  name (docs/operations.md)
 *
 * The password is the master's (AUTH); Sentinels are asked without one.  A
 * HOST may be an IPv6 address in brackets ([::1]:26379).  Pure: no I/O. */
#ifndef SAUTI_DB_URL_H
#define SAUTI_DB_URL_H

#include <stddef.h>

enum db_url_kind { DB_URL_TCP, DB_URL_UNIX, DB_URL_SENTINEL };

struct db_addr {
	char *host;
	int port;
};

struct db_url {
	enum db_url_kind kind;
	struct db_addr addr;         /* TCP: the Redis */
	char *socket_path;           /* UNIX */
	struct db_addr *sentinels;   /* SENTINEL: in the order given */
	size_t nsentinels;
	char *master_name;           /* SENTINEL */
	char *password;              /* NULL: no AUTH */
	int dbnum;                   /* 0..15 */
};

/* Fills *u (owned by the caller: db_url_release) from url.  Returns -1 with a
 * sentence in err, *u then empty, for a URL it cannot read. */
int db_url_parse(const char *url, struct db_url *u, char *err, size_t errsize);
void db_url_release(struct db_url *u);

#endif
