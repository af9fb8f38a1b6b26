#!/usr/bin/env bash
# 00-harness.t -- the test harness against the real components, without
# sauti: Redis comes and goes; Kannel's boxes come up; a phone's message
# (fakesmsc) reaches a tiny HTTP service through smsbox and the answer comes
# back as an MT; sendsms reaches a connected phone and reports delivery.
# It doubles as the baseline of what Kannel alone does with what sauti will
# answer: UCS-2 both ways, multipart replies, empty answers, retries.

# shellcheck disable=SC1111,SC2317 # the curly quotes are the point; helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

PHONE=+255712345678

# -- Redis ------------------------------------------------------------------------

start_redis
t_is "$(redis_cli ping)" PONG "redis-server answers on 127.0.0.1:$REDIS_PORT"
redis_cli set harness:key thamani >/dev/null
t_is "$(redis_cli get harness:key)" thamani "a value set in Redis reads back"

first_port=$REDIS_PORT
stop_redis
t_fails "redis_cli fails once Redis is stopped" redis_cli ping
start_redis_again
t_is "$(redis_cli ping)" PONG "Redis comes back"
t_is "$REDIS_PORT" "$first_port" "on the same port"
t_is "$(redis_cli exists harness:key)" 0 "empty, as nothing is saved"

# -- a stand-in for sauti: answers "pong: TEXT" ----------------------------------
#
# Text outside GSM-7 is answered with X-Kannel-Coding: 2 as sauti must;
# "flaky" fails with 503 the first time a message id is seen; "silence" is
# answered with an empty body; "lines" with three lines; /dlr records
# delivery reports.  Every request
# is logged as a JSON line.

cat >"$T/pong.py" <<'EOF'
import http.server, json, sys, urllib.parse
GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
          "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
          "^{}\\[~]|€\f")
seen = set()
class Pong(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        with open(sys.argv[2], "a") as log:
            log.write(json.dumps({"path": url.path, "q": q,
                                  "ua": self.headers.get("User-Agent")}) + "\n")
        status, body, headers = 200, "pong: " + q.get("text", ""), {}
        if url.path == "/dlr":
            body = "ok"
        elif q.get("text") == "silence":
            body = ""
        elif q.get("text") == "lines":
            body = "pong:\nmstari 1\nmstari 2\n"
        elif q.get("text") == "flaky" and q.get("id") not in seen:
            seen.add(q.get("id"))
            status, body = 503, "try later"
        if not set(body) <= GSM:
            headers["X-Kannel-Coding"] = "2"
        raw = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Pong).serve_forever()
EOF

PONG_PORT=$(free_port)
t_spawn pong "$T/pong.out" "$T_PYTHON" "$T/pong.py" "$PONG_PORT" "$T/pong.jsonl"
t_ok "the pong service listens" t_wait_for 5 port_listening "$PONG_PORT"

# pong_get PATH FIELD...: for each logged request to PATH, one line of the
# FIELDs (query parameters, or ua for the User-Agent) joined by spaces
pong_get() {
	"$T_PYTHON" -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] == sys.argv[2]:
        r["q"]["ua"] = r["ua"]
        print(" ".join(r["q"].get(f, "") for f in sys.argv[3:]))
' "$T/pong.jsonl" "$@"
}

# pong_count PATH N: at least N requests to PATH were logged
pong_count() {
	[ "$(pong_get "$1" id | wc -l)" -ge "$2" ]
}

# gone PID...: none of these processes runs
gone() {
	local pid
	for pid; do
		! kill -0 "$pid" 2>/dev/null || return 1
	done
}

# -- Kannel ---------------------------------------------------------------------

t_ok "bearerbox and smsbox start" start_kannel "$PONG_PORT" ||
	bail_out "Kannel did not start"
t_like "$(kannel_status)" "smsbox:.*on-line" "status.txt shows the smsbox on-line"

reply=$(fakesmsc_send "$PHONE" 15055 "hello kannel")
t_is "$reply" "pong: hello kannel" "an MO reaches the service and its answer comes back as the MT"
t_is "$(mt_meta 1)" "15055 $PHONE text 1 complete" "from the short code to the phone, one 7-bit SMS"

t_is "$(pong_get /kannel/sms from to text smsc coding charset | tail -n 1)" \
	"$PHONE 15055 hello kannel fake 0 UTF-8" \
	"smsbox calls /kannel/sms with from, to, text, smsc, coding, charset"
t_like "$(pong_get /kannel/sms id | tail -n 1)" '^[0-9a-f]{8}-[0-9a-f]{4}-' "and Kannel's message id"
t_like "$(pong_get /kannel/sms ua | tail -n 1)" '^Kannel/' "as User-Agent Kannel"

