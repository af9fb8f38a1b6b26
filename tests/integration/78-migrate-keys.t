#!/usr/bin/env bash
# A store written before a person's keys carried their hash tag {PHONE}
# (docs/keys.md, On a Redis Cluster): the daemon and the commands refuse it,
# naming `sauti migrate-keys`; the migration renames every key and run id,
# after which the export gives the same runs (the same HEX run_id, never the
# number), `contacts show` finds everything and `contacts forget` leaves no
# key or value naming the number.  A second migration changes nothing.  A
# store of the second layout (tagged, a person's runs in a zset pr:{PHONE})
# is refused too, and the migration moves the zset into the contact.  A
# migration cut short, or one that left keys it could not move, leaves the
# store refused until migrate-keys ends well, which never begins while a
# daemon uses the store; a layout check that fails is
# made again, nothing but /healthz (503) served meanwhile.
# shellcheck disable=SC2317 # helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/people/poll.yaml" "$T/flows/"
write_config "$T/flows"
sauti() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

A=+255712907801
DONE=00aa11bb22cc33dd  # a completed SMS run
LIVE=44ee55ff66007788  # an active USSD run
now=$(date +%s)
t0=$((now - 3600))

start_sauti
LAYOUT=3
t_is "$(redis_cli GET sauti:layout)" $LAYOUT "serve starts on an empty store, and records its layout"
stop_sauti
redis_cli FLUSHALL >/dev/null

# -- the old layout, as the version before wrote it -----------------------------------
r() { redis_cli "$@" >/dev/null; }
r HSET "sauti:c:$A" name Neema _lang sw _since "$t0" _v 3
r SADD sauti:contacts "$A"
r HSET "sauti:r:$DONE" v 4 flow poll ph "$A" lang sw ch sms st completed step '' try 0 pg 0 \
	t0 "$t0" t1 $((t0 + 60)) tu $((t0 + 60)) exp $((t0 + 7200)) \
	a:mineral gold a:days 3 a:note hello sc 1
r HSET sauti:stats:poll count 1 a:mineral:gold 1 a:days:3 1 a:note:hello 1
r HSET "sauti:r:$LIVE" v 2 flow poll ph "$A" lang sw ch ussd st active step days try 0 pg 0 \
	t0 $((now - 60)) tu $((now - 60)) exp $((now + 7200)) us old-session ut 1 aw '' a:mineral gold
r ZADD sauti:runs:poll "$t0" "$DONE" $((now - 60)) "$LIVE"
r ZADD "sauti:pr:$A" "$t0" "$DONE" $((now - 60)) "$LIVE"
r SET "sauti:cur:ussd:$A" "$LIVE"
r SET sauti:mo:kannel-7801 "Asante!" EX 86400
r ZADD "sauti:pm:$A" $((now + 86400)) kannel-7801
r SET "sauti:lim:$A" 2 EX 600
r ZADD sauti:remind $((now + 86400)) "$DONE"  # (a reminder of the run, far off)
ITEM=habarimzurix
r HSET "sauti:in:$ITEM" at $((now - 30)) ph "$A" lang sw ch sms text "nina swali" why unexpected st open
r ZADD sauti:inbox $((now - 30)) "$ITEM"
r ZADD sauti:inbox:open $((now - 30)) "$ITEM"
r ZADD "sauti:in:p:$A" $((now - 30)) "$ITEM"
r SET "sauti:in:t:$A" "$ITEM" EX 3600
r SET sauti:people:indexed 1

timeout 20 "$SAUTI_BIN" serve -c "$SAUTI_CONFIG" >"$T/refused.log" 2>&1
t_is "$?" 1 "serve refuses a store in the old layout (exit 1)"
t_like "$(cat "$T/refused.log")" "sauti migrate-keys" "naming sauti migrate-keys"
sauti export poll >/dev/null 2>"$T/export.err"
t_is "$?" 1 "so does export"
t_like "$(cat "$T/export.err")" "migrate-keys" "... saying what to run"

# -- a migration cut short -------------------------------------------------------------
# migrate-keys marks the store before its first page; one stopped after it
# leaves the marker, and every key it did not reach in the old layout.
redis_cli SET sauti:layout migrating >/dev/null
timeout 20 "$SAUTI_BIN" serve -c "$SAUTI_CONFIG" >"$T/interrupted.log" 2>&1
t_is "$?" 1 "serve refuses a store whose migration did not finish (exit 1)"
t_like "$(cat "$T/interrupted.log")" "did not end well.*run \`sauti migrate-keys\` again" \
	"naming sauti migrate-keys"
