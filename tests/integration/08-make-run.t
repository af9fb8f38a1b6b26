#!/usr/bin/env bash
# `make run` as a new user meets it on a terminal: it says how the other
# commands find its configuration, they do, and Ctrl-C stops everything with
# a short "stopped" line and exit status 0 (make included).  A store left
# under run/ by an older version is brought to this version's key layout.  Its own ports
# and directory here, so that a developer's `make run` is left alone.
. "$(dirname "$0")/../lib.sh"

read -r SAUTI_PORT REDIS_PORT KANNEL_SMSC_PORT KANNEL_ADMIN_PORT KANNEL_SMSBOX_PORT \
	KANNEL_SENDSMS_PORT < <(free_port 6 | tr '\n' ' ')
export SAUTI_PORT REDIS_PORT KANNEL_SMSC_PORT KANNEL_ADMIN_PORT KANNEL_SMSBOX_PORT \
	KANNEL_SENDSMS_PORT
export SAUTI_RUN_DIR=$T/run

# A terminal for make: runs `make -s run`, waits for the banner, runs the
# check command (argv) beside it, types Ctrl-C, and reports make's status.
cat >"$T/terminal.py" <<'PY'
import os, pty, select, subprocess, sys, time
root, out_path = sys.argv[1], sys.argv[2]
check = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    # A make of its own, as typed on a terminal: not a part of `make test`
    # (no jobserver, no SANITIZER=... from the make that runs the tests).
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        os.environ.pop(k, None)
    os.chdir(root)
    os.execvp("make", ["make", "-s", "run"])
out = b""
def read_for(seconds, until=None):
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            out += data
            if until and until in out:
                return True
    return False
up = read_for(120, b"Try it")
checked = subprocess.run(check, capture_output=True, text=True) if up else None
os.write(fd, b"\x03")
read_for(60)
_, status = os.waitpid(pid, 0)
with open(out_path, "wb") as f:
    f.write(out)
    if checked:
        f.write(b"\n--- check ---\n" + (checked.stdout + checked.stderr).encode())
print(os.waitstatus_to_exitcode(status))
PY
# shellcheck disable=SC2016 # $0 is for the inner sh
rc=$("$T_PYTHON" "$T/terminal.py" "$T_ROOT" "$T/make.out" \
	env SAUTI_CONFIG="$T/run/sauti.yaml" sh -c \
	'"$0" broadcast status nosuch; "$0" export livelihoods | head -n 1' "$T_ROOT/sauti")
out=$(tr -d '\r' <"$T/make.out")
t_like "$out" "sauti is running at http://127.0.0.1:$SAUTI_PORT" "make run starts the stack"
t_like "$out" "export SAUTI_CONFIG=$T/run/sauti.yaml" "and says how the other commands find its config"
t_like "$out" "--- check ---.*sauti: no such broadcast" \
	"a convenor's command with that SAUTI_CONFIG reaches this run's Redis"
t_like "$out" $'\n''run_id,contact,language,channel,status' "so does a researcher's export"
t_is "$rc" 0 "Ctrl-C ends make run with exit status 0"
t_like "$out" $'\n''stopped; logs are in ' "with a short stopped line"
t_unlike "$out" "make: \*\*\*|Interrupt|Error" "and no complaint from make"
t_ok "the run's config is gone, so no command finds a stopped stack" test ! -e "$T/run/sauti.yaml"
t_is "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" "" "its Redis is stopped"
t_ok "its sauti is stopped" sh -c "! curl -s --max-time 2 http://127.0.0.1:$SAUTI_PORT/healthz"

# -- a store run/ kept from an older version --------------------------------------
# The store left under run/redis, marked as an older layout's with a
# person's zset of run ids in it: the next make run brings it up to date.
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$T/run/redis" --save '' \
	--appendonly yes --daemonize yes --logfile "$T/old-redis.log" >/dev/null
t_wait_for 10 sh -c "[ \"\$(redis-cli -h 127.0.0.1 -p $REDIS_PORT ping)\" = PONG ]"
old() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
old SET sauti:layout 2 >/dev/null
old ZADD 'sauti:pr:{+255712000009}' 100 '{+255712000009}:00112233aabbccdd' >/dev/null
old SHUTDOWN >/dev/null 2>&1
rc=$("$T_PYTHON" "$T/terminal.py" "$T_ROOT" "$T/make2.out" \
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" HGET 'sauti:c:{+255712000009}' _r:00112233aabbccdd)
out=$(tr -d '\r' <"$T/make2.out")
t_like "$out" "checking the key layout of the store" "make run checks an older store's layout"
t_like "$out" "sauti is running at http://127.0.0.1:$SAUTI_PORT" "and starts the stack on it"
t_like "$out" $'--- check ---\n100' "the person's runs are in their contact, as this version keeps them"
t_is "$rc" 0 "Ctrl-C ends it with exit status 0"
done_testing
