#!/usr/bin/env python3
"""fakesmsc.py -- drives Kannel's fakesmsc for the integration tests.

Kannel's fakesmsc (/usr/lib/kannel/test/fakesmsc) takes its MOs from the
command line only, sends them, then stays connected printing every MT it
receives on stderr as `Got message N: <FROM TO TYPE DATA>` until it gets
SIGINT.  The fake SMSC in bearerbox serves one client at a time.  So:

  send    spawns one fakesmsc per MO (-m 1), waits for the reply MTs,
          stops it with SIGINT and writes the decoded MTs;
  decode  decodes the log of a long-running sink (fakesmsc -m 0),
          optionally waiting until it holds N messages.

Decoded MTs go to OUT/: `count`, and per message N (1-based) `N.text` (the
exact text, no newline added) and `N.meta` (`from to coding parts complete`,
one line).  What fakesmsc prints, and how it is decoded:

  FROM TO text TEXT        plain; a newline in TEXT makes fakesmsc log the
                           rest as further lines, which are joined back
  FROM TO ucs-2 URLENC     UTF-16BE, URL-encoded (`+` is a space)
  FROM TO data URLENC      8-bit, URL-encoded; shown as UTF-8 when it is
  FROM TO udh UDH data D   one part of a multipart message; parts are joined
                           by their concatenation reference.  The line does
                           not say the coding: a part with a NUL byte is taken
                           as UCS-2 (any Latin letter has one), else as text.

Exit status of `send`: 0 when the expected replies came (at least one, or
exactly --expect), 1 when they did not, 2 when fakesmsc failed.
"""

import argparse
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.parse

FAKESMSC = os.environ.get("KANNEL_FAKESMSC", "/usr/lib/kannel/test/fakesmsc")
GOT = re.compile(rb"(?:INFO|DEBUG): Got message \d+: <(.*)>$")
HEAD = re.compile(r"(\S+) (\S+) (text|data|ucs-2|udh) (.*)\Z", re.S)


def unquote(s):
    return urllib.parse.unquote_to_bytes(s.replace("+", " "))


def udh_concat(udh):
    """(ref, total, seq) of a concatenation UDH, or None."""
    if not udh:
        return None
    end = 1 + udh[0]
    i = 1
    while i + 1 < len(udh) and i < end:
        iei, ln = udh[i], udh[i + 1]
        data = udh[i + 2:i + 2 + ln]
        if iei == 0x00 and ln == 3 and len(data) == 3:
            return (data[0], data[1], data[2])
        if iei == 0x08 and ln == 4 and len(data) == 4:
            return ((data[0] << 8) | data[1], data[2], data[3])
        i += 2 + ln
    return None


