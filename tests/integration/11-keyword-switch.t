#!/usr/bin/env bash
# Never interrupted (docs/flows.md): a miner halfway through a survey sends
# the keyword of another flow.  That flow starts (they asked for it), and the
# survey run they left ends as `interrupted`, never `expired`, as the export
# shows.  Through real bearerbox + smsbox + fakesmsc; then the same on USSD
# (POST /ussd), where dialling another flow's code is the switch.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/policy/utafiti.yaml" "$T_ROOT/tests/flows/policy/mkutano.yaml" "$T/flows/"
write_config "$T/flows"
start_sauti

PHONE=+255700000111
sms() { fakesmsc_send "$PHONE" 15055 "$1"; }

t_like "$(sms UTAFITI)" "Unachimba madini gani\?" "the keyword starts the survey"
t_like "$(sms 2)" "shilingi ngapi kwa wiki\?" "the first answer is taken"
t_like "$(sms 'Tsh 50,000')" "Badiliko gani lingekusaidia\?" "a money amount answers a number question"
t_like "$(sms MKUTANO)" "Je, utakuja kwenye mkutano\?" \
	"the keyword of another flow alone starts that flow mid-survey"
t_like "$(sms ndiyo)" "Asante, rafiki\." "the invitation runs to its end, the name's default standing in"

csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" utafiti)
row=$(printf '%s\n' "$csv" | sed -n 2p | tr -d '\r')
IFS=, read -r run_id contact lang channel status started completed mineral income change <<<"$row"
t_is "$status" "interrupted" "the survey left for another flow exports as interrupted"
t_is "$completed" "" "an interrupted run has no completed_at"
t_is "$mineral,$income,$change" "salt,50000," "its answers so far are kept"
t_is "$(printf '%s\n' "$csv" | wc -l)" 2 "one survey run"

csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" mkutano --format jsonl)
t_like "$csv" '"status":"completed"' "the invitation run is completed"
t_like "$csv" '"rsvp":"ndiyo"' "with its answer"

# The same keyword again restarts the flow: that run is left as expired, as
# in the first round (the person was not taken elsewhere).
t_like "$(sms UTAFITI)" "Unachimba" "the survey again"
t_like "$(sms UTAFITI)" "Unachimba" "and again"
csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" utafiti)
t_is "$(printf '%s\n' "$csv" | grep -c ',expired,')" 1 "a restart of the same flow leaves the run as expired"
t_is "$(printf '%s\n' "$csv" | grep -c ',interrupted,')" 1 "the interrupted run stays interrupted"
# On USSD, dialling another flow's code is asking for it the same way.
USSD_PHONE=+255700000112
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=$2" \
		--data-urlencode "phoneNumber=$USSD_PHONE" --data-urlencode "text=$3"
}
t_like "$(ussd u1 '*150*88#' '')" "^CON Unachimba madini gani\?" "the survey's code opens it"
t_like "$(ussd u1 '*150*88#' 1)" "^CON Je, unapata shilingi ngapi" "one answer"
t_like "$(ussd u2 '*150*99#' '')" "^CON Je, utakuja kwenye mkutano\?" \
	"the invitation's code, dialled mid-survey, opens the invitation"
csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" utafiti)
t_is "$(printf '%s\n' "$csv" | grep -c ',ussd,interrupted,')" 1 \
	"the USSD survey left for the other code exports as interrupted"
done_testing
