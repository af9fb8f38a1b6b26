#!/usr/bin/env bash
# SMS pumping and loops between two auto-responders: a number that sends
# more than limits.max_per_window messages in limits.window seconds gets no
# replies until the window passes, and /metrics shows it.  Within a run an
# SMS step starts from the state the daemon kept (one script in Redis, the
# commit, which looks up the repeat and counts the message itself): there
# too a repeat of Kannel's message id gets the same reply and is written
# once, the limit holds, and STOP stops.
# shellcheck disable=SC2317 # helpers run via t_ok
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

# -- the SMS steps of a run, from the state kept ------------------------------
# A window far longer than the test, so that no count expires in it.
stop_sauti
sed -i 's/^  window: 3$/  window: 600/' "$SAUTI_CONFIG"
start_sauti

# run_of PHONE: the id of PHONE's SMS run; v PHONE: its version; step PHONE:
# its step; lim PHONE: PHONE's messages counted in the window.
run_of() { redis_cli GET "sauti:cur:sms:{$1}"; }
v() { redis_cli HGET "sauti:r:$(run_of "$1")" v; }
step() { redis_cli HGET "sauti:r:$(run_of "$1")" step; }
lim() { redis_cli GET "sauti:lim:{$1}"; }

P=+255700000003
t_like "$(sms $P WILAYA c1)" "^Karibu! Chagua lugha" "a survey starts by SMS"
redis_monitor_start
t_like "$(sms $P 2 c2)" "^Which district do you mine in\?" "the next step is served"
t_is "$(redis_monitor_scripts $P)" 1 "... with one script in Redis: the commit, no load"
t_like "$(sms $P 1 c3)" "^Do you work at the site now\?" "Geita"
ver=$(v $P)
count=$(lim $P)
# "1" would answer the next question too (1. Yes): a repeat decided on the
# state kept must not be written.
redis_monitor_start
t_like "$(sms $P 1 c3)" "^Do you work at the site now\?" \
	"Kannel's repeat of the same message id gets the same reply"
t_is "$(redis_monitor_scripts $P)" 1 "... from the commit that found it a repeat"
t_is "$(v $P) $(step $P)" "$ver works" "... and nothing is written: the run is as it was"
t_is "$(lim $P)" "$count" "... nor is the repeat counted in the limit"
t_like "$(sms $P Yes c4)" "^How many days did you work last week\?" "the run goes on from there"

# The limit (5 a window) on the steps served from the state kept.
Q=+255700000004
sms $Q WILAYA d1 >/dev/null
sms $Q 2 d2 >/dev/null
sms $Q 1 d3 >/dev/null
t_like "$(sms $Q Yes d4)" "^How many days" "four messages of a run are answered"
t_like "$(sms $Q 3 d5)" "^About how many hours" "the fifth is answered"
ver=$(v $Q)
redis_monitor_start
t_is "$(sms $Q 8 d6)" "" "the sixth in the window gets no reply"
t_is "$(http_status)" 200 "... but a 200"
t_is "$(redis_monitor_scripts $Q)" 1 "... refused by the commit (the count is its own)"
t_is "$(v $Q) $(step $Q)" "$ver hours" "... which wrote nothing"
t_is "$(lim $Q)" 6 "it is counted once"
t_is "$(sms $Q 8 d7)" "" "the seventh gets no reply either"
t_is "$(v $Q) $(step $Q)" "$ver hours" "... and writes nothing"
t_like "$(http GET /metrics)" "sauti_rate_limited_total 2" "/metrics counts both"

# STOP in the middle of a run whose state is kept.
R=+255700000005
sms $R WILAYA e1 >/dev/null
t_like "$(sms $R 2 e2)" "^Which district" "a third person's run is under way"
id=$(run_of $R)
t_isnt "$(sms $R STOP e3)" "" "STOP is answered"
t_is "$(redis_cli HGET "sauti:r:$id" st)" stopped "the run is stopped"
t_is "$(redis_cli HGET "sauti:c:{$R}" _optout)" 1 "the number is opted out"
t_is "$(run_of $R)" "" "no SMS run is current"
t_unlike "$(sms $R 1 e4)" "Do you work at the site" "the next message does not go on with the stopped run"
done_testing
