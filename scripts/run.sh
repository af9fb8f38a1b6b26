#!/usr/bin/env bash
# run.sh -- what `make run` runs: sauti with its Redis and Kannel (bearerbox,
# smsbox, the fake SMSC) on this machine, for trying flows by hand.
#
# Everything listens on 127.0.0.1; all state goes under run/ (git ignores
# it), logs under run/logs/: run/sauti.yaml is config/sauti.yaml with this run's ports and
# secrets, run/kannel/kannel.conf is config/kannel/kannel.conf.in rendered.
# While this runs, `./sauti COMMAND` from the repository finds run/sauti.yaml
# by itself (docs/configuration.md, "Which file"); it is removed at the end.
# Ctrl-C stops everything this script started and exits 0.  Ports (and the
# directory) can be changed from the environment:
#
#   SAUTI_PORT (8080)  REDIS_PORT (6399)  KANNEL_SMSC_PORT (10000)
#   KANNEL_ADMIN_PORT (13000)  KANNEL_SMSBOX_PORT (13001)
#   KANNEL_SENDSMS_PORT (13013)  SAUTI_RUN_DIR (run/)

set -euo pipefail

# On a terminal, the work runs as a job of its own (bash job control gives
# it the terminal), so Ctrl-C reaches it and its servers but not `make`,
# which would otherwise die of the signal and fail `make run` however
# cleanly everything stopped.
if [ "${1:-}" != --job ] && [ -t 0 ]; then
	set -m
	"$0" --job
	exit $?
fi

cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=${SAUTI_RUN_DIR:-$ROOT/run}
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
FAKESMSC=/usr/lib/kannel/test/fakesmsc

SAUTI_PORT=${SAUTI_PORT:-8080}
REDIS_PORT=${REDIS_PORT:-6399}
KANNEL_SMSC_PORT=${KANNEL_SMSC_PORT:-10000}
KANNEL_ADMIN_PORT=${KANNEL_ADMIN_PORT:-13000}
KANNEL_SMSBOX_PORT=${KANNEL_SMSBOX_PORT:-13001}
KANNEL_SENDSMS_PORT=${KANNEL_SENDSMS_PORT:-13013}

say() { printf '%s\n' "$*"; }
die() { printf 'run: %s\n' "$*" >&2; exit 1; }

# -- checks ---------------------------------------------------------------------

[ -x ./sauti ] || die "no ./sauti: build it with make (or use make run)"
for cmd in redis-server redis-cli bearerbox smsbox curl "$PYTHON"; do
	command -v "$cmd" >/dev/null || die "$cmd is missing: make deps installs it"
done

