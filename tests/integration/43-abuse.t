#!/usr/bin/env bash
# SMS pumping and loops between two auto-responders: a number that sends
# more than limits.max_per_window messages in limits.window seconds gets no
# replies until the window passes, and /metrics shows it.
. "$(dirname "$0")/../lib.sh"

start_redis
write_config "$T_ROOT/tests/flows/e2e"
cat >>"$SAUTI_CONFIG" <<'YAML'
limits:
  max_per_window: 5
  window: 3
YAML
start_sauti

sms() { http GET "/kannel/sms" -G --data-urlencode "from=$1" --data-urlencode "text=$2" \
	--data-urlencode "id=$3"; }
for i in 1 2 3 4 5; do
	t_isnt "$(sms +255700000001 HELP "a$i")" "" "message $i of 5 is answered"
done
t_is "$(sms +255700000001 HELP a6)" "" "the sixth in the window gets no reply"
t_is "$(http_status)" 200 "but a 200, so that Kannel does not retry it"
t_isnt "$(sms +255700000002 HELP b1)" "" "another number is not affected"
t_like "$(http GET /metrics)" "sauti_rate_limited_total 1" "/metrics counts the ignored message"
sleep 3.2
t_isnt "$(sms +255700000001 HELP a7)" "" "after the window the number is answered again"
done_testing
