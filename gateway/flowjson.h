/* flowjson.h -- a loaded flow as JSON for the API and the console.
 *
 * GET /api/flows/FLOW answers flow_json(flow): id, kind, title and
 * languages, keywords, ussd code, and every step with its type, the save
 * name, choices, and per language the message as sent by SMS with what it
 * costs ("sms": {"LANG": {"segments", "ucs2", "units"}}), as `sauti flows
 * check` prints it (docs/http.md).  Pure: no I/O. */
#ifndef SAUTI_FLOWJSON_H
#define SAUTI_FLOWJSON_H

#include <jansson.h>

struct flow;

/* A new reference (json_decref()). */
json_t *flow_json(const struct flow *flow);
/* What GET /api/flows lists of each flow: id, kind, title, languages,
 * "triggers": {"keywords", "ussd"} and "steps" (how many).  A new
 * reference. */
json_t *flow_summary_json(const struct flow *flow);

#endif
