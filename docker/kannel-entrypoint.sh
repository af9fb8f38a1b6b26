#!/usr/bin/env bash
# kannel-entrypoint.sh -- the Kannel container's entrypoint: renders the
# Kannel template from the environment, starts bearerbox, waits for it,
# starts smsbox, and exits (stopping the other) when either box dies, so that
# the container restarts as a whole.
#
# Environment (defaults in brackets): SENDSMS_PASSWORD (required; sauti's
# kannel.password), ADMIN_PASSWORD (required), SAUTI_URL
# [http://sauti:8080], SENDSMS_INTERFACE [0.0.0.0], ADMIN_PORT [13000],
# SMSBOX_PORT [13001], SENDSMS_PORT [13013], SMSC_PORT [10000],
# HTTP_REQUEST_RETRY [3], HTTP_QUEUE_DELAY [10], LOG_LEVEL [1],
# KANNEL_TEMPLATE [/etc/kannel/templates/kannel.conf.in], KANNEL_CONF
# [/run/kannel/kannel.conf], LOG_DIR [/var/log/kannel] and, for
# kannel-ussd.conf.in, SMPP_HOST, SMPP_PORT, SMPP_USERNAME, SMPP_PASSWORD.
set -euo pipefail

: "${SENDSMS_PASSWORD:?set SENDSMS_PASSWORD, the password of sauti in kannel.password}"
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD}"
export SAUTI_URL=${SAUTI_URL:-http://sauti:8080}
export SENDSMS_INTERFACE=${SENDSMS_INTERFACE:-0.0.0.0}
export ADMIN_PORT=${ADMIN_PORT:-13000} SMSBOX_PORT=${SMSBOX_PORT:-13001}
export SENDSMS_PORT=${SENDSMS_PORT:-13013} SMSC_PORT=${SMSC_PORT:-10000}
export HTTP_REQUEST_RETRY=${HTTP_REQUEST_RETRY:-3} HTTP_QUEUE_DELAY=${HTTP_QUEUE_DELAY:-10}
export LOG_LEVEL=${LOG_LEVEL:-1} LOG_DIR=${LOG_DIR:-/var/log/kannel}
export SENDSMS_PASSWORD ADMIN_PASSWORD

conf=${KANNEL_CONF:-/run/kannel/kannel.conf}
render-template "${KANNEL_TEMPLATE:-/etc/kannel/templates/kannel.conf.in}" >"$conf"

status() {
	curl -sf --max-time 2 "http://127.0.0.1:$ADMIN_PORT/status.txt?password=$ADMIN_PASSWORD"
}

stop() {
	trap - TERM INT
	kill -TERM "${sb:-}" "$bb" 2>/dev/null || true
	wait
	exit "${1:-0}"
}
trap stop TERM INT

bearerbox -v "$LOG_LEVEL" "$conf" &
bb=$!
# smsbox exits if its first connection fails: wait for bearerbox's status
# page, then for its smsbox port, which a thread of its own binds.
for _ in $(seq 150); do
	if status >/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$SMSBOX_PORT") 2>/dev/null; then
		break
	fi
	kill -0 "$bb" 2>/dev/null || exit 1
	sleep 0.1
done

smsbox -v "$LOG_LEVEL" "$conf" &
sb=$!

wait -n "$bb" "$sb" || true
echo "kannel-entrypoint: a box exited; stopping" >&2
stop 1
