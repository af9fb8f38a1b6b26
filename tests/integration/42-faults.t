#!/usr/bin/env bash
# Faults: sauti killed with SIGKILL between two SMS steps (and in the middle
# of one) loses nothing and repeats nothing; two daemons on one Redis serve
# one person's run in turns; Redis stopped gives 503 within ~2 s and service
# comes back without a restart; Redis frozen during a step gives 503, never a
# 200 for an answer that was not saved, and a retry of the same message is
# applied exactly once, even when the save reached Redis and only its reply
# was lost; SIGHUP with a broken flow file logs file:line:column, reloads the
# other flows and keeps serving the last good version of the broken one.
# shellcheck disable=SC2317 # helpers run via t_ok and t_wait_for
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/e2e/district.yaml" "$T/flows/"
cat >"$T/flows/pulse.yaml" <<'EOF'
flow: pulse
kind: survey
title: {en: "Site pulse", sw: "Hali ya mgodi"}
languages: [sw, en]
triggers:
  keywords: [PULSE]
  ussd: "*150*88#"
expire: 1h
steps:
  - id: safe
    ask: {en: "Is the site safe today?", sw: "Je, mgodi uko salama leo?"}
    choices:
      - yes: {en: "Yes", sw: "Ndiyo"}
      - no: {en: "No", sw: "Hapana"}
    save: safe
  - id: bye
    end: {en: "Thank you.", sw: "Asante."}
EOF
write_config "$T/flows"
start_sauti

# sms_to URL ID PHONE TEXT: one message to a daemon's /kannel/sms, as smsbox
# sends it; prints the reply, the status in http_status.
sms_to() {
	HTTP_TIMEOUT=${HTTP_TIMEOUT:-5} http GET "$1/kannel/sms" -G --data-urlencode "id=$2" \
		--data-urlencode "from=$3" --data-urlencode "to=15055" --data-urlencode "text=$4"
}
sms() { sms_to "$SAUTI_URL" "$@"; }

# timed COMMAND...: runs COMMAND (output to stdout), its duration in ms to
# $T/took.
timed() {
	local start rc
	start=$(_t_now_ms)
	"$@"
	rc=$?
	echo $(($(_t_now_ms) - start)) >"$T/took"
	return $rc
}
took() { cat "$T/took"; }

# row PHONE: the raw-phone CSV export row of PHONE's run of district.
row() {
	"$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --raw-phone | tr -d '\r' | grep -F ",$1,"
}

# answers PHONE: PHONE's run as "status lang,district,works,days,hours,need".
answers() {
	row "$1" | awk -F, '{ printf "%s %s,%s,%s,%s,%s,%s\n", $5, $8, $9, $10, $11, $12, $13 }'
}

# other_up NAME PORT CONFIG: a second daemon (t_spawn NAME), log $T/NAME.log;
# waits for its /healthz.
other_up() {
	# shellcheck disable=SC2086 # SAUTI_WRAP is a command line
	t_spawn "$1" "$T/$1.log" ${SAUTI_WRAP:-} "$SAUTI_BIN" serve -c "$3"
	t_wait_for 15 _healthy_at "http://127.0.0.1:$2" && t_pid "$1" >/dev/null
}
_healthy_at() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1/healthz")" = 200 ]
}

# other_down NAME: SIGTERM; fails unless it exits 0 with no sanitizer report.
other_down() {
	local rc
	t_stop "$1" 10
	rc=$?
	if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$T/$1.log"; then
		grep -A 30 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$T/$1.log" | head -n 60
		return 1
	fi
	[ "$rc" -eq 0 ] || { echo "$1 exited with status $rc"; tail -n 5 "$T/$1.log"; return 1; }
}

# sauti_kill9: SIGKILL, and waits until its exit is recorded (so that the
# next start_sauti is not confused by it).
sauti_kill9() {
	local pid
	pid=$(sauti_pid) || return 1
	kill -KILL "$pid"
	t_wait_for 5 test -s "$T/pids/sauti.rc" || return 1
	rm -f "$T/pids/sauti.pid" "$T/pids/sauti.rc"
}

