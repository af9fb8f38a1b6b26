# shellcheck shell=bash
# lib.sh -- the integration tests' library: TAP for prove, and the real
# daemons (redis-server, Kannel's bearerbox + smsbox + fakesmsc, sauti) on
# 127.0.0.1, on free ports, in a temporary directory.
#
# A test is a bash script tests/integration/NN-name.t that reads like a
# specification.  Its first line must be `#!/usr/bin/env bash`: prove hands
# a .t file to perl, which runs the interpreter its #! line names.
#
#	#!/usr/bin/env bash
#	. "$(dirname "$0")/../lib.sh"
#
#	start_redis
#	start_kannel            # smsbox's sms-service points at $SAUTI_PORT
#	write_config            # $T/sauti.yaml for these ports
#	start_sauti             # $SAUTI_BIN serve, waits for /healthz
#
#	t_is "$(fakesmsc_send +255712345678 15055 UTAFITI)" "Karibu ..." \
#		"the keyword starts the survey in Swahili"
#	done_testing
#
# Everything started here is stopped, and $T removed, when the test exits,
# fails or is interrupted (T_KEEP=1 keeps $T and says where it is).  The
# daemons are not jobs of the test's shell, so a plain `wait` waits only for
# the test's own `cmd &`.  The t_* functions return the test's result, so do
# not run tests under `set -e`.
#
# Knobs (environment): SAUTI_BIN (default ./sauti), SAUTI_WRAP (a command
# put before sauti, e.g. "valgrind -q --error-exitcode=99"),
# SAUTI_START_TIMEOUT, KANNEL_LOG_LEVEL, FAKESMSC_TIMEOUT, FAKESMSC_SETTLE,
# FAKESMSC_EXPECT, FAKESMSC_CODING, T_KEEP.

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SAUTI_BIN=${SAUTI_BIN:-$T_ROOT/sauti}
export SAUTI_BIN
T_PYTHON=${T_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
KANNEL_FAKESMSC=${KANNEL_FAKESMSC:-/usr/lib/kannel/test/fakesmsc}
export KANNEL_FAKESMSC

# The tests give sauti its secrets in the config file; a developer's own
# SAUTI_* variables would override them (config.h: the environment wins).
# What this library exports describes one test's daemons: a test started by
# another test starts afresh.
unset SAUTI_API_TOKEN SAUTI_KANNEL_PASSWORD SAUTI_PSEUDONYM_KEY \
	T REDIS_PORT REDIS_URL SAUTI_PORT SAUTI_URL SAUTI_CONFIG \
	KANNEL_ADMIN_PORT KANNEL_ADMIN_PASSWORD KANNEL_SMSBOX_PORT \
	KANNEL_SMSC_PORT KANNEL_SENDSMS_PORT KANNEL_SENDSMS_URL \
	KANNEL_USERNAME KANNEL_PASSWORD KANNEL_CONF TEST_API_TOKEN TEST_PSEUDONYM_KEY

T_NUM=0
T_FAILS=0
T_PLANNED=
T_DONE=

# -- TAP ------------------------------------------------------------------------

plan() {
	T_PLANNED=$1
	echo "1..$1"
}

# diag MESSAGE...: to stderr, shown by prove even without -v; each argument
# on lines of its own.
diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do
		printf '# %s\n' "$line"
	done >&2
}

# note MESSAGE...: to stdout, shown by prove -v.
note() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do
		printf '# %s\n' "$line"
	done
}

bail_out() {
	echo "Bail out! $*"
	exit 255
}

