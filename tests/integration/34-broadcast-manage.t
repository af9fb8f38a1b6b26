#!/usr/bin/env bash
# A convenor manages broadcasts: lists them, cancels a scheduled one (it
# sends nothing) and a sending one (nobody not yet handed to Kannel gets
# it), is refused an empty audience or a past time without --force, and
# reaches exactly those whose latest answer is yes with an answer: audience
# (the day-before reminder of the README).  The same through the API.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
SAUTI_RATE=2 write_config "$T_ROOT/tests/flows/broadcast"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

cat >"$T/contacts.csv" <<'CSV'
phone,name,language,groups,country
0712000001,Amina,sw,geita,TZ
0712000002,Baraka,sw,geita,TZ
0712000003,Grace,en,geita,TZ
+233200000004,Kofi,en,geita,GH
0712000005,Juma,sw,left,TZ
0712000006,Neema,sw,left,TZ
CSV
S contacts import "$T/contacts.csv" 2>/dev/null

dry=$(S broadcast invite --to group:geita --dry-run)
t_like "$dry" "countries: TZ 3 GH 1" "the dry run counts recipients per country"
t_like "$dry" "sw: 2 recipients" "and per language"

# Refusals, each with a sentence, and --force.
out=$(S broadcast invite --to group:nobody 2>&1)
t_is "$?" 1 "an empty audience is refused (exit 1)"
t_like "$out" "the audience group:nobody is empty" "with a sentence saying why"
t_is "$(redis_cli zcard sauti:bcs)" 0 "and nothing is created"
past=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
out=$(S broadcast invite --to group:geita --at "$past" 2>&1)
t_is "$?" 1 "a time in the past is refused"
t_like "$out" "is in the past" "saying so"
out=$(api POST /api/broadcasts -d '{"flow":"invite","to":"group:nobody"}')
t_is "$(http_status)" 422 "the API refuses an empty audience with a 422"
t_like "$out" '"error":"the audience group:nobody is empty' "and the same sentence"
out=$(api POST /api/broadcasts -d "{\"flow\":\"invite\",\"to\":\"group:geita\",\"at\":\"$past\"}")
t_is "$(http_status)" 422 "and a past at"
t_like "$out" "is in the past" "saying so"
t_is "$(redis_cli zcard sauti:bcs)" 0 "neither is created"
# An audience that names a flow, an answer or a key there is not: a typo,
# said at once, even for a dry run.
out=$(S broadcast invite --to respondents:invit --dry-run 2>&1)
t_is "$?" 2 "respondents: of a flow there is not is refused (exit 2)"
t_like "$out" "no flow 'invit' \(the flows: .*invite" "naming the flows there are"
out=$(S broadcast invite --to answer:invite.rsvpp=yes 2>&1)
t_is "$?" 2 "an answer no step saves"
t_like "$out" "no step of flow 'invite' saves 'rsvpp'" "is said so"
out=$(S broadcast invite --to answer:invite.rsvp=ndiyo 2>&1)
t_like "$out" "'ndiyo' is not one of the keys of 'rsvp' in flow 'invite'" \
	"and a key the choices lack (the key, not the label)"
out=$(api POST /api/broadcasts -d '{"flow":"invite","to":"answer:invite.rsvp=ndiyo","dry_run":true}')
t_is "$(http_status)" 400 "the API refuses it with a 400"
t_like "$out" "is not one of the keys of 'rsvp'" "and the sentence"

# An audience whose every member said STOP: nobody would get it either.
fakesmsc_send +255712000005 15055 STOP >/dev/null
fakesmsc_send +255712000006 15055 STOP >/dev/null
out=$(S broadcast invite --to group:left 2>&1)
t_is "$?" 1 "an audience of people who all opted out is refused"
t_like "$out" "everyone in the audience group:left \(2\) has opted out \(STOP\)" "saying so"
out=$(S broadcast invite --to phones:+255712000006 2>&1)
t_is "$?" 1 "a phones: audience too (it is walked, not counted)"
t_like "$out" "everyone in the audience phones:\+255712000006 \(1\) has opted out" "with the same sentence"
out=$(api POST /api/broadcasts -d '{"flow":"invite","to":"group:left"}')
t_is "$(http_status)" 422 "the API refuses it with a 422"
t_like "$out" '"error":"everyone in the audience group:left' "and the sentence"
t_is "$(redis_cli zcard sauti:bcs)" 0 "none is created"
t_like "$(S broadcast findings --to group:left --force 2>/dev/null)" '^[0-9a-f]{12}$' \
	"--force creates it anyway"
t_like "$(S broadcast findings --to group:nobody --force 2>/dev/null)" '^[0-9a-f]{12}$' \
	"--force creates an empty one too"
