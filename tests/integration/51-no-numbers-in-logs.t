#!/usr/bin/env bash
# No phone number in any log at info: after every kind of traffic (imports
# by the CLI and the API, an SMS survey through Kannel, USSD in each dialect
# (Africa's Talking, Hubtel, Beem, Arkesel), a broadcast to listed numbers and
# to a group, STOP, reminders, inbox items and their replies from the CLI and the API,
# contacts show and forget from the CLI and the API, API calls, errors of
# every channel and dialect),
# neither sauti's log nor bearerbox's access log holds any of the numbers in
# any form: E.164, without '+', local with its 0, the bare national number,
# with spaces, dots or dashes.  smsbox writes no access log.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
mkdir -p "$T/flows"
cp "$T_ROOT"/flows/*.yaml "$T_ROOT/tests/flows/remind/kumbuka.yaml" "$T/flows/"
SAUTI_LOG_LEVEL=info write_config "$T/flows"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

# Every number this test uses, in E.164; each is searched for in all forms.
NUMBERS=(+255712300021 +255712300022 +233241000023 +233201000024 +255754300025
	+255712300026 +255712300027 +255712300028 +255712300029 +255712300099
	+255712300031 +233200000032 +255754300033 +233241000034 +255712300035
	+255712300036 +255712300037)

cat >"$T/contacts.csv" <<'CSV'
phone,country,name,groups
0712 300 021,TZ,Asha,logs
024-100-0023,GH,Kwame,logs
0302 123456,GH,Accra office,logs
+255 754 300 025,,Baraka,logs
CSV
S contacts import "$T/contacts.csv" >/dev/null 2>&1
api POST /api/contacts -H 'Content-Type: text/csv' \
	--data-binary $'phone,name,groups\n712300022,Neema,logs\n020.100.0024,Ama,logs\n07x,Bad,\n' >/dev/null
t_is "$(http_status)" 200 "contacts imported through the API"

# An SMS survey through Kannel, with a number in a free-text answer.
t_like "$(fakesmsc_send +255712300026 15055 UTAFITI)" "." "a survey starts by SMS"
fakesmsc_send +255712300026 15055 1 >/dev/null
fakesmsc_send +255712300026 15055 "namba yangu ni 0712 300 099" >/dev/null
fakesmsc_send +255712300021 15055 HELP >/dev/null
t_like "$(fakesmsc_send +255712300027 15055 STOP)" "." "STOP is answered"

# USSD, Africa's Talking style, and a USSD request with a bad number.
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*88#" \
		--data-urlencode "phoneNumber=$2" --data-urlencode "text=$3"
}
t_like "$(ussd u1 +255712300028 "")" "^CON" "a USSD session opens"
ussd u1 +255712300028 "1" >/dev/null
ussd u2 255712300028 "1*9" >/dev/null
ussd u3 "0712 300 02x" "" >/dev/null
t_is "$(http_status)" 400 "a USSD request from a bad number is refused"
http POST /ussd --data-urlencode "sessionId=u4" >/dev/null

# USSD in the JSON dialects, each with "the person left" and a refusal.
jpost() { http POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }
t_like "$(jpost /ussd/hubtel '{"Type":"Initiation","Mobile":"233200000032","SessionId":"h1","ServiceCode":"150","Message":"*150*88#","Operator":"mtn","Sequence":1}')" \
	'"Type": *"Response"' "a Hubtel session opens"
jpost /ussd/hubtel '{"Type":"Response","Mobile":"233200000032","SessionId":"h1","Message":"1","Sequence":2}' >/dev/null
jpost /ussd/hubtel '{"Type":"Timeout","Mobile":"233200000032","SessionId":"h1","Message":"","Sequence":3}' >/dev/null
jpost /ussd/hubtel '{"Type":"Initiation","Mobile":"0712 300 03x","SessionId":"h2","Message":"*150*88#"}' >/dev/null
t_is "$(http_status)" 400 "Hubtel: a bad number is refused"
t_like "$(jpost '/ussd/beem?code=%2A150%2A88%23' '{"msisdn":"255754300033","operator":"vodacom","session_id":"b1","command":"initiate","payload":{"request_id":0,"response":""}}')" \
	'"command": *"continue"' "a Beem session opens"
jpost '/ussd/beem?code=%2A150%2A88%23' '{"msisdn":"255754300033","session_id":"b1","command":"continue","payload":{"request_id":1,"response":"1"}}' >/dev/null
jpost '/ussd/beem?code=%2A150%2A88%23' '{"msisdn":"255754300033","session_id":"b1","command":"terminate","payload":{"request_id":2,"response":""}}' >/dev/null
jpost /ussd/beem '{"msisdn":"255754300033","session_id":"b2","command":"initiate"}' >/dev/null
t_is "$(http_status)" 400 "Beem: a callback without its code is refused"
t_like "$(jpost /ussd/arkesel '{"sessionID":"k1","userID":"u","newSession":true,"msisdn":"233241000034","userData":"*150*88#","network":"MTN"}')" \
	'"continueSession": *true' "an Arkesel session opens"
jpost /ussd/arkesel '{"sessionID":"k1","userID":"u","newSession":false,"msisdn":"233241000034","userData":"1"}' >/dev/null
jpost /ussd/arkesel '{"sessionID":"k2","newSession":true,"msisdn":"233241000034x","userData":"*150*88#"}' >/dev/null
t_is "$(http_status)" 400 "Arkesel: a bad number is refused"
jpost /ussd/arkesel '{"sessionID":"k3","msisdn":"233241000034",' >/dev/null
t_is "$(http_status)" 400 "Arkesel: malformed JSON is refused"

# Inbox items: text no flow takes, and the number of the person asked about.
fakesmsc_send +255712300031 15055 "habari, mimi ni 0712 300 035" >/dev/null
fakesmsc_send +255712300035 15055 "nipigie 0754300033" >/dev/null
t_is "$(S inbox --format csv | grep -c habari)" 1 "an inbox item is kept"

# A run that hears nothing gets its reminders (kumbuka: two, 5 s apart).
t_like "$(fakesmsc_send +255712300037 15055 KUMBUKA)" "Utakuja" "a reminded flow starts"
remind_run=$(redis_cli get "sauti:cur:sms:{+255712300037}")

# Errors on the SMS channel.
http GET "/kannel/sms?from=0712300029x&to=15055&text=hi&id=e1" >/dev/null
t_is "$(http_status)" 400 "an SMS from a bad number is refused"
http GET "/kannel/sms?from=%2B255712300029&to=15055&text=0712300021&id=e2" >/dev/null

# Broadcasts to listed numbers and to a group, sent through Kannel.
fakesmsc_sink_start
id1=$(S broadcast dialogue_invite --to phones:+255712300029,0712300021 2>/dev/null)
id2=$(S broadcast dialogue_invite --to group:logs 2>/dev/null)
t_like "$id1 $id2" '^[0-9a-f]+ [0-9a-f]+$' "two broadcasts created"
t_ok "the broadcasts' messages reach the SMSC" fakesmsc_sink_wait 6 30
fakesmsc_sink_stop
S broadcast dialogue_invite --to phones:+255712300029 --dry-run >/dev/null 2>&1

# Replies to the inbox items from the CLI and the API, sent through Kannel.
idA=$(S inbox --format csv | grep habari | cut -d, -f1)
idB=$(S inbox --format csv | grep nipigie | cut -d, -f1)
fakesmsc_sink_start
t_ok "inbox reply from the CLI" S inbox reply "$idA" "Asante, tutakupigia."
api POST "/api/inbox/$idB/reply" -d '{"text":"Sawa."}' >/dev/null
t_is "$(http_status)" 200 "inbox reply through the API"
spent() { [ "$(redis_cli hget "sauti:r:$1" rn)" = 2 ] && [ -z "$(redis_cli zscore sauti:remind "$1")" ]; }
t_ok "the silent one's two reminders are sent" t_wait_for 40 spent "$remind_run"
t_ok "both replies and both reminders reach the SMSC" fakesmsc_sink_wait 4 30
fakesmsc_sink_stop
S inbox close "$idA" >/dev/null 2>&1
api POST "/api/inbox/$idB/close" >/dev/null 2>&1

# A person's data shown and erased from the CLI; a number never seen.
t_like "$(S contacts show +255712300035)" "nipigie" "contacts show gives the person's inbox"
t_ok "contacts forget from the CLI" S contacts forget +255712300035
t_fails "forget of a number never seen" S contacts forget +255712300036

# API calls, good and bad.
api GET "/api/broadcasts/$id1" >/dev/null
api GET /api/flows/livelihoods/export.csv >/dev/null
api GET /api/flows/livelihoods/report >/dev/null
api POST /api/broadcasts -H 'Content-Type: application/json' \
	-d '{"flow":"dialogue_invite","to":"phones:+255712300022","dry_run":true}' >/dev/null
api POST /api/broadcasts -H 'Content-Type: application/json' \
	-d '{"flow":"dialogue_invite","to":"phones:0712 300 02"}' >/dev/null
http GET /api/flows/livelihoods/report >/dev/null
t_is "$(http_status)" 401 "an API call without a token is refused"
api DELETE /api/contacts/+255754300025 >/dev/null
api GET /api/contacts >/dev/null
kill -HUP "$(sauti_pid)"
t_wait_for 10 grep -q "SIGHUP" "$T/sauti.log"
t_ok "sauti logged at info meanwhile" grep -q " info " "$T/sauti.log"
t_like "$(cat "$T/sauti.log")" "planning dialogue_invite to phones \(2 listed\)" \
	"broadcast planning names the audience's kind and size"
t_like "$(cat "$T/sauti.log")" "planning dialogue_invite to group:logs" "a group by its name"

# found FILE: the lines of FILE holding one of NUMBERS in any written form.
found() {
	local e nsn re
	for e in "${NUMBERS[@]}"; do
		nsn=${e:4}                        # all these have 3-digit country codes
		re=$(printf '%s' "$nsn" | sed 's/./&[ .()-]*/g')
		grep -nE "${re%\[ .()-\]\*}" "$1"
	done
}
t_is "$(found "$T/sauti.log")" "" "sauti's log holds no number in any form"
t_ok "bearerbox wrote an access log" test -s "$T/kannel/bearerbox-access.log"
t_is "$(found "$T/kannel/bearerbox-access.log")" "" "bearerbox's access log holds no number in any form"
t_unlike "$(cat "$T/kannel/bearerbox-access.log")" "UTAFITI|Karibu|namba" "nor any text"
t_ok "smsbox writes no access log" test ! -e "$T/kannel/smsbox-access.log"
done_testing
