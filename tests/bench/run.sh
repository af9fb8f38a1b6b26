#!/usr/bin/env bash
# run.sh -- the driver of `make bench` (see bench.mk and docs/performance.md).
#
# Starts Redis, Kannel (bearerbox + smsbox with the fake SMSC), sauti and
# the baselines on free 127.0.0.1 ports in a temporary directory
# (tests/lib.sh), runs every benchmark against sauti and its baseline back to
# back, alternating, and prints
#
#	BENCH name=NAME value=V unit=U baseline=B ratio=R
#
# for each figure, then a table with the level each must meet.  Exits 1 when
# a level is missed, 2 when a benchmark could not run.
#
# Placement: on a machine with two CPUs or more the load generators and
# Kannel run on CPU 0 and the server under test (sauti, or the baseline) on
# CPU 1, so that a client never steals the server's CPU.  Redis runs on the
# clients' CPU, never on the server's: the server under test has its CPU to
# itself, as hello does, and as sauti has on a production host where Redis
# has cores of its own (left to the kernel, Redis is woken on the CPU of
# sauti, which has just written to it: docs/performance.md).  The USSD
# stage also gives, for information, sauti with Redis pinned beside it on
# the server's CPU (ussd_steps_1cpu).
#
# Environment: SAUTI_BIN, BENCH_BIN (the tools of bench.mk), QUICK=1 (short),
# BENCH_BULK_N (contacts of the bulk stage: 1000000, QUICK 100000),
# BENCH_ONLY="ussd kannel info throttle memory export bulk" (some stages; ussd gives
# ussd_steps and ussd_p99), BENCH_PIN=0 (no pinning), BENCH_REDIS_CPU=LIST
# (pin Redis to these CPUs instead, e.g. 1 for sauti's, 0-1 for anywhere), BENCH_PROFILE=1|0 (the perf profile;
# on by default in a full run), BENCH_KEEP=1 (keep the temporary directory).
#
# Invoked as `run.sh --kannel-for PORT ENVFILE` it is the helper that runs a
# second Kannel pointed at PORT (the baseline's) until it is stopped.
# shellcheck disable=SC2317 # the trials run through pair_in_turn
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

if [ "${1:-}" = --kannel-for ]; then
	start_kannel "$2" || exit 1
	{
		echo "K2_SMSC_PORT=$KANNEL_SMSC_PORT"
		echo "K2_PIDS='$(t_pid bearerbox) $(t_pid smsbox)'"
	} >"$3.new"
	mv "$3.new" "$3"
	sleep 86400 &
	echo $! >"$T/pids/idle.pid"
	wait $!
	exit 0
fi

[ -n "${BENCH_KEEP:-}" ] && export T_KEEP=1
BENCH_BIN=${BENCH_BIN:-$T_ROOT/build/bench}
for tool in hello ussd_load smsc_load tap; do
	[ -x "$BENCH_BIN/$tool" ] || bail_out "no $BENCH_BIN/$tool: run make bench-tools"
done
[ -x "$SAUTI_BIN" ] || bail_out "no sauti binary at $SAUTI_BIN"
# A private copy: a `make` elsewhere during the run must not swap the binary
# under the daemon, the CLI commands or the profile.
cp "$SAUTI_BIN" "$T/sauti" || bail_out "cannot copy $SAUTI_BIN"
SAUTI_ORIGIN=$SAUTI_BIN SAUTI_BIN=$T/sauti
export SAUTI_BIN

if [ -n "${QUICK:-}" ] && [ "$QUICK" != 0 ]; then
	MODE=quick
	TRIALS=3 USSD_WARM=0.5 USSD_SECS=1.5
	P99_TRIALS=3 P99_WARM=0.5 P99_SECS=1.5
	KAN_TRIALS=2 KAN_WARM=0.5 KAN_SECS=2
	MEM_N=1000 TH_N=500 TH_RATE=100 EXP_N=20000 EXP_TRIALS=3
	BULK_N=${BENCH_BULK_N:-100000}
else
	MODE=full
	TRIALS=5 USSD_WARM=1 USSD_SECS=4
	P99_TRIALS=3 P99_WARM=1 P99_SECS=5
	KAN_TRIALS=3 KAN_WARM=2 KAN_SECS=5
	MEM_N=10000 TH_N=2000 TH_RATE=50 EXP_N=100000 EXP_TRIALS=3
	BULK_N=${BENCH_BULK_N:-1000000}
fi
USSD_CONNS=64     # concurrent USSD sessions, one connection each
P99_MAX_CONNS=2000
KAN_PHONES=300    # enough phones in flight to keep Kannel busy
PROFILE=${BENCH_PROFILE:-$([ $MODE = full ] && echo 1)}
[ "$PROFILE" = 0 ] && PROFILE=

LOAD_CPU='' SERVER_CPU=
if [ "${BENCH_PIN:-1}" != 0 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	LOAD_CPU=0 SERVER_CPU=1
fi

BENCH_T0=${EPOCHREALTIME/,/.}
say() {
	local t=${EPOCHREALTIME/,/.}
	printf 'bench: [%3.0fs] %s\n' "$(awk "BEGIN { print $t - $BENCH_T0 }")" "$*" >&2
}

# stage NAME: whether to run it (BENCH_ONLY="ussd kannel ..." picks some).
stage() {
	[ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]
}

# -- small tools -------------------------------------------------------------------

# load COMMAND...: runs a load generator on the client CPU.
load() {
	if [ -n "$LOAD_CPU" ]; then taskset -c "$LOAD_CPU" "$@"; else "$@"; fi
}

# pin CPU PID...: every thread of each PID on CPU (when pinning).
pin() {
	local cpu=$1 pid
	shift
	[ -n "$SERVER_CPU" ] || return 0
	for pid in "$@"; do
		taskset -apc "$cpu" "$pid" >/dev/null
	done
}

# kv LINE KEY: the value of KEY=VALUE in LINE.
kv() {
	awk -v k="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "=");
		if (n && substr($i, 1, n - 1) == k) print substr($i, n + 1) } }' <<<"$1"
}

# calc EXPR [DECIMALS]: awk arithmetic; a division by zero gives "nan".
calc() {
	awk "BEGIN { printf \"%.${2:-3}f\", ($1) }" 2>/dev/null || echo nan
}

now_s() { echo "${EPOCHREALTIME/,/.}"; }

# steal_ms: the time, all CPUs together, the hypervisor gave to others while
# this VM's had work (/proc/stat's steal column, in USER_HZ ticks): a stall
# no process on the machine caused shows here (0 on bare metal).
steal_ms() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.0f", $9 * 1000 / hz }' /proc/stat
}

# pair_in_turn TRIAL BASELINE SAUTI: one trial of each, the baseline first on
# odd trials and sauti first on even ones, so that neither always runs on a
# machine the other has just warmed or loaded.
pair_in_turn() {
	if (($1 % 2)); then "$2"; "$3"; else "$3"; "$2"; fi
}

