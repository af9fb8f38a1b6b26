/* flowjson.c -- see flowjson.h. */
#include "flowjson.h"

#include "buf.h"
#include "engine.h"
#include "flow.h"
#include "text.h"

static const char *const kind_names[] = {"survey", "invitation", "report_back"};
static const char *const step_type_names[] = {"say", "ask", "language", "end"};
static const char *const ask_names[] = {NULL, "choices", "number", "text"};

static json_t *texts(const struct flow *flow, const struct flow_text *t)
{
	json_t *o = json_object();
	for (size_t l = 0; l < flow->nlangs; l++)
		json_object_set_new(o, flow->langs[l], json_string(flow_text_get(flow, t, (int)l)));
	return o;
}

static json_t *choices(const struct flow *flow, const struct flow_step *step)
{
	json_t *a = json_array();
	for (size_t c = 0; c < step->nchoices; c++)
		json_array_append_new(a, json_pack("{s:s,s:o}", "key", step->choices[c].key, "label",
						   texts(flow, &step->choices[c].label)));
	return a;
}

/* A say goes out joined to what follows it (docs/flows.md, Steps): what
 * that message costs per language, as `flows check` prints it. */
static json_t *sent_json(const struct flow *flow, int s, struct buf *msg)
{
	json_t *sent = json_object();
	for (size_t l = 0; l < flow->nlangs; l++) {
		struct sms_cost cost;
		buf_reset(msg);
		engine_render_joined(flow, s, (int)l, NULL, msg);
		sms_cost(buf_str(msg), msg->len, &cost);
		json_object_set_new(sent, flow->langs[l],
				    json_pack("{s:I,s:b,s:I}", "segments", (json_int_t)cost.segments,
					      "ucs2", cost.ucs2, "units", (json_int_t)cost.units));
	}
	return sent;
}

static json_t *step_json(const struct flow *flow, int s, struct buf *msg)
{
	const struct flow_step *step = &flow->steps[s];
	json_t *o = json_pack("{s:s,s:s}", "id", step->id, "type", step_type_names[step->type]);
	if (step->ask != ASK_NONE)
		json_object_set_new(o, "ask", json_string(ask_names[step->ask]));
	if (step->save)
		json_object_set_new(o, "save", json_string(step->save));
	if (step->nchoices)
		json_object_set_new(o, "choices", choices(flow, step));
	json_t *message = json_object(), *sms = json_object();
	for (size_t l = 0; l < flow->nlangs; l++) {
		struct sms_cost cost;
		buf_reset(msg);
		engine_render_step(flow, s, (int)l, NULL, msg);
		sms_cost(buf_str(msg), msg->len, &cost);
		json_object_set_new(message, flow->langs[l], json_string(buf_str(msg)));
		json_object_set_new(sms, flow->langs[l],
				    json_pack("{s:I,s:b,s:I}", "segments", (json_int_t)cost.segments,
					      "ucs2", cost.ucs2, "units", (json_int_t)cost.units));
	}
	json_object_set_new(o, "message", message);
	json_object_set_new(o, "sms", sms);
	if (step->type == STEP_SAY)
		json_object_set_new(o, "sent", sent_json(flow, s, msg));
	return o;
}

static json_t *langs_json(const struct flow *flow)
{
	json_t *langs = json_array();
	for (size_t l = 0; l < flow->nlangs; l++)
		json_array_append_new(langs, json_string(flow->langs[l]));
	return langs;
}

static json_t *keywords_json(const struct flow *flow)
{
	json_t *keywords = json_array();
	for (size_t k = 0; k < flow->nkeywords; k++)
		json_array_append_new(keywords, json_string(flow->keywords[k]));
	return keywords;
}

json_t *flow_summary_json(const struct flow *flow)
{
	return json_pack("{s:s,s:s,s:o,s:o,s:{s:o,s:o},s:I}", "id", flow->id, "kind",
			 kind_names[flow->kind], "title", texts(flow, &flow->title), "languages",
			 langs_json(flow), "triggers", "keywords", keywords_json(flow), "ussd",
			 flow->ussd ? json_string(flow->ussd) : json_null(), "steps",
			 (json_int_t)flow->nsteps);
}

json_t *flow_json(const struct flow *flow)
{
	json_t *langs = langs_json(flow), *keywords = keywords_json(flow), *steps = json_array();
	struct buf msg = BUF_INIT;
	for (size_t s = 0; s < flow->nsteps; s++)
		json_array_append_new(steps, step_json(flow, (int)s, &msg));
	buf_release(&msg);
	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "id", flow->id, "kind",
			 kind_names[flow->kind], "title", texts(flow, &flow->title), "languages", langs,
			 "keywords", keywords, "ussd", flow->ussd ? json_string(flow->ussd) : json_null(),
			 "steps", steps);
}
