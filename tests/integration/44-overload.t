#!/usr/bin/env bash
# Overload: beyond max_in_flight requests at once the daemon answers 503
# at once (with Retry-After) instead of queueing without bound, counts it in
# /metrics, and serves normally again when the load passes.
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
t_like "$(http GET '/kannel/sms?from=%2B255700000004&text=WILAYA&id=w4')" "Chagua lugha" \
	"once the load has passed, requests are served again"
done_testing