# cpu_ticks PID: user + system time so far, in clock ticks (1/100 s).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# rstat: "SENT EVALS EXECUTED EVAL_US STEPS" so far: the commands sauti sent
# to Redis and the steps it served (its /metrics), and from Redis' INFO
# commandstats the EVAL calls, every command executed (those inside scripts
# too) and the microseconds spent in EVAL.
rstat() {
	local sent steps
	read -r sent steps < <(curl -s --max-time 5 "$SAUTI_URL/metrics" |
		awk '$1 == "sauti_redis_commands_total" { c = $2 }
		     $1 == "sauti_step_duration_seconds_count" { s = $2 }
		     END { print c + 0, s + 0 }')
	redis_cli info commandstats | tr -d '\r' | awk -F'[:,=]' -v sent="${sent:-0}" -v steps="${steps:-0}" '
		$1 == "cmdstat_eval" || $1 == "cmdstat_evalsha" { e += $3; u += $5 }
		/^cmdstat_/ { t += $3 }
		END { print sent, e + 0, t + 0, u + 0, steps }'
}

# step_times: "UNDER_1MS UNDER_5MS ALL", the steps so far by sauti's own
# time for them (/metrics' sauti_step_duration_seconds: from the request
# read to the answer written), so that a trial tells what of the latency
# its client saw was spent inside sauti.
step_times() {
	curl -s --max-time 5 "$SAUTI_URL/metrics" |
		awk '$1 == "sauti_step_duration_seconds_bucket{le=\"0.001\"}" { a = $2 }
		     $1 == "sauti_step_duration_seconds_bucket{le=\"0.005\"}" { b = $2 }
		     $1 == "sauti_step_duration_seconds_count" { n = $2 }
		     END { print a + 0, b + 0, n + 0 }'
}

# inside_sauti "BEFORE" "AFTER": of the steps between two step_times
# readings, the share sauti served in under 1 ms and in under 5 ms.
inside_sauti() {
	awk -v b="$1" -v a="$2" 'BEGIN {
		split(b, x, " "); split(a, y, " "); n = y[3] - x[3]
		if (n <= 0) { print "no steps"; exit }
		printf "%.1f %% under 1 ms, %.1f %% under 5 ms", 100 * (y[1] - x[1]) / n, 100 * (y[2] - x[2]) / n }'
}

# steps_between "BEFORE" "AFTER": the steps sauti served between two rstat
# readings: the divisor of every per-step figure.  The load generators'
# totals leave out the requests still in flight when they stop, which
# sauti serves all the same.
steps_between() {
	local b a
	b=$(awk '{ print $5 }' <<<"$1") a=$(awk '{ print $5 }' <<<"$2")
	echo $((a - b))
}

# used_memory: INFO memory's used_memory less mem_clients_normal: the
# clients' query and output buffers (sauti's pipelined scripts, a few
# hundred KB that come and go) are not memory the sessions hold.
used_memory() {
	redis_cli info memory | tr -d '\r' | awk -F: '
		$1 == "used_memory" { u = $2 } $1 == "mem_clients_normal" { c = $2 }
		END { print u - c }'
}

# settled_memory: used_memory once Redis' cron has finished resizing and
# rehashing its dictionaries (two equal readings 300 ms apart, at most 6 s).
settled_memory() {
	local last now i
	last=$(used_memory)
	for ((i = 0; i < 20; i++)); do
		sleep 0.3
		now=$(used_memory)
		[ "$now" = "$last" ] && break
		last=$now
	done
	echo "$now"
}

# empty_store: Redis emptied between stages, then sauti ready again.  A
# FLUSHALL of the earlier stages' million keys can block Redis past
# redis_timeout_ms: sauti then drops the connection and makes a new one,
# answering 503 meanwhile, as it should (docs/operations.md); a stage must
# not count that as its own error.
empty_store() {
	redis_cli flushall >/dev/null
	t_wait_for 30 sh -c "curl -sf --max-time 2 '$SAUTI_URL/healthz' >/dev/null" ||
		bail_out "sauti not ready after the store was emptied"
}

# Every trial gets phone numbers (and USSD session ids) of its own.
NEXT_BASE=1000000
next_base() {
	BASE=$NEXT_BASE
	NEXT_BASE=$((NEXT_BASE + 1000000))
}

# -- results ----------------------------------------------------------------------

NAMES=() VALUES=() UNITS=() BASES=() RATIOS=() LEVELS=() VERDICTS=()
NOTES=()
FAILED=0 BROKEN=0

# figure NAME VALUE UNIT BASELINE RATIO LEVEL VERDICT
figure() {
	NAMES+=("$1") VALUES+=("$2") UNITS+=("$3") BASES+=("$4") RATIOS+=("$5")
	LEVELS+=("$6") VERDICTS+=("$7")
	case $7 in
	FAIL) FAILED=$((FAILED + 1)) ;;
	ERROR) BROKEN=$((BROKEN + 1)) ;;
	esac
}

# verdict COND: PASS when the awk condition holds.
verdict() {
	if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi
}

note() { NOTES+=("$*"); }

# bench_phone NUM: the load generators' number for NUM (benchlib.h).
bench_phone() {
	local digits=1345689 n=$(($1 % 70000000))
	printf '+2557%s%07d' "${digits:$((n / 10000000)):1}" $((n % 10000000))
}

# -- start everything ----------------------------------------------------------

REDIS_CPUS=${BENCH_REDIS_CPU:-$LOAD_CPU}
say "$MODE run; sauti: a copy of $SAUTI_ORIGIN; ${SERVER_CPU:+load and Kannel on CPU $LOAD_CPU, the server under test on CPU $SERVER_CPU, Redis on CPU $REDIS_CPUS}"
export KANNEL_LOG_LEVEL=${KANNEL_LOG_LEVEL:-2}
start_redis || bail_out "redis did not start"
HELLO_PORT=$(free_port)
t_spawn hello "$T/hello.log" "$BENCH_BIN/hello" -p "$HELLO_PORT"
start_kannel || bail_out "kannel did not start"
TAP_PORT=$(free_port)
t_spawn tap "$T/tap.out" "$BENCH_BIN/tap" -l "$TAP_PORT" -u "$KANNEL_SENDSMS_PORT" -o "$T/tap.log"
# sauti hands its MTs to the tap, which passes them on to smsbox.
real_sendsms=$KANNEL_SENDSMS_PORT
KANNEL_SENDSMS_PORT=$TAP_PORT
SAUTI_LOG_LEVEL=warn SAUTI_RATE=$TH_RATE write_config "$T_ROOT/tests/flows/broadcast"
KANNEL_SENDSMS_PORT=$real_sendsms
SAUTI_WRAP=${SERVER_CPU:+taskset -c $SERVER_CPU} start_sauti || bail_out "sauti did not start"
t_wait_for 5 port_listening "$HELLO_PORT" || bail_out "hello did not start"
t_wait_for 5 port_listening "$TAP_PORT" || bail_out "the tap did not start"
# The baseline's Kannel runs beside ours, in a helper with a $T of its own;
# started only now, when every port handed out here is bound, as the
# helper's free_port cannot know them.
if stage kannel || stage info; then
	t_spawn kannel2 "$T/kannel2.log" bash "$T_ROOT/tests/bench/run.sh" --kannel-for \
		"$HELLO_PORT" "$T/kannel2.env"