t_like "$(api POST /api/broadcasts -d '{"flow":"findings","to":"group:nobody","force":true}')" \
	'^\{"id":"[0-9a-f]{12}"\}' "and so does force in the API"

# The invitation goes out; three answer.
fakesmsc_sink_start
inv=$(S broadcast invite --to group:geita 2>/dev/null)
fakesmsc_sink_wait 4 30
fakesmsc_sink_stop
t_is "$(mt_count)" 4 "the invitation reached all four"
t_like "$(fakesmsc_send +255712000001 15055 1)" "Karibu" "Amina says yes"
t_like "$(fakesmsc_send +255712000002 15055 Hapana)" "Asante kwa kutujulisha" "Baraka says no"
t_like "$(fakesmsc_send +233200000004 15055 Yes)" "Welcome" "Kofi says yes"
t_like "$(S broadcast status "$inv")" "reply rate: 75%" "status gives the reply rate: three of four"

# Two change their minds, answering a second invitation: the latest
# completed answer wins (README, the day-before reminder).  Grace, who has
# not answered the first, is not held back by her run of the same flow:
# the invitation starts afresh (docs/commands.md, "Never interrupted").
fakesmsc_sink_start
inv2=$(S broadcast invite --to phones:0712000002,0712000003,+233200000004 2>/dev/null)
fakesmsc_sink_wait 3 30
fakesmsc_sink_stop
t_is "$(mt_count)" 3 "the second invitation reached Baraka, Grace and Kofi"
t_like "$(S broadcast status "$inv2")" "waiting: 0" "nobody waited for a run of the invitation itself"
t_is "$(S export invite --raw-phone | tr -d '\r' | grep -c '+255712000003,en,sms,expired,')" 1 \
	"Grace's first invitation run ends as expired"
t_like "$(fakesmsc_send +255712000002 15055 Ndiyo)" "Karibu" "Baraka now says yes"
t_like "$(fakesmsc_send +233200000004 15055 No)" "Thank you for letting us know" "Kofi now says no"

# The day-before reminder: an --at broadcast to those who said yes.
t_like "$(S broadcast findings --to answer:invite.rsvp=yes --dry-run)" "recipients: 2 " \
	"answer:invite.rsvp=yes holds exactly the two whose latest answer is yes"
at=$(date -u -d '+6 seconds' +%Y-%m-%dT%H:%M:%SZ)
rem=$(S broadcast findings --to answer:invite.rsvp=yes --at "$at" 2>/dev/null)
st=$(S broadcast status "$rem")
t_like "$st" "state: scheduled" "the reminder is scheduled"
t_like "$st" "at: $at" "status shows its time"
t_like "$st" "audience size: 2" "and its audience's size"
list=$(S broadcast list)
t_like "$(echo "$list" | head -1)" "^id +flow +audience +state +at +total +queued +waiting +sent +delivered +failed +skipped" \
	"broadcast list has a header with the contract's columns"
t_like "$(echo "$list" | sed -n 2p)" "^$rem +findings +answer:invite.rsvp=yes +scheduled +$at +2 " \
	"the newest first: the scheduled reminder, with its audience's size"
t_like "$list" "$inv +invite +group:geita +done " "the invitation is done"
t_like "$list" "$inv2 +invite +phones:#,#,# +done +[0-9TZ:-]+ +3 +0 +0 +3 " \
	"the second one too, with its counts and its numbers masked"
t_like "$(S broadcast status "$inv2")" "audience: phones:#,#,#" "status masks them too"
t_is "$(echo "$list" | wc -l)" 7 "one line per broadcast"
api_list=$(api GET /api/broadcasts)
t_like "$api_list" "\"id\":\"$rem\"" "GET /api/broadcasts lists them"
t_like "$api_list" '"state":"scheduled"' "with their states"
# No API answer carries a phone number (docs/http.md): a phones: audience
# is masked in the list and in a status, and so is an error quoting one.
t_like "$api_list" "\"id\":\"$inv2\",\"flow\":\"invite\",\"audience\":\"phones:#,#,#\"" \
	"the list masks a phones: audience"
t_unlike "$api_list" '(\+|255712|233200)' "no number anywhere in the list"
api_status=$(api GET "/api/broadcasts/$inv2")
t_like "$api_status" '"audience":"phones:#,#,#"' "GET /api/broadcasts/ID masks it too"
t_unlike "$api_status" '(\+|255712|233200)' "no number anywhere in the status"
out=$(api POST /api/broadcasts -d '{"flow":"invite","to":"+255712000001"}')
t_is "$(http_status)" 400 "an audience that is a bare number is a 400"
t_like "$out" "\"error\":\"audience '#' must be" "whose error masks the number it quotes"