# _t_result STATUS DESCRIPTION [DIAGNOSTIC...]: prints the TAP line; on
# failure says where, then the diagnostics, then what sauti logged since the
# last failure (at most T_LOG_LINES lines, default 15).
_t_result() {
	local status=$1 desc=$2 where
	shift 2
	T_NUM=$((T_NUM + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $T_NUM - $desc"
		return 0
	fi
	echo "not ok $T_NUM - $desc"
	T_FAILS=$((T_FAILS + 1))
	where=$(caller 1)
	diag "  Failed test '$desc'"
	diag "  at ${where##* } line ${where%% *}."
	[ $# -gt 0 ] && diag "$@"
	_t_log_tail
	return 1
}

T_LOG_SHOWN=0
_t_log_tail() {
	local total from
	[ -s "$T/sauti.log" ] || return 0
	total=$(wc -l <"$T/sauti.log")
	from=$((total - ${T_LOG_LINES:-15}))
	[ "$from" -lt "$T_LOG_SHOWN" ] && from=$T_LOG_SHOWN
	[ "$from" -ge "$total" ] && return 0
	diag "  sauti.log, lines $((from + 1))-$total:"
	diag "$(tail -n +"$((from + 1))" "$T/sauti.log" | sed 's/^/    /')"
	T_LOG_SHOWN=$total
}

_t_indent() {
	tail -n 20 "$1" | sed 's/^/    /'
}

# t_ok DESCRIPTION COMMAND...: passes when COMMAND succeeds.  COMMAND runs in
# this shell (functions are fine); its output is shown only on failure.
t_ok() {
	local desc=$1 rc
	shift
	"$@" >"$T/t_ok.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && { _t_result 0 "$desc"; return; }
	_t_result 1 "$desc" "  '$*' exited with $rc:" "$(_t_indent "$T/t_ok.out")"
}

# t_fails DESCRIPTION COMMAND...: passes when COMMAND fails.
t_fails() {
	local desc=$1
	shift
	"$@" >"$T/t_ok.out" 2>&1 || { _t_result 0 "$desc"; return; }
	_t_result 1 "$desc" "  '$*' succeeded, expected a failure:" \
		"$(_t_indent "$T/t_ok.out")"
}

# t_is GOT EXPECTED DESCRIPTION
t_is() {
	[ "$1" = "$2" ] && { _t_result 0 "$3"; return; }
	_t_result 1 "$3" "         got: '$1'" "    expected: '$2'"
}

# t_isnt GOT UNEXPECTED DESCRIPTION
t_isnt() {
	[ "$1" != "$2" ] && { _t_result 0 "$3"; return; }
	_t_result 1 "$3" "         got: '$1'" "    expected: anything else"
}

# t_like GOT ERE DESCRIPTION (bash's =~, so an extended regular expression)
t_like() {
	[[ $1 =~ $2 ]] && { _t_result 0 "$3"; return; }
	_t_result 1 "$3" "                  '$1'" "    doesn't match '$2'"
}

# t_unlike GOT ERE DESCRIPTION
t_unlike() {
	[[ $1 =~ $2 ]] || { _t_result 0 "$3"; return; }
	_t_result 1 "$3" "                  '$1'" "          matches '$2'"
}

# t_skip REASON [COUNT]
t_skip() {
	local i
	for ((i = 0; i < ${2:-1}; i++)); do
		T_NUM=$((T_NUM + 1))
		echo "ok $T_NUM # skip $1"
	done
}

# done_testing: stops a running sauti and checks that it exits cleanly
# (status 0, no sanitizer report), prints the plan, exits.
done_testing() {
	if [ -f "$T/pids/sauti.pid" ]; then
		t_ok "sauti exits cleanly on SIGTERM" stop_sauti
	fi
	T_DONE=1
	if [ -z "$T_PLANNED" ]; then
		echo "1..$T_NUM"
	elif [ "$T_PLANNED" -ne "$T_NUM" ]; then
		diag "planned $T_PLANNED tests but ran $T_NUM"
		T_FAILS=$((T_FAILS + 1))
	fi
	[ "$T_FAILS" -gt 254 ] && T_FAILS=254
	exit "$T_FAILS"
}

# t_wait_for SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds
# (0) or SECONDS pass (1).
t_wait_for() {
	local deadline now
	deadline=$(($(_t_now_ms) + $(_t_ms "$1")))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		now=$(_t_now_ms)
		[ "$now" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# seconds ("1.5") to milliseconds
_t_ms() {
	local int=${1%%.*} frac=
	[[ $1 == *.* ]] && frac=${1#*.}
	frac=${frac}000
	echo $((10#${int:-0} * 1000 + 10#${frac:0:3}))
}

_t_now_ms() {
	local t=${EPOCHREALTIME/,/.}
	echo $((${t%.*} * 1000 + 10#${t#*.} / 1000))
}

# -- processes and the temporary directory --------------------------------------

# t_tmpdir: prints the test's temporary directory ($T), made when lib.sh is
# sourced.
t_tmpdir() {
	if [ -z "${T:-}" ]; then
		T=$(mktemp -d "${TMPDIR:-/tmp}/sauti-test.XXXXXX") || bail_out "mktemp failed"
		mkdir -p "$T/pids"
		: >"$T/ports"
		export T
	fi
	echo "$T"
}

# t_spawn NAME LOG COMMAND...: starts COMMAND in the background from the
# repository root, output to LOG; its pid goes to $T/pids/NAME.pid so that it
# is stopped at exit, and its exit status to $T/pids/NAME.rc when it ends.
# A small subshell waits for it and records the status; that subshell is
# disowned, so the daemons are not jobs of the test's shell and a plain
# `wait` in a test waits only for the test's own background jobs.
t_spawn() {
	local name=$1 log=$2
	shift 2
	rm -f "$T/pids/$name.pid" "$T/pids/$name.rc"
	(
		cd "$T_ROOT" || exit 1
		"$@" >"$log" 2>&1 </dev/null &
		echo $! >"$T/pids/$name.pid.new"
		mv "$T/pids/$name.pid.new" "$T/pids/$name.pid"
		# (bash's "PID Killed" line for a daemon stopped at exit is noise)
		{ wait $!; } 2>/dev/null
		{ echo $? >"$T/pids/$name.rc"; } 2>/dev/null
	) &
	disown $!
	while [ ! -f "$T/pids/$name.pid" ]; do
		sleep 0.01
	done
}

# t_pid NAME: the pid of a process t_spawn started, if it runs.
t_pid() {
	local pid
	[ -f "$T/pids/$1.pid" ] || return 1
	pid=$(<"$T/pids/$1.pid")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# t_stop NAME [GRACE]: SIGTERM, up to GRACE seconds (default 5), then
# SIGKILL.  Returns the process's exit status (128+N for signal N).
t_stop() {
	local f="$T/pids/$1.pid" pid i
	[ -f "$f" ] || return 0
	pid=$(<"$f")
	rm -f "$f"
	_t_kill "$pid" "${2:-5}"
	for ((i = 0; i < 100; i++)); do
		[ -s "$T/pids/$1.rc" ] && return "$(<"$T/pids/$1.rc")"
		sleep 0.01
	done
	return 255
}

_t_kill() {
	local pid=$1 grace
	grace=$(_t_ms "$2")
	kill -TERM "$pid" 2>/dev/null
	while [ "$grace" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.05
		grace=$((grace - 50))
	done
	kill -KILL "$pid" 2>/dev/null
}

# At exit: every process still listed is sent SIGTERM, given a second, then
# SIGKILL; then $T goes.  Kannel's boxes take up to 2 s to stop cleanly and
# nothing of theirs outlives $T, so they are not waited for longer.
_t_cleanup() {
	local rc=$? f pid pids=() rcs=() i
	trap - EXIT INT TERM HUP
	[ -n "${T:-}" ] && [ -d "$T" ] || exit $rc
	if [ -z "$T_DONE" ] && [ "$T_NUM" -gt 0 ] && [ "$rc" -eq 0 ]; then
		diag "test exited before done_testing"
		rc=1
	fi
	if [ "$T_FAILS" -gt 0 ] || [ "$rc" -ne 0 ]; then
		for f in "$T"/kannel/smsbox.log "$T"/kannel/bearerbox.out "$T"/kannel/smsbox.out; do
			[ -s "$f" ] || continue
			diag "last lines of ${f#"$T"/}:"
			diag "$(tail -n 8 "$f" | sed 's/^/    /')"
		done
	fi
	for f in "$T"/pids/*.pid; do
		[ -e "$f" ] || continue
		pid=$(<"$f")
		kill -TERM "$pid" 2>/dev/null && pids+=("$pid") && rcs+=("${f%.pid}.rc")
	done
	for ((i = 0; i < 20; i++)); do
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null && break
			pid=
		done
		[ -z "${pid:-}" ] && break
		sleep 0.05
	done
	for pid in "${pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	# the subshells t_spawn left write each exit status into $T
	for f in "${rcs[@]}"; do
		for ((i = 0; i < 50; i++)); do
			[ -e "$f" ] && break
			sleep 0.01
		done
	done
	while read -r f; do
		rmdir "$T_PORT_CLAIMS/$f" 2>/dev/null
	done <"$T/ports"
	if [ -n "${T_KEEP:-}" ]; then
		diag "kept $T"
	else
		rm -rf "$T"
	fi
	exit $rc
}

trap _t_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
t_tmpdir >/dev/null

# median NUMBER...: the middle one (the mean of the two middle ones).
median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2];
			else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# t_random: 32 hex characters, for passwords and tokens.
t_random() {
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# free_port [N]: N (default 1) free TCP ports on 127.0.0.1, one a line,
# never one this test or another one running beside it (prove -j) was given:
# a port handed out is not bound until its daemon starts, so the kernel may
# offer it again.  A port is claimed with an atomic mkdir in
# $T_PORT_CLAIMS and given back when the test exits.
T_PORT_CLAIMS=${T_PORT_CLAIMS:-${TMPDIR:-/tmp}/sauti-test-ports}
free_port() {
	local n=${1:-1} port got=()
	mkdir -p "$T_PORT_CLAIMS"
	while [ ${#got[@]} -lt "$n" ]; do
		for port in $("$T_PYTHON" -c "$_T_FREE_PORTS" "$n"); do
			[ ${#got[@]} -lt "$n" ] || break
			mkdir "$T_PORT_CLAIMS/$port" 2>/dev/null || continue
			echo "$port" >>"$T/ports"
			got+=("$port")
		done
	done
	printf '%s\n' "${got[@]}"
}

# Ports below the kernel's ephemeral range (ip_local_port_range), so that
# no outgoing connection can be given one while its server is down: a client
# reconnecting to a stopped Redis could otherwise take the port itself (a TCP
# self-connect) and keep the server from coming back on it.
_T_FREE_PORTS='
import random, socket, sys
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError):
    low = 32768
low = max(low, 12000)
ports = []
while len(ports) < int(sys.argv[1]):
    port = random.randrange(10000, low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    if port not in ports:
        ports.append(port)
print(" ".join(map(str, ports)))
'

# port_listening PORT: something listens on PORT (any address), as the kernel
# tells in /proc/net/tcp{,6}: state 0A is LISTEN.
port_listening() {
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$(printf '%04X' "$1")" \
			'$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# _t_wait_up NAME SECONDS COMMAND...: waits for COMMAND to succeed while the
# process NAME runs; on failure says why and shows NAME's log.
_t_wait_up() {
	local name=$1 secs=$2 log=$3
	shift 3
	if ! t_wait_for "$secs" _t_up_or_dead "$name" "$@"; then
		diag "$name did not come up in ${secs}s; last lines of ${log#"$T"/}:"
		diag "$(tail -n 15 "$log" 2>/dev/null | sed 's/^/    /')"
		return 1
	fi
	if ! t_pid "$name" >/dev/null; then
		diag "$name exited; last lines of ${log#"$T"/}:"
		diag "$(tail -n 15 "$log" 2>/dev/null | sed 's/^/    /')"
		return 1
	fi
}

# succeeds when COMMAND does, or when NAME has died (so the wait ends early)
_t_up_or_dead() {
	local name=$1
	shift
	t_pid "$name" >/dev/null || return 0
	"$@"
}

# -- Redis ------------------------------------------------------------------------

# start_redis: redis-server on a free port, no persistence, no unix socket,
# state in $T/redis; exports REDIS_PORT and REDIS_URL.  REDIS_WRAP (a command
# line, as SAUTI_WRAP for sauti) runs it under a tool, REDIS_START_TIMEOUT
# (seconds, 10) waits longer for it.
start_redis() {
	REDIS_PORT=$(free_port)
	export REDIS_PORT REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
	_redis_spawn
}

# stop_redis / start_redis_again: take Redis away and bring it back on the
# same port (empty, as nothing is saved), for the fault tests.
stop_redis() {
	t_stop redis 5
}

start_redis_again() {
	[ -n "${REDIS_PORT:-}" ] || bail_out "start_redis_again before start_redis"
	_redis_spawn
}

_redis_spawn() {
	mkdir -p "$T/redis"
	# shellcheck disable=SC2086 # REDIS_WRAP is a command line
	t_spawn redis "$T/redis/redis.log" ${REDIS_WRAP:-} redis-server \
		--bind 127.0.0.1 --port "$REDIS_PORT" --daemonize no \
		--save '' --appendonly no --dir "$T/redis" --logfile '' \
		--protected-mode yes
	_t_wait_up redis "${REDIS_START_TIMEOUT:-10}" "$T/redis/redis.log" _redis_pong
}

_redis_pong() {
	[ "$(redis_cli ping 2>/dev/null)" = PONG ]
}

# redis_cli ARGS...: redis-cli against the test's Redis.
redis_cli() {
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

# redis_value KEY: everything KEY holds, whatever its type (the erasure
# tests scan every key and value for a number).
redis_value() {
	case $(redis_cli TYPE "$1") in
	string) redis_cli GET "$1" ;;
	hash) redis_cli HGETALL "$1" ;;
	set) redis_cli SMEMBERS "$1" ;;
	zset) redis_cli ZRANGE "$1" 0 -1 WITHSCORES ;;
	list) redis_cli LRANGE "$1" 0 -1 ;;
	stream) redis_cli XRANGE "$1" - + ;;
	esac
}

# redis_monitor_start, then redis_monitor_scripts PHONE: how many scripts
# (EVAL, EVALSHA) were run on PHONE's keys (tagged {PHONE}) in between, as
# Redis' MONITOR saw them: sauti's round trips for that person, without the
# broadcaster's own.
redis_monitor_start() {
	# redis-cli itself in the background (not redis_cli, whose subshell
	# would be what redis_monitor_scripts kills, the MONITOR going on
	# writing into the next one's file)
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" monitor >"$T/monitor.out" 2>&1 &
	echo $! >"$T/monitor.pid"
	t_wait_for 5 grep -q '^OK' "$T/monitor.out"
}
redis_monitor_scripts() {
	sleep 0.2
	kill "$(cat "$T/monitor.pid")" 2>/dev/null
	grep -v ' lua\]' "$T/monitor.out" | grep -E '\] "EVAL(SHA)?" ' | grep -cF "{$1}"
}

# -- Kannel -----------------------------------------------------------------------

# start_kannel [SAUTI_PORT]: bearerbox + smsbox from config/kannel/kannel.conf.in
# (or $KANNEL_TEMPLATE, whose extra @NAMES@ must be exported), with the fake
# SMSC, sendsms user `sauti` and an sms-service calling
# http://127.0.0.1:SAUTI_PORT/kannel/sms.  SAUTI_PORT defaults to $SAUTI_PORT,
# else a free port, exported as SAUTI_PORT.  Waits until status.txt shows the
# smsbox on-line.  Exports KANNEL_ADMIN_PORT, KANNEL_ADMIN_PASSWORD,
# KANNEL_SMSBOX_PORT, KANNEL_SMSC_PORT, KANNEL_SENDSMS_PORT, KANNEL_SENDSMS_URL,
# KANNEL_USERNAME, KANNEL_PASSWORD, KANNEL_CONF, SHORT_CODE.
start_kannel() {
	SAUTI_PORT=${1:-${SAUTI_PORT:-$(free_port)}}
	read -r KANNEL_ADMIN_PORT KANNEL_SMSBOX_PORT KANNEL_SMSC_PORT \
		KANNEL_SENDSMS_PORT < <(free_port 4 | tr '\n' ' ')
	KANNEL_SENDSMS_URL="http://127.0.0.1:$KANNEL_SENDSMS_PORT/cgi-bin/sendsms"
	KANNEL_ADMIN_PASSWORD=$(t_random)
	KANNEL_USERNAME=sauti
	KANNEL_PASSWORD=$(t_random)
	KANNEL_CONF="$T/kannel/kannel.conf"
	SHORT_CODE=${SHORT_CODE:-15055}
	export SAUTI_PORT KANNEL_ADMIN_PORT KANNEL_ADMIN_PASSWORD KANNEL_SMSBOX_PORT \
		KANNEL_SMSC_PORT KANNEL_SENDSMS_PORT KANNEL_SENDSMS_URL \
		KANNEL_USERNAME KANNEL_PASSWORD KANNEL_CONF SHORT_CODE
	mkdir -p "$T/kannel"
	ADMIN_PORT=$KANNEL_ADMIN_PORT ADMIN_PASSWORD=$KANNEL_ADMIN_PASSWORD \
	SMSBOX_PORT=$KANNEL_SMSBOX_PORT SMSC_PORT=$KANNEL_SMSC_PORT \
	SENDSMS_INTERFACE=127.0.0.1 SENDSMS_PORT=$KANNEL_SENDSMS_PORT \
	SENDSMS_PASSWORD=$KANNEL_PASSWORD SAUTI_URL="http://127.0.0.1:$SAUTI_PORT" \
	HTTP_REQUEST_RETRY=${KANNEL_HTTP_REQUEST_RETRY:-2} \
	HTTP_QUEUE_DELAY=${KANNEL_HTTP_QUEUE_DELAY:-1} \
	LOG_DIR="$T/kannel" LOG_LEVEL=${KANNEL_LOG_LEVEL:-1} \
		"$T_ROOT/scripts/render-template" \
		"${KANNEL_TEMPLATE:-$T_ROOT/config/kannel/kannel.conf.in}" \
		>"$KANNEL_CONF" || return 1

	# bearerbox binds the smsbox and SMSC ports in threads of their own, and
	# smsbox exits if its first connection fails: wait for all three.
	t_spawn bearerbox "$T/kannel/bearerbox.out" bearerbox -v 2 "$KANNEL_CONF"
	_t_wait_up bearerbox 15 "$T/kannel/bearerbox.log" _kannel_bearerbox_up || return 1
	t_spawn smsbox "$T/kannel/smsbox.out" smsbox -v 2 "$KANNEL_CONF"
	_t_wait_up smsbox 15 "$T/kannel/smsbox.log" _kannel_smsbox_up || return 1
}

_kannel_bearerbox_up() {
	kannel_status >/dev/null &&
		port_listening "$KANNEL_SMSBOX_PORT" &&
		port_listening "$KANNEL_SMSC_PORT"
}

_kannel_smsbox_up() {
	kannel_status | grep -q 'smsbox:.*on-line' &&
		port_listening "$KANNEL_SENDSMS_PORT"
}

# kannel_status: bearerbox's status.txt.
kannel_status() {
	curl -sf --max-time 5 \
		"http://127.0.0.1:$KANNEL_ADMIN_PORT/status.txt?password=$KANNEL_ADMIN_PASSWORD"
}

stop_kannel() {
	t_stop smsbox 3
	t_stop bearerbox 3
}

# kannel_sendsms TO TEXT [NAME=VALUE...]: an MT through smsbox's sendsms as
# sauti would send it (from $SHORT_CODE, charset UTF-8); prints Kannel's
# answer, status in http_status.
kannel_sendsms() {
	local to=$1 text=$2 kv args=()
	shift 2
	for kv in "$@"; do
		args+=(--data-urlencode "$kv")
	done
	http GET "$KANNEL_SENDSMS_URL" -G \
		--data-urlencode "username=$KANNEL_USERNAME" \
		--data-urlencode "password=$KANNEL_PASSWORD" \
		--data-urlencode "from=$SHORT_CODE" --data-urlencode "to=$to" \
		--data-urlencode "text=$text" --data-urlencode "charset=UTF-8" \
		"${args[@]}"
}

# -- fakesmsc: the phones -----------------------------------------------------------
#
# Kannel's fakesmsc takes its MOs from the command line only and then stays
# connected, printing every MT it receives, until SIGINT.  The fake SMSC
# serves one client at a time (a second waits, unheard, until the first
# leaves), and MTs sent while no client is connected wait in bearerbox for
# the next one.  Hence:
#
#   fakesmsc_send FROM TO TEXT    one fakesmsc per MO: sends it, collects the
#                                 replies, leaves;
#   fakesmsc_sink_start/_wait/_stop
#                                 one fakesmsc -m 0 that only receives (the
#                                 broadcast tests); no fakesmsc_send while it
#                                 runs.
#
# Decoded MTs of the last send or sink land in $T/mt: mt_count, mt_text N,
# mt_meta N ("from to coding parts complete"), mt_file N (exact text).

# fakesmsc_send FROM TO TEXT: the phone FROM sends TEXT to the short code TO;
# prints the texts of the MTs that came back to FROM, one a line (a
# multipart message is joined, UCS-2 decoded).  Returns 0 when a reply came
# (or exactly $FAKESMSC_EXPECT did), 1 when not within $FAKESMSC_TIMEOUT
# (default 10 s), 2 when fakesmsc failed.  After the first reply it waits
# until nothing more arrives for $FAKESMSC_SETTLE (0.3 s).  TEXT goes as
# 7-bit text unless it has control characters (a newline...) or
# FAKESMSC_CODING=ucs2.
fakesmsc_send() {
	local n
	if t_pid fakesmsc-sink >/dev/null; then
		echo "fakesmsc_send: a sink is connected; fakesmsc_sink_stop first" >&2
		return 2
	fi
	mkdir -p "$T/fakesmsc"
	n=$(compgen -G "$T/fakesmsc/send.*.log" | wc -l)
	"$T_PYTHON" "$T_ROOT/tests/fakesmsc.py" send --port "$KANNEL_SMSC_PORT" \
		--out "$T/mt" --log "$T/fakesmsc/send.$((n + 1)).log" \
		--pidfile "$T/pids/fakesmsc-send.pid" \
		--timeout "${FAKESMSC_TIMEOUT:-10}" --settle "${FAKESMSC_SETTLE:-0.3}" \
		${FAKESMSC_EXPECT:+--expect "$FAKESMSC_EXPECT"} \
		--coding "${FAKESMSC_CODING:-auto}" -- "$1" "$2" "$3"
}

# import_group N GROUP [PHONE_FORMAT]: N made-up contacts in GROUP, Swahili
# speakers named "Mchimbaji I", their numbers PHONE_FORMAT (printf, of I =
# 1..N; default 07130%05d, Tanzanian mobiles), imported with the CLI.
import_group() {
	local n=$1 group=$2 format=${3:-07130%05d} i
	{
		echo "phone,name,language,groups"
		# shellcheck disable=SC2059 # the number's format is the caller's
		for ((i = 1; i <= n; i++)); do printf "$format,Mchimbaji %d,sw,%s\n" "$i" "$i" "$group"; done
	} >"$T/$group.csv"
	"$SAUTI_BIN" contacts import -c "$SAUTI_CONFIG" "$T/$group.csv" >/dev/null 2>&1
}

# fakesmsc_sink_start: a fakesmsc that stays connected and only receives;
# returns once bearerbox shows the fake SMSC online.
fakesmsc_sink_start() {
	mkdir -p "$T/fakesmsc"
	t_spawn fakesmsc-sink "$T/fakesmsc/sink.log" "$KANNEL_FAKESMSC" \
		-H 127.0.0.1 -r "$KANNEL_SMSC_PORT" -i 0 -m 0 "0 0 text unused"
	_t_wait_up fakesmsc-sink 10 "$T/fakesmsc/sink.log" _kannel_smsc_online
}

_kannel_smsc_online() {
	kannel_status | grep -q "FAKE:$KANNEL_SMSC_PORT (online"
}

# fakesmsc_sink_wait N [SECONDS]: waits until the sink holds N complete MTs
# (default 10 s); decodes them into $T/mt either way.
fakesmsc_sink_wait() {
	"$T_PYTHON" "$T_ROOT/tests/fakesmsc.py" decode --out "$T/mt" \
		--wait "$1" --timeout "${2:-10}" "$T/fakesmsc/sink.log"
}

# fakesmsc_sink_stop: disconnects the sink; its MTs are decoded into $T/mt.
fakesmsc_sink_stop() {
	local pid
	pid=$(t_pid fakesmsc-sink) || return 0
	kill -INT "$pid"
	t_stop fakesmsc-sink 2
	"$T_PYTHON" "$T_ROOT/tests/fakesmsc.py" decode --out "$T/mt" \
		"$T/fakesmsc/sink.log"
}

mt_count() {
	cat "$T/mt/count" 2>/dev/null || echo 0
}

mt_text() {
	cat "$T/mt/${1:-1}.text"
}

mt_meta() {
	cat "$T/mt/${1:-1}.meta"
}

mt_file() {
	echo "$T/mt/${1:-1}.text"
}

# -- sauti ----------------------------------------------------------------------

# write_config [FLOWS_DIR]: $T/sauti.yaml (exported as SAUTI_CONFIG) for this
# test's ports: listen on $SAUTI_PORT, Redis at $REDIS_PORT and Kannel's
# sendsms at $KANNEL_SENDSMS_PORT; a port with nothing behind it stands in
# for whatever was not started.  FLOWS_DIR defaults to the repository's
# flows/.  Exports SAUTI_PORT, SAUTI_URL, TEST_API_TOKEN, TEST_PSEUDONYM_KEY.
# Override with SAUTI_COUNTRY, SAUTI_LOG_LEVEL, SAUTI_USSD_MAX_CHARS,
# SAUTI_RATE, SAUTI_REDIS_TIMEOUT_MS.
# shellcheck disable=SC2120 # FLOWS_DIR is optional
write_config() {
	local flows=${1:-$T_ROOT/flows} redis_port sendsms_port
	SAUTI_PORT=${SAUTI_PORT:-$(free_port)}
	SAUTI_URL="http://127.0.0.1:$SAUTI_PORT"
	SAUTI_CONFIG="$T/sauti.yaml"
	TEST_API_TOKEN=${TEST_API_TOKEN:-$(t_random)}
	TEST_PSEUDONYM_KEY=${TEST_PSEUDONYM_KEY:-$(t_random)}
	redis_port=${REDIS_PORT:-$(free_port)}
	sendsms_port=${KANNEL_SENDSMS_PORT:-$(free_port)}
	export SAUTI_PORT SAUTI_URL SAUTI_CONFIG TEST_API_TOKEN TEST_PSEUDONYM_KEY
	cat >"$SAUTI_CONFIG" <<-EOF
		listen: 127.0.0.1:$SAUTI_PORT
		redis: redis://127.0.0.1:$redis_port/0
		flows: $flows
		country: ${SAUTI_COUNTRY:-TZ}
		pseudonym_key: "$TEST_PSEUDONYM_KEY"
		api_token: "$TEST_API_TOKEN"
		log_level: ${SAUTI_LOG_LEVEL:-debug}
		redis_timeout_ms: ${SAUTI_REDIS_TIMEOUT_MS:-1000}
		kannel:
		  sendsms: http://127.0.0.1:$sendsms_port/cgi-bin/sendsms
		  username: ${KANNEL_USERNAME:-sauti}
		  password: "${KANNEL_PASSWORD:-unused}"
		  from: "${SHORT_CODE:-15055}"
		  rate: ${SAUTI_RATE:-20}
		ussd:
		  max_chars: ${SAUTI_USSD_MAX_CHARS:-182}
	EOF
}

# start_sauti: `$SAUTI_BIN serve -c $SAUTI_CONFIG` (write_config first if
# needed) from the repository root, log in $T/sauti.log; waits until
# /healthz answers 200 (SAUTI_START_TIMEOUT, default 15 s).
# config_via_proxy PORT: $T/daemon.yaml, a copy of $SAUTI_CONFIG whose
# Redis is a proxy on 127.0.0.1:PORT, for the daemon; DIRECT names the
# original, for the command-line tools, which talk to Redis itself.
config_via_proxy() {
	DIRECT=$SAUTI_CONFIG
	cp "$DIRECT" "$T/daemon.yaml"
	sed -i "s|^redis: .*|redis: redis://127.0.0.1:$1/0|" "$T/daemon.yaml"
}

start_sauti() {
	local bin=${SAUTI_BIN:-$T_ROOT/sauti}
	[ -x "$bin" ] || bail_out "no sauti binary at $bin (set SAUTI_BIN or run make)"
	if [ -z "${SAUTI_CONFIG:-}" ] || [ ! -f "$SAUTI_CONFIG" ]; then
		# shellcheck disable=SC2119 # the default flows
		write_config
	fi
	# shellcheck disable=SC2086 # SAUTI_WRAP is a command line
	t_spawn sauti "$T/sauti.log" ${SAUTI_WRAP:-} "$bin" serve -c "$SAUTI_CONFIG"
	_t_wait_up sauti "${SAUTI_START_TIMEOUT:-15}" "$T/sauti.log" _sauti_healthy
}

_sauti_healthy() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SAUTI_URL/healthz")" = 200 ]
}

# stop_sauti: SIGTERM (sauti drains and exits), SIGKILL after 10 s.  Fails
# unless sauti exited with status 0 and its log holds no sanitizer report.
stop_sauti() {
	local rc
	[ -f "$T/pids/sauti.pid" ] || return 0
	t_stop sauti "${SAUTI_STOP_TIMEOUT:-10}"
	rc=$?
	if grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' "$T/sauti.log"; then
		echo "sauti's log holds a sanitizer report:"
		grep -A 30 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$T/sauti.log" | head -n 60
		return 1
	fi
	if [ $rc -ne 0 ]; then
		echo "sauti exited with status $rc"
		return 1
	fi
}

# sauti_pid: the running sauti's pid (for kill -HUP and the like).
sauti_pid() {
	t_pid sauti
}

# -- HTTP -------------------------------------------------------------------------

# http METHOD URL [CURL-ARGS...]: the body on stdout; the status code goes to
# http_status and the headers to http_header.  A URL starting with / is on
# sauti ($SAUTI_URL).  Returns curl's status (0 for any HTTP answer, 4xx and
# 5xx included).
http() {
	local method=$1 url=$2 rc
	shift 2
	[[ $url == /* ]] && url="$SAUTI_URL$url"
	: >"$T/http.body"
	curl -sS -X "$method" -o "$T/http.body" -D "$T/http.headers" \
		-w '%{http_code}' --max-time "${HTTP_TIMEOUT:-10}" "$@" "$url" \
		>"$T/http.status"
	rc=$?
	cat "$T/http.body"
	return $rc
}

# http_status: the status code of the last http.
http_status() {
	cat "$T/http.status"
}

# http_header NAME: a header of the last http answer, without the name.
http_header() {
	tr -d '\r' <"$T/http.headers" | sed -n "s/^$1: *//Ip" | tail -n 1
}

# api METHOD PATH [CURL-ARGS...]: http against sauti's /api/ with the token.
api() {
	local method=$1 path=$2
	shift 2
	http "$method" "$SAUTI_URL$path" -H "Authorization: Bearer $TEST_API_TOKEN" "$@"
}
