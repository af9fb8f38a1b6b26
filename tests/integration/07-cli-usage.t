#!/usr/bin/env bash
# What a new user meets at the command line: --help on every command and
# subcommand (exit 0, nothing opened), bad usage (exit 2), the config file a
# command finds without -c (SAUTI_CONFIG, run/sauti.yaml while `make run`
# runs), an error that names the Redis and the config file it tried, and
# flows-check warnings only where flows are checked.
. "$(dirname "$0")/../lib.sh"

cd "$T" || bail_out "no $T"
for cmd in serve flows "flows check" contacts "contacts import" "contacts list" \
	"contacts show" "contacts forget" audit broadcast "broadcast list" "broadcast cancel" \
	"broadcast status" inbox "inbox reply" "inbox close" export report phone migrate-keys; do
	# shellcheck disable=SC2086 # cmd may be two words
	out=$("$SAUTI_BIN" $cmd --help 2>"$T/err")
	t_is "$?" 0 "sauti $cmd --help exits 0"
	t_like "$out" "^usage: sauti $cmd" "sauti $cmd --help prints its own usage on stdout"
done
out=$("$SAUTI_BIN" contacts import --help 2>&1)
t_unlike "$out" "cannot open|redis" "contacts import --help opens no file named --help and no Redis"
out=$("$SAUTI_BIN" contacts -c /nonexistent.yaml import -h 2>&1)
t_like "$out" "^usage: sauti contacts import" "-h after -c FILE asks about the subcommand too"

"$SAUTI_BIN" contacts import >/dev/null 2>&1
t_is "$?" 2 "contacts import without a file is bad usage (2)"
"$SAUTI_BIN" contacts import a.csv b.csv >/dev/null 2>&1
t_is "$?" 2 "contacts import with two files is bad usage (2)"
"$SAUTI_BIN" contacts bogus x.csv >/dev/null 2>&1
t_is "$?" 2 "an unknown contacts subcommand is bad usage (2)"
"$SAUTI_BIN" contacts import --country XX a.csv >/dev/null 2>&1
t_is "$?" 2 "contacts import --country with no such country is bad usage (2)"
"$SAUTI_BIN" serve --bogus >/dev/null 2>&1
t_is "$?" 2 "serve --bogus is bad usage (2)"
"$SAUTI_BIN" phone >/dev/null 2>&1
t_is "$?" 2 "phone without a number is bad usage (2)"
"$SAUTI_BIN" flows >/dev/null 2>&1
t_is "$?" 2 "flows without check is bad usage (2)"

# -- which config file, and what the error says --------------------------------
dead=$(free_port)
printf 'redis: redis://127.0.0.1:%s/0\nflows: %s/flows\n' "$dead" "$T_ROOT" >"$T/dead.yaml"
out=$(SAUTI_CONFIG=$T/dead.yaml "$SAUTI_BIN" broadcast status 1 2>&1)
t_is "$?" 1 "a Redis that does not answer fails the command (1)"
t_like "$out" "cannot reach redis at redis://127.0.0.1:$dead/0" "the error names the Redis tried"
t_like "$out" "$T/dead.yaml \(named by SAUTI_CONFIG\)" "and the config file, and how it was chosen"
out=$("$SAUTI_BIN" broadcast -c "$T/dead.yaml" status 1 2>&1)
t_like "$out" "dead.yaml \(given with -c\)" "-c FILE is said as such"
out=$(cd / && "$SAUTI_BIN" report x 2>&1)
t_like "$out" "config/sauti.yaml: cannot open.*the default; -c FILE or SAUTI_CONFIG" \
	"without any config, the error says the default file and how to name another"

start_redis
write_config "$T_ROOT/tests/flows/warn"
mkdir -p "$T/repo/run"
cp "$SAUTI_CONFIG" "$T/repo/run/sauti.yaml"
out=$(cd "$T/repo" && env -u SAUTI_CONFIG "$SAUTI_BIN" broadcast status nosuch 2>&1)
t_like "$out" "config/sauti.yaml: cannot open" \
	"a run/sauti.yaml whose make run is gone (no run/run.pid) is not read"
echo $$ >"$T/repo/run/run.pid" # this shell stands for a make run that runs
out=$(cd "$T/repo" && env -u SAUTI_CONFIG "$SAUTI_BIN" broadcast status nosuch 2>&1)
t_like "$out" "no such broadcast" "run/sauti.yaml (make run's) is found without -c: Redis answered"
out=$(cd "$T/repo" && SAUTI_CONFIG=$T/dead.yaml "$SAUTI_BIN" broadcast status nosuch 2>&1)
t_like "$out" "cannot reach redis at redis://127.0.0.1:$dead/0" "SAUTI_CONFIG wins over run/sauti.yaml"
out=$(env -u SAUTI_CONFIG "$SAUTI_BIN" broadcast -c "$SAUTI_CONFIG" status nosuch 2>&1)
t_like "$out" "no such broadcast" "-c wins over everything"
out=$(env -u SAUTI_CONFIG "$SAUTI_BIN" -c "$SAUTI_CONFIG" broadcast status nosuch 2>&1)
t_like "$out" "no such broadcast" "-c FILE before the command works too"
out=$(env -u SAUTI_CONFIG "$SAUTI_BIN" broadcast status nosuch --config="$SAUTI_CONFIG" 2>&1)
t_like "$out" "no such broadcast" "so does --config=FILE"
"$SAUTI_BIN" export -c "$SAUTI_CONFIG" --format=jsonl nosuchflow >/dev/null 2>"$T/err"
t_like "$(cat "$T/err")" "nosuchflow" "--format=jsonl is read as --format jsonl (the flow is what is wrong)"

# -- flows check warnings ----------------------------------------------------------
out=$("$SAUTI_BIN" flows check -c "$SAUTI_CONFIG" 2>&1)
t_like "$out" "ucs2.yaml:[0-9]+:[0-9]+: warning: " "flows check prints the warnings"
out=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" nosuch 2>&1)
t_unlike "$out" "warning" "export does not print flow warnings"
t_like "$out" "no flow 'nosuch'" "but says what it was asked"
out=$("$SAUTI_BIN" broadcast -c "$SAUTI_CONFIG" status nosuch 2>&1)
t_unlike "$out" "warning" "broadcast status does not print flow warnings"
"$SAUTI_BIN" broadcast -c "$SAUTI_CONFIG" >/dev/null 2>&1
t_is "$?" 2 "broadcast without a flow is bad usage (2)"
# A messages: file with warnings of its own: the same rule.
printf 'sw:\n  more: "Zaidi…"\n' >"$T/warn-messages.yaml"
printf 'messages: %s\n' "$T/warn-messages.yaml" >>"$SAUTI_CONFIG"
out=$("$SAUTI_BIN" flows check -c "$SAUTI_CONFIG" 2>&1)
t_like "$out" "warn-messages.yaml:2:[0-9]+: warning: the sw more needs UCS-2 because of '…'" \
	"flows check prints the catalogue's warnings"
out=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" nosuch 2>&1)
t_unlike "$out" "warning" "export does not print them"
t_like "$out" "no flow 'nosuch'" "(export ran with that catalogue)"
out=$("$SAUTI_BIN" inbox -c "$SAUTI_CONFIG" 2>&1)
t_unlike "$out" "warning" "nor does inbox"
start_sauti
t_like "$(cat "$T/sauti.log")" "warn .*ucs2.yaml:[0-9]+:[0-9]+: warning: " "serve logs the warnings"
t_like "$(cat "$T/sauti.log")" "warn .*warn-messages.yaml:2:[0-9]+: warning: " "and the catalogue's"
done_testing
