#!/usr/bin/env python3
"""sendsms_hold.py PORT UPSTREAM_PORT SECONDS LOG: an HTTP relay in front of
smsbox's sendsms that holds the first request it gets for SECONDS before
passing it on, and passes every other one on at once.  It writes
"holding TO" to LOG when it holds and "released TO STATUS" once smsbox has
answered the held request (whether or not its client is still there: as
Kannel would have taken it).

The drain test uses it to have a message on its way to Kannel when the
daemon is told to stop."""
import http.server
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

port, upstream, seconds, log = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
first = threading.Lock()


def note(text):
    with open(log, "a") as f:
        f.write(text + "\n")


class Relay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        to = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("to", ["?"])[0]
        held = first.acquire(blocking=False)
        if held:
            note("holding " + to)
            time.sleep(seconds)
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (upstream, self.path),
                                        timeout=30) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        if held:
            note("released %s %d" % (to, status))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client went away meanwhile

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Relay)
note("listening")
server.serve_forever()