sauti export poll >/dev/null 2>"$T/export.err"
t_is "$?" 1 "so does export"
t_like "$(cat "$T/export.err")" "did not end well.*sauti migrate-keys" "... saying what to run"
t_is "$(redis_cli GET sauti:layout)" migrating "and nothing replaced the marker"

# -- the migration --------------------------------------------------------------------
err=$(sauti migrate-keys 2>&1)
t_is "$?" 0 "migrate-keys exits 0"
t_like "$err" "renamed" "and says what it did on stderr"
t_is "$(redis_cli GET sauti:layout)" $LAYOUT "the layout is recorded"
old=$(redis_cli --scan | grep -cE '^sauti:((c|pr|pm|lim|cur:sms|cur:ussd|in:p|in:t):\+|r:[0-9a-f]{16}$|mo:kannel)')
t_is "$old" 0 "no key keeps an old name"
t_is "$(redis_cli EXISTS "sauti:c:{$A}" "sauti:pm:{$A}" "sauti:lim:{$A}" \
	"sauti:cur:ussd:{$A}" "sauti:r:{$A}:$DONE" "sauti:r:{$A}:$LIVE" "sauti:mo:{$A}:kannel-7801" \
	"sauti:in:p:{$A}" "sauti:in:t:{$A}")" 9 \
	"each is under its tagged name"
t_is "$(redis_cli GET "sauti:cur:ussd:{$A}")" "{$A}:$LIVE" "the pointer names the run's new id"
t_is "$(redis_cli ZRANGE sauti:runs:poll 0 -1 | tr '\n' ' ')" "{$A}:$DONE {$A}:$LIVE " \
	"the flow's index holds the new ids, in their order"
t_is "$(redis_cli ZSCORE sauti:runs:poll "{$A}:$DONE")" "$t0" "with their scores"
t_is "$(redis_cli --scan --pattern 'sauti:pr:*' | wc -l)" 0 "no person keeps a zset of runs"
t_is "$(redis_cli HMGET "sauti:c:{$A}" "_r:$DONE" "_r:$LIVE" | tr '\n' ' ')" "$t0 $((now - 60)) " \
	"the person's runs are in their contact, the HEX ids with their start times"
t_is "$(redis_cli ZRANGE sauti:remind 0 -1)" "{$A}:$DONE" "and the reminder schedule"
ttl=$(redis_cli TTL "sauti:mo:{$A}:kannel-7801")
t_ok "a renamed key keeps its expiry ($ttl s)" [ "$ttl" -gt 86000 ]
t_is "$(redis_cli EXISTS "sauti:in:$ITEM")" 1 "the inbox item keeps its name (convenors type it)"

# every key and value, to compare with a second run
dump() {
	while IFS= read -r key; do
		printf '%s %s\n' "$key" "$(redis_cli TYPE "$key")"
		case $(redis_cli TYPE "$key") in
		string) redis_cli GET "$key" ;;
		hash) redis_cli HGETALL "$key" | paste - - | sort ;;
		set) redis_cli SMEMBERS "$key" | sort ;;
		zset) redis_cli ZRANGE "$key" 0 -1 WITHSCORES ;;
		esac
	done < <(redis_cli --scan | sort)
}
dump >"$T/dump1"
err=$(sauti migrate-keys 2>&1)
t_is "$?" 0 "a second migrate-keys exits 0"
t_like "$err" " 0 renamed" "and renames nothing"
dump >"$T/dump2"
t_ok "a second migration changes nothing" cmp -s "$T/dump1" "$T/dump2"

