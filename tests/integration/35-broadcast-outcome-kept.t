#!/usr/bin/env bash
# A message Kannel took whose outcome Redis could not take (Redis stopped
# answering just then) is not sent again: the daemon keeps the outcome and
# writes it once Redis answers, before any daemon could take the message
# over as unsettled (docs/operations.md).  A proxy in front of Redis
# (tests/redis_hold.py) holds the daemon's first write of an outcome.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
PROXY_PORT=$(free_port)
PHONE=+255712900456
t_spawn redis-hold "$T/redis_hold.out" "$T_PYTHON" "$T_ROOT/tests/redis_hold.py" \
	"$PROXY_PORT" "$REDIS_PORT" "$PHONE" XACK 1 "$T/redis_hold.log"
t_wait_for 10 grep -q listening "$T/redis_hold.log"
# the daemon talks to Redis through the proxy, the CLI straight to Redis
SAUTI_REDIS_TIMEOUT_MS=500 write_config "$T_ROOT/tests/flows/broadcast"
config_via_proxy "$PROXY_PORT"
SAUTI_CONFIG=$T/daemon.yaml start_sauti
S() { "$SAUTI_BIN" "$@" -c "$DIRECT"; }

fakesmsc_sink_start
id=$(S broadcast findings --to "phones:$PHONE" 2>/dev/null)
t_like "$id" '^[0-9a-f]+$' "a broadcast to one person"
t_ok "Kannel takes the message" fakesmsc_sink_wait 1 20
t_ok "the write of its outcome is held: Redis does not answer it" \
	t_wait_for 20 grep -q holding "$T/redis_hold.log"
pending() { redis_cli XPENDING sauti:outbox senders | head -1; }
t_ok "once Redis answers again, the kept outcome is written: nothing is left unsettled to be taken over" \
	t_wait_for 10 sh -c "[ \"\$(redis-cli -p $REDIS_PORT XPENDING sauti:outbox senders | head -1)\" = 0 ]"
t_like "$(S broadcast status "$id")" "sent: 1" "the broadcast counts it sent"
t_like "$(cat "$T/sauti.log")" "redis: no answer within 500 ms" "the daemon saw Redis stop answering"
# The held write reaches Redis late (its release: the contact's key gone);
# writing an outcome twice changes nothing.
redis_cli DEL "sauti:c:{$PHONE}" >/dev/null
t_ok "the held write then reaches Redis" t_wait_for 10 grep -q 'released: forgotten' "$T/redis_hold.log"
t_is "$(pending)" 0 "still nothing unsettled"
t_like "$(S broadcast status "$id")" "sent: 1" "and it is still counted once"
t_is "$(mt_count)" 1 "the person got the message once"
stop_sauti
done_testing
