/* web.h -- the web console's files (web/), served by the daemon at /.
 *
 * Files come from the config's web_root (default web/, relative to the
 * working directory like flows/); `/` is its index.html.  Only GET and HEAD;
 * a path with a segment starting with '.' (.., dotfiles) or leading outside
 * web_root is 404, as is anything that is not a regular file or of a kind
 * web_content_type() does not know.  Answers carry
 * an ETag (size and modification time) and Cache-Control: no-cache, so a
 * browser revalidates and gets 304 for what it has.  docs/console.md. */
#ifndef SAUTI_WEB_H
#define SAUTI_WEB_H

#include <stdbool.h>
#include <stddef.h>

struct http_req;

/* The handler of every path no other route takes (data: struct gateway):
 * 404 for what is no file of the console, then 405 for a method other than
 * GET and HEAD. */
void web_handler(struct http_req *req, void *gw);
/* Logs a warning when web_root holds no console (no index.html in it, as
 * when sauti serve runs from outside the repository): everything else is
 * served, and GET / answers 404. */
void web_check_root(const char *root);

/* Pure helpers, unit-tested. */
/* The Content-Type for a file name by its extension; NULL for a kind the
 * console does not ship (served as 404). */
const char *web_content_type(const char *name);
/* True when a URL path is safe to map below web_root: it starts with '/',
 * and no segment is empty-after-the-first, starts with '.', or holds a
 * backslash. */
bool web_path_safe(const char *path);
/* Whether an If-None-Match header value names etag (a list, or "*"). */
bool web_etag_matches(const char *if_none_match, const char *etag);

#endif
