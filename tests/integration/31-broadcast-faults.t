#!/usr/bin/env bash
# Nothing lost, nothing twice: a daemon killed mid-broadcast and started
# again, and Kannel's sendsms down for a while, still deliver every
# recipient exactly once; a Redis restarted empty under the daemon does not
# stop its broadcasts.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
SAUTI_RATE=10 write_config "$T_ROOT/tests/flows/broadcast"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

N=40
import_group $N kundi
t_is "$(redis_cli scard sauti:g:kundi)" $N "$N contacts imported"

fakesmsc_sink_start
id=$(S broadcast invite --to group:kundi 2>/dev/null)
t_wait_for 10 sh -c "[ \$(grep -c 'Got message' '$T/fakesmsc/sink.log') -ge 8 ]"
kill -9 "$(sauti_pid)"
t_stop sauti 2
sent_before=$(grep -c 'Got message' "$T/fakesmsc/sink.log")
t_ok "the daemon was killed mid-broadcast ($sent_before of $N sent)" test "$sent_before" -lt $N
start_sauti
fakesmsc_sink_wait $N 60
t_is "$(mt_count)" $N "after a restart every recipient got the invitation"
dups=$(for i in $(seq 1 "$(mt_count)"); do mt_meta "$i" | cut -d' ' -f2; done | sort | uniq -d | wc -l)
t_is "$dups" 0 "and nobody got it twice"
t_wait_for 10 sh -c "\"$SAUTI_BIN\" broadcast status $id -c \"$SAUTI_CONFIG\" | grep -q 'queued: 0'"
t_like "$(S broadcast status "$id")" "sent: $N" "status counts $N sent"

# sendsms goes away: messages wait in the outbox and go when it is back.
# (Numbers outside the invitation: those in its run would wait for it.)
t_stop smsbox 3
id2=$(S broadcast findings --to phones:0713000091,0713000092 2>/dev/null)
unreachable() { curl -s "$SAUTI_URL/metrics" | grep -Eq '^sauti_sendsms_errors_total\{kind="unreachable"\} [1-9]'; }
t_ok "/metrics counts the sendsms attempts that found nobody" t_wait_for 20 unreachable
t_ok "... and the log says why they wait" \
	grep -qF "kannel's sendsms did not answer (unreachable or timed out); will retry" "$T/sauti.log"
t_like "$(S broadcast status "$id2")" "queued: 2" "with Kannel's smsbox down the messages wait, queued"
t_spawn smsbox "$T/kannel/smsbox.out" smsbox -v 2 "$KANNEL_CONF"
# back means on-line at the bearerbox and its sendsms port open
t_ok "Kannel's smsbox is back" t_wait_for 15 _kannel_smsbox_up
t_wait_for 40 sh -c "\"$SAUTI_BIN\" broadcast status $id2 -c \"$SAUTI_CONFIG\" | grep -q 'sent: 2'"
t_like "$(S broadcast status "$id2")" "sent: 2" "when it is back, they go"

# sendsms refuses sauti (a wrong password: an HTTP 403): counted by kind,
# the message waits, queued, and goes once the password is right.
cp "$T/sauti.log" "$T/sauti-first.log"
stop_sauti
SAUTI_KANNEL_PASSWORD=wrong start_sauti
id3=$(S broadcast findings --to phones:0713000093 2>/dev/null)
http_err() { curl -s "$SAUTI_URL/metrics" | grep -Eq '^sauti_sendsms_errors_total\{kind="http_status"\} [1-9]'; }
t_ok "/metrics counts the sendsms answers with an error status" t_wait_for 20 http_err
t_ok "... and the log names the status" grep -qF "kannel's sendsms answered HTTP 403; will retry" "$T/sauti.log"
t_like "$(S broadcast status "$id3")" "queued: 1" "the refused message waits, queued"
cp "$T/sauti.log" "$T/sauti-refused.log"
runs() { redis_cli hkeys "sauti:c:{+255713000093}" | grep -c '^_r:'; }
t_is "$(runs)" 1 "the refused message's run was begun"
stop_sauti
# ... and pseudonym_key changed meanwhile: the run's id, keyed by it, is
# another now, but the run under way is the recipient's still.
SAUTI_PSEUDONYM_KEY=$(t_random) start_sauti
t_wait_for 40 sh -c "\"$SAUTI_BIN\" broadcast status $id3 -c \"$SAUTI_CONFIG\" | grep -q 'sent: 1'"
t_like "$(S broadcast status "$id3")" "sent: 1" "with the right password it goes"
t_is "$(runs)" 1 "in the run begun before pseudonym_key changed: one run, not two"
t_is "$(redis_cli hget "sauti:r:$(redis_cli get "sauti:cur:sms:{+255713000093}")" st)" active \
	"and that run is the one under way"

# Redis restarted empty (no persistence; or a failover to a replica that had
# not yet received the outbox): its consumer group went with the rest.  The
# daemon makes it again on the new connection, and broadcasts go on.
stop_redis
start_redis_again
t_ok "Redis is back, empty: sauti is healthy again" t_wait_for 10 _sauti_healthy
id4=$(S broadcast findings --to phones:0713000094 2>/dev/null)
t_like "$id4" '^[0-9a-f]+$' "a broadcast is made on the empty Redis"
t_wait_for 30 sh -c "\"$SAUTI_BIN\" broadcast status $id4 -c \"$SAUTI_CONFIG\" | grep -q 'sent: 1'"
t_like "$(S broadcast status "$id4")" "sent: 1" "and it is sent, without restarting sauti"
t_unlike "$(grep NOGROUP "$T/sauti.log" | head -n 1)" . "the outbox was never read without its group"
fakesmsc_sink_stop

done_testing
