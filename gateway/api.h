/* api.h -- the convenors' and researchers' HTTP API under /api/ (docs/http.md).
 * data is the struct gateway (gateway.h). */
#ifndef SAUTI_API_H
#define SAUTI_API_H

struct http_req;

void api_handler(struct http_req *req, void *gw);

#endif
