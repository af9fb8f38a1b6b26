#!/usr/bin/env bash
# Reminders (flow `remind: {after: 5s, times: 2}`): a silent person gets
# exactly two, each the reminder text and the question again; a prompt one
# gets none; one who said STOP, or is opted out, none; the schedule, in
# Redis, survives the daemon's restart, and with two daemons on one Redis
# one sends each; they are counted in /metrics and in `sauti report`.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
write_config "$T_ROOT/tests/flows/remind"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
SILENT=+255700000301 PROMPT=+255700000302 STOPPED=+255700000303 OPTED=+255700000304 LATE=+255700000305
run_of() { redis_cli get "sauti:cur:sms:{$1}"; }

t_like "$(fakesmsc_send $PROMPT 15055 KUMBUKA)" "Utakuja mkutanoni" "the prompt one is asked"
t_like "$(fakesmsc_send $PROMPT 15055 1)" "Asante" "and answers at once"
prompt_run=$(redis_cli zrange sauti:runs:kumbuka 0 0) # the only run yet
t_is "$(redis_cli zscore sauti:remind "$prompt_run")" "" "a completed run has no reminder due"
t_like "$(fakesmsc_send $SILENT 15055 KUMBUKA)" "Utakuja mkutanoni" "the silent one is asked"
silent_run=$(run_of $SILENT)
t_like "$(redis_cli zscore sauti:remind "$silent_run")" '^[0-9]+$' "their reminder is scheduled in Redis"
fakesmsc_send $STOPPED 15055 KUMBUKA >/dev/null
stopped_run=$(run_of $STOPPED)
t_like "$(fakesmsc_send $STOPPED 15055 STOP)" "." "one says STOP"
fakesmsc_send $OPTED 15055 KUMBUKA >/dev/null
redis_cli hset "sauti:c:{$OPTED}" _optout 1 >/dev/null # opted out elsewhere, run left active
fakesmsc_send $LATE 15055 KUMBUKA >/dev/null
late_run=$(run_of $LATE)

# The schedule is Redis': a restarted daemon sends what is due.  The old one
# may have sent some already; what it sent is counted in the runs (rn).
cp "$T/sauti.log" "$T/sauti-first.log"
stop_sauti
rn_of() { local n; n=$(redis_cli hget "sauti:r:$1" rn); echo "${n:-0}"; }
sent_before=$(( $(rn_of "$silent_run") + $(rn_of "$late_run") ))
start_sauti
PORT2=$(free_port)
sed "s/^listen: .*/listen: 127.0.0.1:$PORT2/" "$SAUTI_CONFIG" >"$T/sauti2.yaml"
t_spawn sauti2 "$T/sauti2.log" "$SAUTI_BIN" serve -c "$T/sauti2.yaml"
t_ok "a second daemon on the same Redis" t_wait_for 15 \
	sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT2/healthz)\" = 200 ]"

fakesmsc_sink_start
spent() { [ "$(redis_cli hget "sauti:r:$1" rn)" = 2 ] && [ -z "$(redis_cli zscore sauti:remind "$1")" ]; }
t_ok "the silent one's reminders are spent" t_wait_for 40 spent "$silent_run"
t_ok "and handed to Kannel" t_wait_for 10 sh -c '[ "$(redis-cli -p '"$REDIS_PORT"' zcard sauti:lane)" = 0 ]'
dropped() { [ -z "$(redis_cli zscore sauti:remind "$1")" ]; }
t_ok "the opted-out one's reminder is dropped" t_wait_for 10 dropped "$(run_of $OPTED)"
fakesmsc_sink_wait 4 20
fakesmsc_sink_stop
t_is "$(for i in $(seq "$(mt_count)"); do mt_meta "$i" | cut -d' ' -f2; done | sort | uniq -c | tr -s ' ' | sed 's/^ //' | tr '\n' ';')" \
	"2 $SILENT;2 $LATE;" "two reminders each for the silent ones, none for the others"
t_is "$(mt_text 1)" "Kumbusho:
Utakuja mkutanoni?
1. Ndiyo
2. Hapana" "a reminder is its text, then the question again"
t_is "$(redis_cli hget "sauti:r:$(run_of $OPTED)" rn)" "" "nothing was sent to the opted-out one"
t_is "$(redis_cli hget "sauti:r:$prompt_run" rn)" "" "nor to the prompt one"
t_is "$(redis_cli hget "sauti:r:$stopped_run" rn)" "" "nor to the one who said STOP"

# The late one answers after the reminders: counted in the report.
t_like "$(fakesmsc_send $LATE 15055 2)" "Asante" "an answer after the reminders ends the run"
t_is "$(redis_cli zscore sauti:remind "$late_run")" "" "and drops its schedule"
t_like "$(S report kumbuka)" "reminded: 2 runs, 1 answered after a reminder" "sauti report counts who answered after a reminder"
reminded() { curl -s "$1/metrics" | sed -n 's/^sauti_reminders_sent_total //p'; }
t_is "$(( $(reminded "$SAUTI_URL") + $(reminded "http://127.0.0.1:$PORT2") ))" $((4 - sent_before)) \
	"/metrics counts the reminders sent (by the two daemons: $((4 - sent_before)) of 4)"
t_ok "the second daemon stops cleanly" t_stop sauti2 10
t_unlike "$(cat "$T/sauti2.log")" "Sanitizer|runtime error:" "with no sanitizer report"
done_testing