# -- the second layout: tagged, a person's runs in pr:{PHONE} ----------------------------
r HDEL "sauti:c:{$A}" "_r:$DONE" "_r:$LIVE"
r ZADD "sauti:pr:{$A}" "$t0" "{$A}:$DONE" $((now - 60)) "{$A}:$LIVE"
r SET sauti:layout 2
timeout 20 "$SAUTI_BIN" serve -c "$SAUTI_CONFIG" >"$T/refused2.log" 2>&1
t_is "$?" 1 "serve refuses a store of the second layout (exit 1)"
t_like "$(cat "$T/refused2.log")" "pr:[{]PHONE[}].*sauti migrate-keys" "naming its zsets and sauti migrate-keys"
err=$(sauti migrate-keys 2>&1)
t_is "$?" 0 "migrate-keys exits 0"
t_like "$err" " 1 renamed" "moving the one zset"
t_is "$(redis_cli GET sauti:layout)" $LAYOUT "the layout is recorded"
t_is "$(redis_cli EXISTS "sauti:pr:{$A}")" 0 "the zset is gone"
dump >"$T/dump3"
t_ok "its runs are in the contact as the first migration left them" cmp -s "$T/dump1" "$T/dump3"
r DEL sauti:layout
r ZADD "sauti:pr:{$A}" "$t0" "{$A}:$DONE"
timeout 20 "$SAUTI_BIN" serve -c "$SAUTI_CONFIG" >"$T/refused3.log" 2>&1
t_is "$?" 1 "without a layout key, a pr:{PHONE} is found and the store refused"
t_is "$(redis_cli GET sauti:layout)" "" "and not marked"
err=$(sauti migrate-keys 2>&1)
t_is "$?" 0 "migrate-keys exits 0"
dump >"$T/dump4"
t_ok "and leaves the store as before" cmp -s "$T/dump1" "$T/dump4"

redis_cli SET sauti:layout 4 >/dev/null
err=$(sauti migrate-keys 2>&1)
t_is "$?" 1 "a layout it does not know (a newer version's) is refused"
t_like "$err" "does not know.*nothing was changed" "... untouched"
t_is "$(redis_cli GET sauti:layout)" 4 "and left as it was"
redis_cli SET sauti:layout $LAYOUT >/dev/null

# a key that cannot be moved (its new name exists): the marker stays
r SET "sauti:lim:$A" 1 EX 600
err=$(sauti migrate-keys 2>&1)
t_is "$?" 1 "a migration that leaves a key it could not move exits 1"
t_like "$err" "1 keys could not be moved.*not served" "... saying the store is not served"
t_is "$(redis_cli GET sauti:layout)" migrating "the marker stays"
sauti export poll >/dev/null 2>"$T/export.err"
t_is "$?" 1 "and export refuses the store"
t_like "$(cat "$T/export.err")" "sauti migrate-keys" "... naming migrate-keys"
r DEL "sauti:lim:$A"
err=$(sauti migrate-keys 2>&1)
t_is "$?" 0 "once the conflict is settled, migrate-keys exits 0"
t_is "$(redis_cli GET sauti:layout)" $LAYOUT "and records the layout"

# -- the migrated store, served ---------------------------------------------------------
start_sauti
t_ok "serve starts on the migrated store" _sauti_healthy
export_csv=$(sauti export poll)
t_is "$?" 0 "export exits 0"
t_like "$export_csv" "(^|$(printf '\n'))$DONE," "the completed run is exported with the same run_id"
t_like "$export_csv" "$LIVE," "and the active one"
t_unlike "$export_csv" "[{}]|${A#+}" "no run_id shows the number or its tag"
json=$(sauti export poll --format jsonl)
t_is "$(printf '%s\n' "$json" | jq -r .run_id | sort | tr '\n' ' ')" "$DONE $LIVE " \
	"the JSON lines export gives the HEX ids"
t_unlike "$json" "${A#+}" "and not the number"

show=$(sauti contacts show "$A")
t_is "$?" 0 "contacts show finds the person"
t_is "$(printf '%s' "$show" | jq -r '.fields.name')" Neema "their contact"
t_is "$(printf '%s' "$show" | jq -c '[.runs[].id] | sort')" "[\"$DONE\",\"$LIVE\"]" \
	"both runs, shown by their HEX ids"
t_is "$(printf '%s' "$show" | jq -r '.stored.pointers.ussd')" "$LIVE" "the active pointer"
t_is "$(printf '%s' "$show" | jq -r '.stored.replies[0].id')" kannel-7801 "the reply kept for repeats"
t_is "$(printf '%s' "$show" | jq -r '.stored.limit')" 2 "the limit counter"
t_is "$(printf '%s' "$show" | jq -r '.inbox[0].id')" "$ITEM" "the inbox item"

