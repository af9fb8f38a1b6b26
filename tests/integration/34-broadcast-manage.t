#!/usr/bin/env bash
# A convenor manages broadcasts: lists them, cancels a scheduled one (it
# sends nothing) and a sending one (nobody not yet handed to Kannel gets
# it), is refused an empty audience or a past time without --force, and
# reaches exactly those who answered yes with an answer: audience (the
# day-before reminder of the README).  The same through the API.
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
t_like "$(S broadcast findings --to group:nobody --force 2>/dev/null)" '^[0-9a-f]{12}$' \
	"--force creates it anyway"

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

# The day-before reminder: an --at broadcast to those who said yes.
t_like "$(S broadcast findings --to answer:invite.rsvp=yes --dry-run)" "recipients: 2 " \
	"answer:invite.rsvp=yes holds exactly the two who said yes"
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
t_is "$(echo "$list" | wc -l)" 4 "one line per broadcast"
api_list=$(api GET /api/broadcasts)
t_like "$api_list" "\"id\":\"$rem\"" "GET /api/broadcasts lists them"
t_like "$api_list" '"state":"scheduled"' "with their states"

# Cancelling the scheduled one: it never goes.
t_like "$(S broadcast cancel "$rem" 2>&1)" "cancelled" "broadcast cancel"
t_like "$(S broadcast status "$rem")" "state: cancelled" "its state is cancelled"
fakesmsc_sink_start
sleep 8 # past its time: nothing may arrive (the sink is read below)
t_like "$(S broadcast status "$rem")" "state: cancelled" "it stays cancelled past its time"
t_like "$(S broadcast status "$rem")" "sent: 0" "and sent nothing"
out=$(S broadcast cancel "$rem" 2>&1)
t_is "$?" 1 "cancelling it again fails"

# Cancelling one that is sending: at 2 SMS a second, stop after the first.
N=12
{
	echo "phone,name,language,groups"
	for i in $(seq 1 $N); do printf '07130%05d,M %d,sw,wengi\n' "$i" "$i"; done
} >"$T/many.csv"
S contacts import "$T/many.csv" 2>/dev/null
big=$(S broadcast findings --to group:wengi 2>/dev/null)
t_wait_for 20 sh -c "\"$SAUTI_BIN\" broadcast status $big -c \"$SAUTI_CONFIG\" | grep -Eq 'sent: [1-9]'"
api DELETE "/api/broadcasts/$big" >/dev/null
t_is "$(http_status)" 200 "DELETE /api/broadcasts/ID cancels it"
t_wait_for 10 sh -c "\"$SAUTI_BIN\" broadcast status $big -c \"$SAUTI_CONFIG\" | grep -q 'queued: 0'"
sleep 3 # anything still let through would reach the sink now
fakesmsc_sink_stop
st=$(S broadcast status "$big")
sent=$(echo "$st" | sed -n 's/^sent: //p')
cancelled=$(echo "$st" | sed -n 's/^cancelled: //p')
t_ok "only some were sent ($sent of $N)" test "$sent" -lt $N
t_is "$((sent + cancelled))" $N "the rest are counted cancelled"
t_like "$st" "state: cancelled" "the state is cancelled"
t_is "$(mt_count)" "$sent" "the phones got exactly what status says was sent, nothing from the reminder"
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
