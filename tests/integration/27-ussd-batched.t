#!/usr/bin/env bash
# Steps served in one loop turn go to Redis as one script call
# (docs/performance.md, "Script calls batched"): every phone still gets its
# own screen and its own answers saved, and a step that fails in Redis
# fails alone, the others of its batch going on.
# shellcheck disable=SC2317 # helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cat >"$T/flows/roster.yaml" <<'YAML'
flow: roster
kind: survey
title: {en: "Roster"}
languages: [en]
triggers:
  ussd: "*150*91#"
expire: 1h
steps:
  - id: days
    ask: {en: "How many days?"}
    number: {min: 0, max: 7}
    save: days
  - id: bye
    end: {en: "Thanks: {answers.days} days."}
YAML
write_config "$T/flows"
start_sauti

metric() { http GET /metrics | sed -n "s/^$1 //p"; }

# rounds ROUNDS PHONES POISONED: ROUNDS times, PHONES phones (one thread and
# connection each, released together) dial and answer their number of
# days; the phones whose index is a multiple of POISONED have a contact key
# of the wrong type in Redis, so every step of theirs fails in the script.
# Prints one line per request: "PHONE STATUS FIRST-WORDS".
cat >"$T/rounds.py" <<'PY'
import http.client, sys, threading, urllib.parse
port, rounds, phones, poisoned = (int(a) for a in sys.argv[1:5])
out, lock = [], threading.Lock()
def phone(i, r):
    return "+2557541%02d%03d" % (r, i)
def walk(i, r, gate):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    for text in ("", str(i % 8)):
        body = urllib.parse.urlencode({"sessionId": "b-%d-%d" % (r, i), "serviceCode": "*150*91#",
                                       "phoneNumber": phone(i, r), "text": text})
        gate.wait()
        conn.request("POST", "/ussd", body, {"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        words = " ".join(resp.read().decode().split()[:2])
        with lock:
            out.append("%s %d %s" % (phone(i, r), resp.status, words))
    conn.close()
for r in range(rounds):
    gate = threading.Barrier(phones)
    ts = [threading.Thread(target=walk, args=(i, r, gate)) for i in range(phones)]
    for t in ts: t.start()
    for t in ts: t.join()
print("\n".join(out))
PY

ROUNDS=6 PHONES=24 POISONED=5
for r in $(seq 0 $((ROUNDS - 1))); do
	for i in $(seq 0 "$POISONED" $((PHONES - 1))); do
		redis_cli SET "$(printf 'sauti:c:{+2557541%02d%03d}' "$r" "$i")" poison >/dev/null
	done
done
batched0=$(metric sauti_redis_batched_calls_total)
python3 "$T/rounds.py" "$SAUTI_PORT" "$ROUNDS" "$PHONES" "$POISONED" >"$T/answers"
batched=$(( $(metric sauti_redis_batched_calls_total) - batched0 ))
t_ok "steps served together went to Redis together ($batched calls in batches)" test "$batched" -gt 0

clean_bad=$(awk '{ i = substr($1, length($1) - 2) + 0 }
	i % '"$POISONED"' != 0 && !($2 == 200 && ($3 == "CON" || $3 == "END")) { print }' "$T/answers")
t_is "$clean_bad" "" "every phone of a batch got its own screen"
poisoned_ok=$(awk '{ i = substr($1, length($1) - 2) + 0 }
	i % '"$POISONED"' == 0 && $2 == 200 { print }' "$T/answers")
t_is "$poisoned_ok" "" "a step that fails in Redis fails alone, with an error"
t_is "$(grep -c ' 200 END Thanks:' "$T/answers")" \
	"$(( ROUNDS * (PHONES - (PHONES + POISONED - 1) / POISONED) ))" \
	"every clean phone reached the end"

# The answers saved are each phone's own: phone i said i % 8 days (the
# export's columns: run_id,contact,language,channel,status,...,days).
"$SAUTI_BIN" export roster --raw-phone -c "$SAUTI_CONFIG" 2>/dev/null | tr -d '\r' >"$T/export.csv"
wrong=$(awk -F, '$5 == "completed" { i = substr($2, length($2) - 2) + 0
	if ($NF != i % 8) print }' "$T/export.csv")
t_is "$wrong" "" "each saved answer is the phone's own"
t_is "$(awk -F, '$5 == "completed"' "$T/export.csv" | wc -l)" \
	"$(grep -c ' 200 END Thanks:' "$T/answers")" \
	"one completed run per phone that reached the end"

done_testing
