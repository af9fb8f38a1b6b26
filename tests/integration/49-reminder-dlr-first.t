#!/usr/bin/env bash
# A broadcast's run is reminded even when Kannel's delivery report reaches
# sauti before sendsms's answer does (a fast handset, a loaded gateway): a
# proxy in front of smsbox's sendsms holds each answer back until Redis
# shows the message delivered, so the report always comes first.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
cat >"$T/slow_sendsms.py" <<'PY'
# slow_sendsms.py PORT UPSTREAM_PORT REDIS_PORT: passes sendsms on to smsbox
# and answers once the broadcast totals in Redis count a delivery.
import http.server, subprocess, sys, time, urllib.request

port, upstream, redis_port = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def delivered():
    out = subprocess.run(["redis-cli", "-p", redis_port, "hget", "sauti:bc:totals", "delivered"],
                         capture_output=True, text=True).stdout.strip()
    return int(out or "0")

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        before = delivered()
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (upstream, self.path)) as r:
            code, body = r.status, r.read()
        deadline = time.time() + 8
        while delivered() <= before and time.time() < deadline:
            time.sleep(0.05)
        print("answer held:", "delivered first" if delivered() > before else "no report",
              flush=True)
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
PROXY_PORT=$(free_port)
t_spawn slow-sendsms "$T/slow_sendsms.log" "$T_PYTHON" "$T/slow_sendsms.py" \
	"$PROXY_PORT" "$KANNEL_SENDSMS_PORT" "$REDIS_PORT"
KANNEL_SENDSMS_PORT=$PROXY_PORT write_config "$T_ROOT/tests/flows/remind"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

fakesmsc_sink_start
bc=$(S broadcast kumbuka --to phones:+255712000440 2>/dev/null)
fakesmsc_sink_wait 3 60
fakesmsc_sink_stop
t_like "$(cat "$T/slow_sendsms.log")" "answer held: delivered first" \
	"the delivery report reached sauti before sendsms's answer"
t_is "$(mt_count)" 3 "three messages to the invited one"
t_like "$(mt_text 1)" "^Utakuja mkutanoni\?" "first the invitation"
t_like "$(mt_text 2)$(mt_text 3)" "^Kumbusho:.*Kumbusho:" "then the two reminders"
st=$(S broadcast status "$bc")
t_like "$st" "sent: 1" "the broadcast counts one message sent"
t_like "$st" "delivered: 1" "and delivered"
t_stop slow-sendsms 2
done_testing