def as_text(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def decode(contents):
    """Turns the <...> contents of `Got message` lines into MT dicts."""
    msgs = []
    groups = {}
    last_plain = None
    for line in contents:
        m = HEAD.match(line)
        if not m:
            # a text MT's next line (fakesmsc splits on newlines)
            if last_plain is not None:
                last_plain["text"] += "\n" + line
            continue
        frm, to, kind, rest = m.groups()
        last_plain = None
        if kind == "text":
            msg = dict(frm=frm, to=to, coding="text", parts=1,
                       complete=True, text=rest)
            last_plain = msg
            msgs.append(msg)
        elif kind == "ucs-2":
            msgs.append(dict(frm=frm, to=to, coding="ucs-2", parts=1,
                             complete=True,
                             text=unquote(rest).decode("utf-16-be", "replace")))
        elif kind == "data":
            msgs.append(dict(frm=frm, to=to, coding="data", parts=1,
                             complete=True, text=as_text(unquote(rest))))
        else:
            udh_enc, _, data_enc = rest.partition(" data ")
            udh, data = unquote(udh_enc), unquote(data_enc)
            concat = udh_concat(udh)
            if concat is None:
                msgs.append(dict(frm=frm, to=to, coding="udh", parts=1,
                                 complete=True, text=as_text(data)))
                continue
            ref, total, seq = concat
            key = (frm, to, ref, total)
            msg = groups.get(key)
            if msg is None or seq in msg["chunks"]:
                msg = dict(frm=frm, to=to, coding="text", parts=0,
                           complete=False, text="", total=total, chunks={})
                groups[key] = msg
                msgs.append(msg)
            msg["chunks"][seq] = data
    for msg in msgs:
        chunks = msg.pop("chunks", None)
        if chunks is None:
            continue
        raw = b"".join(chunks[k] for k in sorted(chunks))
        ucs2 = any(b"\x00" in c for c in chunks.values())
        msg["coding"] = "ucs-2" if ucs2 else "text"
        msg["text"] = raw.decode("utf-16-be", "replace") if ucs2 else as_text(raw)
        msg["parts"] = len(chunks)
        msg["complete"] = sorted(chunks) == list(range(1, msg.pop("total") + 1))
    return msgs


def log_contents(raw_lines):
    out = []
    for raw in raw_lines:
        m = GOT.search(raw.rstrip(b"\n"))
        if m:
            out.append(m.group(1).decode("utf-8", "replace"))
    return out


def write_out(outdir, msgs):
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(outdir):
        os.unlink(os.path.join(outdir, name))
    for i, msg in enumerate(msgs, 1):
        with open(os.path.join(outdir, "%d.text" % i), "w", encoding="utf-8") as f:
            f.write(msg["text"])
        with open(os.path.join(outdir, "%d.meta" % i), "w") as f:
            f.write("%s %s %s %d %s\n" % (msg["frm"], msg["to"], msg["coding"],
                                          msg["parts"],
                                          "complete" if msg["complete"] else "incomplete"))
    with open(os.path.join(outdir, "count"), "w") as f:
        f.write("%d\n" % len(msgs))


def mo_line(frm, to, text, coding):
    if coding == "auto":
        coding = "text" if text.isprintable() or text == "" else "ucs2"
    if coding == "text":
        return "%s %s text %s" % (frm, to, text)
    enc = "".join("%%%02X" % b for b in text.encode("utf-16-be"))
    return "%s %s ucs2 %s" % (frm, to, enc)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_send(a):
    log = open(a.log, "wb")
    proc = subprocess.Popen([FAKESMSC, "-H", a.host, "-r", str(a.port), "-i", "0",
                             "-m", "1", mo_line(a.frm, a.to, a.text, a.coding)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % proc.pid)
    signal.signal(signal.SIGTERM, lambda *_: (stop(proc), sys.exit(143)))
    signal.signal(signal.SIGINT, lambda *_: (stop(proc), sys.exit(130)))

    lines, pending = [], b""
    start = last = time.monotonic()
    sent = failed = False
    fd = proc.stderr.fileno()
    while True:
        now = time.monotonic()
        mine = [m for m in decode(log_contents(lines)) if m["to"] == a.frm]
        done = [m for m in mine if m["complete"]]
        if a.expect is not None:
            if len(done) > a.expect:
                break
            if len(done) == a.expect and a.expect > 0 and now - last >= a.settle:
                break
        elif done and len(done) == len(mine) and now - last >= a.settle:
            break
        if now - start >= a.timeout:
            break
        r, _, _ = select.select([fd], [], [], 0.02)
        if not r:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            failed = not sent
            break
        log.write(chunk)
        log.flush()
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            if b"fakesmsc: sent message" in raw:
                sent = True
            if GOT.search(raw):
                lines.append(raw)
                last = time.monotonic()
    stop(proc)
    rest = proc.stderr.read()
    log.write(rest)
    log.close()
    if a.pidfile:
        try:
            os.unlink(a.pidfile)
        except FileNotFoundError:
            pass
    msgs = decode(log_contents(lines))
    write_out(a.out, msgs)
    mine = [m for m in msgs if m["to"] == a.frm]
    for m in mine:
        sys.stdout.write(m["text"] + "\n")
    if failed or not sent:
        sys.stderr.write("fakesmsc failed, see %s\n" % a.log)
        return 2
    if a.expect is not None:
        return 0 if len(mine) == a.expect else 1
    return 0 if mine else 1


def cmd_decode(a):
    deadline = time.monotonic() + a.timeout
    while True:
        with open(a.log, "rb") as f:
            msgs = decode(log_contents(f.readlines()))
        if a.wait is None or len([m for m in msgs if m["complete"]]) >= a.wait:
            break
        if time.monotonic() >= deadline:
            write_out(a.out, msgs)
            return 1
        time.sleep(0.05)
    write_out(a.out, msgs)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send", help="send one MO and collect the replies")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--out", required=True, help="directory for decoded MTs")
    s.add_argument("--log", required=True, help="fakesmsc's log")
    s.add_argument("--pidfile")
    s.add_argument("--timeout", type=float, default=10.0)
    s.add_argument("--settle", type=float, default=0.3)
    s.add_argument("--expect", type=int)
    s.add_argument("--coding", choices=("auto", "text", "ucs2"), default="auto")
    s.add_argument("frm")
    s.add_argument("to")
    s.add_argument("text")
    d = sub.add_parser("decode", help="decode a sink's log")
    d.add_argument("--out", required=True)
    d.add_argument("--wait", type=int, help="wait until N complete messages")
    d.add_argument("--timeout", type=float, default=10.0)
    d.add_argument("log")
    a = p.parse_args()
    return cmd_send(a) if a.cmd == "send" else cmd_decode(a)


if __name__ == "__main__":
    sys.exit(main())
