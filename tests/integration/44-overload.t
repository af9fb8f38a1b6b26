#!/usr/bin/env bash
# Overload: beyond max_in_flight requests at once the daemon answers 503
# at once (with Retry-After) instead of queueing without bound, counts it in
# /metrics, and serves normally again when the load passes.  Past three
# quarters of max_in_flight a new USSD session is refused while a session
# begun goes on.  A connection refused is not read for its Retry-After second.
. "$(dirname "$0")/../lib.sh"

start_redis
SAUTI_REDIS_TIMEOUT_MS=3000 write_config "$T_ROOT/tests/flows/e2e"
echo "max_in_flight: 2" >>"$SAUTI_CONFIG"
start_sauti

# Redis frozen: each SMS waits for it, so requests pile up in flight.
redis_pid=$(t_pid redis)
kill -STOP "$redis_pid"
for i in 1 2; do
	curl -s -o /dev/null "$SAUTI_URL/kannel/sms?from=%2B25570000000$i&text=WILAYA&id=w$i" &
done
sleep 0.5
code=$(curl -s -o "$T/shed" -D "$T/shed.h" -w '%{http_code}' --max-time 2 \
	"$SAUTI_URL/kannel/sms?from=%2B255700000003&text=WILAYA&id=w3")
t_is "$code" 503 "a request beyond max_in_flight is answered 503 at once"
t_like "$(tr -d '\r' <"$T/shed.h")" "Retry-After: 1" "with Retry-After"
kill -CONT "$redis_pid"
wait
t_like "$(http GET /metrics)" "sauti_requests_shed_total 1" "/metrics counts the shed request"

# -- the refused connection is held for its Retry-After second -------------------
# curl sends its second request on the connection the first was refused on
# (its -w lines unbuffered, so that the first shows at once).
# (Not watched through /metrics: with max_in_flight in flight, a request for
# it would be refused too.)
kill -STOP "$redis_pid"
for i in 5 6; do
	curl -s -o /dev/null "$SAUTI_URL/kannel/sms?from=%2B25570000000$i&text=WILAYA&id=w$i" &
done
t_wait_for 10 sh -c "grep -c 'sms from +25570000000[56]' '$T/sauti.log' | grep -qx 2"
stdbuf -oL curl -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects} %{time_total}\n' \
	"$SAUTI_URL/kannel/sms?from=%2B255700000007&text=WILAYA&id=w7" \
	"$SAUTI_URL/kannel/sms?from=%2B255700000008&text=WILAYA&id=w8" >"$T/held" &
held_pid=$!
t_wait_for 10 grep -q '^503' "$T/held"
kill -CONT "$redis_pid"
wait "$held_pid"
t_like "$(head -1 "$T/held")" "^503 1 " "the first request on a connection is refused"
t_like "$(sed -n 2p "$T/held")" "^200 0 " "the next one on the same connection is served, the connection kept"
t_ok "... once the second of its Retry-After is over: it was not read before" \
	awk '{ exit !($3 >= 0.5) }' <<<"$(sed -n 2p "$T/held")"
wait
t_like "$(http GET /metrics)" "sauti_connections_paused_total 2" "/metrics counts the connections held"
t_like "$(http GET '/kannel/sms?from=%2B255700000004&text=WILAYA&id=w4')" "Chagua lugha" \
	"once the load has passed, requests are served again"

# -- a session begun goes on; a new one waits ------------------------------------
stop_sauti
sed -i 's/^max_in_flight: .*/max_in_flight: 8/' "$SAUTI_CONFIG"
start_sauti
# ussd SESSION TEXT PHONE: one aggregator request; the status code, then the body.
ussd() {
	curl -s -w '\n%{http_code}' --max-time 10 "$SAUTI_URL/ussd" --data-urlencode "sessionId=$1" \
		--data-urlencode "serviceCode=*150*77#" --data-urlencode "phoneNumber=$3" \
		--data-urlencode "text=$2"
}
t_like "$(ussd begun "" +255700000100)" "^CON " "a session begins"
kill -STOP "$redis_pid"
# Six requests wait for Redis: with them in flight a seventh is past three
# quarters of 8.
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null --max-time 20 "$SAUTI_URL/kannel/sms?from=%2B25570000020$i&text=WILAYA&id=x$i" &
done
t_wait_for 10 sh -c "curl -s '$SAUTI_URL/metrics' | grep -q '^sauti_requests_in_flight 7'"
dial=$(curl -s -D "$T/dial.h" -o /dev/null -w '%{http_code}' --max-time 5 "$SAUTI_URL/ussd" \
	--data-urlencode "sessionId=new" --data-urlencode "serviceCode=*150*77#" \
	--data-urlencode "phoneNumber=+255700000101" --data-urlencode "text=")
t_is "$dial" 503 "a new session is refused at once while the daemon is crowded"
t_like "$(tr -d '\r' <"$T/dial.h")" "Retry-After: 1" "with Retry-After"
ussd begun "1" +255700000100 >"$T/step.out" &
step_pid=$!
t_wait_for 10 sh -c "curl -s '$SAUTI_URL/metrics' | grep -q '^sauti_requests_in_flight 8'"
kill -CONT "$redis_pid"
wait "$step_pid"
t_like "$(tr '\n' ' ' <"$T/step.out")" "^CON .* 200$" "the session begun is taken and answered once Redis is back"
wait
t_like "$(http GET /metrics)" "sauti_requests_shed_total 1" "the refused dial is counted as shed"
t_like "$(ussd new "" +255700000101)" "^CON " "the new session is taken once the load has passed"
done_testing