fi
SAUTI_PID=$(sauti_pid) REDIS_PID=$(t_pid redis) HELLO_PID=$(t_pid hello)
pin "$SERVER_CPU" "$SAUTI_PID" "$HELLO_PID"
pin "$REDIS_CPUS" "$REDIS_PID"
pin "$LOAD_CPU" "$(t_pid bearerbox)" "$(t_pid smsbox)"

# What the daemon does to Redis on its own (the broadcaster's ticks), to take
# off the per-step counts; the helper's Kannel starts meanwhile.
read -r n0 e0 a0 _ < <(rstat)
s0=$(now_s)
sleep 2
read -r n1 e1 a1 _ < <(rstat)
s1=$(now_s)
BG_SENT=$(calc "($n1 - $n0) / ($s1 - $s0)")
BG_EVAL=$(calc "($e1 - $e0) / ($s1 - $s0)")
BG_ALL=$(calc "($a1 - $a0) / ($s1 - $s0)")

K2_PIDS=
if stage kannel || stage info; then
	t_wait_for 30 test -s "$T/kannel2.env" ||
		bail_out "the baseline's kannel did not start: $(tail -5 "$T/kannel2.log")"
	# shellcheck disable=SC1091 # written by the helper
	. "$T/kannel2.env"
	# shellcheck disable=SC2086 # a list of pids
	pin "$LOAD_CPU" $K2_PIDS
fi
say "redis :$REDIS_PORT, sauti :$SAUTI_PORT, hello :$HELLO_PORT, kannel fake SMSC :$KANNEL_SMSC_PORT${K2_SMSC_PORT:+, the baseline Kannel :$K2_SMSC_PORT}"

# redis_per_step "BEFORE" "AFTER" SECONDS STEPS: per step, "sent evals
# executed eval_us", less what the daemon does on its own meanwhile.
redis_per_step() {
	local n0 e0 a0 u0 n1 e1 a1 u1
	read -r n0 e0 a0 u0 _ <<<"$1"
	read -r n1 e1 a1 u1 _ <<<"$2"
	echo "$(calc "($n1 - $n0 - $BG_SENT * $3) / $4" 2) $(calc "($e1 - $e0 - $BG_EVAL * $3) / $4" 2)" \
		"$(calc "($a1 - $a0 - $BG_ALL * $3) / $4" 1) $(calc "($u1 - $u0) / $4" 1)"
}

# sauti_trial LOADGEN ARGS...: one trial against sauti with the load
# generator (on the load CPU).  Sets TRIAL_OUT (its line), TRIAL_CPU and
# TRIAL_RCPU (CPU microseconds of sauti and of its Redis per step served) and
# TRIAL_REDIS ("round-trips evals executed eval_us" per step); returns the
# generator's status.
sauti_trial() {
	local t0 r0 before after s0 s1 steps rc=0
	t0=$(cpu_ticks "$SAUTI_PID") r0=$(cpu_ticks "$REDIS_PID")
	before=$(rstat)
	s0=$(now_s)
	TRIAL_OUT=$(load "$@") || rc=$?
	s1=$(now_s)
	after=$(rstat)
	steps=$(steps_between "$before" "$after")
	TRIAL_CPU=$(calc "($(cpu_ticks "$SAUTI_PID") - $t0) * 10000 / ${steps:-0}" 1)
	TRIAL_RCPU=$(calc "($(cpu_ticks "$REDIS_PID") - $r0) * 10000 / ${steps:-0}" 1)
	TRIAL_REDIS=$(redis_per_step "$before" "$after" "$(calc "$s1 - $s0")" "${steps:-0}")
	return "$rc"
}

# restart_sauti_at LEVEL: sauti again, on the same port and CPU, at that log level.
restart_sauti_at() {
	stop_sauti >/dev/null || note "sauti did not exit cleanly: $(tail -3 "$T/sauti.log")"
	sed -i "s/^log_level: .*/log_level: $1/" "$SAUTI_CONFIG"
	SAUTI_WRAP=${SERVER_CPU:+taskset -c $SERVER_CPU} start_sauti || bail_out "sauti did not start at $1"
	SAUTI_PID=$(sauti_pid)
}

