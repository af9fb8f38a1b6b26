#!/usr/bin/env bash
# Redis fails over under sauti: a master, two replicas and three Sentinels
# on loopback; sauti finds the master through the Sentinels (sentinel://)
# and waits for one replica to confirm every commit that completes a run or
# opts a number out (redis_wait_replicas: 1).
# The master is killed with SIGKILL in the middle of an SMS survey (through
# Kannel) and a USSD session: the Sentinels promote a replica, sauti follows
# without a restart, both people go on where they were, and the export has
# every answer that got a reply.  The old master comes back, the Sentinels
# make it a replica, service goes on; a failover asked of the Sentinels is
# followed too, and so is one while the Sentinel sauti listens on is
# stopped (it moves to another).  No replica confirming gives 503 to an answer that completes
# a run and to a STOP, not to a middle answer (and the retry saves the answer
# once); Redis out of memory gives 503 and writes nothing.
# shellcheck disable=SC2317 # helpers run via t_ok and t_wait_for
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

read -r PORT_A PORT_B PORT_C S1 S2 S3 < <(free_port 6 | tr '\n' ' ')
NODES=(a b c)
declare -A PORT=([a]=$PORT_A [b]=$PORT_B [c]=$PORT_C)

# rc PORT ARGS...: redis-cli against the server on PORT.
rc() {
	local port=$1
	shift
	redis-cli -h 127.0.0.1 -p "$port" "$@" | tr -d '\r'
}
_pong() { [ "$(rc "$1" ping 2>/dev/null)" = PONG ]; }

# redis_node NAME [ARGS...]: redis-server redis-NAME on PORT[NAME], with an
# append-only file in $T/redis-NAME (the recommended set-up, config/).
redis_node() {
	local name=$1 port=${PORT[$1]}
	shift
	mkdir -p "$T/redis-$name"
	t_spawn "redis-$name" "$T/redis-$name/redis.log" redis-server --bind 127.0.0.1 \
		--port "$port" --daemonize no --save '' --appendonly yes --dir "$T/redis-$name" \
		--logfile '' --maxmemory-policy noeviction "$@"
	_t_wait_up "redis-$name" 10 "$T/redis-$name/redis.log" _pong "$port"
}

# replica_of PORT MASTER_PORT: the server on PORT replicates MASTER_PORT, linked.
replica_of() {
	local info
	info=$(rc "$1" info replication 2>/dev/null)
	grep -qx 'role:slave' <<<"$info" && grep -qx "master_port:$2" <<<"$info" &&
		grep -qx 'master_link_status:up' <<<"$info"
}

# A master is judged down after 3 s without an answer: with 1 s, a loaded
# machine (make test runs two tests at a time) once made the Sentinels fail
# the freshly promoted replica over again, mid-test.
sentinel_node() {
	local name=$1 port=$2
	mkdir -p "$T/$name"
	cat >"$T/$name/sentinel.conf" <<-EOF
		port $port
		bind 127.0.0.1
		daemonize no
		dir $T/$name
		sentinel monitor sauti 127.0.0.1 $PORT_A 2
		sentinel down-after-milliseconds sauti 3000
		sentinel failover-timeout sauti 6000
		sentinel parallel-syncs sauti 2
	EOF
	t_spawn "$name" "$T/$name/sentinel.log" redis-server "$T/$name/sentinel.conf" --sentinel
	_t_wait_up "$name" 10 "$T/$name/sentinel.log" _pong "$port"
}

# sentinel_field PORT FIELD: a field of that Sentinel's SENTINEL MASTER sauti.
sentinel_field() {
	rc "$1" sentinel master sauti | awk -v f="$2" 'prev == f { print; exit } { prev = $0 }'
}
sentinels_see_all() {
	local s
	for s in $S1 $S2 $S3; do
		[ "$(sentinel_field "$s" num-other-sentinels)" = 2 ] &&
			[ "$(sentinel_field "$s" num-slaves)" = 2 ] || return 1
	done
}
# master_port_of SENTINEL: the master's port as that Sentinel names it;
# master_port: as the first one does.
master_port_of() { rc "$1" sentinel get-master-addr-by-name sauti | tail -n 1; }
master_port() { master_port_of "$S1"; }
# master_settled_off PORT: every Sentinel names one master, not PORT, and that
# server says it is a master: the failover is over, not just begun (under
# load a Sentinel may abort a slow promotion and try another replica).
master_settled_off() {
	local s p first=
	for s in $S1 $S2 $S3; do
		p=$(master_port_of "$s")
		[ -n "$p" ] && [ "$p" != "$1" ] || return 1
		[ -z "$first" ] && first=$p
		[ "$p" = "$first" ] || return 1
	done
	[ "$(rc "$first" role 2>/dev/null | head -n 1)" = master ]
}
# topology: who is what, as the servers and each Sentinel tell (a failure's
# diagnostic).
topology() {
	local n s
	for n in "${NODES[@]}"; do
		echo "redis-$n :${PORT[$n]}: $(rc "${PORT[$n]}" role 2>&1 | head -n 3 | tr '\n' ' ')"
	done
	for s in $S1 $S2 $S3; do
		echo "sentinel :$s names :$(master_port_of "$s"), flags $(sentinel_field "$s" flags)"
	done
}
# node_at PORT: the name (a, b, c) of the server on PORT.
node_at() {
	local n
	for n in "${NODES[@]}"; do [ "${PORT[$n]}" = "$1" ] && echo "$n"; done
}