port_free() {
	"$PYTHON" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

taken=
for var in SAUTI_PORT REDIS_PORT KANNEL_SMSC_PORT KANNEL_ADMIN_PORT \
	KANNEL_SMSBOX_PORT KANNEL_SENDSMS_PORT; do
	if ! port_free "${!var}"; then
		say "port ${!var} ($var) is already in use."
		taken=1
	fi
done
if [ -n "$taken" ]; then
	say "Is another 'make run' still running?  Stop it, or choose other ports, e.g."
	say "  SAUTI_PORT=8081 make run"
	exit 1
fi

# -- this run's configuration -----------------------------------------------------

mkdir -p "$RUN/redis" "$RUN/kannel" "$RUN/logs"
LOGS=$RUN/logs
chmod 700 "$RUN"

# Secrets are made once, so pseudonyms stay the same from run to run.
if [ ! -f "$RUN/secrets.env" ]; then
	umask 077
	{
		for name in SAUTI_API_TOKEN SAUTI_PSEUDONYM_KEY SAUTI_KANNEL_PASSWORD \
			KANNEL_ADMIN_PASSWORD; do
			echo "$name=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
		done
	} >"$RUN/secrets.env"
	umask 022
fi
# shellcheck source=/dev/null
. "$RUN/secrets.env"
export SAUTI_API_TOKEN SAUTI_PSEUDONYM_KEY SAUTI_KANNEL_PASSWORD

# run/sauti.yaml: config/sauti.yaml with this run's addresses and secrets (the
# secrets are also in the environment, which sauti prefers).
sendsms_url="http://127.0.0.1:$KANNEL_SENDSMS_PORT/cgi-bin/sendsms"
if [ -f config/sauti.yaml ]; then
	sed -e "s|^listen:.*|listen: 127.0.0.1:$SAUTI_PORT|" \
		-e "s|^redis:.*|redis: redis://127.0.0.1:$REDIS_PORT/0|" \
		-e "s|^flows:.*|flows: flows/|" \
		-e "s|^api_token:.*|api_token: \"$SAUTI_API_TOKEN\"|" \
		-e "s|^pseudonym_key:.*|pseudonym_key: \"$SAUTI_PSEUDONYM_KEY\"|" \
		-e "s|^\([[:space:]]\+\)sendsms:.*|\1sendsms: $sendsms_url|" \
		-e "s|^\([[:space:]]\+\)username:.*|\1username: sauti|" \
		-e "s|^\([[:space:]]\+\)password:.*|\1password: \"$SAUTI_KANNEL_PASSWORD\"|" \
		config/sauti.yaml >"$RUN/sauti.yaml"
	for want in "^listen: 127.0.0.1:$SAUTI_PORT\$" "^redis: redis://127.0.0.1:$REDIS_PORT/0\$" \
		"sendsms: $sendsms_url\$"; do
		grep -q "$want" "$RUN/sauti.yaml" ||
			die "config/sauti.yaml has no line for '${want%%:*}' to set; see run/sauti.yaml"
	done
	# The CLI (sauti export -c run/sauti.yaml...) needs the same secrets
	# as the daemon, which has them from the environment.
	grep -q '^api_token:' "$RUN/sauti.yaml" ||
		echo "api_token: \"$SAUTI_API_TOKEN\"" >>"$RUN/sauti.yaml"
	grep -q '^pseudonym_key:' "$RUN/sauti.yaml" ||
		echo "pseudonym_key: \"$SAUTI_PSEUDONYM_KEY\"" >>"$RUN/sauti.yaml"
else
	cat >"$RUN/sauti.yaml" <<-EOF
		listen: 127.0.0.1:$SAUTI_PORT
		redis: redis://127.0.0.1:$REDIS_PORT/0
		flows: flows/
		country: TZ
		api_token: "$SAUTI_API_TOKEN"
		pseudonym_key: "$SAUTI_PSEUDONYM_KEY"
		log_level: info
		kannel:
		  sendsms: $sendsms_url
		  username: sauti
		  password: "$SAUTI_KANNEL_PASSWORD"
		  from: "15055"
		  rate: 20
		ussd:
		  max_chars: 182
	EOF
fi
chmod 600 "$RUN/sauti.yaml"
echo $$ >"$RUN/run.pid" # run/sauti.yaml is this run's while this pid lives (gateway/config.c)
SHORT_CODE=$(sed -n 's/^[[:space:]]\+from:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}.*/\1/p' \
	"$RUN/sauti.yaml" | head -n 1)
SHORT_CODE=${SHORT_CODE:-15055}

ADMIN_PORT=$KANNEL_ADMIN_PORT ADMIN_PASSWORD=$KANNEL_ADMIN_PASSWORD \
SMSBOX_PORT=$KANNEL_SMSBOX_PORT SMSC_PORT=$KANNEL_SMSC_PORT \
SENDSMS_INTERFACE=127.0.0.1 SENDSMS_PORT=$KANNEL_SENDSMS_PORT \
SENDSMS_PASSWORD=$SAUTI_KANNEL_PASSWORD SAUTI_URL="http://127.0.0.1:$SAUTI_PORT" \
HTTP_REQUEST_RETRY=3 HTTP_QUEUE_DELAY=10 LOG_DIR="$LOGS" LOG_LEVEL=1 \
	scripts/render-template config/kannel/kannel.conf.in >"$RUN/kannel/kannel.conf"
chmod 600 "$RUN/kannel/kannel.conf"

# -- processes --------------------------------------------------------------------

declare -A PIDS=() LOG=()
ORDER=()

# start NAME LOG COMMAND...: LOG is where to look when NAME fails (Kannel's
# boxes write their own log files; their stderr goes to NAME.stderr).
start() {
	local name=$1 out
	LOG[$name]=$2
	out=$2
	[[ $name == *box ]] && out=$LOGS/$name.stderr
	shift 2
	"$@" >"$out" 2>&1 </dev/null &
	PIDS[$name]=$!
	ORDER=("$name" "${ORDER[@]}")
}

tail_log() {
	say "the end of ${LOG[$1]#"$ROOT"/}:"
	tail -n 15 "${LOG[$1]}"
	[[ $1 == *box ]] && tail -n 5 "$LOGS/$1.stderr"
	return 0
}

stop_all() {
	local name pid i
	trap - INT TERM EXIT
	rm -f "$RUN/sauti.yaml" "$RUN/run.pid" # the commands stop finding this run
	[ ${#ORDER[@]} -gt 0 ] || return 0
	say ""
	say "stopping..."
	for name in "${ORDER[@]}"; do    # the last started first: sauti drains
		pid=${PIDS[$name]}
		kill -TERM "$pid" 2>/dev/null || continue
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	say "stopped; logs are in ${LOGS#"$ROOT"/}/."
}

trap 'stop_all; exit 0' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# wait_for NAME SECONDS COMMAND...: until COMMAND succeeds while NAME runs.
wait_for() {
	local name=$1 tries=$(($2 * 10))
	shift 2
	while ! "$@" >/dev/null 2>&1; do
		if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
			say "$name exited."
			tail_log "$name"
			exit 1
		fi
		tries=$((tries - 1))
		if [ "$tries" -le 0 ]; then
			say "$name did not come up."
			tail_log "$name"
			exit 1
		fi
		sleep 0.1
	done
}

# listening PORT: the kernel has a socket in state LISTEN (0A) on PORT.
listening() {
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$(printf '%04X' "$1")" \
			'$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

kannel_status() {
	curl -sf --max-time 2 \
		"http://127.0.0.1:$KANNEL_ADMIN_PORT/status.txt?password=$KANNEL_ADMIN_PASSWORD"
}

say "starting redis-server on 127.0.0.1:$REDIS_PORT"
start redis "$LOGS/redis.log" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize no \
	--dir "$RUN/redis" --save '' --appendonly yes --logfile ''
wait_for redis 10 sh -c "[ \"\$(redis-cli -h 127.0.0.1 -p $REDIS_PORT ping)\" = PONG ]"

say "starting bearerbox (fake SMSC on 127.0.0.1:$KANNEL_SMSC_PORT)"
start bearerbox "$LOGS/bearerbox.log" bearerbox -v 2 "$RUN/kannel/kannel.conf"
wait_for bearerbox 15 sh -c "curl -sf -o /dev/null 'http://127.0.0.1:$KANNEL_ADMIN_PORT/status.txt?password=$KANNEL_ADMIN_PASSWORD'"
wait_for bearerbox 15 listening "$KANNEL_SMSBOX_PORT"
wait_for bearerbox 15 listening "$KANNEL_SMSC_PORT"

say "starting smsbox (sendsms on 127.0.0.1:$KANNEL_SENDSMS_PORT)"
start smsbox "$LOGS/smsbox.log" smsbox -v 2 "$RUN/kannel/kannel.conf"
wait_for smsbox 15 sh -c "curl -sf 'http://127.0.0.1:$KANNEL_ADMIN_PORT/status.txt?password=$KANNEL_ADMIN_PASSWORD' | grep -q 'smsbox:.*on-line'"
wait_for smsbox 15 listening "$KANNEL_SENDSMS_PORT"

# A store kept under run/ by an older version is in an older key layout,
# which the daemon refuses: brought to this version's first (only this
# stack uses it; a store already current is left as it is).
if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" dbsize)" != 0 ]; then
	say "checking the key layout of the store in $RUN/redis"
	./sauti migrate-keys -c "$RUN/sauti.yaml" 2>&1 | tail -1 ||
		die "sauti migrate-keys failed; the store is in $RUN/redis"
fi

say "starting sauti on 127.0.0.1:$SAUTI_PORT"
start sauti "$LOGS/sauti.log" ./sauti serve -c "$RUN/sauti.yaml"
wait_for sauti 15 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$SAUTI_PORT/healthz)\" = 200 ]"

# The commands find run/sauti.yaml by themselves from the repository; from
# anywhere else (or with SAUTI_RUN_DIR) they need SAUTI_CONFIG.
phone="./sauti phone"
where="From another terminal in $ROOT, the commands use this run's config
by themselves; from elsewhere, first:

  export SAUTI_CONFIG=$RUN/sauti.yaml"
if [ "$RUN" != "$ROOT/run" ]; then
	where="From another terminal, first:

  export SAUTI_CONFIG=$RUN/sauti.yaml"
fi

cat <<EOF

sauti is running at http://127.0.0.1:$SAUTI_PORT with flows from flows/
(config ${RUN#"$ROOT"/}/sauti.yaml, logs in ${LOGS#"$ROOT"/}/; the API token is in ${RUN#"$ROOT"/}/secrets.env).

The web console: open http://127.0.0.1:$SAUTI_PORT/ and sign in with the admin token
  $SAUTI_API_TOKEN

$where

Try it:

  $phone +255712345678                      answer a survey by SMS
  $phone +255712345678 --ussd '*150*88#'    the same over USSD
  ./sauti contacts import contacts.csv              import contacts (phone,name,...)
  ./sauti broadcast dialogue_invite --to all --dry-run
                                                   what a broadcast would cost
  ./sauti export livelihoods                       the answers, pseudonymised

or send one SMS through Kannel as a phone would (UTAFITI in Swahili, SURVEY
in English); each line of the reply shows as "Got message N: <...>", and
Ctrl-C hangs up:

  $FAKESMSC -H 127.0.0.1 -r $KANNEL_SMSC_PORT -i 0 -m 1 "+255712345678 $SHORT_CODE text UTAFITI"

Ctrl-C here stops redis-server, bearerbox, smsbox and sauti.
EOF

# Runs until Ctrl-C, or until one of them dies.
while :; do
	wait -n || true
	for name in "${ORDER[@]}"; do
		if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
			say "$name exited."
			tail_log "$name"
			exit 1
		fi
	done
done
