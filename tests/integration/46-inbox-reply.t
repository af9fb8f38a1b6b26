#!/usr/bin/env bash
# Replies to inbox items: `sauti inbox reply` and POST /api/inbox/ID/reply
# reach the person's phone through Kannel ahead of any broadcast, with a
# delivery report kept with the item; the person's answer joins the thread.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
write_config "$T_ROOT/tests/flows/inbox"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
A=+255700000201 B=+233200000202

fakesmsc_send $A 15055 'nina swali kuhusu leseni' >/dev/null
fakesmsc_send $B 15055 'When is the next meeting?' >/dev/null
idA=$(S inbox --format csv | grep leseni | cut -d, -f1)
idB=$(S inbox --format csv | grep meeting | cut -d, -f1)
t_like "$idA$idB" '^[a-z]{24}$' "both messages are items"

fakesmsc_sink_start
t_ok "inbox reply ID TEXT" S inbox reply "$idA" "Habari, tutakupigia kesho kuhusu leseni."
fakesmsc_sink_wait 1 20
fakesmsc_sink_stop
t_is "$(mt_count)" 1 "one message went out"
t_is "$(mt_meta 1 | cut -d' ' -f2)" "$A" "to the item's sender"
t_is "$(mt_text 1)" "Habari, tutakupigia kesho kuhusu leseni." "with the reply's text"
delivered() { S inbox --format jsonl | grep "\"id\":\"$1\"" | grep -q "\"status\":\"delivered\"}"; }
t_ok "the delivery report is kept with the reply" t_wait_for 10 delivered "$idA"
t_like "$(S inbox --format jsonl | grep "\"id\":\"$idA\"")" '"replies":\[\{"at":"[0-9T:Z-]+","text":"Habari, tutakupigia kesho kuhusu leseni.","status":"delivered"\}\]' \
	"the reply is recorded with the item"
t_like "$(S inbox)" "< Habari, tutakupigia kesho kuhusu leseni\. \(.*, delivered\)" "and shown in the text listing"
t_like "$(curl -s "$SAUTI_URL/metrics")" 'sauti_reply_dlr_total\{status="delivered"\} [1-9]' \
	"/metrics counts the replies' delivery reports"

# Through the API.
fakesmsc_sink_start
api POST "/api/inbox/$idB/reply" -d '{"text":"Saturday at 10, in Tarkwa."}' >/dev/null
t_is "$(http_status)" 200 "POST /api/inbox/ID/reply"
fakesmsc_sink_wait 1 20
fakesmsc_sink_stop
t_is "$(mt_meta 1 | cut -d' ' -f2) $(mt_text 1)" "$B Saturday at 10, in Tarkwa." "the API's reply reaches the phone"
api POST "/api/inbox/$idB/reply" -d '{"txt":"x"}' >/dev/null
t_is "$(http_status)" 400 "a body without text is a 400"
t_like "$(api POST "/api/inbox/$idB/reply" -d '{"text":"   "}')" "a reply needs a text: this one is empty or only spaces" \
	"a reply of spaces alone is refused, saying why: it would be a blank SMS"
t_is "$(http_status)" 400 "... as a 400"
t_like "$(S inbox reply "$idB" '  ' 2>&1)" "only spaces" "... and by the CLI"
api POST "/api/inbox/$idB/reply" -d 'not json' >/dev/null
t_is "$(http_status)" 400 "a body that is not JSON is a 400"
api POST /api/inbox/nosuchitemxx/reply -d '{"text":"x"}' >/dev/null
t_is "$(http_status)" 404 "an unknown item is a 404"
t_fails "replying to an unknown item fails" S inbox reply nosuchitemxx hello
audit=$(S audit)
t_like "$audit" "\"who\":\"cli\",\"action\":\"inbox_reply\",\"what\":\"$idA\",\"count\":1" "a reply from the CLI is in the audit trail"
t_like "$audit" "\"who\":\"admin\",\"action\":\"inbox_reply\",\"what\":\"$idB\",\"count\":1" "one through the API too"

# The person answers the reply: their answer joins the thread.
t_like "$(fakesmsc_send $A 15055 'Sawa, asante sana')" "." "the person answers"
answer=$(S inbox --format jsonl | grep 'Sawa, asante sana')
t_like "$answer" "\"thread\":\"$idA\"" "their answer is an item in the same thread"
t_like "$(S inbox)" "answer in the thread of $idA" "the listing says so"
t_like "$(S inbox --format jsonl | grep "\"id\":\"$idA\"")" "\"thread\":\"$idA\"" "the first item heads its thread"

# An opted-out number gets no reply.
fakesmsc_send $B 15055 STOP >/dev/null
t_ok "replying to the opted-out one is accepted" S inbox reply "$idB" "One more thing"
skipped() { S inbox --format jsonl | grep "\"id\":\"$idB\"" | grep -q '"text":"One more thing","status":"skipped"'; }
t_ok "but not sent: skipped" t_wait_for 10 skipped
done_testing
