#!/usr/bin/env bash
# With every Sentinel down, sauti tries them twice a second: each one that
# cannot be reached is named once in the log, and named again when it
# answers, not once a try (docs/operations.md).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

read -r S1 S2 < <(free_port 2 | tr '\n' ' ')
write_config
sed -i "s|^redis: .*|redis: sentinel://127.0.0.1:$S1,127.0.0.1:$S2/sauti/0|" "$SAUTI_CONFIG"
t_spawn sauti "$T/sauti.log" "$SAUTI_BIN" serve -c "$SAUTI_CONFIG"

# count LEVEL PORT: the log's lines at LEVEL saying that Sentinel is unreachable.
count() { grep -c " $1 redis: cannot reach the Sentinel at 127.0.0.1:$2:" "$T/sauti.log"; }
t_ok "the first Sentinel is named as unreachable" t_wait_for 10 sh -c "grep -q ' warn .*127.0.0.1:$S1:' '$T/sauti.log'"
t_ok "so is the second" t_wait_for 10 sh -c "grep -q ' warn .*127.0.0.1:$S2:' '$T/sauti.log'"
# Tried again and again (said at debug each time: the test's log level).
t_ok "each is tried again and again" t_wait_for 20 sh -c \
	"[ \$(grep -c ' debug redis: cannot reach the Sentinel at 127.0.0.1:$S2:' '$T/sauti.log') -ge 4 ]"
t_is "$(count warn "$S1")" 1 "after many tries, the first is named once as a warning"
t_is "$(count warn "$S2")" 1 "and the second once"

# A server on the first one's port: reached again, said once.
t_spawn sentinel1 "$T/s1.log" redis-server --port "$S1" --bind 127.0.0.1 --save "" --appendonly no
t_ok "a Sentinel reached again is said so" \
	t_wait_for 10 sh -c "grep -q 'the Sentinel at 127.0.0.1:$S1 answers again' '$T/sauti.log'"
t_is "$(count warn "$S2")" 1 "the other, still down, is still named once"
t_stop sentinel1
t_ok "down again: named again" \
	t_wait_for 10 sh -c "[ \$(grep -c ' warn redis: cannot reach the Sentinel at 127.0.0.1:$S1:' '$T/sauti.log') -eq 2 ]"
t_stop sauti
done_testing