# -- SIGKILL between two steps, and during one --------------------------------------

P1=+255712100001
t_like "$(sms k1 $P1 WILAYA)" "^Karibu! Chagua lugha" "the survey starts"
before=$(sms k2 $P1 2)
t_like "$before" "^Which district do you mine in\?" "English is chosen"
t_ok "sauti is killed with SIGKILL" sauti_kill9
t_ok "a new daemon starts on the same Redis" start_sauti
t_is "$(sms k2 $P1 2)" "$before" "Kannel's retry of the last message gets the same reply"
t_like "$(sms k3 $P1 12)" "^Do you work at the site now\?" \
	"the next message is served at the right step (the district question was answered)"

# SIGKILL while a message is being served: the daemon is stopped first so
# that the message is certainly in flight.
kill -STOP "$(sauti_pid)"
HTTP_TIMEOUT=3 sms k4 $P1 Yes >/dev/null 2>&1 &
inflight=$!
sleep 0.5
t_ok "sauti is killed with SIGKILL while a message waits for it" sauti_kill9
wait $inflight
t_isnt "$(http_status)" 200 "that message got no 200 (so Kannel will retry it)"
t_ok "a new daemon starts" start_sauti
t_like "$(sms k4 $P1 Yes)" "^How many days did you work last week\?" "the retried message is served once"
t_like "$(sms k5 $P1 2)" "^About how many hours a day\?" "and the run goes on"
sms k6 $P1 6 >/dev/null
t_is "$(sms k7 $P1 Shade)" "Thank you! Another district: 2 days." "the run completes"
t_is "$(answers $P1)" "completed en,other,yes,2,6,Shade" "the export has every answer exactly as given"

# -- two daemons on one Redis ------------------------------------------------------------

PORT2=$(free_port)
URL2="http://127.0.0.1:$PORT2"
sed "s/^listen: .*/listen: 127.0.0.1:$PORT2/" "$SAUTI_CONFIG" >"$T/sauti2.yaml"
t_ok "a second daemon starts on port $PORT2, same Redis" other_up sauti2 "$PORT2" "$T/sauti2.yaml"

P2=+255712100002
t_like "$(sms_to "$SAUTI_URL" t1 $P2 WILAYA)" "^Karibu! Chagua lugha" "daemon A: the survey starts"
t_like "$(sms_to "$URL2" t2 $P2 1)" "^Unachimba wilaya gani\?" "daemon B: Kiswahili"
t_like "$(sms_to "$SAUTI_URL" t3 $P2 3)" "^Unafanya kazi mgodini sasa\?" "daemon A: the district"
t_like "$(sms_to "$URL2" t4 $P2 Ndiyo)" "siku ngapi" "daemon B: yes"
t_like "$(sms_to "$SAUTI_URL" t4 $P2 Ndiyo)" "siku ngapi" "daemon A: the same message again gets the same reply"
t_like "$(sms_to "$SAUTI_URL" t5 $P2 5)" "saa ngapi" "daemon A: the days (the repeat changed nothing)"
t_like "$(sms_to "$URL2" t6 $P2 8)" "Nini kingekusaidia zaidi\?" "daemon B: the hours"
t_is "$(sms_to "$SAUTI_URL" t7 $P2 'Barabara nzuri')" "Asante! Chunya (Makongolosi): siku 5." \
	"daemon A: the run completes"
t_is "$(answers $P2)" "completed sw,chunya,yes,5,8,Barabara nzuri" "the export shows each answer once"

# Both daemons at once, for the same person at the same step: one answer
# goes to the days, the other to the hours, in some order, never both to one.
P3=+255712100003
for m in "s1 WILAYA" "s2 2" "s3 1" "s4 Yes"; do sms_to "$URL2" "${m% *}" $P3 "${m#* }" >/dev/null; done
# (curl itself: http() keeps the last answer in files of $T, one at a time)
curl -s -G --max-time 5 -o "$T/c1.out" "$SAUTI_URL/kannel/sms" --data-urlencode id=c1 \
	--data-urlencode from=$P3 --data-urlencode text=3 &