# -- ussd_steps: /ussd steps per second, closed loop ----------------------------
bench_ussd() {
	say "ussd_steps: $TRIALS trials of ${USSD_SECS}s, $USSD_CONNS sessions at once"
	h_rates=() s_rates=() pair_ratios=() s_cpu=() h_cpu=() r_cpu=()
	rt_sent=() rt_eval=() rt_all=() rt_us=()
	ussd_errors=0
	ussd_hello() {
		local t0 out
		t0=$(cpu_ticks "$HELLO_PID")
		next_base
		out=$(load "$BENCH_BIN/ussd_load" -p "$HELLO_PORT" -c "$USSD_CONNS" -d "$USSD_SECS" \
			-w "$USSD_WARM" -P "$BASE") || ussd_errors=$((ussd_errors + 1))
		h_rates+=("$(kv "$out" rate)")
		local total
		total=$(kv "$out" total)
		h_cpu+=("$(calc "($(cpu_ticks "$HELLO_PID") - $t0) * 10000 / ${total:-0}" 1)")
	}
	ussd_sauti() {
		local n e a u
		next_base
		sauti_trial "$BENCH_BIN/ussd_load" -p "$SAUTI_PORT" -c "$USSD_CONNS" -d "$USSD_SECS" \
			-w "$USSD_WARM" -P "$BASE" -k || ussd_errors=$((ussd_errors + 1))
		s_rates+=("$(kv "$TRIAL_OUT" rate)") s_cpu+=("$TRIAL_CPU") r_cpu+=("$TRIAL_RCPU")
		read -r n e a u <<<"$TRIAL_REDIS"
		rt_sent+=("$n") rt_eval+=("$e") rt_all+=("$a") rt_us+=("$u")
		USSD_LAST="$TRIAL_OUT"
	}
	local steal0
	steal0=$(steal_ms)
	for ((i = 1; i <= TRIALS; i++)); do
		pair_in_turn "$i" ussd_hello ussd_sauti
		pair_ratios+=("$(calc "${s_rates[-1]} / ${h_rates[-1]}")")
		say "  trial $i: hello ${h_rates[-1]}/s, sauti ${s_rates[-1]}/s"
	done
	US_STEAL=$(($(steal_ms) - steal0))
	US_VALUE=$(median "${s_rates[@]}")
	US_BASE=$(median "${h_rates[@]}")
	US_RATIO=$(median "${pair_ratios[@]}")
	if [ "$ussd_errors" -gt 0 ]; then
		figure "ussd_steps${FIG_SUFFIX:-}" "$US_VALUE" steps/s "$US_BASE" "$US_RATIO" ">= 0.5" ERROR
		note "ussd_steps: $ussd_errors trials had failed requests; last: $USSD_LAST"
	else
		figure "ussd_steps${FIG_SUFFIX:-}" "$(calc "$US_VALUE" 0)" steps/s "$(calc "$US_BASE" 0)" "$US_RATIO" \
			">= 0.5 (aim 0.65)" "$(verdict "$US_RATIO >= 0.5")"
	fi
	# The same comparison in CPU time, whatever else runs on the machine:
	# sauti's own process per step against hello's per request.
	US_CPU=$(median "${s_cpu[@]}") US_HCPU=$(median "${h_cpu[@]}")
	figure "ussd_cpu${FIG_SUFFIX:-}" "$US_CPU" us/step "$US_HCPU" "$(calc "$US_HCPU / $US_CPU")" "-" INFO
	note "ussd_steps trials (steps/s): hello ${h_rates[*]}; sauti ${s_rates[*]}; pair ratios ${pair_ratios[*]}; CPU stolen by the hypervisor over the trials $US_STEAL ms"
	note "CPU per /ussd step (us, median): sauti $(median "${s_cpu[@]}"), its redis $(median "${r_cpu[@]}"); hello $(median "${h_cpu[@]}") per request"
	note "Redis per /ussd step: $(median "${rt_sent[@]}") round trips from sauti, $(median "${rt_eval[@]}") EVAL/EVALSHA, $(median "${rt_all[@]}") commands executed (inside scripts too), $(median "${rt_us[@]}") us in scripts"
	[ -n "$SERVER_CPU" ] && ussd_one_cpu
}

# For information: sauti and its Redis pinned together on the server's one
# CPU, against hello alone on it (the placement of earlier versions: it
# counts Redis' CPU as sauti's).
ussd_one_cpu() {
	local one_cpu=() one_hello=() one_ratios=()
	pin "$SERVER_CPU" "$REDIS_PID"
	for ((i = 1; i <= TRIALS; i++)); do
		pair_in_turn "$i" ussd_hello ussd_sauti
		one_cpu+=("${s_rates[-1]}") one_hello+=("${h_rates[-1]}")
		one_ratios+=("$(calc "${s_rates[-1]} / ${h_rates[-1]}")")
		say "  trial $i, Redis on sauti's CPU: hello ${h_rates[-1]}/s, sauti ${s_rates[-1]}/s"
	done
	pin "$REDIS_CPUS" "$REDIS_PID"
	figure "ussd_steps_1cpu${FIG_SUFFIX:-}" "$(calc "$(median "${one_cpu[@]}")" 0)" steps/s \
		"$(calc "$(median "${one_hello[@]}")" 0)" "$(median "${one_ratios[@]}")" "-" INFO
	note "ussd_steps_1cpu trials (steps/s), Redis pinned on sauti's CPU: hello ${one_hello[*]}; sauti ${one_cpu[*]}; pair ratios ${one_ratios[*]}"
}

# -- ussd_p99: latency at half the most sauti gave --------------------------------
bench_p99() {
	P99_RATE=$(calc "$US_VALUE / 2" 0)
	say "ussd_p99: $P99_TRIALS trials of ${P99_SECS}s at $P99_RATE steps/s, open loop"
	h_p99=() s_p99=() s_got=() s_steal=() s_inside=() h_lag=() s_lag=() p99_errors=0 s_refused=0
	for ((i = 1; i <= P99_TRIALS; i++)); do
		next_base
		out=$(load "$BENCH_BIN/ussd_load" -p "$HELLO_PORT" -r "$P99_RATE" -c "$P99_MAX_CONNS" \
			-d "$P99_SECS" -w "$P99_WARM" -P "$BASE") || p99_errors=$((p99_errors + 1))
		h_p99+=("$(kv "$out" p99_ms)") h_lag+=("$(kv "$out" lag_p99_ms)")
		next_base
		# sauti answering 503 (max_in_flight) or wrongly is counted, and
		# fails the level: those requests got no screen at all.
		steal0=$(steal_ms) times0=$(step_times)
		out=$(load "$BENCH_BIN/ussd_load" -p "$SAUTI_PORT" -r "$P99_RATE" -c "$P99_MAX_CONNS" \
			-d "$P99_SECS" -w "$P99_WARM" -P "$BASE" -k)
		s_steal+=("$(($(steal_ms) - steal0))")
		s_inside+=("$(inside_sauti "$times0" "$(step_times)")")
		refused=$(kv "$out" errors)
		s_refused=$((s_refused + ${refused:-0}))
		s_p99+=("$(kv "$out" p99_ms)") s_got+=("$(kv "$out" rate)") s_lag+=("$(kv "$out" lag_p99_ms)")
		say "  trial $i: p99 hello ${h_p99[-1]} ms, sauti ${s_p99[-1]} ms (p50 $(kv "$out" p50_ms), max $(kv "$out" max_ms), CPU stolen ${s_steal[-1]} ms; inside sauti ${s_inside[-1]}; the client sent late by, p99: hello ${h_lag[-1]} ms, sauti ${s_lag[-1]} ms)"
	done
	P99_VALUE=$(median "${s_p99[@]}")
	P99_BASE=$(median "${h_p99[@]}")
	P99_RATIO=$(calc "$P99_VALUE / ($P99_BASE > 0 ? $P99_BASE : 1)" 2)
	if [ "$p99_errors" -gt 0 ]; then
		p99_verdict=ERROR
	else
		p99_verdict=$(verdict "$P99_VALUE <= 50 && $s_refused == 0")
	fi
	figure ussd_p99 "$P99_VALUE" ms "$P99_BASE" "$P99_RATIO" "<= 50 (aim 5)" "$p99_verdict"
	[ "$s_refused" -gt 0 ] && note "ussd_p99: sauti answered $s_refused requests with an error (503 when more than max_in_flight were in flight)"
	note "ussd_p99 at $P99_RATE steps/s offered (sauti answered ${s_got[*]} /s): p99 hello ${h_p99[*]} ms, sauti ${s_p99[*]} ms; CPU stolen by the hypervisor during sauti's trials ${s_steal[*]} ms; steps inside sauti (its step_duration histogram, warm-up included): $(printf '%s; ' "${s_inside[@]}")the client's own lateness, p99 of each step's write after it fell due: hello ${h_lag[*]} ms, sauti ${s_lag[*]} ms"
}