reply=$(fakesmsc_send "$PHONE" 15055 "Habari “rafiki” – é")
t_is "$(pong_get /kannel/sms text | tail -n 1)" "Habari “rafiki” – é" \
	"a UCS-2 MO reaches the service as UTF-8 (mo-recode)"
t_is "$reply" "pong: Habari “rafiki” – é" "X-Kannel-Coding: 2 sends the answer as UCS-2"
t_is "$(mt_meta 1)" "15055 $PHONE ucs-2 1 complete" "one UCS-2 SMS"

long=$(printf 'neno%.0s ' {1..39})neno
reply=$(fakesmsc_send "$PHONE" 15055 "$long")
t_is "$reply" "pong: $long" "a 205-character answer arrives whole"
t_is "$(mt_meta 1)" "15055 $PHONE text 2 complete" "as a 2-part SMS"

fakesmsc_send "$PHONE" 15055 $'  mstari  1\nmstari 2\n' >/dev/null
t_is "$(pong_get /kannel/sms text | tail -n 1)" "mstari 1 mstari 2" \
	"%a gives the service the MO's words, whitespace collapsed"
fakesmsc_send "$PHONE" 15055 lines >/dev/null
# (the "." keeps $(...) from eating the trailing newline)
t_is "$(cat "$(mt_file 1)"; echo .)" $'pong:\nmstari 1\nmstari 2\n.' \
	"an answer's newlines reach the phone, the trailing one too"

FAKESMSC_EXPECT=0 FAKESMSC_TIMEOUT=1.5 fakesmsc_send "$PHONE" 15055 silence >/dev/null
t_is "$?" 0 "an empty answer sends nothing (omit-empty)"
t_is "$(pong_get /kannel/sms text | tail -n 1)" silence "though the service was asked"

reply=$(fakesmsc_send "$PHONE" 15055 flaky)
t_is "$reply" "pong: flaky" "smsbox retries a request answered 503"
t_is "$(pong_get /kannel/sms text id | grep '^flaky ' | uniq -c | awk '{print $1}')" 2 \
	"with the same message id"

# -- sendsms and delivery reports ---------------------------------------------------

t_ok "a fakesmsc sink connects" fakesmsc_sink_start
answer=$(kannel_sendsms +255700000001 "Karibu kwenye utafiti" dlr-mask=9 \
	"dlr-url=http://127.0.0.1:$PONG_PORT/dlr?id=b1-42&status=%d&answer=%A&to=%p")
t_is "$(http_status)" 202 "sendsms answers 202"
t_is "$answer" "0: Accepted for delivery" "0: Accepted for delivery"
t_ok "the MT reaches the sink" fakesmsc_sink_wait 1 5
t_is "$(mt_text 1)" "Karibu kwenye utafiti" "with its text"
t_is "$(mt_meta 1)" "15055 +255700000001 text 1 complete" "from the short code to the number"
t_ok "delivery reports 8 and 1 arrive" t_wait_for 5 pong_count /dlr 2
t_is "$(pong_get /dlr id status to | sort | tr '\n' ,)" \
	"b1-42 1 +255700000001,b1-42 8 +255700000001," "carrying our id, the status and the number"
fakesmsc_sink_stop

answer=$(kannel_sendsms +255700000002 "Ujumbe unasubiri")
t_is "$answer" "3: Queued for later delivery" "with no phone connected sendsms queues"
fakesmsc_sink_start
t_ok "the queued MT goes to the next client" fakesmsc_sink_wait 1 5
t_is "$(mt_text 1)" "Ujumbe unasubiri" "the queued text"
fakesmsc_sink_stop

# -- the harness cleans up after an interrupted test ----------------------------------

for sig in INT TERM; do
	cat >"$T/child-$sig.sh" <<-EOF
		. "$T_ROOT/tests/lib.sh"
		start_redis
		t_spawn sleeper /dev/null sleep 30
		echo "\$T \$(t_pid redis) \$(t_pid sleeper)" >"$T/child-$sig.info"
		while :; do sleep 0.1; done
	EOF
	# a background job ignores SIGINT unless told otherwise
	env --default-signal=INT bash "$T/child-$sig.sh" >"$T/child-$sig.out" 2>&1 &
	child=$!
	t_wait_for 10 test -s "$T/child-$sig.info"
	read -r child_tmp child_redis child_sleeper <"$T/child-$sig.info"
	kill -"$sig" "$child"
	wait "$child"
	rc=$?
	t_ok "SIG$sig: the test's processes are gone" gone "$child_redis" "$child_sleeper"
	t_ok "SIG$sig: its directory is gone" test ! -e "$child_tmp"
	t_isnt "$rc" 0 "SIG$sig: it exits with a failure"
done

done_testing