c1=$!
curl -s -G --max-time 5 -o "$T/c2.out" "$URL2/kannel/sms" --data-urlencode id=c2 \
	--data-urlencode from=$P3 --data-urlencode text=4 &
c2=$!
wait $c1 $c2
echo >>"$T/c1.out"
echo >>"$T/c2.out"
replies=$(sort "$T/c1.out" "$T/c2.out" | tr '\n' '|')
t_is "$replies" "About how many hours a day?|What would help you most?|" \
	"two messages served at once by two daemons are served one after the other"
t_like "$(answers $P3)" "^active en,geita,yes,(3,4|4,3),$" "... each answer saved once, in one of the two orders"

# USSD, whose daemons keep each session's state between its requests: the
# session hops between the daemons at every step, so each finds what it kept
# stale, learns so from the commit, and serves the step from Redis instead.
# ussd_to URL SESSION TEXT PHONE: one aggregator request; prints the body.
ussd_to() {
	http POST "$1/ussd" --data-urlencode "sessionId=$2" --data-urlencode "serviceCode=*150*77#" \
		--data-urlencode "phoneNumber=$4" --data-urlencode "text=$3"
}
# conflicts URL: that daemon's count of steps served again.
conflicts() {
	curl -s "$1/metrics" | awk '$1 ~ /^sauti_commit_conflicts_total/ { n += $2 } END { print n + 0 }'
}
P5=+255712100005
before=$(conflicts "$SAUTI_URL")
t_like "$(ussd_to "$SAUTI_URL" u1 "" $P5)" "^CON Karibu! Chagua lugha" "USSD, daemon A: the dial"
t_like "$(ussd_to "$SAUTI_URL" u1 "2" $P5)" "^CON Which district" "daemon A: English"
t_like "$(ussd_to "$URL2" u1 "2*3" $P5)" "^CON Do you work at the site now\?" "daemon B: the district"
redis_monitor_start
t_like "$(ussd_to "$SAUTI_URL" u1 "2*3*1" $P5)" "^CON How many days" "daemon A: yes, after B's step"
t_is "$(redis_monitor_scripts $P5)" 2 \
	"... in two scripts: the commit that found the state changed brought it back, the second wrote"
t_like "$(ussd_to "$URL2" u1 "2*3*1*4" $P5)" "^CON About how many hours" "daemon B: the days"
t_like "$(ussd_to "$SAUTI_URL" u1 "2*3*1*4*8" $P5)" "^CON What would help" "daemon A: the hours"
t_is "$(ussd_to "$URL2" u1 "2*3*1*4*8*Maji" $P5)" "END Thank you! Chunya (Makongolosi): 4 days." \
	"daemon B: the run completes"
t_is "$(answers $P5)" "completed en,chunya,yes,4,8,Maji" "the export has each answer once"
t_ok "daemon A found its kept state stale and served from Redis ($(conflicts "$SAUTI_URL") conflicts)" \
	test "$(conflicts "$SAUTI_URL")" -ge $((before + 2))
t_ok "the second daemon stops cleanly" other_down sauti2

# -- Redis stopped ----------------------------------------------------------------------------

P4=+255712100004
t_like "$(sms r1 $P4 WILAYA)" "^Karibu" "a run starts before Redis stops"
stop_redis
t_is "$(timed http GET /healthz >/dev/null; http_status)" 503 "Redis stopped: /healthz is 503"
t_ok "... within 2 s ($(took) ms)" test "$(took)" -lt 2000
t_is "$(timed sms r2 $P4 2 >/dev/null; http_status)" 503 "Redis stopped: /kannel/sms is 503"
t_ok "... within 2 s ($(took) ms)" test "$(took)" -lt 2000
t_is "$(timed http POST /ussd --data-urlencode sessionId=r1 --data-urlencode 'serviceCode=*150*77#' \
	--data-urlencode phoneNumber=$P4 --data-urlencode text= >/dev/null; http_status)" 503 \
	"Redis stopped: /ussd is 503"