# -- the set-up ------------------------------------------------------------------

redis_node a
redis_node b --replicaof 127.0.0.1 "$PORT_A"
redis_node c --replicaof 127.0.0.1 "$PORT_A"
for p in "$PORT_B" "$PORT_C"; do
	t_wait_for 15 replica_of "$p" "$PORT_A" || bail_out "a replica did not link to the master"
done
sentinel_node sentinel-1 "$S1"
sentinel_node sentinel-2 "$S2"
sentinel_node sentinel-3 "$S3"
t_wait_for 30 sentinels_see_all || bail_out "the Sentinels did not find each other and the replicas"

# smsbox retries a 503 (the failover) every second, long enough for it.
# shellcheck disable=SC2119 # start_kannel's port is optional
KANNEL_HTTP_REQUEST_RETRY=40 start_kannel
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/e2e/district.yaml" "$T/flows/"
write_config "$T/flows"
sed -i "s|^redis: .*|redis: sentinel://127.0.0.1:$S1,127.0.0.1:$S2,127.0.0.1:$S3/sauti/0|" "$SAUTI_CONFIG"
echo "redis_wait_replicas: 1" >>"$SAUTI_CONFIG"
start_sauti

# sms PHONE TEXT: through Kannel, as a handset; prints the reply.
sms() { FAKESMSC_TIMEOUT=${FAKESMSC_TIMEOUT:-60} fakesmsc_send "$1" 15055 "$2"; }
# sms_direct ID PHONE TEXT: straight to /kannel/sms as smsbox would send it.
sms_direct() {
	HTTP_TIMEOUT=10 http GET /kannel/sms -G --data-urlencode "id=$1" \
		--data-urlencode "from=$2" --data-urlencode "to=15055" --data-urlencode "text=$3"
}
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*77#" \
		--data-urlencode "phoneNumber=$3" --data-urlencode "text=$2"
}
# answers PHONE: PHONE's run as "status lang,district,works,days,hours,need",
# read through the Sentinels as well (the CLI takes the same URL).
answers() {
	"$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --raw-phone | tr -d '\r' | grep -F ",$1," |
		awk -F, '{ printf "%s %s,%s,%s,%s,%s,%s\n", $5, $8, $9, $10, $11, $12, $13 }'
}
logged() { grep -qF -- "$1" "$T/sauti.log"; }

t_ok "sauti asked the Sentinels for the master" logged "the Sentinels name 127.0.0.1:$PORT_A as master 'sauti'"

P1=+255712600001
P2=+255712600002
t_like "$(sms $P1 WILAYA)" "^Karibu! Chagua lugha" "SMS through Kannel: the survey starts"
t_like "$(sms $P1 2)" "^Which district do you mine in\?" "English"
t_like "$(sms $P1 1)" "^Do you work at the site now\?" "Geita"
t_like "$(ussd u1 "" $P2)" "^CON Karibu! Chagua lugha" "USSD: the dial"
t_like "$(ussd u1 2 $P2)" "^CON Which district" "USSD: English"
t_like "$(ussd u1 2*3 $P2)" "^CON Do you work at the site now\?" "USSD: Chunya"

# -- the master is killed ----------------------------------------------------------

kill -KILL "$(t_pid redis-a)"
t_like "$(sms $P1 Yes)" "^How many days did you work last week\?" \
	"an answer sent as the master dies is served once a replica is promoted (smsbox retried the 503s)"
t_ok "the Sentinels promoted a replica" t_wait_for 30 master_settled_off "$PORT_A" || diag "$(topology)"
NEW=$(master_port)
OTHER=$(for n in b c; do [ "${PORT[$n]}" != "$NEW" ] && echo "${PORT[$n]}"; done)
t_ok "sauti found the new master (127.0.0.1:$NEW)" t_wait_for 10 logged "127.0.0.1:$NEW"
t_ok "/healthz is 200" t_wait_for 10 _sauti_healthy
# Kept: the USSD session's state, and the SMS run's unless the answer sent as
# the master died took it out first (then it was not put back: its commit failed).
t_ok "the state kept from the old master was dropped on reconnecting" \
	grep -qE "dropping [12] kept conversations" "$T/sauti.log"
