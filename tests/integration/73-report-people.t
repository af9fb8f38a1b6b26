#!/usr/bin/env bash
# Reports count people: per question the figures of each contact's latest
# completed run beside the count of runs; a number gives count, sum, mean,
# median, min and max, exactly; a choice lists every key, those nobody chose
# included, over people and over runs.  Completion per language and per
# channel, every language of the flow and both channels listed.  Two people, one of whom answered twice, are two people.  The
# shipped invitation: a "maybe" who later sends DIALOGUE and says yes counts
# as one yes (the latest answer wins), through real Kannel.
# shellcheck disable=SC2317 # helpers run via t_wait_for
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
mkdir -p "$T/flows"
cp "$T_ROOT/flows/dialogue_invite.yaml" "$T_ROOT/tests/flows/people/poll.yaml" "$T/flows/"
write_config "$T/flows"
start_sauti

sauti() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*70#" \
		--data-urlencode "phoneNumber=$3" --data-urlencode "text=$2"
}
answer() { for t in "" "$3" "$3*$4" "$3*$4*$5"; do ussd "$1" "$t" "$2" >/dev/null; done; }

A=+255712900401     # Swahili; answers twice: gold 3 days, then tanzanite 5 days
B=+255712900402     # English; once: gold 4 days
C=+255712900403     # starts and stops half-way: no completed run
printf 'phone,language\n%s,sw\n%s,en\n%s,en\n' "$A" "$B" "$C" >"$T/c.csv"
sauti contacts import "$T/c.csv" 2>/dev/null
# next_second: until the clock's second turns, so that A's second run
# completes later than the first (run times are kept to the second)
clock_moved() { [ "$(date +%s)" != "$1" ]; }
next_second() { t_wait_for 3 clock_moved "$(date +%s)"; }
answer a1 "$A" 1 3 kwanza
next_second
answer a2 "$A" 2 5 pili
answer b1 "$B" 1 4 first
ussd c1 "" "$C" >/dev/null
ussd c1 "3" "$C" >/dev/null

r=$(sauti report poll --json)
t_is "$(jq -c '[.runs, .completed, .people]' <<<"$r")" "[4,3,2]" "4 runs, 3 completed, by 2 people"
t_is "$(jq -c '.questions.days.people.number' <<<"$r")" \
	'{"count":2,"sum":9,"mean":4.5,"median":4.5,"min":4,"max":5}' \
	"days over people (A's latest 5, B's 4): exact figures"
t_is "$(jq -c '.questions.mineral.people.values | to_entries | map([.key, .value.count, .value.share])' <<<"$r")" \
	'[["gold",1,0.5],["tanzanite",1,0.5],["other",0,0]]' \
	"mineral over people: every key in the flow's order, the one nobody chose too"
t_is "$(jq -c '.questions.mineral.values' <<<"$r")" '{"gold":2,"tanzanite":1,"other":1}' \
	"beside the count over runs (C's unfinished run included), in the flow's order"
t_is "$(jq -c '.questions.mineral.by_language' <<<"$r")" \
	'{"sw":{"gold":1,"tanzanite":1,"other":0},"en":{"gold":1,"tanzanite":0,"other":1}}' \
	"runs per language: every key, those nobody chose there too"
t_is "$(jq -c '.questions.mineral.by_channel' <<<"$r")" '{"ussd":{"gold":2,"tanzanite":1,"other":1}}' \
	"runs per channel"
t_is "$(jq -c '[.completion_by_language, .completion_by_channel]' <<<"$r")" \
	'[{"sw":{"runs":2,"completed":2,"completion_pct":100},"en":{"runs":2,"completed":1,"completion_pct":50}},{"sms":{"runs":0,"completed":0,"completion_pct":0},"ussd":{"runs":4,"completed":3,"completion_pct":75}}]' \
	"completion per language and per channel, SMS at 0 too"
t_is "$(jq -c '[.questions.days.people_by_language.sw.number.sum, .questions.days.people_by_language.en.number.sum]' <<<"$r")" \
	"[5,4]" "people per language"
t_is "$(jq -c '.questions.days.people_by_channel.ussd.number.count' <<<"$r")" 2 "people per channel"
text=$(sauti report poll)
note "$text"
t_like "$text" "days [^
]*
    people +2 people answered; numbers: count 2, sum 9, mean 4.5, median 4.5, min 4, max 5; by answer 5: 1 \(50%\), 4: 1 \(50%\)
" "the text report says the same, every figure named"
t_like "$text" "completion by language: sw 2 of 2 runs completed \(100%\), en 1 of 2 runs completed \(50%\)" \
	"and gives completion per language"
t_like "$text" "completion by channel: sms 0 of 0 runs completed \(0%\), ussd 3 of 4 runs completed \(75%\)" \
	"and per channel"
t_like "$text" "runs en +2 runs answered; by answer gold: 1 \(50%\), tanzanite: 0 \(0%\), other: 1 \(50%\)" \
	"with the runs of every key"
t_is "$(api GET /api/flows/poll/report | jq -c '.questions.days.people.number.sum')" 9 "and the API's JSON"

# -- the invitation: a maybe, then a yes after DIALOGUE ------------------------------------------
P=+255712900404
sms() { fakesmsc_send "$P" 15055 "$1"; }
t_like "$(sms DIALOGUE)" "Will you come|utakuja" "DIALOGUE starts the invitation"
t_like "$(sms 3)" "MKUTANO|DIALOGUE" "maybe: told to send the keyword once decided"
t_like "$(sms DIALOGUE)" "Will you come|utakuja" "DIALOGUE again, as told"
t_like "$(sms 1)" "How many|[Ww]atu wangapi" "now yes"
t_like "$(sms 2)" "See you|Tunawasubiri" "with 2 people"
r=$(sauti report dialogue_invite --json)
t_is "$(jq -c '[.completed, .people]' <<<"$r")" "[2,1]" "two completed runs, one person"
t_is "$(jq -c '.questions.rsvp.people.values | map_values(.count)' <<<"$r")" '{"yes":1,"no":0,"maybe":0}' \
	"the latest answer wins: one yes, no maybe"
t_is "$(jq -c '.questions.rsvp.values' <<<"$r")" '{"yes":1,"no":0,"maybe":1}' "the runs still show both"
t_is "$(jq -c '.questions.group_size.people.number.sum' <<<"$r")" 2 "and the group size is counted once"

t_ok "sauti stops cleanly" stop_sauti
done_testing