t_ok "... within 2 s ($(took) ms)" test "$(took)" -lt 2000
t_is "$(timed http GET /kannel/dlr -G --data-urlencode id=b.r1.$P4 -d status=1 >/dev/null; http_status)" 503 \
	"Redis stopped: /kannel/dlr is 503"
t_is "$(timed api GET /api/flows/district/export.csv >/dev/null; http_status)" 503 \
	"Redis stopped: an export is 503"
t_ok "... within 2 s ($(took) ms)" test "$(took)" -lt 2000
t_is "$(http GET /metrics >/dev/null; http_status)" 200 "/metrics still answers"
t_ok "sauti is still running" sauti_pid
# A daemon started while Redis is away serves, its key layout unchecked:
# the API says so in JSON, as every /api/ error (docs/http.md).
PORT3=$(free_port)
sed "s/^listen: .*/listen: 127.0.0.1:$PORT3/" "$SAUTI_CONFIG" >"$T/sauti3.yaml"
# shellcheck disable=SC2086 # SAUTI_WRAP is a command line
t_spawn sauti3 "$T/sauti3.log" ${SAUTI_WRAP:-} "$SAUTI_BIN" serve -c "$T/sauti3.yaml"
t_ok "a daemon starts with Redis stopped" t_wait_for 15 port_listening "$PORT3"
body=$(http GET "http://127.0.0.1:$PORT3/api/flows" -H "Authorization: Bearer $TEST_API_TOKEN")
t_is "$(http_status)" 503 "its API is 503 while the key layout is not checked"
t_like "$(http_header Content-Type)" '^application/json' "... as JSON"
t_is "$body" '{"error":"the key layout is not checked yet"}' "... {\"error\": ...}"
t_ok "it stops cleanly" other_down sauti3
start_redis_again
t_ok "Redis is back (empty): /healthz is 200 again within 5 s, without restarting sauti" \
	t_wait_for 5 _sauti_healthy
t_like "$(sms r3 $P4 WILAYA)" "^Karibu! Chagua lugha" "a keyword starts a new run"
t_like "$(sms r4 $P4 2)" "^Which district" "and it goes on"

# -- Redis frozen during a step -------------------------------------------------------------

P5=+255712100005
sms f1 $P5 WILAYA >/dev/null; sms f2 $P5 2 >/dev/null; sms f3 $P5 1 >/dev/null
t_like "$(sms f4 $P5 Yes)" "^How many days" "a run reaches the days (0-7; the hours after it take 0-24)"

redis_pid=$(t_pid redis)
kill -STOP "$redis_pid"
t_is "$(timed sms f5 $P5 3 >/dev/null; http_status)" 503 "Redis stopped with SIGSTOP: the step is 503, not 200"
t_ok "... within 2.5 s ($(took) ms)" test "$(took)" -lt 2500
t_is "$(timed http GET /healthz >/dev/null; http_status)" 503 "... and /healthz is 503"
t_ok "... within 2.5 s ($(took) ms)" test "$(took)" -lt 2500
kill -CONT "$redis_pid"
t_ok "after SIGCONT /healthz is 200 again within 5 s" t_wait_for 5 _sauti_healthy
t_like "$(sms f5 $P5 3)" "^About how many hours a day\?" "the retried message is served"
t_like "$(sms f5 $P5 3)" "^About how many hours a day\?" "a second retry gets the same reply"
t_is "$(answers $P5)" "active en,geita,yes,3,," "the answer is saved once (not also as the hours)"

