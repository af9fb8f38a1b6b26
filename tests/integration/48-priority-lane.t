#!/usr/bin/env bash
# The priority lane: a reply to an inbox item goes out ahead of a broadcast
# already sending, within the same kannel.rate; a run started by a
# broadcast gets its reminders once Kannel took the message; during quiet
# hours a reminder waits for the morning.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/inbox/maoni.yaml" "$T_ROOT/tests/flows/remind/kumbuka.yaml" "$T/flows/"
SAUTI_RATE=2 write_config "$T/flows"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
ASKER=+255712000499
fakesmsc_send $ASKER 15055 'swali kuhusu mkutano' >/dev/null
item=$(S inbox --format csv | grep 'swali kuhusu' | cut -d, -f1)
t_like "$item" '^[a-z]{12}$' "the question is an inbox item"

# Ten recipients at two a second: about five seconds of sending.
audience=phones:$(seq -f '+2557120004%02g' 1 10 | paste -sd,)
fakesmsc_sink_start
bc=$(S broadcast maoni --to "$audience" 2>/dev/null)
started() { S broadcast status "$bc" | grep -Eq 'sent: [1-9]'; }
t_ok "the broadcast is sending" t_wait_for 20 started
t_ok "a reply is queued while it sends" S inbox reply "$item" "Mkutano ni Jumamosi saa nne."
fakesmsc_sink_wait 11 60
fakesmsc_sink_stop
t_is "$(mt_count)" 11 "ten broadcast messages and the reply went out"
pos=0
for i in $(seq 11); do [ "$(mt_meta "$i" | cut -d' ' -f2)" = $ASKER ] && pos=$i; done
t_is "$(mt_text "$pos")" "Mkutano ni Jumamosi saa nne." "the reply reached the asker"
after=$((11 - pos))
t_ok "the reply did not wait behind the broadcast ($after of its messages went after it)" test "$after" -ge 3

# A broadcast's run is reminded, counted from when its message went out.
fakesmsc_sink_start
bc2=$(S broadcast kumbuka --to phones:+255712000420 2>/dev/null)
fakesmsc_sink_wait 3 60
fakesmsc_sink_stop

t_is "$(mt_count) $(for i in 1 2 3; do mt_meta "$i" | cut -d' ' -f2; done | sort -u)" "3 +255712000420" "three messages to the invited one"
t_is "$(mt_text 1)" "Utakuja mkutanoni?
1. Ndiyo
2. Hapana" "first the invitation"
t_like "$(mt_text 2)$(mt_text 3)" "^Kumbusho:.*Kumbusho:" "then the two reminders"
t_like "$(S broadcast status "$bc2")" "sent: 1" "the broadcast counts one message sent"

# Quiet now in Tanzania: a reminder due waits for the quiet hours' end.
cp "$T/sauti.log" "$T/sauti-first.log"
stop_sauti
tz_hour=$(( ($(date -u +%-H) + 3) % 24 ))
printf 'quiet_hours:\n  start: %d\n  end: %d\n' "$tz_hour" $(( (tz_hour + 1) % 24 )) >>"$SAUTI_CONFIG"
start_sauti
t_like "$(fakesmsc_send +255712000430 15055 KUMBUKA)" "Utakuja" "asked at night (the answer to a message is no broadcast)"
run=$(redis_cli get "sauti:cur:sms:{+255712000430}")
end_s=$(( ( $(date -u +%s) / 3600 + 1 ) * 3600 ))
deferred() { [ "$(redis_cli zscore sauti:remind "$run")" -ge "$end_s" ]; }
t_ok "the reminder due moves to the end of the quiet hours" t_wait_for 20 deferred
t_is "$(redis_cli hget "sauti:r:$run" rn)" "" "and none was sent"
done_testing
