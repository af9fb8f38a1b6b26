#!/usr/bin/env bash
# Long command-line work shows how far it has got on stderr (docs/commands.md):
# a bar redrawn in place on a terminal, plain lines otherwise, for a contacts
# import of 100,000 rows, the dry run's planning over 200,000 and an export of
# 300,000 runs (work that ends within a second shows nothing, and a fast
# machine exports 100,000 in about one).  What goes to stdout is unchanged
# by it.
. "$(dirname "$0")/../lib.sh"

N=100000
RUNS=300000
start_redis
write_config "$T_ROOT/tests/flows/broadcast"
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }

# Valid Tanzanian mobile numbers (0712xxxxxx), made up.
awk -v n=$N 'BEGIN { print "phone,name,language,groups,district"
	for (i = 0; i < n; i++) printf "0712%06d,Mchimbaji %d,%s,kundi,Geita\n", i, i, i % 3 ? "sw" : "en" }' \
	>"$T/bulk.csv"

# -- not a terminal: plain lines -----------------------------------------------------
S contacts import "$T/bulk.csv" >"$T/import.out" 2>"$T/import.err"
t_is "$?" 0 "an import of $N contacts succeeds"
t_is "$(redis_cli scard sauti:contacts)" $N "all of them are stored"
t_like "$(cat "$T/import.out" "$T/import.err")" "$N contacts stored" "and it says so"
line='^contacts import: [0-9]+%, [0-9]+ contacts, [0-9]+/s$'
t_ok "stderr has plain progress lines (percent, contacts, rate)" grep -Eq "$line" "$T/import.err"
t_ok "one of them before the end" grep -Eq '^contacts import: ([0-9]|[1-9][0-9])%' "$T/import.err"
t_like "$(grep -E "$line" "$T/import.err" | tail -1)" "^contacts import: 100%, $N contacts" \
	"the last says all of it"
t_is "$(tr -d '\n' <"$T/import.err" | tr -cd '\r\033' | wc -c)" 0 \
	"no carriage return or escape sequence when stderr is not a terminal"

# Another $N (0754xxxxxx), so that the planning surely lasts over a second.
sed 's/^0712/0754/' "$T/bulk.csv" >"$T/bulk2.csv"
S contacts import "$T/bulk2.csv" >/dev/null 2>&1
t_is "$(redis_cli scard sauti:contacts)" $((2 * N)) "$((2 * N)) contacts in all"
S broadcast invite --to all --dry-run >"$T/dry.out" 2>"$T/dry.err"
t_is "$?" 0 "a dry run over them succeeds"
t_like "$(cat "$T/dry.out")" "recipients: $((2 * N)) " "and counts every contact"
t_ok "its planning shows progress lines (members so far, rate)" \
	grep -Eq '^planning: [0-9]+ audience members, [0-9]+/s$' "$T/dry.err"
t_like "$(tail -1 "$T/dry.err")" "^planning: $((2 * N)) audience members" "the last counts the whole audience"
t_unlike "$(cat "$T/dry.out")" "planning:" "progress stays off stdout"

now=$(date +%s)
for ((i = 0; i < RUNS; i += 20000)); do
	redis_cli --eval "$T_ROOT/tests/bench/gen_runs.lua" , "$i" 20000 "$now" >/dev/null
done
t_is "$(redis_cli zcard sauti:runs:district)" $RUNS "$RUNS runs stored for the export"
S export district >"$T/export.csv" 2>"$T/export.err"
t_is "$?" 0 "an export of them succeeds"
t_is "$(($(wc -l <"$T/export.csv") - 1))" $RUNS "every run is a row of the CSV"
t_ok "the export shows progress lines (percent, runs, rate)" \
	grep -Eq '^export: [0-9]+%, [0-9]+ runs, [0-9]+/s$' "$T/export.err"
t_ok "one of them before the end" grep -Eq '^export: ([0-9]|[1-9][0-9])%' "$T/export.err"
t_like "$(tail -1 "$T/export.err")" "^export: 100%, $RUNS runs" "the last counts every run"

# -- a terminal: a bar redrawn in place ------------------------------------------
redis_cli del sauti:contacts >/dev/null # the import adds them again
script -qec "'$SAUTI_BIN' contacts import -c '$SAUTI_CONFIG' '$T/bulk.csv' >/dev/null" "$T/tty.typescript" \
	>/dev/null 2>&1 </dev/null
t_is "$(redis_cli scard sauti:contacts)" $N "the import on a terminal stores them all"
tty_out=$(cat "$T/tty.typescript")
t_like "$tty_out" $'\rcontacts import: \\[#+ *\\] +[0-9]+% ' "a bar is drawn: [###   ] NN%"
t_like "$tty_out" $'\033\\[K' "each redraw clears the rest of the line"
t_like "$tty_out" "\\[#{30}\\] 100% $N contacts" "and ends full"

done_testing