# -- profile: where sauti's time goes ----------------------------------------------
bench_profile() {
	if [ -n "$PROFILE" ] && perf record -e cpu-clock -o "$T/probe.perf" -- true >/dev/null 2>&1; then
		say "profile: perf record (cpu-clock) of sauti under the USSD load"
		next_base
		perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -o "$T/sauti.perf" \
			-p "$SAUTI_PID" -- sleep 4 >/dev/null 2>&1 &
		perf_pid=$!
		load "$BENCH_BIN/ussd_load" -p "$SAUTI_PORT" -c "$USSD_CONNS" -d 4 -w 0 -P "$BASE" -k >/dev/null
		wait "$perf_pid"
		perf_report() {
			perf report -i "$T/sauti.perf" -g none "$@" 2>/dev/null | grep -v '^#' | grep -v '^$'
		}
		perf_report --no-children --sort dso --percent-limit 0.5 >"$T/profile-dso.txt"
		perf_report --no-children --sort dso,symbol --percent-limit 0.7 | head -30 >"$T/profile-self.txt"
		perf_report --children --sort symbol --percent-limit 2.5 | head -60 >"$T/profile-incl.txt"
		PROFILED=1
	fi
}

# -- kannel_mo: SMS in -> reply out through Kannel ------------------------------
bench_kannel() {
	say "kannel_mo: $KAN_TRIALS trials of ${KAN_SECS}s, $KAN_PHONES phones at once"
	kh_rates=() ks_rates=() k_ratios=() k_sent=() k_eval=() k_all=() k_cpu=() k_rcpu=()
	kan_errors=0
	kan_hello() {
		next_base
		out=$(load "$BENCH_BIN/smsc_load" -p "$K2_SMSC_PORT" -c "$KAN_PHONES" -d "$KAN_SECS" \
			-w "$KAN_WARM" -P "$BASE") || kan_errors=$((kan_errors + 1))
		kh_rates+=("$(kv "$out" rate)")
	}
	kan_sauti() {
		local n e a u
		next_base
		sauti_trial "$BENCH_BIN/smsc_load" -p "$KANNEL_SMSC_PORT" -c "$KAN_PHONES" -d "$KAN_SECS" \
			-w "$KAN_WARM" -P "$BASE" -k || kan_errors=$((kan_errors + 1))
		ks_rates+=("$(kv "$TRIAL_OUT" rate)") k_cpu+=("$TRIAL_CPU") k_rcpu+=("$TRIAL_RCPU")
		read -r n e a _ <<<"$TRIAL_REDIS"
		k_sent+=("$n") k_eval+=("$e") k_all+=("$a")
		KAN_LAST="$TRIAL_OUT"
	}
	for ((i = 1; i <= KAN_TRIALS; i++)); do
		pair_in_turn "$i" kan_hello kan_sauti
		k_ratios+=("$(calc "${ks_rates[-1]} / ${kh_rates[-1]}")")
		say "  trial $i: via hello ${kh_rates[-1]}/s, via sauti ${ks_rates[-1]}/s (sauti p50 $(kv "$KAN_LAST" p50_ms) ms)"
	done
	KM_VALUE=$(median "${ks_rates[@]}")
	KM_BASE=$(median "${kh_rates[@]}")
	KM_RATIO=$(median "${k_ratios[@]}")
	if [ "$kan_errors" -gt 0 ]; then
		figure "kannel_mo${FIG_SUFFIX:-}" "$KM_VALUE" msg/s "$KM_BASE" "$KM_RATIO" ">= 0.90" ERROR
		note "kannel_mo: $kan_errors trials had lost or wrong replies; last: $KAN_LAST"
	else
		figure "kannel_mo${FIG_SUFFIX:-}" "$(calc "$KM_VALUE" 0)" msg/s "$(calc "$KM_BASE" 0)" "$KM_RATIO" ">= 0.90" \
			"$(verdict "$KM_RATIO >= 0.90")"
	fi
	note "kannel_mo trials (MO answered/s): via hello ${kh_rates[*]}; via sauti ${ks_rates[*]}"
	# One round trip per step is the aim (the baseline): a walk of the
	# survey's 7 messages costs 8 scripts, the first load and 7 commits.
	SMS_RT=$(median "${k_sent[@]}")
	figure "sms_round_trips${FIG_SUFFIX:-}" "$SMS_RT" round_trips/step 1 "$SMS_RT" "<= 1.2" "$(verdict "$SMS_RT <= 1.2")"
	note "Redis per SMS step: $SMS_RT round trips from sauti, $(median "${k_eval[@]}") EVAL/EVALSHA, $(median "${k_all[@]}") commands executed"
	note "CPU per SMS step (us, median): sauti $(median "${k_cpu[@]}"), its redis $(median "${k_rcpu[@]}")"
}