# With redis_wait_replicas: 1 a commit needs a replica of the new master: a
# USSD step before the Sentinels have moved one over is a 503 (the person
# dials again and is offered to resume), which is not what is tested here.
t_ok "the other replica follows the new master" t_wait_for 30 replica_of "$OTHER" "$NEW" || diag "$(topology)"
t_like "$(ussd u1 2*3*1 $P2)" "^CON How many days" "the USSD session goes on where it was"
t_like "$(ussd u1 2*3*1*5 $P2)" "^CON About how many hours" "USSD: the days"
t_is "$(ussd u1 2*3*1*5*8 $P2)" "CON What would help you most?" "USSD: the hours"
t_is "$(ussd u1 2*3*1*5*8*Roads $P2)" "END Thank you! Chunya (Makongolosi): 5 days." "USSD: the run completes"
t_like "$(sms $P1 4)" "^About how many hours a day\?" "SMS: the days"
t_like "$(sms $P1 6)" "^What would help you most\?" "SMS: the hours"
t_is "$(sms $P1 Water)" "Thank you! Geita (Nyarugusu): 4 days." "SMS: the run completes"
t_is "$(answers $P1)" "completed en,geita,yes,4,6,Water" "the export has every SMS answer that got a reply, once"
t_is "$(answers $P2)" "completed en,chunya,yes,5,8,Roads" "... and every USSD answer"

# -- the old master comes back ---------------------------------------------------------

redis_node a
t_ok "the old master comes back and the Sentinels make it a replica of the new one" \
	t_wait_for 60 replica_of "$PORT_A" "$NEW" || diag "$(topology)"
P3=+255712600003
t_like "$(sms $P3 WILAYA)" "^Karibu! Chagua lugha" "service goes on: a new run starts"
t_like "$(sms $P3 1)" "^Unachimba wilaya gani\?" "... and goes on"
same_keys() { [ "$(rc "$PORT_A" dbsize)" = "$(rc "$NEW" dbsize)" ]; }
t_ok "the old master holds what the new master has" t_wait_for 10 same_keys

# -- a failover asked of the Sentinels (no crash) ----------------------------------------

t_is "$(rc "$S1" sentinel failover sauti)" OK "the Sentinels are asked to fail over"
t_ok "they move the master off 127.0.0.1:$NEW" t_wait_for 30 master_settled_off "$NEW" || diag "$(topology)"
NEWER=$(master_port)
t_like "$(sms $P3 5)" "^Unafanya kazi mgodini sasa\?" "the next answer is served (by the newer master)"
t_ok "sauti moved to 127.0.0.1:$NEWER when the Sentinels announced it" \
	t_wait_for 10 logged "moved to 127.0.0.1:$NEWER"
t_like "$(sms $P3 Hapana)" "^Asante kwa muda wako\." "the run completes"
t_is "$(answers $P3)" "completed sw,tarime,no,,," "the export has every answer"
t_is "$(rc "$NEWER" role | head -n 1)" master "what the export read is on the master the Sentinels name"

# -- no replica confirms ----------------------------------------------------------------

# has_replica PORT: the server on PORT has a replica online.
has_replica() { rc "$1" info replication | grep -q '^slave[0-9]*:.*state=online'; }

# The replicas of the newest master are stopped: its commits are not
# confirmed.  Only those that complete a run or opt a number out wait for
# them (docs/configuration.md): a middle answer is served all the same.
P4=+255712600004
P5=+255712600005
P6=+255712600006
t_ok "the newest master has a replica" t_wait_for 30 has_replica "$NEWER"
# (a replica that has just resynced may not confirm at once: retried, as
# smsbox does)
_served() { sms_direct "$@" >"$T/served.out" && [ "$(http_status)" = 200 ]; }
t_ok "a run starts" t_wait_for 20 _served w1 $P4 WILAYA
t_like "$(cat "$T/served.out")" "^Karibu! Chagua lugha" "... with the first question"
t_like "$(sms_direct v1 $P5 WILAYA)" "^Karibu" "another starts, to be completed with no replica"
t_like "$(sms_direct v2 $P5 2)" "^Which district" "... in English"
t_like "$(sms_direct v3 $P5 12)" "^Do you work" "... the district"
stopped=()
for n in "${NODES[@]}"; do
	[ "${PORT[$n]}" != "$NEWER" ] && kill -STOP "$(t_pid "redis-$n")" && stopped+=("$n")