redis_cli client pause 2500 all >/dev/null
paused=$(_t_now_ms)
t_is "$(timed sms f6 $P5 5 >/dev/null; http_status)" 503 "Redis paused (CLIENT PAUSE): the step is 503, not 200"
t_ok "... within 2.5 s ($(took) ms)" test "$(took)" -lt 2500
while [ $(($(_t_now_ms) - paused)) -lt 2600 ]; do sleep 0.1; done
t_ok "after the pause /healthz is 200 again within 5 s" t_wait_for 5 _sauti_healthy
t_like "$(sms f6 $P5 5)" "^What would help you most\?" "the retried message is served"
t_is "$(answers $P5)" "active en,geita,yes,3,5," "the answer is saved once (not also as the free text)"
t_is "$(sms f7 $P5 Water)" "Thank you! Geita (Nyarugusu): 3 days." "the run completes"
t_is "$(answers $P5)" "completed en,geita,yes,3,5,Water" "the export shows each answer exactly once"

# -- the save reaches Redis, its reply does not -------------------------------------------
#
# A proxy between a third daemon and Redis passes every command on at once,
# but while $T/hold exists it holds the reply to the commit script for 2.5 s,
# longer than redis_timeout_ms: the answer is saved, the daemon cannot know.

cat >"$T/proxy.py" <<'EOF'
import hashlib, os, queue, socket, sys, threading, time
listen_port, redis_port, hold_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def value(f):
    line = f.readline()
    if not line:
        raise EOFError
    if line[:1] == b"$" and int(line[1:]) >= 0:
        return line + f.read(int(line[1:]) + 2)
    if line[:1] == b"*":
        return line + b"".join(value(f) for _ in range(max(int(line[1:]), 0)))
    return line

# The commit script's SHA1s: its own, and its wrapper's (gateway/db.c runs
# the calls of one loop turn as one call of the script wrapped).
commit_shas = set()

def pipe(client):
    up = socket.create_connection(("127.0.0.1", redis_port))
    held = queue.Queue()
    def close():
        for s in (client, up):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    def commands():
        f = client.makefile("rb")
        try:
            while True:
                cmd = value(f)
                # The commit script goes as EVAL, or as EVALSHA once sauti
                # has loaded it: learn its SHA1s from the SCRIPT LOADs.
                if b"SCRIPT" in cmd and b"local A = ARGV" in cmd:
                    commit_shas.add(hashlib.sha1(cmd.split(b"\r\n")[6]).hexdigest().encode())
                is_commit = b"local A = ARGV" in cmd or any(sha in cmd for sha in commit_shas)
                held.put(bool(is_commit) and os.path.exists(hold_file))
                up.sendall(cmd)
        except (OSError, EOFError, ValueError):
            close()
    def replies():
        f = up.makefile("rb")
        try:
            while True:
                r = value(f)
                if held.get():
                    time.sleep(2.5)
                client.sendall(r)
        except (OSError, EOFError, ValueError):
            close()
    threading.Thread(target=commands, daemon=True).start()
    threading.Thread(target=replies, daemon=True).start()

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(16)
while True:
    pipe(srv.accept()[0])
EOF
read -r PROXY_PORT PORT3 < <(free_port 2 | tr '\n' ' ')
t_spawn proxy "$T/proxy.log" "$T_PYTHON" "$T/proxy.py" "$PROXY_PORT" "$REDIS_PORT" "$T/hold"
t_wait_for 5 port_listening "$PROXY_PORT"
URL3="http://127.0.0.1:$PORT3"
sed -e "s/^listen: .*/listen: 127.0.0.1:$PORT3/" \
	-e "s|^redis: .*|redis: redis://127.0.0.1:$PROXY_PORT/0|" "$SAUTI_CONFIG" >"$T/sauti3.yaml"
t_ok "a third daemon starts, talking to Redis through the proxy" other_up sauti3 "$PORT3" "$T/sauti3.yaml"

P6=+255712100006
for m in "x1 WILAYA" "x2 2" "x3 2"; do sms_to "$URL3" "${m% *}" $P6 "${m#* }" >/dev/null; done
t_like "$(sms_to "$URL3" x4 $P6 Yes)" "^How many days" "a run reaches the days"
touch "$T/hold"
t_is "$(timed sms_to "$URL3" x5 $P6 4 >/dev/null; http_status)" 503 \
	"the commit's reply is held: the step is 503 (the daemon cannot know it was saved)"
