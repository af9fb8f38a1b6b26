#!/usr/bin/env bash
# A daemon keeps each USSD session's state between its requests (one Redis
# round trip per step instead of two), and what it keeps never decides
# anything stale: a contact imported, a STOP by SMS, or Redis emptied in the
# middle of a session all show in the very next screen.
# shellcheck disable=SC2317 # helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cat >"$T/flows/roster.yaml" <<'EOF'
flow: roster
kind: survey
title: {en: "Roster"}
languages: [en]
triggers:
  ussd: "*150*90#"
expire: 1h
steps:
  - id: ready
    ask: {en: "Hello {contact.name}. Ready?"}
    choices:
      - yes: {en: "Yes"}
      - no: {en: "No"}
    save: ready
  - id: days
    ask: {en: "{contact.name}, how many days?"}
    number: {min: 0, max: 7}
    save: days
  - id: hours
    ask: {en: "How many hours?"}
    number: {min: 0, max: 24}
    save: hours
  - id: bye
    end: {en: "Thanks {contact.name}: {answers.days} days."}
EOF
write_config "$T/flows"
start_sauti

S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
# ussd SESSION TEXT PHONE: one aggregator request; prints the body.
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*90#" \
		--data-urlencode "phoneNumber=$3" --data-urlencode "text=$2"
}
# name PHONE NAME: imports PHONE's contact with that name.
name() {
	printf 'phone,name\n%s,%s\n' "$1" "$2" >"$T/contacts.csv"
	S contacts import "$T/contacts.csv" >/dev/null 2>&1
}
# row PHONE: "status ready,days,hours" of PHONE's run of roster.
row() {
	S export roster --raw-phone | tr -d '\r' | grep -F ",$1," |
		awk -F, '{ printf "%s %s,%s,%s\n", $5, $(NF-2), $(NF-1), $NF }'
}

# -- one round trip per step -----------------------------------------------------

P0=+255754100000
redis_monitor_start
t_like "$(ussd z1 "" $P0)" "^CON Hello \. Ready\?" "someone never heard from dials"
t_is "$(redis_monitor_scripts $P0)" 1 "... and is served with one script: the commit, no load"
t_like "$(ussd z1 "1" $P0)" "^CON , how many days\?" "their session goes on"

P1=+255754100001
t_ok "a contact is imported" name $P1 Amina
redis_monitor_start
t_like "$(ussd a1 "" $P1)" "^CON Hello Amina\. Ready\?" "the dial of a known person shows their contact"
t_is "$(redis_monitor_scripts $P1)" 2 "... in two scripts: the commit that finds the contact, and the commit"
t_like "$(http GET /metrics)" "sauti_commit_conflicts_total 0" \
	"a person taken for new who is known is not counted as a conflict"
redis_monitor_start
t_like "$(ussd a1 "1" $P1)" "^CON Amina, how many days\?" "the next step is served"
t_is "$(redis_monitor_scripts $P1)" 1 "... with one script in Redis: the commit, no load"

# -- a contact imported in the middle of a session ------------------------------

t_ok "the contact is imported again with a new name" name $P1 Neema
t_like "$(ussd a1 "1*4" $P1)" "^CON How many hours\?" "the session goes on"
t_is "$(ussd a1 "1*4*6" $P1)" "END Thanks Neema: 4 days." \
	"the screen after the import shows the new name, not the one kept"
t_is "$(row $P1)" "completed yes,4,6" "every answer is saved once"

# -- STOP by SMS in the middle of a session -------------------------------------

P2=+255754100002
ussd b1 "" $P2 >/dev/null
t_like "$(ussd b1 "1" $P2)" "how many days\?" "a second person's session is under way"
t_like "$(http GET "/kannel/sms?id=stop-b&from=%2B255754100002&to=15055&text=STOP")" . \
	"the person sends STOP by SMS"
t_like "$(ussd b1 "1*3" $P2)" "^END " "the session's next request is ended, not served from the kept state"
t_is "$(row $P2)" "stopped yes,," "the run is stopped, with the answer given before"
t_like "$(redis_cli hget "sauti:c:{$P2}" _optout)" "^1$" "and the person is opted out"

# -- Redis emptied in the middle of a session ------------------------------------

P3=+255754100003
ussd c1 "" $P3 >/dev/null
t_like "$(ussd c1 "1" $P3)" "how many days\?" "a third session is under way"
redis_cli flushall >/dev/null
t_like "$(ussd c1 "1*5" $P3)" "^END " "after FLUSHALL its next request finds no run"
t_is "$(redis_cli exists "sauti:cur:ussd:{$P3}")" 0 "and the kept state did not bring one back"

# -- many sessions at once ------------------------------------------------------------

# Twenty people, interleaved step by step: each gets their own screens.
for i in $(seq 10 29); do ussd "m$i" "" "+2557541000$i" >/dev/null; done
for i in $(seq 10 29); do ussd "m$i" "1" "+2557541000$i" >/dev/null; done
for i in $(seq 10 29); do ussd "m$i" "1*$((i % 8))" "+2557541000$i" >/dev/null; done
ok=0
for i in $(seq 10 29); do
	[ "$(ussd "m$i" "1*$((i % 8))*$((i % 24))" "+2557541000$i")" = "END Thanks : $((i % 8)) days." ] &&
		ok=$((ok + 1))
done
t_is "$ok" 20 "twenty interleaved sessions each end with their own answer"

t_ok "sauti stops cleanly" stop_sauti
done_testing
