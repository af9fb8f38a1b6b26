#!/usr/bin/env bash
# Quiet hours: no broadcast message goes out at night in the recipient's
# country; it waits, queued, until the quiet hours end there.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
write_config "$T_ROOT/tests/flows/broadcast"
# Quiet now in Tanzania (UTC+3), not in Ghana (UTC+0).
tz_hour=$(( ($(date -u +%-H) + 3) % 24 ))

cat >>"$SAUTI_CONFIG" <<YAML
quiet_hours:
  start: $tz_hour
  end: $(( (tz_hour + 1) % 24 ))
YAML
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

id=$(S broadcast invite --to phones:+255712000111,+233241000111 2>/dev/null)
t_wait_for 10 sh -c "\"$SAUTI_BIN\" broadcast status $id -c \"$SAUTI_CONFIG\" | grep -q 'queued: 1'"
st=$(S broadcast status "$id")
t_like "$st" "queued: 1" "the Tanzanian number waits during its quiet hours"
t_is "$(redis_cli hget "sauti:bc:$id:r" +255712000111)" queued "its state is queued"
due=$(redis_cli zrange sauti:outbox:retry 0 -1 withscores | sed -n 2p)
end_ms=$(( ( $(date -u +%s) / 3600 + 1 ) * 3600 * 1000 ))
t_is "$due" "$end_ms" "it is due when the quiet hours end in Tanzania"
t_like "$st" "sent: 1" "the Ghanaian number, outside its quiet hours, is sent"
done_testing
