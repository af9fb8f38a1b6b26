#!/usr/bin/env bash
# retention_days: runs that started longer ago than that are erased by the
# daily sweep (one daemon, under a Redis lease), with their answers and their
# place in the person's index; newer runs stay; the {stats...} counters keep
# counting what was answered.  Off by default.
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
A=+255712900501
B=+255712900502
answer a1 "$A" 1 3 zamani
answer b1 "$B" 2 4 sasa
# a person's runs: the fields _r:HEX of their contact (docs/keys.md)
runs_of() { redis_cli HKEYS "sauti:c:{$1}" | sed -n 's/^_r://p'; }
hex=$(runs_of "$A")
old="{$A}:$hex"
t_like "$hex" "^[0-9a-f]{16}$" "A has one run, in A's contact"
t_is "$(redis_cli EXISTS "sauti:r:$old")" 1 "its id is in A's tag"
t_is "$(redis_cli EXISTS "sauti:pr:{$A}")" 0 "and no zset of A's runs"
# A's run began three days ago
then=$(($(date +%s) - 3 * 86400))
redis_cli HSET "sauti:r:$old" t0 "$then" >/dev/null
redis_cli ZADD sauti:runs:poll "$then" "$old" >/dev/null
redis_cli HSET "sauti:c:{$A}" "_r:$hex" "$then" >/dev/null
t_is "$(redis_cli HGET sauti:stats:poll count)" 2 "two completed runs counted"
# two inbox items: one closed three days ago, one closed now
for n in 1 2; do
	http GET "/kannel/sms?from=%2B255712900502&to=15055&text=ujumbe+$n&id=m-$n" >/dev/null
done
ids=$("$SAUTI_BIN" inbox --format jsonl -c "$SAUTI_CONFIG" | jq -r .id | sort)
t_is "$(wc -l <<<"$ids")" 2 "two inbox items"
old_item=$(head -1 <<<"$ids")
new_item=$(tail -1 <<<"$ids")
for i in $ids; do "$SAUTI_BIN" inbox close "$i" -c "$SAUTI_CONFIG" >/dev/null 2>&1; done
score=$(redis_cli ZSCORE sauti:inbox:closed "$old_item")
t_like "$score" "^[0-9]+" "a closed item is kept until a time"
redis_cli ZADD sauti:inbox:closed "$((${score%.*} - 3 * 86400))" "$old_item" >/dev/null
run_kept() { [ "$(redis_cli EXISTS "sauti:r:$old")" = 1 ]; }
t_ok "without retention_days nothing is swept" run_kept
t_is "$(redis_cli EXISTS sauti:retention)" 0 "and no lease is taken"

# -- with retention_days: 2 -------------------------------------------------------------------------
stop_sauti
printf 'retention_days: 2\n' >>"$SAUTI_CONFIG"
start_sauti
gone() { [ "$(redis_cli EXISTS "sauti:r:$old")" = 0 ]; }
t_ok "the sweep erases the run older than 2 days" t_wait_for 20 gone
t_is "$(redis_cli ZSCORE sauti:runs:poll "$old")" "" "it left the flow's index"
t_is "$(runs_of "$A")" "" "and the person's"
t_is "$(redis_cli ZCARD sauti:runs:poll)" 1 "B's run of today stays"
item_gone() { [ "$(redis_cli EXISTS "sauti:in:$old_item")" = 0 ]; }
t_ok "the inbox item closed three days ago is erased" t_wait_for 20 item_gone
t_is "$(redis_cli EXISTS "sauti:in:$new_item")" 1 "the one closed today stays"
t_is "$(redis_cli HGET sauti:stats:poll count)" 2 "the counters keep counting both"
t_like "$(redis_cli TTL sauti:retention)" "^[0-9]{4,}$" "the day's lease is held"
t_like "$(cat "$T/sauti.log")" "retention: erased 1 runs older than 2 days" "the sweep is logged"
t_is "$("$SAUTI_BIN" export poll -c "$SAUTI_CONFIG" | wc -l)" 2 "the export has B's run alone"

# a restart within the day does not sweep again (the lease holds)
stop_sauti
redis_cli ZADD sauti:runs:poll "$then" "$old" >/dev/null
start_sauti
lease_seen() { grep -q "today's sweep is another daemon's" "$T/sauti.log"; }
t_ok "the new daemon finds the lease taken" t_wait_for 20 lease_seen
t_is "$(redis_cli ZSCORE sauti:runs:poll "$old")" "$then" "a daemon started within the lease's day leaves the sweep"

t_ok "sauti stops cleanly" stop_sauti
done_testing
