/* web.c -- see web.h. */
#include "web.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "gateway.h"
#include "http.h"
#include "log.h"

/* The console's files are a few tens of KB; anything near this is not one. */
#define WEB_MAX_FILE (4L << 20)

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".json", "application/json"},
	{".txt", "text/plain; charset=utf-8"},
};

const char *web_content_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
		if (strcmp(dot, content_types[i].ext) == 0)
			return content_types[i].type;
	return NULL;
}

bool web_path_safe(const char *path)
{
	if (path[0] != '/' || strchr(path, '\\'))
		return false;
	for (const char *seg = path + 1; *seg; seg++) {
		/* seg is at the start of a segment */
		if (*seg == '.' || *seg == '/')
			return false;
		const char *slash = strchr(seg, '/');
		if (!slash)
			break;
		seg = slash;
	}
	return true;
}

bool web_etag_matches(const char *inm, const char *etag)
{
	if (!inm)
		return false;
	size_t n = strlen(etag);
	for (const char *p = inm; *p;) {
		p += strspn(p, " \t,");
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*' || (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
								p[n] == ' ' || p[n] == '\t')))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

/* The real path of web_root/rel if it is a file inside web_root (symbolic
 * links followed, so one cannot lead out); NULL otherwise.  free(). */
static char *resolve(const char *root, const char *rel)
{
	char *real_root = realpath(root, NULL);
	if (!real_root)
		return NULL;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s%s", real_root, rel);
	char *real = realpath(b.data, NULL);
	buf_release(&b);
	size_t n = strlen(real_root);
	if (real && (strncmp(real, real_root, n) != 0 || real[n] != '/')) {
		free(real);
		real = NULL;
	}
	free(real_root);
	return real;
}

void web_check_root(const char *root)
{
	char *index = resolve(root, "/index.html");
	struct stat st;
	if (!index || stat(index, &st) < 0 || !S_ISREG(st.st_mode)) {
		char cwd[PATH_MAX];
		log_warn("the web console is not served: no index.html in web_root '%s' "
			 "(relative to %s); set web_root (docs/configuration.md)",
			 root, getcwd(cwd, sizeof(cwd)) ? cwd : "the working directory");
	}
	free(index);
}

/* Reads a regular file whole into out; fills st.  0, or -1. */
static int read_file(const char *path, struct buf *out, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > WEB_MAX_FILE)
		goto out;
	buf_grow(out, (size_t)st->st_size + 1);
	while (out->len < (size_t)st->st_size) {
		ssize_t got = read(fd, out->data + out->len, (size_t)st->st_size - out->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			goto out;
		out->len += (size_t)got;
	}
	out->data[out->len] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}

/* The console's own page runs no inline script and talks only to us. */
static void add_security_headers(struct http_req *req)
{
	http_add_header(req, "X-Content-Type-Options", "nosniff");
	http_add_header(req, "Referrer-Policy", "no-referrer");
	http_add_header(req, "Content-Security-Policy",
			"default-src 'self'; img-src 'self' data:; style-src 'self'; "
			"frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

void web_handler(struct http_req *req, void *data)
{
	const struct gateway *gw = data;
	const char *rel = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
	const char *type = web_content_type(rel);
	if (!web_path_safe(rel) || !type) {
		http_error(req, 404, "no such path");
		return;
	}
	struct buf body = BUF_INIT;
	struct stat st;
	char *file = resolve(gw->cfg.web_root, rel);
	if (!file || read_file(file, &body, &st) < 0) {
		free(file);
		buf_release(&body);
		http_error(req, 404, strcmp(rel, "/index.html") == 0
					     ? "no such path (the console's files are not installed: see web_root)"
					     : "no such path");
		return;
	}
	free(file);
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		buf_release(&body);
		http_add_header(req, "Allow", "GET, HEAD");
		http_error(req, 405, "method not allowed");
		return;
	}
	char etag[64], modified[64];
	snprintf(etag, sizeof(etag), "\"%lx-%lx-%lx\"", (unsigned long)st.st_size,
		 (unsigned long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	struct tm tm;
	gmtime_r(&st.st_mtim.tv_sec, &tm);
	strftime(modified, sizeof(modified), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	http_add_header(req, "ETag", etag);
	http_add_header(req, "Last-Modified", modified);
	http_add_header(req, "Cache-Control", "no-cache");
	add_security_headers(req);
	if (web_etag_matches(http_header(req, "If-None-Match"), etag)) {
		http_reply(req, 304, type, "", 0);
	} else if (req->method == HTTP_HEAD) {
		/* evhttp would send a HEAD the body and no length: the length of
		 * what GET sends, and nothing */
		char length[32];
		snprintf(length, sizeof(length), "%zu", body.len);
		http_add_header(req, "Content-Length", length);
		http_reply(req, 200, type, "", 0);
	} else {
		http_reply(req, 200, type, body.data, body.len);
	}
	buf_release(&body);
}
