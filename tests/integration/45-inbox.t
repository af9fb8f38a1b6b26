#!/usr/bin/env bash
# The inbox: what people send that no flow takes as a valid answer is kept,
# through real Kannel, with the contract's columns and the person's
# pseudonym; a valid answer never is; a closed item leaves the open list.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
write_config "$T_ROOT/tests/flows/inbox"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
pseudo() { printf %s "$1" | openssl dgst -sha256 -hmac "$TEST_PSEUDONYM_KEY" | awk '{print $NF}' | cut -c1-16; }
A=+255700000101 B=+255700000102 C=+255700000103
csv() { S inbox --format csv "$@" | tr -d '\r'; }

t_like "$(fakesmsc_send $A 15055 'habari nina swali kuhusu leseni')" "." "unmatched text gets the not-understood answer"
out=$(csv)
t_is "$(echo "$out" | head -1)" "id,at,contact,language,channel,flow,status,text" "CSV columns in the contract's order"
t_like "$out" "^id,.*
[a-z]{12},20[0-9-]{8}T[0-9:]{8}Z,$(pseudo $A),sw,sms,,open,habari nina swali kuhusu leseni$" \
	"unmatched text is an open item with the sender's pseudonym, no flow"
t_unlike "$out" "255700000101" "no number without --raw-phone"

# B takes the survey: one invalid answer is retried, the second given up.
t_like "$(fakesmsc_send $B 15055 MAONI)" "Unachimba nini" "the keyword starts the survey"
t_like "$(fakesmsc_send $B 15055 7)" "." "an invalid answer is asked again"
t_like "$(fakesmsc_send $B 15055 'sijui kabisa')" "Nini kingekusaidia" "given up after the retries, the run moves on"
t_like "$(fakesmsc_send $B 15055 'mafunzo ya usalama')" "Asante" "a valid text answer ends the run"
out=$(csv)
t_like "$out" ",$(pseudo $B),sw,sms,maoni,open,sijui kabisa" "the answer given up as invalid is an item, with its flow"
t_unlike "$out" ",7$" "the retried answer is not an item: the question was asked again"
t_unlike "$out" "mafunzo" "a valid answer never is an item"
t_unlike "$out" "MAONI" "nor the keyword that started the run"

t_like "$(fakesmsc_send $B 15055 'asante sana kwa utafiti')" "." "text after the run ended is answered"
out=$(csv)
t_like "$out" ",$(pseudo $B),sw,sms,maoni,open,asante sana kwa utafiti" "text after a run ended is an item, with the run's flow"
t_like "$(fakesmsc_send $C 15055 'MSAADA nina swali')" "MAONI" "HELP with words gets the help"
t_like "$(csv)" ",$(pseudo $C),sw,sms,,open,MSAADA nina swali" "and its free text is kept"
t_is "$(csv | tail -n +2 | wc -l)" 4 "four items, no more"

raw=$(csv --raw-phone)
t_like "$raw" ",\\+255700000101,sw,sms,,open,habari" "--raw-phone writes the number"
t_like "$(S audit)" '"who":"cli","action":"raw_phone","what":"inbox","count":4' "and is written to the audit trail"
jsonl=$(S inbox --format jsonl)
t_is "$(echo "$jsonl" | wc -l)" 4 "JSON lines: one object per item"
t_like "$jsonl" "\"contact\":\"$(pseudo $B)\",\"language\":\"sw\",\"channel\":\"sms\",\"flow\":\"maoni\",\"status\":\"open\",\"text\":\"sijui kabisa\",\"why\":\"invalid\"" \
	"JSON lines carry the same fields, and why"

api_list=$(api GET /api/inbox)
t_is "$(http_status)" 200 "GET /api/inbox answers"
t_is "$(echo "$api_list" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 4 "the API lists the four open items"
t_like "$api_list" "\"contact\":\"$(pseudo $A)\"" "with pseudonyms"
t_unlike "$api_list" "25570000010" "and no number"
http GET /api/inbox >/dev/null
t_is "$(http_status)" 401 "the API needs the token"

id=$(csv | grep 'habari nina swali' | cut -d, -f1)
t_ok "inbox close ID" S inbox close "$id"
t_unlike "$(csv)" "$id," "a closed item leaves the open list"
t_like "$(csv --all | grep "^$id,")" ",closed,habari" "--all shows it closed"
t_is "$(redis_cli zscore sauti:inbox:closed "$id" >/dev/null && echo kept)" kept "kept for inbox_keep_days after closing"
t_fails "closing an unknown item fails" S inbox close nosuchitemxx
id2=$(csv | grep 'asante sana' | cut -d, -f1)
api POST "/api/inbox/$id2/close" >/dev/null
t_is "$(http_status)" 200 "POST /api/inbox/ID/close"
t_unlike "$(api GET /api/inbox)" "\"id\":\"$id2\"" "the API's open list leaves it out"
api POST /api/inbox/nosuchitemxx/close >/dev/null
t_is "$(http_status)" 404 "an unknown item is a 404"
api GET "/api/inbox/$id2/close" >/dev/null
t_is "$(http_status)" 405 "close needs POST"
t_is "$(csv --all --since "$(date -u -d '+1 hour' +%FT%TZ)" | tail -n +2 | wc -l)" 0 "--since leaves out what came before"
t_is "$(csv --all --since "$(date -u -d '-1 hour' +%FT%TZ)" | tail -n +2 | wc -l)" 4 "and keeps what came after"
t_fails "a bad --since is refused" S inbox --since yesterday
t_ok "the open items are counted in /metrics" t_wait_for 10 sh -c "curl -s $SAUTI_URL/metrics | grep -qx 'sauti_inbox_open 2'"
t_like "$(curl -s "$SAUTI_URL/metrics")" 'sauti_inbox_items_total\{channel="sms"\} 4' "items added are counted"

# A person's items go with them (contacts show, contacts forget).
t_is "$(S contacts show $C | python3 -c 'import json,sys; print(json.load(sys.stdin)["inbox"][0]["text"])')" \
	"MSAADA nina swali" "contacts show lists the person's items"
t_like "$(S contacts show $C | jq -r .first_heard)" '^20[0-9-]{8}T[0-9:]{8}Z$' \
	"and when the gateway first heard from them, in ISO 8601"
t_ok "contacts forget erases them" S contacts forget $C
t_unlike "$(csv --all)" "MSAADA" "the forgotten person's items are gone from the inbox"
t_is "$(redis_cli keys "sauti:in:*" | grep -c "$C")" 0 "and no inbox key names the number"
done_testing
