#!/usr/bin/env bash
# A command-line tool that waits longer than its 3 s connect limit (a big
# export, or a Redis slow to answer) still finishes, with its exit status.
. "$(dirname "$0")/../lib.sh"
start_redis
SAUTI_REDIS_TIMEOUT_MS=10000 write_config "$T_ROOT/tests/flows/e2e"
start_sauti
curl -s "$SAUTI_URL/kannel/sms?from=%2B255712000001&text=WILAYA&id=x1" >/dev/null
kill -STOP $(t_pid redis); ( sleep 4; kill -CONT $(t_pid redis) ) &
out=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district); rc=$?
t_is "$rc" 0 "an export that waits 4 s for Redis still finishes"
t_is "$(printf '%s\n' "$out" | wc -l)" 2 "with its row"
done_testing