# Cancelling the scheduled one: it never goes.  Another to the same
# audience, due after it, does go: once it is done, the cancelled one's
# time has passed, and the phones hold exactly what the other sent.
t_like "$(S broadcast cancel "$rem" 2>&1)" "cancelled" "broadcast cancel"
t_like "$(S broadcast status "$rem")" "state: cancelled" "its state is cancelled"
at2=$(date -u -d "$at 4 seconds" +%Y-%m-%dT%H:%M:%SZ)
fakesmsc_sink_start
later=$(S broadcast findings --to answer:invite.rsvp=yes --at "$at2" --force 2>/dev/null) # --force: at2 may have passed on a slow machine
t_ok "the one due after it is sent" t_wait_for 30 sh -c \
	"\"$SAUTI_BIN\" broadcast status $later -c \"$SAUTI_CONFIG\" | grep -q 'state: done'"
fakesmsc_sink_wait 2 20
fakesmsc_sink_stop
t_like "$(S broadcast status "$rem")" "state: cancelled" "the cancelled one stays cancelled past its time"
t_like "$(S broadcast status "$rem")" "sent: 0" "and sent nothing"
t_is "$(for i in $(seq "$(mt_count)"); do mt_meta "$i" | cut -d' ' -f2; done | sort | tr '\n' ' ')" \
	"+255712000001 +255712000002 " \
	"answer:invite.rsvp=yes reached exactly Amina and Baraka, once each: nothing from the cancelled one"
t_like "$(mt_text 1)" "^Watu [0-9]+ walijibu" "with the findings"
out=$(S broadcast cancel "$rem" 2>&1)
t_is "$?" 1 "cancelling it again fails"

# Cancelling one that is sending: at 2 SMS a second, stop after the first.
N=12
import_group $N wengi
fakesmsc_sink_start
big=$(S broadcast findings --to group:wengi 2>/dev/null)
t_wait_for 20 sh -c "\"$SAUTI_BIN\" broadcast status $big -c \"$SAUTI_CONFIG\" | grep -Eq 'sent: [1-9]'"
api DELETE "/api/broadcasts/$big" >/dev/null
t_is "$(http_status)" 200 "DELETE /api/broadcasts/ID cancels it"
t_wait_for 10 sh -c "\"$SAUTI_BIN\" broadcast status $big -c \"$SAUTI_CONFIG\" | grep -q 'queued: 0'"
# queued counts those being handed over too: sent is final now, and once
# each has its delivery report the sink holds all that Kannel took.
all_delivered() { S broadcast status "$big" | awk '/^sent:/ {s = $2} /^delivered:/ {d = $2} END {exit !(s == d)}'; }
t_ok "every message sent is delivered" t_wait_for 20 all_delivered
fakesmsc_sink_stop
st=$(S broadcast status "$big")
sent=$(echo "$st" | sed -n 's/^sent: //p')
cancelled=$(echo "$st" | sed -n 's/^cancelled: //p')
t_ok "only some were sent ($sent of $N)" test "$sent" -lt $N
t_is "$((sent + cancelled))" $N "the rest are counted cancelled"
t_like "$st" "state: cancelled" "the state is cancelled"
t_is "$(mt_count)" "$sent" "the phones got exactly what status says was sent"
audit=$(S audit)
t_like "$audit" "\"who\":\"cli\",\"action\":\"cancel\",\"what\":\"$rem\",\"count\":1" \
	"a cancel from the CLI is in the audit trail"
t_like "$audit" "\"who\":\"admin\",\"action\":\"cancel\",\"what\":\"$big\"" "one through the API too"
api DELETE "/api/broadcasts/$big" >/dev/null
t_is "$(http_status)" 409 "cancelling an ended one through the API is a 409"
api DELETE /api/broadcasts/ffffffffffff >/dev/null
t_is "$(http_status)" 404 "DELETE of an unknown broadcast is a 404"
api PUT /api/broadcasts >/dev/null
t_is "$(http_status)" 405 "another method is a 405"

m=$(curl -s "$SAUTI_URL/metrics")
t_like "$m" 'sauti_broadcast_recipients\{state="delivered"\} [1-9]' "/metrics: recipients delivered"
t_like "$m" 'sauti_broadcast_recipients\{state="cancelled"\} [1-9]' "cancelled"
t_like "$m" 'sauti_broadcast_dlr_total\{status="delivered"\} [1-9]' "delivery reports received"
t_like "$m" 'sauti_sendsms_errors_total\{kind="unreachable"\} 0' "sendsms errors by kind"

done_testing
