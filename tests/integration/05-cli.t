#!/usr/bin/env bash
# The subcommands as a person uses them: `flows check` reports errors at
# file:line:column and what each step costs; exit status 0/1/2; --help; and
# `sauti phone` driving a running gateway over SMS and USSD from a script.
. "$(dirname "$0")/../lib.sh"

out=$("$SAUTI_BIN" flows check "$T_ROOT/flows" 2>&1)
t_is "$?" 0 "the real flows pass flows check"
t_like "$out" "livelihoods.yaml:[0-9]+:[0-9]+: step 'consent' \[sw\]: 1 SMS, GSM-7" \
	"flows check prints SMS segments per step and language"

bad=$T_ROOT/tests/flows/bad
out=$("$SAUTI_BIN" flows check "$bad/unknown_key.yaml" "$bad/min_max.yaml" \
	"$T_ROOT/tests/flows/good/baseline.yaml" 2>&1)
t_is "$?" 1 "a file with an error makes flows check exit 1"
t_like "$out" "unknown_key.yaml:7:5: step 'count': unknown key 'sav'" "an unknown key at its line and column"
t_like "$out" "min_max.yaml:6:13: .*min 80 is greater than max 0" "min > max at its line and column"
t_like "$out" "baseline.yaml:[0-9]+:[0-9]+: step 'consent' \[en\]" "the good file is still checked and costed"
good=$T_ROOT/tests/flows/good
out=$("$SAUTI_BIN" flows check "$good/report_back.yaml" 2>&1)
t_is "$?" 1 "a report-back checked without the survey it reports on fails"
t_like "$out" "report_back.yaml:8:23: unknown placeholder '\{stats.baseline.count\}': no flow 'baseline' is loaded" \
	"its {stats...} names a flow that is not there, at its line and column"
"$SAUTI_BIN" flows check "$good/report_back.yaml" "$good/baseline.yaml" >/dev/null 2>&1
t_is "$?" 0 "with the survey it passes"
sed 's/mineral\.gold\.pct/mineral.almasi.pct/' "$good/report_back.yaml" >"$T/report_typo.yaml"
out=$("$SAUTI_BIN" flows check "$T/report_typo.yaml" "$good/baseline.yaml" 2>&1)
t_like "$out" "'almasi' is not one of the keys of 'mineral' in flow 'baseline'" \
	"a key the survey's question does not have is an error"
out=$("$SAUTI_BIN" flows check "$T_ROOT/tests/flows/warn" 2>&1)
t_like "$out" "UCS-2 because of '‘'" "flows check names the character that forces UCS-2"

"$SAUTI_BIN" flows check --bogus >/dev/null 2>&1
t_is "$?" 2 "bad usage exits 2"
"$SAUTI_BIN" nosuch >/dev/null 2>&1
t_is "$?" 2 "an unknown subcommand exits 2"
for cmd in serve "flows check" "contacts" "broadcast" "export" "report" "phone"; do
	# shellcheck disable=SC2086 # cmd is two words for flows check
	"$SAUTI_BIN" $cmd --help >/dev/null 2>&1
	t_is "$?" 0 "sauti $cmd --help exits 0"
done

start_redis
write_config "$T_ROOT/tests/flows/e2e"
start_sauti
out=$(printf 'WILAYA\n2\n3\n' | "$SAUTI_BIN" phone -c "$SAUTI_CONFIG" +255712300300)
t_like "$out" "\| Karibu! Chagua lugha" "sauti phone shows the reply boxed"
t_like "$out" "characters, GSM-7, 1 SMS" "with its length and SMS cost"
t_like "$out" "Which district do you mine in\?" "and goes on with the next input"
out=$(printf '1\n98\n' | "$SAUTI_BIN" phone -c "$SAUTI_CONFIG" +255712300301 --ussd '*150*77#')
t_like "$out" "USSD:" "sauti phone --ussd dials the code"
t_like "$out" "  [0-9]+ of 182 characters \(ussd.max_chars\)" "a screen is measured against ussd.max_chars"
t_unlike "$out" "[0-9] SMS" "... not costed in SMS, which a USSD screen is not"
t_like "$out" "98\. Zaidi" "and shows the paged screen"
t_like "$out" "0\. Rudi" "98 pages on"
printf 'hi\n' | "$SAUTI_BIN" phone -c "$SAUTI_CONFIG" garbage >/dev/null 2>&1
t_is "$?" 2 "sauti phone with no phone number is bad usage (2)"
out=$(printf 'hi\n' | "$SAUTI_BIN" phone -c "$SAUTI_CONFIG" +255712300302 --url "127.0.0.1:$(free_port)")
t_is "$?" 1 "sauti phone exits 1 when the gateway does not answer"
t_like "$out" "no answer from the gateway" "... and says so"
"$SAUTI_BIN" export -c "$SAUTI_CONFIG" nosuch >/dev/null 2>&1
t_is "$?" 1 "export of an unknown flow exits 1"
"$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --since yesterday >/dev/null 2>&1
t_is "$?" 2 "a --since that is no ISO 8601 time is bad usage (2)"
n=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --since 2000-01-01T00:00:00Z --until 2000-01-02T00:00:00Z | wc -l)
t_is "$n" 1 "--since/--until select by start time (here: none, the header only)"
n=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --since "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" | wc -l)
t_is "$n" 3 "runs started in the last hour: both"
done_testing
