#!/usr/bin/env bash
# A store written before the per-person index existed: a daemon of this
# version indexes every run once (pr:PHONE, and sc on completions that were
# counted), so that contacts forget finds the old runs too and takes exactly
# their counts back.
# shellcheck disable=SC2317 # helpers run via t_wait_for
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/people/poll.yaml" "$T/flows/"
write_config "$T/flows"
start_sauti

ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*70#" \
		--data-urlencode "phoneNumber=$3" --data-urlencode "text=$2"
}
answer() { for t in "" "$3" "$3*$4" "$3*$4*$5"; do ussd "$1" "$t" "$2" >/dev/null; done; }
A=+255712900701
B=+255712900702
answer a1 "$A" 1 3 zamani
answer a2 "$A" 2 6 tena
answer b1 "$B" 1 4 sasa
ussd a3 "" "$A" >/dev/null        # an active run too
indexed() { [ "$(redis_cli GET sauti:people:indexed)" = 1 ]; }
t_ok "a fresh store is marked indexed" t_wait_for 20 indexed
stop_sauti

# -- as an older version left it: no index, no counted marks ---------------------------
runs_of() { redis_cli HKEYS "sauti:c:{$1}" | grep -c '^_r:'; }
t_is "$(runs_of "$A")" 3 "A's three runs are in A's contact"
for p in "$A" "$B"; do
	for f in $(redis_cli HKEYS "sauti:c:{$p}" | grep '^_r:'); do redis_cli HDEL "sauti:c:{$p}" "$f" >/dev/null; done
done
redis_cli DEL sauti:people:indexed >/dev/null
for k in $(redis_cli --scan --pattern 'sauti:r:*'); do redis_cli HDEL "$k" sc >/dev/null; done
t_is "$(runs_of "$A")" 0 "A's runs are in no index"
start_sauti
t_ok "the new daemon indexes the store" t_wait_for 20 indexed
t_is "$(runs_of "$A")" 3 "A's three runs are indexed again"
t_is "$(runs_of "$B")" 1 "B's one"
t_like "$(cat "$T/sauti.log")" "per-person index of runs is complete" "and says so"
t_is "$(redis_cli HGET sauti:stats:poll count)" 3 "three completed runs counted"

out=$("$SAUTI_BIN" contacts forget "$A" -c "$SAUTI_CONFIG")
t_like "$out" '"runs":3' "forget finds A's old runs"
t_is "$(redis_cli HGET sauti:stats:poll count)" 1 "and takes exactly their two completions back"
t_is "$(redis_cli HGET sauti:stats:poll a:days:4)" 1 "B's answer stays counted"
t_is "$(redis_cli HGET sauti:stats:poll a:days:6)" "" "A's is gone"
t_is "$(redis_cli --scan | grep -c "${A#+}")" 0 "no key names A any more"

t_ok "sauti stops cleanly" stop_sauti
done_testing