t_ok "... within 2.5 s ($(took) ms)" test "$(took)" -lt 2500
t_is "$(answers $P6)" "active en,kahama,yes,4,," "the answer did reach Redis"
rm -f "$T/hold"
t_ok "the third daemon is healthy again within 5 s" t_wait_for 5 _healthy_at "$URL3"
t_like "$(sms_to "$URL3" x5 $P6 4)" "^About how many hours a day\?" \
	"Kannel's retry gets the reply of the saved answer"
t_like "$(sms_to "$URL3" x6 $P6 7)" "^What would help you most\?" "the next message is the hours"
t_is "$(answers $P6)" "active en,kahama,yes,4,7," "the days are saved once, the hours once"
t_ok "the third daemon stops cleanly" other_down sauti3
t_stop proxy 2

# -- SIGHUP with a broken flow file -------------------------------------------------------------

# reload: SIGHUP; waits for the "flows serving" line that ends the reload.
reload() {
	local n
	n=$(grep -c "flows serving" "$T/sauti.log")
	kill -HUP "$(sauti_pid)"
	t_wait_for 5 _served_since "$n"
}
_served_since() { [ "$(grep -c "flows serving" "$T/sauti.log")" -gt "$1" ]; }

P7=+255712100007
t_like "$(sms h1 $P7 PULSE)" "^Je, mgodi uko salama leo\?" "the second flow serves"
sms h2 $P7 WILAYA >/dev/null
sms h3 $P7 2 >/dev/null
t_like "$(sms h4 $P7 1)" "^Do you work at the site now\?" "a district run is in progress"

t_is "$(sed -n 37p "$T/flows/district.yaml")" "    save: works" "line 37 of district.yaml is the works step's save"
cp "$T/flows/district.yaml" "$T/district.good"
sed -i '37s/^    save/   save/' "$T/flows/district.yaml"
sed -i 's/salama leo?/salama wiki hii?/' "$T/flows/pulse.yaml"
lines=$(wc -l <"$T/sauti.log")
t_ok "SIGHUP with district.yaml broken (line 37 indented wrong) and pulse.yaml changed" reload
log=$(tail -n +"$((lines + 1))" "$T/sauti.log")
t_like "$log" "district\.yaml:37:4: " "the log names the error as district.yaml:37:4"
t_like "$log" "district\.yaml has errors: district goes on serving its last good version, not the edit" \
	"... and says the flow is served as it was, not as edited"
t_ok "sauti is still running" sauti_pid
t_like "$(sms h5 +255712100008 PULSE)" "^Je, mgodi uko salama wiki hii\?" \
	"the other flow serves, in its new version (the reload happened)"
t_like "$(sms h7 $P7 Yes)" "^How many days did you work last week\?" \
	"the run in progress in the broken flow goes on (its last good version is kept)"
t_like "$(sms h8 +255712100010 WILAYA)" "^Karibu! Chagua lugha" \
	"the broken flow's last good version still starts new runs"
t_like "$(http GET /metrics)" "sauti_flows_loaded 2" "/metrics counts both flows as loaded"

sed 's/Karibu! Chagua lugha/Hujambo! Chagua lugha/' "$T/district.good" >"$T/flows/district.yaml"
lines=$(wc -l <"$T/sauti.log")
t_ok "SIGHUP with district.yaml fixed (and its welcome changed)" reload
t_unlike "$(tail -n +"$((lines + 1))" "$T/sauti.log")" "district\.yaml:[0-9]+:[0-9]+: " \
	"this reload logs no error"
t_like "$(sms h9 +255712100011 WILAYA)" "^Hujambo! Chagua lugha" "the fixed version now serves"
t_like "$(sms h10 $P7 3)" "^About how many hours a day\?" "and the run in progress goes on"

done_testing