done
t_like "$(sms_direct w2 $P4 2)" "^Which district" "no replica: a middle answer is served"
t_is "$(http_status)" 200 "... 200: a step that completes nothing does not wait"
start_ms=$(_t_now_ms)
sms_direct v4 $P5 Hapana >/dev/null
took=$(($(_t_now_ms) - start_ms))
t_is "$(http_status)" 503 "the answer that completes a run is not confirmed: 503 (smsbox will retry)"
t_ok "... once redis_timeout_ms has passed ($took ms)" test "$took" -ge 900 -a "$took" -lt 2000
# A STOP waits too; while its WAIT holds the connection, the other requests
# are served after it, well within their own timeout.
curl -s -o "$T/stop.body" -w '%{http_code}' --max-time 10 \
	"$SAUTI_URL/kannel/sms?id=s1&from=%2B255712600006&to=15055&text=STOP" >"$T/stop.status" &
stop_pid=$!
sleep 0.2
t_is "$(http GET /healthz >/dev/null; http_status)" 200 "/healthz is still 200 (the master answers) while a commit waits"
t_like "$(sms_direct w3 $P4 12)" "^Do you work at the site now\?" \
	"a middle answer sent while a STOP waits is served after it"
wait "$stop_pid"
t_is "$(cat "$T/stop.status")" 503 "no replica confirms a STOP: 503"
for n in "${stopped[@]}"; do kill -CONT "$(t_pid "redis-$n")"; done
t_ok "the replicas are back" t_wait_for 30 has_replica "$NEWER"
t_is "$(sms_direct v4 $P5 Hapana)" "Thank you for your time." "the completing answer's retry is answered"
t_is "$(answers $P5)" "completed en,other,no,,," "the run was saved once"
t_like "$(sms_direct s1 $P6 STOP)" "^Umejiondoa" "the STOP's retry is answered"
t_is "$(answers $P4)" "active en,other,,,," "the middle answers were saved once"

# -- Redis out of memory ------------------------------------------------------------------

before=$(answers $P4)
rc "$NEWER" config set maxmemory 1 >/dev/null
keys_before=$(rc "$NEWER" dbsize)
t_is "$(sms_direct m1 $P4 Yes >/dev/null; http_status)" 503 "Redis refuses writes (maxmemory): 503"
t_is "$(rc "$NEWER" dbsize)" "$keys_before" "... and nothing was written"
t_is "$(rc "$NEWER" config set maxmemory 0)" OK "memory is freed"
t_is "$(answers $P4)" "$before" "the run is as it was"
t_like "$(sms_direct m1 $P4 Yes)" "^How many days" "the retry is served"
t_is "$(answers $P4)" "active en,other,yes,,," "... and saved once"

# -- the Sentinel watched hangs -----------------------------------------------------

# A Sentinel stopped (SIGSTOP, a machine frozen or cut off) keeps its
# connection open and says nothing: sauti must not go on listening to it for
# the next failover, or it writes to the old master until the Sentinels demote
# it, seconds in which a reply confirms writes that are then thrown away.
# watched: the Sentinel sauti is subscribed on (the one whose client's last
# command is a SUBSCRIBE).
watched() {
	local s
	for s in "$@"; do
		rc "$s" client list 2>/dev/null | grep -q 'cmd=subscribe' && echo "$s"
	done
}
promotions() { grep -c '(+promoted-slave)' "$T/sauti.log"; }
W=$(watched "$S1" "$S2" "$S3" | head -n 1)
t_like "$W" '^[0-9]+$' "sauti watches for failovers on a Sentinel (:$W)"
REST=()
for s in "$S1" "$S2" "$S3"; do [ "$s" != "$W" ] && REST+=("$s"); done
WNAME=$(for n in 1 2 3; do v=S$n; [ "${!v}" = "$W" ] && echo "sentinel-$n"; done)
kill -STOP "$(t_pid "$WNAME")"
t_ok "that Sentinel is stopped: sauti gives it up within 2 s" \
	t_wait_for 4 logged "Sentinel 127.0.0.1:$W did not answer in time; watching for failovers on the next one"
_watched_again() { [ -n "$(watched "${REST[@]}")" ]; }
t_ok "... and watches on another one" t_wait_for 5 _watched_again
before=$(promotions)
t_is "$(rc "${REST[0]}" sentinel failover sauti)" OK "a failover is asked of a Sentinel still running"
_heard() { [ "$(promotions)" -gt "$before" ]; }
t_ok "sauti hears of the promotion at once, from the Sentinel it watches now" t_wait_for 10 _heard
kill -CONT "$(t_pid "$WNAME")"
t_ok "the failover is over" t_wait_for 30 master_settled_off "$NEWER" || diag "$(topology)"
t_ok "sauti is on the master the Sentinels name" t_wait_for 10 logged "moved to 127.0.0.1:$(master_port)"
t_ok "and serves" t_wait_for 20 _served h1 +255712600007 WILAYA

done_testing
