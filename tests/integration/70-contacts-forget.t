#!/usr/bin/env bash
# The rights of access and erasure: `contacts show` gives everything held
# about a person; `contacts forget` erases it, so that a scan of every Redis
# key and value finds the number in no form (E.164, without +, local) and
# not its pseudonym in any key; the export, the report and the {stats...}
# counters stop counting them, exactly, and the others are untouched.  The
# daemon keeps serving without a restart.
# shellcheck disable=SC2317 # helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/people/poll.yaml" "$T/flows/"
write_config "$T/flows"
start_sauti

A=+255712900101     # answers twice, is then forgotten
B=+255712900102     # answers once, stays
sauti() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
pseudo() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$TEST_PSEUDONYM_KEY" -r | cut -c1-16; }
# ussd SESSION TEXT PHONE: one aggregator request; prints the body.
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*70#" \
		--data-urlencode "phoneNumber=$3" --data-urlencode "text=$2"
}
# answer SESSION PHONE MINERAL DAYS NOTE: one whole run of the poll.
answer() {
	ussd "$1" "" "$2" >/dev/null
	ussd "$1" "$3" "$2" >/dev/null
	ussd "$1" "$3*$4" "$2" >/dev/null
	ussd "$1" "$3*$4*$5" "$2"
}

printf 'phone,name,language,groups,district\n%s,Neema,sw,wachimbaji;geita,Geita\n%s,Baraka,en,wachimbaji,Chunya\n' \
	"$A" "$B" >"$T/contacts.csv"
t_ok "two contacts imported" sauti contacts import "$T/contacts.csv"
t_like "$(answer a1 "$A" 1 3 'call me on 0712900101')" "^END Asante" "A completes the poll"
t_like "$(answer a2 "$A" 2 5 'second time')" "^END Asante" "A completes it again"
t_like "$(answer b1 "$B" 3 4 'hello')" "^END Thank you! Finished so far: 3" "B completes it, told of A's two runs and B's own"
# A writes something no flow takes: an inbox item (smsbox's request, made here by hand)
http GET "/kannel/sms?from=%2B255712900101&to=15055&text=nimepoteza+simu+yangu&id=m-a-1" >/dev/null
t_is "$(http_status)" 200 "A's unmatched SMS is taken"
# a broadcast for later whose audience names A
t_ok "a broadcast for 2030 to A and B" sauti broadcast poll --to "phones:$A,$B" --at 2030-01-01T00:00:00Z

show=$(sauti contacts show "$A")
t_is "$?" 0 "contacts show exits 0"
t_is "$(jq -r .phone <<<"$show")" "$A" "show names the person"
t_is "$(jq -r .contact <<<"$show")" "$(pseudo "$A")" "and their pseudonym, as exports have it"
t_is "$(jq -c .fields <<<"$show")" '{"district":"Geita","name":"Neema"}' \
	"show has the contact's own fields, none of the gateway's"
t_is "$(jq -c .groups <<<"$show")" '["wachimbaji","geita"]' "its groups, as a list"
t_is "$(jq -c '[.language, .country, .opted_out]' <<<"$show")" '["sw","TZ",false]' \
	"its language, country, and not opted out"
t_is "$(jq -c '[has("first_heard"), .first_heard]' <<<"$show")" '[true,null]' \
	"first_heard: none recorded for a contact imported before they wrote"
t_is "$(jq '.runs | length' <<<"$show")" 2 "show has both runs"
t_is "$(jq -r '[.runs[].answers.days] | sort | join(",")' <<<"$show")" "3,5" "with their answers"
t_like "$(jq -r '.runs[0].answers.note' <<<"$show")" "0712900101|second time" "text answers included"
t_is "$(jq -c '[.runs[] | [.flow, .status, .channel, .language]] | unique' <<<"$show")" \
	'[["poll","completed","ussd","sw"]]' "each run's flow, status, channel and language"
t_like "$(jq -r '.runs[0] | .started_at + " " + .completed_at' <<<"$show")" \
	'^20[0-9-]{8}T[0-9:]{8}Z 20[0-9-]{8}T[0-9:]{8}Z$' "and when it started and ended, in ISO 8601"
t_is "$(jq -c '[.runs[].answers | keys[] | select(startswith("a:"))]' <<<"$show")" '[]' \
	"answers are named as in the flow"
t_is "$(jq '.stored.replies | length > 0' <<<"$show")" true "the replies kept for repeats are listed"
t_like "$(jq -r '.stored.contact._v' <<<"$show")" '^[0-9]+$' "and the gateway's own fields of the contact"
t_is "$(jq -r '.inbox[0].text' <<<"$show")" "nimepoteza simu yangu" "and A's inbox message"
t_is "$(jq -c '.inbox[0] | [(.id | length), .status, .why, .channel, (.replies | length)]' <<<"$show")" \
	'[12,"open","after_end","sms",0]' "the item's id, state, why it is there, and its replies"
t_like "$(jq -r '.inbox[0].at' <<<"$show")" '^20[0-9-]{8}T[0-9:]{8}Z$' "when it came, in ISO 8601"
t_is "$(jq -r '.broadcasts[0].audience' <<<"$show")" "phones:$A,#" \
	"the broadcast whose audience names A, the other number masked"