out=$(sauti contacts forget "$A")
t_is "$?" 0 "contacts forget exits 0"
t_like "$out" '"runs":2' "it erases both runs"
: >"$T/dump"
while IFS= read -r key; do
	printf '%s\n' "$key"
	redis_value "$key"
done < <(redis_cli --scan) >"$T/dump"
for f in "$A" "${A#+}" "0${A#+255}"; do
	t_fails "no key or value holds $f after forget" grep -F -- "$f" "$T/dump"
done
t_is "$(redis_cli HGET sauti:stats:poll count)" "" "the completion's count is taken back"

t_ok "sauti stops cleanly" stop_sauti

# -- a check that fails (an error reply, not a lost connection) is made again ------------
# Without a layout key the check samples the contacts set: a string there
# makes its script fail (WRONGTYPE).
r DEL sauti:layout sauti:contacts
r SET sauti:contacts not-a-set
t_spawn sauti "$T/sauti.log" "$SAUTI_BIN" serve -c "$SAUTI_CONFIG"
checking_again() { grep -q "checking again" "$T/sauti.log"; }
listening() { grep -q "listening on" "$T/sauti.log"; }
t_ok "serve says the check failed" t_wait_for 15 checking_again
t_ok "and listens" t_wait_for 15 listening
http GET /healthz >/dev/null
t_is "$(http_status)" 503 "/healthz answers 503 meanwhile"
http POST /ussd --data-urlencode "sessionId=s1" --data-urlencode "serviceCode=*150*77#" \
	--data-urlencode "phoneNumber=$A" --data-urlencode "text=" >/dev/null
t_is "$(http_status)" 503 "a USSD turn is not served"
t_is "$(redis_cli GET sauti:layout)" "" "nothing marked the store"
r DEL sauti:contacts
t_ok "once the check succeeds, serve is healthy" t_wait_for 10 _sauti_healthy
t_is "$(redis_cli GET sauti:layout)" $LAYOUT "and the layout is recorded"

# -- a new connection's store is checked before the background works on it ------
# As after a failover to a master whose check fails: the outbox, the lane
# and the reminders wait, and go on once the check says current.
background_commands() {
	grep -v ' lua\]' "$T/monitor.out" | grep -cE '"XREADGROUP"|"sauti:lane"|"sauti:remind"'
}
failed_checks() { grep -c "checking again" "$T/sauti.log"; }
background_seen() { [ "$(background_commands)" -gt 0 ]; }
failed_checks_over() { [ "$(failed_checks)" -gt "$1" ]; }
redis_monitor_start
t_ok "the background works on a checked store" t_wait_for 10 background_seen
kill "$(cat "$T/monitor.pid")"
r DEL sauti:layout
r SET sauti:contacts not-a-set
before=$(failed_checks)
r CLIENT KILL TYPE normal
t_ok "the new connection's check fails" t_wait_for 15 failed_checks_over "$before"
redis_monitor_start
before=$(failed_checks)
t_ok "... and is made again, twice" t_wait_for 15 failed_checks_over $((before + 1))
kill "$(cat "$T/monitor.pid")"
t_is "$(background_commands)" 0 "meanwhile the background sends nothing"
t_like "$(grep -c 'sauti:contacts' "$T/monitor.out")" '^[1-9]' "... while the check goes on"
r DEL sauti:contacts
t_ok "once the check succeeds, serve is healthy again" t_wait_for 10 _sauti_healthy
redis_monitor_start
t_ok "and the background works again" t_wait_for 10 background_seen
kill "$(cat "$T/monitor.pid")"

# -- not while a daemon uses the store -------------------------------------------
# A daemon sends Redis commands every second (its ticks): while anything
# has lately, migrate-keys changes nothing.
r SET sauti:layout 2
err=$(sauti migrate-keys 2>&1)
t_is "$?" 1 "migrate-keys refuses while a daemon runs"
t_like "$err" "1 other client of this Redis sent commands in the last 5 s \(127\.0\.0\.1:[0-9]+, last command [a-z|]+\): stop every sauti daemon" \
	"... naming the client"
t_is "$(redis_cli GET sauti:layout)" 2 "and changes nothing"
t_ok "sauti stops cleanly" stop_sauti
migrates() { sauti migrate-keys >/dev/null 2>&1; }
t_ok "once it has stopped, migrate-keys runs" t_wait_for 15 migrates
t_is "$(redis_cli GET sauti:layout)" $LAYOUT "and records the layout"
done_testing
