#!/usr/bin/env bash
# A person forgotten while a big broadcast is being planned is never sent
# to: 200 contacts, planned 50 a page (4 pages).  The page with the victim in it is
# read before `contacts forget` and written (the enqueue) after it: a proxy
# in front of Redis (tests/redis_hold.py) holds the planner's write of that
# page until the victim's contact is gone, so the interleaving happens every
# run.  Then everyone else gets the invitation through real Kannel, the
# victim gets nothing, and no Redis key or value names the number.
# shellcheck disable=SC2317 # helpers run via t_wait_for
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

N=200
start_redis
start_kannel
PROXY_PORT=$(free_port)
VICTIM=+255712900123
t_spawn redis-hold "$T/redis_hold.out" "$T_PYTHON" "$T_ROOT/tests/redis_hold.py" \
	"$PROXY_PORT" "$REDIS_PORT" "$VICTIM" +2557129 5 "$T/redis_hold.log"
t_wait_for 10 grep -q listening "$T/redis_hold.log"
# the daemon talks to Redis through the proxy, the CLI straight to Redis
SAUTI_RATE=1000 write_config "$T_ROOT/tests/flows/broadcast"
config_via_proxy "$PROXY_PORT"
SAUTI_CONFIG=$T/daemon.yaml start_sauti
S() { "$SAUTI_BIN" "$@" -c "$DIRECT"; }

{
	echo "phone,name,language,groups"
	for i in $(seq 0 $((N - 1))); do printf '+2557129%05d,Mtu %d,sw,wengi\n' "$i" "$i"; done
} >"$T/contacts.csv"
S contacts import "$T/contacts.csv" >/dev/null 2>&1
t_is "$(redis_cli SCARD sauti:g:wengi)" $N "$N contacts imported"
t_is "$(redis_cli SISMEMBER sauti:g:wengi "$VICTIM")" 1 "the victim among them"

fakesmsc_sink_start
id=$(S broadcast invite --to group:wengi 2>/dev/null)
t_like "$id" '^[0-9a-f]+$' "a broadcast to all $N"
t_ok "the planner's write of the victim's page is held" \
	t_wait_for 60 grep -q holding "$T/redis_hold.log"
t_is "$(S broadcast status "$id" | sed -n 's/^state: //p')" planning "the broadcast is being planned"
t_like "$(S contacts forget "$VICTIM")" "erased" "the victim is forgotten meanwhile"
t_ok "the held write then reaches Redis" t_wait_for 10 grep -q 'released: forgotten' "$T/redis_hold.log"

count() { S broadcast status "$id" | sed -n "s/^$1: //p"; }
over() { [ "$(count queued)" = 0 ] && [ "$(count waiting)" = 0 ] && [ "$(count state)" = "done" ]; }
t_ok "the broadcast goes out to the end" t_wait_for 120 over
t_is "$(count total)" $((N - 1)) "every other recipient was planned"
t_is "$(count sent)" $((N - 1)) "and sent to"
t_is "$(count failed)/$(count skipped)" 0/0 "none failed or skipped"
t_ok "the fake SMSC got every message Kannel accepted" fakesmsc_sink_wait "$(count sent)" 120
fakesmsc_sink_stop
t_is "$(mt_count)" $((N - 1)) "exactly $((N - 1)) messages reached the phones"
for i in $(seq 1 "$(mt_count)"); do mt_meta "$i" | cut -d' ' -f2; done >"$T/to"
t_is "$(sort -u "$T/to" | wc -l)" $((N - 1)) "each to a different person"
t_fails "none to the forgotten number" grep -qF -- "${VICTIM#+}" "$T/to"

# -- the scan: every key, every value (as 70-contacts-forget.t) ----------------------
forms=("$VICTIM" "${VICTIM#+}" "0${VICTIM#+255}")
: >"$T/dump"
while IFS= read -r key; do
	printf '%s\n' "$key" >>"$T/dump"
	redis_value "$key" >>"$T/dump"
done < <(redis_cli --scan)
t_like "$(grep -c . "$T/dump")" "[0-9]{3}" "the scan found the others' keys"
for f in "${forms[@]}"; do
	t_fails "no key or value holds $f" grep -qF -- "$f" "$T/dump"
done
t_fails "contacts show finds nothing held about the victim" S contacts show "$VICTIM"

t_ok "sauti stops cleanly" stop_sauti
done_testing