t_is "$(jq -c '.broadcasts[0].state' <<<"$show")" null "A is no recipient of it yet"
t_unlike "$show" "${B#+}" "show gives nothing of B's"
# Everything held: each key that names A, or holds A's number in a value,
# is in what show gave (its id, or its part).
shown() {
	local key=$1 id=${1##*:}
	case $key in
	*"$A"*) return 0 ;;                     # a key of A's own: one of the parts
	sauti:contacts) [ "$(jq -r '.contact | length' <<<"$show")" -gt 0 ] ;;
	sauti:g:*) jq -r '.groups[]' <<<"$show" | grep -qx "$id" ;;
	sauti:bc:*:r) id=${key#sauti:bc:}; grep -qF "${id%:r}" <<<"$show" ;;
	*) grep -qF "$id" <<<"$show" ;;
	esac
}
missing=
while IFS= read -r key; do
	v=$(redis_value "$key")
	if [[ $key == *"$A"* || $v == *"$A"* ]] && ! shown "$key"; then missing="$missing $key"; fi
done < <(redis_cli --scan)
t_is "$missing" "" "show gave every key that holds A's number"
t_is "$(redis_cli HGET sauti:stats:poll count)" 3 "stats count three completed runs"

out=$(sauti contacts forget "$A")
t_is "$?" 0 "contacts forget exits 0"
t_like "$out" "^\\$A: erased .*\"runs\":2" "it prints what was erased"
t_like "$out" "\"contact\":[1-9]" "the contact among it"

# -- the scan: every key, every value ----------------------------------------------
forms=("$A" "${A#+}" "0${A#+255}" "${A#+255}")
PA=$(pseudo "$A")
: >"$T/dump"
: >"$T/keys"
while IFS= read -r key; do
	printf '%s\n' "$key" >>"$T/keys"
	redis_value "$key" >>"$T/dump"
	printf '%s\n' "$key" >>"$T/dump"
done < <(redis_cli --scan)
t_like "$(wc -l <"$T/keys")" "[1-9]" "the scan found keys"
for f in "${forms[@]}"; do
	t_fails "no key or value holds $f" grep -F -- "$f" "$T/dump"
done
t_fails "no key holds A's pseudonym" grep -F -- "$PA" "$T/keys"
t_fails "not even the note that held A's number" grep -F -- "call me" "$T/dump"
t_fails "nor A's inbox message" grep -F -- "nimepoteza" "$T/dump"

# -- the others untouched; the counts exact -------------------------------------------
t_is "$(redis_cli HGET sauti:stats:poll count)" 1 "stats count B's run alone"
t_is "$(redis_cli HGET sauti:stats:poll a:mineral:gold)" "" "A's answers are out of the counters"
t_is "$(redis_cli HGET sauti:stats:poll a:mineral:other)" 1 "B's are in"
export=$(sauti export poll)
t_is "$(printf '%s\n' "$export" | wc -l)" 2 "the export has B's run alone"
t_like "$export" "$(pseudo "$B")" "B is in the export"
t_unlike "$export" "$PA" "A is not"
t_is "$(sauti report poll --json | jq -c '[.runs, .people, .questions.days.people.number.sum]')" \
	"[1,1,4]" "the report counts B alone"
t_is "$(sauti contacts show "$B" | jq '.runs | length')" 1 "B's data is all there"
t_is "$(sauti contacts show "$B" | jq .opted_out)" false "B has not opted out"
http GET "/kannel/sms?from=%2B255712900102&to=15055&text=STOP&id=m-b-1" >/dev/null
t_is "$(http_status)" 200 "B sends STOP"
t_is "$(sauti contacts show "$B" | jq .opted_out)" true "contacts show says B opted out"
t_like "$(redis_cli HGET "$(redis_cli --scan --pattern 'sauti:bc:*' | grep -v ':r$\|due' | head -1)" to)" \
	"^phones:\\$B\$" "the broadcast's audience lost A and kept B"

t_fails "forgetting A again fails: nothing is held" sauti contacts forget "$A"
t_fails "forgetting a number never seen fails" sauti contacts forget +255712900199
t_fails "showing a forgotten number fails" sauti contacts show "$A"
t_is "$(sauti contacts list | wc -l)" 2 "contacts list: a header and B"

# -- the daemon goes on: A may start afresh ------------------------------------------------
t_like "$(answer a3 "$A" 1 2 'new')" "Waliomaliza: 2\\." \
	"the daemon serves A afresh (language unknown again), telling of B's run and A's new one alone"
t_is "$(sauti contacts show "$A" | jq '.runs | length')" 1 "A's new run only"

# -- the audit trail ---------------------------------------------------------------------------
audit=$(sauti audit)
t_like "$audit" '"who":"cli","action":"forget","what":"contacts","count":1' "the forget is in the audit trail"
t_like "$audit" '"action":"broadcast","what":"poll to phones:#,#","count":2' "the broadcast too, numbers scrubbed"
t_unlike "$audit" "712900" "the audit trail holds no number"

# -- the API --------------------------------------------------------------------------------------
t_is "$(api DELETE "/api/contacts/$B" >/dev/null; http_status)" 200 "DELETE /api/contacts/PHONE forgets"
t_like "$(cat "$T/http.body")" '"erased":\{"contact"' "and answers what was erased"
t_is "$(api DELETE "/api/contacts/$B" >/dev/null; http_status)" 404 "a second time: 404"
t_is "$(api DELETE /api/contacts/notanumber >/dev/null; http_status)" 400 "not a number: 400"
printf 'phone,name\n%s,Neema\n' "$A" >"$T/again.csv"
t_ok "A imported again" sauti contacts import "$T/again.csv"
t_is "$(api GET /api/contacts?format=jsonl | jq -r .contact)" "$PA" \
	"GET /api/contacts lists A, by pseudonym, and B no more"
t_unlike "$(api GET /api/contacts)" "712900" "GET /api/contacts carries no number"
t_is "$(redis_cli HGET sauti:stats:poll count)" 1 "B's run is out of the counters too"

t_ok "sauti stops cleanly" stop_sauti
done_testing