# -- throttle: a broadcast paced at kannel.rate ------------------------------------
bench_throttle() {
	# window_stats FILE RATE: "count average busiest_1s" of the WALL_US stamps.
	window_stats() {
		sort -n "$1" | awk -v r="$2" '
			{ t[NR] = $1 }
			END {
				if (NR < 2) { print NR, 0, 0; exit }
				j = 1; best = 0
				for (i = 1; i <= NR; i++) {
					while (j <= NR && t[j] < t[i] + 1000000) j++
					if (j - i > best) best = j - i
				}
				printf "%d %.3f %d\n", NR, (NR - 1) / ((t[NR] - t[1]) / 1e6), best
			}'
	}

	say "throttle: a broadcast to $TH_N contacts at kannel.rate $TH_RATE"
	{
		echo "phone,name,language,groups"
		for ((i = 1; i <= TH_N; i++)); do
			printf '+2557%08d,Mchimbaji %d,%s,bench\n' $((90000000 + i)) "$i" \
				"$( ((i % 3)) && echo sw || echo en)"
		done
	} >"$T/contacts.csv"
	"$SAUTI_BIN" contacts import -c "$SAUTI_CONFIG" "$T/contacts.csv" >"$T/import.log" 2>&1 ||
		bail_out "contacts import failed: $(cat "$T/import.log")"
	tap_before=$(wc -l <"$T/tap.log")
	# shellcheck disable=SC2086 # the taskset words
	t_spawn sink "$T/sink.out" ${LOAD_CPU:+taskset -c $LOAD_CPU} "$BENCH_BIN/smsc_load" -p "$KANNEL_SMSC_PORT" -S -n "$TH_N" \
		-o "$T/sink.log" -t 30 -R +25579
	t_wait_for 10 sh -c "curl -sf 'http://127.0.0.1:$KANNEL_ADMIN_PORT/status.txt?password=$KANNEL_ADMIN_PASSWORD' | grep -q 'FAKE:$KANNEL_SMSC_PORT (online'" ||
		bail_out "the sink did not connect"
	say "  contacts imported, sink connected; broadcasting"
	bc_id=$("$SAUTI_BIN" broadcast -c "$SAUTI_CONFIG" invite --to group:bench 2>"$T/broadcast.err") ||
		bail_out "broadcast failed: $(cat "$T/broadcast.err")"
	t_wait_for $((TH_N / TH_RATE + 90)) test -e "$T/pids/sink.rc"
	say "  the sink has its $TH_N MTs"
	t_stop sink 2
	tail -n +$((tap_before + 1)) "$T/tap.log" | awk '{ print $1 }' >"$T/handed.txt"
	read -r th_n th_avg th_max < <(window_stats "$T/handed.txt" "$TH_RATE")
	read -r sk_n sk_avg sk_max < <(window_stats "$T/sink.log" "$TH_RATE")
	bc_status=$("$SAUTI_BIN" broadcast -c "$SAUTI_CONFIG" status "$bc_id" 2>&1 | tr '\n' ' ')
	if [ "$th_n" -ne "$TH_N" ]; then
		figure throttle "$th_avg" msg/s "$TH_RATE" "$(calc "$th_avg / $TH_RATE")" ">= 0.95" ERROR
		figure throttle_max_1s "$th_max" msg/s "$TH_RATE" "$(calc "$th_max / $TH_RATE")" "<= 1.0" ERROR
		note "throttle: $th_n of $TH_N MTs reached Kannel; broadcast status: $bc_status"
	else
		figure throttle "$(calc "$th_avg" 2)" msg/s "$TH_RATE" "$(calc "$th_avg / $TH_RATE")" ">= 0.95" \
			"$(verdict "$th_avg / $TH_RATE >= 0.95")"
		figure throttle_max_1s "$th_max" msg/s "$TH_RATE" "$(calc "$th_max / $TH_RATE")" "<= 1.0" \
			"$(verdict "$th_max <= $TH_RATE")"
	fi
	note "throttle: $th_n MTs handed to Kannel (tap on sendsms), average $th_avg/s, busiest second $th_max; at the SMSC (sink): $sk_n, average $sk_avg/s, busiest second $sk_max; status: $bc_status"
}

# -- session_bytes: Redis memory per session ------------------------------------------
bench_memory() {
	say "session_bytes: $MEM_N USSD sessions stopped mid-survey, then completed"
	empty_store
	payload() { redis_cli --eval "$T_ROOT/tests/bench/payload.lua"; }
	# The USSD repeat keys (sauti:mo:{PHONE}:u:*) live 15 minutes; dropping every
	# key that would be gone by then (they, and the pm:{PHONE} that names them,
	# whose time to live is its newest reply's) stands for waiting that long.
	drop_repeats() {
		redis_cli --eval "$T_ROOT/tests/bench/expire.lua" , 900 >/dev/null
	}
	mem_errors=0
	next_base
	# Enough sessions first that every key kind is in its large encoding (a
	# zset or set past 128 members stops being a listpack): the figure is
	# what one more session costs.
	load "$BENCH_BIN/ussd_load" -p "$SAUTI_PORT" -c 32 -n 300 -P "$BASE" -k >/dev/null ||
		mem_errors=$((mem_errors + 1))
	drop_repeats
	# payload.lua's first run leaves Redis' script client with reply buffers
	# of about 150 KB for good (Redis 7.0: a script's large reply): once
	# before m0, so that every reading holds them, not only m1 and m3.
	payload >/dev/null
	m0=$(settled_memory) p0=$(payload)
	next_base
	load "$BENCH_BIN/ussd_load" -p "$SAUTI_PORT" -c 32 -n "$MEM_N" -l 4 -P "$BASE" -k >/dev/null ||
		mem_errors=$((mem_errors + 1))
	m1=$(settled_memory) p1=$(payload)
	phone=$(bench_phone "$BASE")
	run_id=$(redis_cli get "sauti:cur:ussd:{$phone}")
	mo_avg=$(redis_cli --scan --pattern 'sauti:mo:*' | head -200 | sed 's/^/MEMORY USAGE /' |
		redis_cli | awk '{ s += $1 } END { printf "%.0f", NR ? s / NR : 0 }')
	mo_keys=$(redis_cli --scan --pattern 'sauti:mo:*' | wc -l)
	note "one active session: run hash $(redis_cli memory usage "sauti:r:$run_id") B, contact $(redis_cli memory usage "sauti:c:{$phone}") B, pointer $(redis_cli memory usage "sauti:cur:ussd:{$phone}") B, $(calc "$mo_keys / ($MEM_N + 0)" 1) repeat keys of $mo_avg B (MEMORY USAGE, without the main dictionary's entries)"
	load "$BENCH_BIN/ussd_load" -p "$SAUTI_PORT" -c 32 -n "$MEM_N" -f 4 -P "$BASE" -k >/dev/null ||
		mem_errors=$((mem_errors + 1))
	m2=$(settled_memory)
	drop_repeats
	m3=$(settled_memory) p3=$(payload)
	SB=$(calc "($m1 - $m0) / $MEM_N" 0) SB_P=$(calc "($p1 - $p0) / $MEM_N" 0)
	SR=$(calc "($m3 - $m0) / $MEM_N" 0) SR_P=$(calc "($p3 - $p0) / $MEM_N" 0)
	mem_verdict() {
		if [ "$mem_errors" -gt 0 ]; then echo ERROR; else verdict "$1 <= 1024"; fi
	}
	figure session_bytes "$SB" bytes "$SB_P" "$(calc "$SB / $SB_P" 2)" "<= 1024" "$(mem_verdict "$SB")"
	figure session_bytes_run "$SR" bytes "$SR_P" "$(calc "$SR / $SR_P" 2)" "<= 1024" "$(mem_verdict "$SR")"
	note "session memory: $MEM_N sessions at step 4 of 7 (after dial, language, district, works): $SB B each (data $SB_P B); completed, with their repeat keys: $(calc "($m2 - $m0) / $MEM_N" 0) B; after the repeat keys expire: $SR B (data $SR_P B)"
}

