#!/usr/bin/env bash
# A broadcast going out skips a person forgotten meanwhile: at one SMS a
# second, a recipient not yet sent to is forgotten; everyone else gets the
# invitation through real Kannel, the forgotten number never does, and the
# daemon keeps running (no restart).
# shellcheck disable=SC2317 # helpers run via t_wait_for
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
SAUTI_RATE=1 write_config "$T_ROOT/tests/flows/broadcast"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

{
	echo "phone,name,language,groups"
	for i in 1 2 3 4 5; do echo "+25571290060$i,Mtu$i,sw,kikundi"; done
} >"$T/contacts.csv"
S contacts import "$T/contacts.csv" 2>/dev/null
fakesmsc_sink_start
id=$(S broadcast invite --to group:kikundi 2>/dev/null)
t_like "$id" '^[0-9a-f]+$' "a broadcast to five, one SMS a second"
one_sent() { fakesmsc_sink_wait 1 1 && [ "$(mt_count)" -ge 1 ]; }
t_ok "the first one goes out" t_wait_for 20 one_sent
sent=$(for i in $(seq 1 "$(mt_count)"); do mt_meta "$i" | cut -d' ' -f2; done)
victim=
for i in 5 4 3 2 1; do
	grep -q "+25571290060$i" <<<"$sent" || { victim=+25571290060$i; break; }
done
t_like "$victim" '^\+255' "a recipient not yet sent to: $victim"
t_like "$(S contacts forget "$victim")" "erased" "is forgotten while the broadcast goes out"
t_ok "the four others get it" fakesmsc_sink_wait 4 30
finished() { S broadcast status "$id" | grep -q 'queued: 0'; }
t_ok "the broadcast has nobody left queued" t_wait_for 30 finished
fakesmsc_sink_stop
t_is "$(mt_count)" 4 "four messages went out"
got=$(for i in $(seq 1 "$(mt_count)"); do mt_meta "$i" | cut -d' ' -f2; done)
t_unlike "$got" "${victim#+}" "none to the forgotten number"
t_is "$(redis_cli --scan | xargs -r -n1 sh -c 'printf "%s\n" "$0"' | grep -c -- "${victim#+}")" 0 \
	"no key names the forgotten number"

t_ok "sauti stops cleanly" stop_sauti
done_testing
