#!/usr/bin/env bash
# The web console in a real browser, convenors' work: a broadcast made from
# a flow and a group, its dry run's recipients and cost seen before sending,
# sent now through real Kannel to the fake SMSC and watched to done; one
# scheduled for later, then cancelled; an inbox item read, replied to (the reply reaches
# the phone) and closed; screenshots at 360 and 1280 px, no JavaScript
# error.  docs/console.md.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/browser/browser.sh
. "$T_ROOT/tests/browser/browser.sh"

start_redis
# shellcheck disable=SC2119 # the default port
start_kannel
SAUTI_RATE=1 # one SMS a second: the progress is there to be seen
write_config "$T_ROOT/flows"
start_sauti

api POST /api/contacts -H 'Content-Type: text/csv' --data-binary \
	$'phone,name,language,groups\n+255712300831,Amani,sw,geita\n+255712300832,Grace,en,geita\n' >/dev/null
t_is "$(http_status)" 200 "two contacts in the group geita"

fakesmsc_send +255712300833 15055 "Habari, mvua imeharibu barabara ya machimbo" >/dev/null
t_wait_for 10 sh -c "curl -sf -H 'Authorization: Bearer $TEST_API_TOKEN' $SAUTI_URL/api/inbox | grep -q mvua"
t_like "$(api GET /api/inbox)" "mvua imeharibu" "a message no flow takes is in the inbox"

fakesmsc_sink_start
browser_run 82-broadcast.mjs TOKEN="$TEST_API_TOKEN"
fakesmsc_sink_wait 3 20
fakesmsc_sink_stop
all=$(for ((i = 1; i <= $(mt_count); i++)); do echo "$(mt_meta "$i" | cut -d' ' -f2) $(mt_text "$i")"; done)
t_like "$all" "\+255712300831 IIED inakualika" "Amani got the invitation sent from the browser, in Swahili"
t_like "$all" "\+255712300832 IIED invites you" "Grace in English"
t_like "$all" "\+255712300833 Asante, tutarekebisha" "the reply typed in the browser reached the phone"
t_unlike "$(api GET /api/inbox)" "mvua imeharibu" "the item closed in the browser is no longer open"
t_like "$(api GET /api/broadcasts)" '"state":"cancelled"' "the broadcast cancelled in the browser is cancelled"
t_like "$(api GET '/api/inbox?all=1')" '"status":"closed".*"replies":\[\{[^]]*"text":"Asante, tutarekebisha' \
	"... kept closed with its reply"

done_testing
