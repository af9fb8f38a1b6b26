#!/usr/bin/env bash
# instructions.sh -- `make bench-instructions`: the user-space instructions a
# /ussd step costs sauti, against what the bare evhttp server (hello.c)
# spends on a request, both counted by valgrind's callgrind over the same
# client's requests.  A count of instructions does not move with the other
# tenants of a shared machine, as the CPU time of `make bench` does, so a
# change of a few per cent in sauti's own work shows here run after run.
# The kernel's share (the sockets, about 40 % of a step's CPU) is not
# counted.  Redis runs under callgrind too, and what it spends over the same
# steps is counted apart.  Prints
#
#	BENCH name=ussd_instructions value=SAUTI unit=instructions/step baseline=HELLO ratio=HELLO/SAUTI
#	BENCH name=ussd_redis_instructions value=REDIS unit=instructions/step baseline=- ratio=-
#
# and, for information, the functions of sauti's own that cost most.
# INSTR_SESSIONS (default 300: 2,100 steps) sets how many 7-step sessions
# are counted, after 100 that warm the daemon up.  See docs/performance.md.
set -u
. "$(dirname "$0")/../lib.sh"
LOAD=${BENCH_DIR:-$T_ROOT/build/bench}/ussd_load
HELLO=${BENCH_DIR:-$T_ROOT/build/bench}/hello
if [ ! -x "$LOAD" ] || [ ! -x "$HELLO" ]; then
	bail_out "no $LOAD or $HELLO: make bench-tools"
fi
if ! command -v valgrind >/dev/null || ! command -v callgrind_control >/dev/null; then
	bail_out "valgrind is not installed (make deps)"
fi
sessions=${INSTR_SESSIONS:-300}
grind="valgrind --tool=callgrind --instr-atstart=no --dump-instr=no"

# count NAME "PIDS" PORT [-k]: the requests of $sessions sessions sent to
# PORT while the instructions of processes PIDS are counted, after 100
# sessions of warm-up (uncounted).  -k checks sauti's screens (hello has
# none).
count() {
	local name=$1 pids=$2 port=$3 out pid
	shift 3
	"$LOAD" -p "$port" -c 16 -n 100 -P 1000000 "$@" >/dev/null || return 1
	for pid in $pids; do
		callgrind_control -i on "$pid" >/dev/null 2>&1 || return 1
	done
	out=$("$LOAD" -p "$port" -c 16 -n "$sessions" -P 2000000 "$@") || return 1
	for pid in $pids; do
		callgrind_control -i off "$pid" >/dev/null 2>&1
	done
	echo "$out" | grep -q ' errors=0 ' || { echo "$name: $out" >&2; return 1; }
	echo "$out" | sed -n 's/.* requests=\([0-9]*\) .*/\1/p'
}

# total FILE: the instructions callgrind counted.
total() { sed -n 's/^totals: *//p' "$1" | tr -d ' '; }

REDIS_START_TIMEOUT=60 REDIS_WRAP="$grind --callgrind-out-file=$T/redis.cg" start_redis ||
	bail_out "redis did not start"
SAUTI_LOG_LEVEL=warn write_config "$T_ROOT/tests/flows/broadcast"
SAUTI_START_TIMEOUT=60 SAUTI_WRAP="$grind --callgrind-out-file=$T/sauti.cg" start_sauti
s_steps=$(count sauti "$(sauti_pid) $(t_pid redis)" "$SAUTI_PORT" -k) ||
	bail_out "the sauti load failed"
SAUTI_STOP_TIMEOUT=60 stop_sauti || bail_out "sauti did not stop"
t_stop redis 60

HELLO_PORT=$(free_port)
t_spawn hello "$T/hello.log" $grind --callgrind-out-file="$T/hello.cg" "$HELLO" -p "$HELLO_PORT"
t_wait_for 60 port_listening "$HELLO_PORT" || bail_out "hello did not start"
h_reqs=$(count hello "$(t_pid hello)" "$HELLO_PORT") || bail_out "the hello load failed"
t_stop hello 60

s_per=$(awk -v t="$(total "$T/sauti.cg")" -v n="$s_steps" 'BEGIN { printf "%.0f", t / n }')
h_per=$(awk -v t="$(total "$T/hello.cg")" -v n="$h_reqs" 'BEGIN { printf "%.0f", t / n }')
r_per=$(awk -v t="$(total "$T/redis.cg")" -v n="$s_steps" 'BEGIN { printf "%.0f", t / n }')
ratio=$(awk -v s="$s_per" -v h="$h_per" 'BEGIN { printf "%.3f", h / s }')
echo "BENCH name=ussd_instructions value=$s_per unit=instructions/step baseline=$h_per ratio=$ratio"
echo "BENCH name=ussd_redis_instructions value=$r_per unit=instructions/step baseline=- ratio=-"
echo "# $s_steps sauti steps, $h_reqs hello requests; sauti's own functions by instructions (self):"
callgrind_annotate --auto=no "$T/sauti.cg" 2>/dev/null | grep ' gateway/' | head -n 12 |
	sed 's/ \[.*//; s/^/#   /'
