#!/usr/bin/env bash
# A daemon told to stop (SIGTERM, as a rolling restart does) in the middle
# of a broadcast takes no more messages, lets go of those it took but had
# not begun, and finishes the one on its way to Kannel: its outcome is
# saved before it exits, so the next daemon sends it to nobody again and
# sends the rest (docs/operations.md).  A relay in front of smsbox's
# sendsms (tests/sendsms_hold.py) holds the first message for 2 s.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
HOLD_PORT=$(free_port)
t_spawn sendsms-hold "$T/hold.out" "$T_PYTHON" "$T_ROOT/tests/sendsms_hold.py" \
	"$HOLD_PORT" "$KANNEL_SENDSMS_PORT" 2 "$T/hold.log"
t_wait_for 10 grep -q listening "$T/hold.log"
real_sendsms=$KANNEL_SENDSMS_PORT
KANNEL_SENDSMS_PORT=$HOLD_PORT SAUTI_RATE=2 write_config "$T_ROOT/tests/flows/broadcast"
KANNEL_SENDSMS_PORT=$real_sendsms
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

N=6
import_group $N kundi 07129005%02d
fakesmsc_sink_start
id=$(S broadcast invite --to group:kundi 2>/dev/null)
t_like "$id" '^[0-9a-f]+$' "a broadcast to $N people, 2 a second"
t_ok "its first message is on its way to Kannel, held" t_wait_for 20 grep -q holding "$T/hold.log"
held=$(sed -n 's/^holding //p' "$T/hold.log")

pid=$(sauti_pid)
kill -TERM "$pid"
t_ok "SIGTERM: the daemon waits for it, and exits once its outcome is saved" \
	t_wait_for 12 sh -c "! kill -0 $pid 2>/dev/null"
t_like "$(grep -c '^released ' "$T/hold.log")" '^1$' "... after Kannel took it"
t_like "$(cat "$T/sauti.log")" "SIGTERM: finishing 0 requests in flight and 1 messages on their way to Kannel" \
	"the log says what it finishes"
t_unlike "$(cat "$T/sauti.log")" "exiting with" "and leaves nothing unsettled"
t_like "$(redis_cli HGET "sauti:bc:$id:r" "$held")" '^(sent|delivered)$' "the held message is saved as sent"
t_is "$(redis_cli HVALS "sauti:bc:$id:r" | grep -c '^sending$')" 0 "nothing is left half-sent"
t_unlike "$(S broadcast status "$id")" "sent: $N" "the rest was not sent by the stopping daemon"
rm -f "$T/pids/sauti.pid"

# The next daemon takes over what the first let go, after the take-over time.
start_sauti
t_ok "the next daemon sends the rest" fakesmsc_sink_wait $N 40
t_ok "the broadcast counts $N sent" \
	t_wait_for 10 sh -c "\"$SAUTI_BIN\" broadcast status $id -c \"$SAUTI_CONFIG\" | grep -q '^sent: $N$'"
dups=$(for i in $(seq 1 "$(mt_count)"); do mt_meta "$i" | cut -d' ' -f2; done | sort | uniq -d | wc -l)
t_is "$(mt_count)" $N "every recipient got the invitation"
t_is "$dups" 0 "and nobody got it twice, the held one included"
stop_sauti
done_testing
