#!/usr/bin/env python3
"""redis_hold.py PORT REDIS_PORT MARK WORD MIN LOG: a TCP proxy in front of
redis-server that passes every command on, except that the first command
holding MARK and at least MIN times WORD (bytes anywhere in it) is held,
with all that follows it on that connection, until `EXISTS sauti:c:{MARK}`
answers 0 (at most 60 s).  It writes "holding" to LOG when it holds and "released:
forgotten" (or "released: timeout") when it lets go.

The broadcast tests use it to make the planner's write of a page (the
enqueue script, the one command with the numbers of a page and an XADD)
reach Redis only after one of that page's people was forgotten: the
interleaving "page read, forget, page written", every time."""
import socket
import subprocess
import sys
import threading
import time

port, redis_port = int(sys.argv[1]), int(sys.argv[2])
mark, word, least, log = (sys.argv[3].encode(), sys.argv[4].encode(), int(sys.argv[5]),
                          sys.argv[6])
held_once = threading.Lock()
held = False


def note(text):
    with open(log, "a") as f:
        f.write(text + "\n")


def forgotten():
    out = subprocess.run(["redis-cli", "-p", str(redis_port), "EXISTS",
                          "sauti:c:{" + mark.decode() + "}"],
                         capture_output=True, text=True).stdout.strip()
    return out == "0"


def command_end(buf):
    """The length of the first whole RESP command in buf, or 0."""
    if not buf.startswith(b"*"):
        nl = buf.find(b"\r\n")           # an inline command
        return nl + 2 if nl >= 0 else 0
    nl = buf.find(b"\r\n")
    if nl < 0:
        return 0
    n, at = int(buf[1:nl]), nl + 2
    for _ in range(n):
        nl = buf.find(b"\r\n", at)
        if nl < 0:
            return 0
        size = int(buf[at + 1:nl])
        at = nl + 2 + size + 2
        if at > len(buf):
            return 0
    return at


def upstream(client, server):
    global held
    buf = b""
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            buf += data
            while True:
                end = command_end(buf)
                if not end:
                    break
                cmd, buf = buf[:end], buf[end:]
                with held_once:
                    hold = not held and mark in cmd and cmd.count(word) >= least
                    held = held or hold
                if hold:
                    note("holding")
                    deadline = time.time() + 60
                    while not forgotten() and time.time() < deadline:
                        time.sleep(0.05)
                    note("released: " + ("forgotten" if forgotten() else "timeout"))
                server.sendall(cmd)
    except OSError:
        pass
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def downstream(client, server):
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            client.sendall(data)
    except OSError:
        pass
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(64)
note("listening")
while True:
    client, _ = listener.accept()
    server = socket.create_connection(("127.0.0.1", redis_port))
    for fn in (upstream, downstream):
        threading.Thread(target=fn, args=(client, server), daemon=True).start()