# -- export_rss: sauti export over stored runs -----------------------------------
bench_export() {
	say "export_rss: sauti export over $EXP_N stored runs"
	empty_store
	now=$(date +%s)
	for ((i = 0; i < EXP_N; i += 10000)); do
		n=$((EXP_N - i < 10000 ? EXP_N - i : 10000))
		redis_cli --eval "$T_ROOT/tests/bench/gen_runs.lua" , "$i" "$n" "$now" >/dev/null
	done
	[ "$(redis_cli zcard sauti:runs:district)" -eq "$EXP_N" ] || bail_out "gen_runs.lua made $(redis_cli zcard sauti:runs:district) runs"
	# Every attempt counts: one that stops short is a failure the figure
	# shows (export_rows), not one to try again.
	ex_secs=() ex_rss=() ex_rows=() sc_secs=() sc_rss=() ex_fail_msg=
	for ((i = 1; i <= EXP_TRIALS; i++)); do
		s0=$(now_s)
		load /usr/bin/time -f %M -o "$T/export.time" "$SAUTI_BIN" export -c "$SAUTI_CONFIG" \
			district >"$T/export.csv" 2>"$T/export.err"
		rc=$?
		s1=$(now_s)
		rows=$(($(wc -l <"$T/export.csv") - 1))
		ex_rows+=("$rows") ex_rss+=("$(tail -1 "$T/export.time")")
		if [ $rc -eq 0 ] && [ "$rows" -eq "$EXP_N" ]; then
			ex_secs+=("$(calc "$s1 - $s0")")
		else
			ex_fail_msg="exit status $rc after $rows of $EXP_N rows in $(calc "$s1 - $s0" 2) s; stderr: $(head -c 300 "$T/export.err" | tr '\n' ' ')"
		fi
		s0=$(now_s)
		load /usr/bin/time -f %M -o "$T/scan.time" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" \
			--scan --pattern 'sauti:r:*' >"$T/scan.out"
		s1=$(now_s)
		keys=$(wc -l <"$T/scan.out")
		sc_secs+=("$(calc "$s1 - $s0")") sc_rss+=("$(tail -1 "$T/scan.time")")
	done
	EX_RSS=$(printf '%s\n' "${ex_rss[@]}" | sort -n | tail -1)
	SC_RATE=$(calc "$keys / $(median "${sc_secs[@]}")" 0)
	if [ ${#ex_secs[@]} -gt 0 ]; then
		EX_RATE=$(calc "$EXP_N / $(median "${ex_secs[@]}")" 0)
		EX_RATIO=$(calc "$EX_RATE / $SC_RATE")
	else
		EX_RATE=- EX_RATIO=-
	fi
	figure export_rss "$(calc "$EX_RSS / 1024" 1)" MiB "$SC_RATE" "$EX_RATIO" "<= 64" \
		"$(verdict "$EX_RSS / 1024 <= 64")"
	figure export_rate "$EX_RATE" runs/s "$SC_RATE" "$EX_RATIO" "-" INFO
	EX_MIN=$(printf '%s\n' "${ex_rows[@]}" | sort -n | head -1)
	figure export_rows "$EX_MIN" rows "$EXP_N" "$(calc "$EX_MIN / $EXP_N" 4)" "= 1 (all)" \
		"$(verdict "$EX_MIN == $EXP_N")"
	note "export of $EXP_N runs: rows ${ex_rows[*]}; complete ones took ${ex_secs[*]} s; peak RSS ${ex_rss[*]} KiB; redis-cli --scan of the same $keys keys: ${sc_secs[*]} s, peak RSS ${sc_rss[*]} KiB"
	[ -n "$ex_fail_msg" ] && note "export stopped short: $ex_fail_msg"
}

# -- bulk: a national contact list imported, and a broadcast to all of it --------
# slowlog_max: the longest Redis command of the stage (SLOWLOG, every command
# over 1 ms kept); bulk_ussd_p99: /ussd steps at a modest rate while the
# broadcast is planned; status_ms: GET /api/broadcasts/ID meanwhile.
# The time GET /api/broadcasts/ID takes, in ms: the least of three calls in a
# row, so that a moment the shared machine gives the daemon no CPU is not
# taken for the cost of the status itself.  Leaves the answer in status.json.
status_time() {
	local best="" st
	for _ in 1 2 3; do
		st=$(curl -s -o "$T/status.json" -w '%{time_total}' -H "Authorization: Bearer $TEST_API_TOKEN" \
			"$SAUTI_URL/api/broadcasts/$1")
		st=$(calc "$st * 1000" 2)
		if [ -z "$best" ] || [ "$(calc "$st < $best" 0)" = 1 ]; then best=$st; fi
	done
	echo "$best"
}

bench_bulk() {
	say "bulk: import of $BULK_N contacts, then a broadcast to all of them"
	empty_store
	redis_cli config set slowlog-log-slower-than 1000 >/dev/null
	redis_cli config set slowlog-max-len 10000 >/dev/null
	redis_cli slowlog reset >/dev/null
	# Valid Tanzanian mobile numbers (libphonenumber): 0712xxxxxx, 0754xxxxxx.
	awk -v n="$BULK_N" 'BEGIN { print "phone,name,language,groups,district"
		for (i = 0; i < n; i++)
			printf "07%s%06d,Mchimbaji %d,%s,kundi;g%d,Geita\n", i < 1000000 ? "12" : "54",
				i % 1000000, i, i % 3 ? "sw" : "en", i % 10 }' >"$T/bulk.csv"
	m0=$(used_memory)
	s0=$(now_s)
	load /usr/bin/time -f %M -o "$T/import.time" "$SAUTI_BIN" contacts import -c "$SAUTI_CONFIG" \
		"$T/bulk.csv" >/dev/null 2>"$T/import.err"
	rc=$?
	s1=$(now_s)
	stored=$(redis_cli scard sauti:contacts)
	IM_RSS=$(tail -1 "$T/import.time")
	m1=$(settled_memory)
	if [ $rc -ne 0 ] || [ "$stored" -ne "$BULK_N" ]; then
		figure import_rate - contacts/s - - "-" ERROR
		note "import stopped short: exit $rc, $stored of $BULK_N stored: $(tail -3 "$T/import.err" | tr '\n' ' ')"
		return
	fi
	IM_RATE=$(calc "$BULK_N / ($s1 - $s0)" 0)
	figure import_rate "$IM_RATE" contacts/s - - "-" INFO
	figure import_rss "$(calc "$IM_RSS / 1024" 1)" MiB 64 "$(calc "$IM_RSS / 1024 / 64" 2)" "<= 64" \
		"$(verdict "$IM_RSS / 1024 <= 64")"
	note "import of $BULK_N contacts: $(calc "$s1 - $s0" 1) s, peak RSS $IM_RSS KiB, Redis $(calc "($m1 - $m0) / $BULK_N" 0) bytes per contact"

	# The broadcast to all: planned by the daemon while /ussd is served.
	next_base
	s0=$(now_s)
	id=$("$SAUTI_BIN" broadcast invite --to all -c "$SAUTI_CONFIG" 2>/dev/null)
	p99s=() status_ms=() state=scheduled
	while [ "$state" = scheduled ] || [ "$state" = planning ]; do
		out=$(load "$BENCH_BIN/ussd_load" -p "$SAUTI_PORT" -r 100 -c 200 -d 2 -w 0.2 -P "$BASE" -k)
		BASE=$((BASE + 10000))
		p99s+=("$(kv "$out" p99_ms)")
		status_ms+=("$(status_time "$id")")
		state=$(jq -r .state "$T/status.json" 2>/dev/null)
		[ "$(calc "$(now_s) - $s0" 0)" -gt 900 ] && break
	done
	s1=$(now_s)
	m2=$(settled_memory)
	# Every recipient planned, whatever state the sending has moved it to
	# since (the status' total leaves out the few being handed to Kannel).
	queued=$(redis_cli hmget "sauti:bc:$id" n:queued n:waiting n:sending n:sent n:failed \
		n:skipped n:cancelled | awk '{ n += $1 } END { print n + 0 }')
	if [ "$state" != sending ] || [ "$queued" -lt "$BULK_N" ]; then
		figure plan_rate - recipients/s - - "-" ERROR
		note "the broadcast to all: state $state after $(calc "$s1 - $s0" 0) s, $queued of $BULK_N queued"
		return
	fi
	PL_RATE=$(calc "$BULK_N / ($s1 - $s0)" 0)
	figure plan_rate "$PL_RATE" recipients/s - - "-" INFO
	P99_MAX=$(printf '%s\n' "${p99s[@]}" | sort -g | tail -1)
	figure bulk_ussd_p99 "$P99_MAX" ms - - "<= 50" "$(verdict "$P99_MAX <= 50")"
	ST_MAX=$(printf '%s\n' "${status_ms[@]}" | sort -g | tail -1)
	figure status_ms "$ST_MAX" ms - - "<= 5" "$(verdict "$ST_MAX <= 5")"
	# One read of the SLOWLOG (each read is itself a slow command), without
	# the bench's own SLOWLOG and CONFIG calls.
	redis_cli --json slowlog get 10000 |
		jq -c '[.[] | select((.[3][0] | ascii_downcase) != "slowlog" and (.[3][0] | ascii_downcase) != "config")]' \
		>"$T/slowlog.json"
	SLOW_MAX=$(jq '[.[][2]] | max // 0 | . / 1000' "$T/slowlog.json")
	figure slowlog_max "$SLOW_MAX" ms - - "<= 10" "$(verdict "$SLOW_MAX <= 10")"
	SLOW_OVER=$(jq '[.[] | select(.[2] > 10000)] | length' "$T/slowlog.json")
	SLOW_N=$(jq length "$T/slowlog.json")
	# The slowest three: ms, the command and its first argument (a script's sha),
	# never the rest (numbers).
	SLOWEST=$(jq -r 'sort_by(-.[2]) | .[0:3] | map("\(.[2] / 1000) ms \(.[3][0]) \(.[3][1] // "" | .[0:12]) (\(.[3] | length) args)") | join("; ")' \
		"$T/slowlog.json")
	note "bulk: the slowest commands: ${SLOWEST:-none}"
	note "bulk: $SLOW_N commands over 1 ms, $SLOW_OVER over 10 ms (SLOWLOG is wall time: on a loaded machine it includes Redis waiting for a CPU); load average $(cut -d' ' -f1-3 /proc/loadavg)"
	note "broadcast to all $BULK_N: planned and queued in $(calc "$s1 - $s0" 1) s, Redis $(calc "($m2 - $m1) / $BULK_N" 0) bytes per queued recipient; /ussd p99 per 2 s window while planning ${p99s[*]} ms; status (least of three calls) ${status_ms[*]} ms"
	# The rest need not go out: cancelled, the outbox drains without Kannel.
	"$SAUTI_BIN" broadcast cancel "$id" -c "$SAUTI_CONFIG" >/dev/null 2>&1
	redis_cli config set slowlog-log-slower-than 10000 >/dev/null
}

# -- run ------------------------------------------------------------------------------

if stage ussd; then
	bench_ussd
	bench_p99
	[ -n "$PROFILE" ] && bench_profile
fi
stage kannel && bench_kannel
# The default configuration: the same closed loop and Kannel walk with
# sauti at log_level info (a line per message, its number pseudonymised),
# figures named *_info with the levels of the warn ones.
if stage info; then
	restart_sauti_at info
	FIG_SUFFIX=_info
	bench_ussd
	bench_kannel
	FIG_SUFFIX=
	restart_sauti_at warn
fi
# The baseline's Kannel, stopped without waiting: its helper takes Kannel
# down on its own.
{ stage kannel || stage info; } && kill -TERM "$(t_pid kannel2)" 2>/dev/null
stage throttle && bench_throttle
stage memory && bench_memory
stage export && bench_export
stage bulk && bench_bulk

# -- report ---------------------------------------------------------------------------

stop_sauti >/dev/null || note "sauti did not exit cleanly: $(tail -3 "$T/sauti.log")"
for ((i = 0; i < ${#NAMES[@]}; i++)); do
	printf 'BENCH name=%s value=%s unit=%s baseline=%s ratio=%s\n' "${NAMES[i]}" \
		"${VALUES[i]}" "${UNITS[i]}" "${BASES[i]}" "${RATIOS[i]}"
done
echo
printf '%-18s %12s %-8s %12s %7s  %-18s %s\n' figure value unit baseline ratio level verdict
for ((i = 0; i < ${#NAMES[@]}; i++)); do
	printf '%-18s %12s %-8s %12s %7s  %-18s %s\n' "${NAMES[i]}" "${VALUES[i]}" "${UNITS[i]}" \
		"${BASES[i]}" "${RATIOS[i]}" "${LEVELS[i]}" "${VERDICTS[i]}"
done
echo
echo "baselines: ussd_steps, ussd_p99 - tests/bench/hello.c (bare evhttp), same client, same run;"
echo "  ussd_cpu - CPU time of the sauti process per step and of hello per request (ratio hello/sauti);"
echo "  kannel_mo - the same Kannel set-up pointed at hello; sms_round_trips - one per step, the aim; session_bytes* - the bytes of the"
echo "  keys, fields and values themselves; throttle* - kannel.rate; export_rss, export_rate -"
echo "  redis-cli --scan over the same keys (keys/s; ratio = export runs/s over it); export_rows - runs stored;"
echo "  import_rss - the level (64 MiB); import_rate, plan_rate, bulk_ussd_p99, status_ms, slowlog_max - none."
for n in "${NOTES[@]}"; do
	echo "- $n"
done
if [ -n "${PROFILED:-}" ]; then
	echo
	echo "perf (cpu-clock samples) of sauti under the USSD load: time by library"
	sed 's/^/    /' "$T/profile-dso.txt"
	echo "self time by symbol:"
	sed 's/^/    /' "$T/profile-self.txt"
	echo "inclusive time (children) by symbol:"
	sed 's/^/    /' "$T/profile-incl.txt"
fi
echo
if [ "$BROKEN" -gt 0 ]; then
	echo "bench: $BROKEN figures could not be measured, $FAILED levels missed"
	exit 2
fi
if [ "$FAILED" -gt 0 ]; then
	echo "bench: $FAILED of ${#NAMES[@]} levels missed"
	exit 1
fi
echo "bench: every level met"
exit 0
