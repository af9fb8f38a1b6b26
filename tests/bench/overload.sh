#!/usr/bin/env bash
# overload.sh -- issue 6's load figure, run by `make bench`: /ussd at 1.5x
# the rate sauti serves on this machine.  sauti must shed the excess with
# 503 (max_in_flight) rather than queue it, keep its memory flat, and serve
# everything again once the load falls back.  Prints BENCH lines:
#   overload_capacity  steps/s sauti serves (closed loop), the 1x rate
#   overload_shed      share of requests answered 503 at 1.5x
#   overload_rss       sauti's RSS after a second overload / after the first:
#                      memory stays bounded (a leak or a queue would grow)
#   overload_recovery  errors at 0.5x right after (must be 0)
# QUICK=1 shortens each phase.
set -u
. "$(dirname "$0")/../lib.sh"
LOAD=${BENCH_DIR:-$T_ROOT/build/bench}/ussd_load
[ -x "$LOAD" ] || bail_out "no $LOAD: make bench-tools"
secs=10
[ "${QUICK:-0}" = 1 ] && secs=4

start_redis
SAUTI_LOG_LEVEL=warn write_config "$T_ROOT/tests/flows/broadcast"
echo "max_in_flight: 64" >>"$SAUTI_CONFIG"
start_sauti
pid=$(sauti_pid)
rss() { awk '/VmRSS/ { print $2 }' "/proc/$pid/status"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

cap=$("$LOAD" -p "$SAUTI_PORT" -c 16 -d "$secs" -P 1000000 | field rate)
rss_before=$(rss)
over=$(awk -v c="$cap" 'BEGIN { printf "%.0f", c * 1.5 }')
"$LOAD" -p "$SAUTI_PORT" -c 512 -r "$over" -d "$secs" -P 2000000 >/dev/null
sleep 1
rss_mid=$(rss)
out=$("$LOAD" -p "$SAUTI_PORT" -c 512 -r "$over" -d "$secs" -P 4000000)
total=$(echo "$out" | field total)
errors=$(echo "$out" | field errors)
sleep 1
rss_after=$(rss)
under=$(awk -v c="$cap" 'BEGIN { printf "%.0f", c * 0.5 }')
rec=$("$LOAD" -p "$SAUTI_PORT" -c 16 -r "$under" -d "$secs" -P 3000000 -k)
rec_errors=$(echo "$rec" | field errors)
shed=$(grep -o 'sauti_requests_shed_total [0-9]*' <(curl -s "$SAUTI_URL/metrics") | cut -d' ' -f2)

share=$(awk -v e="$errors" -v t="$total" 'BEGIN { printf "%.3f", t + e ? e / (t + e) : 0 }')
growth=$(awk -v a="$rss_after" -v b="$rss_mid" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
echo "BENCH name=overload_capacity value=$cap unit=steps/s baseline=$cap ratio=1.00"
echo "BENCH name=overload_shed value=$share unit=share_503 baseline=$over ratio=$share"
echo "BENCH name=overload_rss value=$rss_after unit=KiB baseline=$rss_mid ratio=$growth"
echo "BENCH name=overload_recovery value=$rec_errors unit=errors baseline=0 ratio=$rec_errors"
echo "# at ${over}/s offered (1.5x of ${cap}/s): $errors of $((total + errors)) answered 503 at once" \
	"(shed counter $shed); RSS ${rss_before} KiB idle, ${rss_mid} after one overload, ${rss_after} after" \
	"a second; at ${under}/s afterwards: $rec_errors errors"
[ "$rec_errors" = 0 ] && awk -v g="$growth" 'BEGIN { exit !(g < 1.2) }'
