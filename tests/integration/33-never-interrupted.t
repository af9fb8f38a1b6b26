#!/usr/bin/env bash
# A broadcast never cuts into a conversation: a person halfway through a
# survey (by SMS, or in a USSD session) who is sent a broadcast finishes the
# survey undisturbed and then gets the invitation, once; meanwhile they are
# counted `waiting`.  Through real Kannel.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
write_config "$T_ROOT/tests/flows/broadcast"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

cat >"$T/contacts.csv" <<'CSV'
phone,name,language,groups
0712000001,Amina,sw,kikundi
0712000002,Baraka,sw,kikundi
0712000003,Grace,en,kikundi
CSV
S contacts import "$T/contacts.csv" 2>/dev/null
t_is "$(redis_cli scard sauti:g:kikundi)" 3 "three contacts in the group"

# Amina is halfway through the districts survey by SMS.
t_like "$(fakesmsc_send +255712000001 15055 WILAYA)" "Chagua lugha" "Amina starts the survey"
t_like "$(fakesmsc_send +255712000001 15055 1)" "Unachimba wilaya gani" "and chooses Swahili"
# Grace is in the middle of the same survey over USSD.
ussd() { http POST /ussd -d "sessionId=$1" -d "serviceCode=*150*77#" -d "phoneNumber=$2" \
	--data-urlencode "text=$3"; }
t_like "$(ussd g1 +255712000003 '')" "^CON" "Grace dials the survey"
t_like "$(ussd g1 +255712000003 '2')" "^CON Which district" "and chooses English"

dry=$(S broadcast invite --to group:kikundi --dry-run)
t_like "$dry" "recipients: 3" "the dry run counts all three"
t_like "$dry" "in a run of another flow now: 2" "and says two are in a run now"

fakesmsc_sink_start
id=$(S broadcast invite --to group:kikundi 2>/dev/null)
fakesmsc_sink_wait 1 20
t_wait_for 20 sh -c "\"$SAUTI_BIN\" broadcast status $id -c \"$SAUTI_CONFIG\" | grep -q 'waiting: 2'"
st=$(S broadcast status "$id")
t_like "$st" "waiting: 2" "the two in a survey are counted waiting"
t_like "$st" "sent: 1" "Baraka, in no run, gets it at once"
t_ok "/metrics counts them waiting" t_wait_for 5 sh -c \
	"curl -s '$SAUTI_URL/metrics' | grep -q 'sauti_broadcast_recipients{state=\"waiting\"} 2'"
fakesmsc_sink_stop
t_is "$(mt_count)" 1 "one message went out"
t_like "$(mt_meta 1)" "\+255712000002" "to Baraka"

# Amina goes on: every reply is the survey's next question, never the
# invitation, and her answers are the survey's.
r=$(fakesmsc_send +255712000001 15055 1)
t_like "$r" "Unafanya kazi mgodini sasa" "Amina's district answer goes to the survey"
t_unlike "$r" "Mkutano" "and no invitation cuts in"
t_like "$(fakesmsc_send +255712000001 15055 1)" "siku ngapi" "works: yes"
t_like "$(fakesmsc_send +255712000001 15055 5)" "saa ngapi" "days: 5"
t_like "$(fakesmsc_send +255712000001 15055 8)" "Nini kingekusaidia" "hours: 8"
last=$(FAKESMSC_SETTLE=4 fakesmsc_send +255712000001 15055 "maji safi")
t_like "$last" "Asante! Geita \(Nyarugusu\): siku 5" "the survey ends as it should"
csv=$(S export district --raw-phone | tr -d '\r')
t_like "$csv" "\+255712000001,sw,sms,completed,.*,geita,yes,5,8,maji safi" \
	"her survey run is completed with every answer"

# Now that her survey has ended she gets the invitation, once.
fakesmsc_sink_start
fakesmsc_sink_wait 1 20
fakesmsc_sink_stop
got=$( (printf '%s\n' "$last"; for i in $(seq 1 "$(mt_count)"); do mt_text "$i"; echo; done) |
	grep -c "Habari Amina! Mkutano")
t_is "$got" 1 "then Amina gets the invitation once"
t_like "$(fakesmsc_send +255712000001 15055 1)" "Karibu! Tutaonana" "and her next reply answers it"

# Grace finishes over USSD (works: no ends the survey); then hers goes.
t_like "$(ussd g1 +255712000003 '2*1*2')" "^END Thank you for your time" "Grace's USSD survey ends"
fakesmsc_sink_start
fakesmsc_sink_wait 1 20
fakesmsc_sink_stop
t_like "$(mt_text 1)" "Hello Grace! Miners' dialogue" "then Grace gets hers"
t_wait_for 10 sh -c "\"$SAUTI_BIN\" broadcast status $id -c \"$SAUTI_CONFIG\" | grep -q 'state: done'"
st=$(S broadcast status "$id")
t_like "$st" "waiting: 0" "nobody waits any more"
t_like "$st" "sent: 3" "all three sent, each once"
t_like "$st" "answered: 1" "Amina's answer counts in the reply rate"
t_like "$st" "reply rate: 33%" "one of three answered"

# A broadcast of the very survey someone is answering does not restart it:
# Baraka, halfway through it by keyword, is skipped and goes on where he was
# (docs/commands.md, "Never interrupted").
t_like "$(fakesmsc_send +255712000002 15055 WILAYA)" "Chagua lugha" "Baraka starts the survey"
t_like "$(fakesmsc_send +255712000002 15055 1)" "Unachimba wilaya gani" "in Swahili"
t_like "$(fakesmsc_send +255712000002 15055 2)" "Unafanya kazi mgodini sasa" "and names his district"
fakesmsc_sink_start
again=$(S broadcast district --to phones:0712000002 2>/dev/null)
t_ok "the survey sent to him as a broadcast is done" t_wait_for 20 sh -c \
	"\"$SAUTI_BIN\" broadcast status $again -c \"$SAUTI_CONFIG\" | grep -q 'state: done'"
fakesmsc_sink_stop
st=$(S broadcast status "$again")
t_like "$st" "skipped: 1" "he is skipped: he is answering it already"
t_like "$st" "sent: 0" "nothing was sent to him"
t_is "$(mt_count)" 0 "no message reached his phone"
t_like "$(fakesmsc_send +255712000002 15055 1)" "siku ngapi" "his next answer goes on where he was"

done_testing
