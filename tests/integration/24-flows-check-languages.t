#!/usr/bin/env bash
# `sauti flows check` and the message catalogue: a flow language without
# catalogue texts is warned about, naming the fallback; the catalogue's
# texts a flow can show are in its costs and screens (the retry after an
# invalid reply, the paging label); each character that forces UCS-2 is
# named with its GSM-7 substitute; a broken messages: file is reported at
# file:line:column and exits 1.
. "$(dirname "$0")/../lib.sh"

FLOWS=$T_ROOT/tests/flows
out=$("$SAUTI_BIN" flows check "$FLOWS/languages" 2>&1)
t_is "$?" 0 "flows in Twi, French and Hausa check without a messages: file"
t_like "$out" "adwuma.yaml:6:12: warning: language 'tw' has no texts in the message catalogue.*goes in 'en', the fallback_language" \
	"Twi without a catalogue entry is warned about, naming the fallback"
t_like "$out" "hausa.yaml:6:12: warning: language 'ha' has no texts" "Hausa too"
t_unlike "$out" "language 'fr' has no texts" "French is built in"
t_like "$out" "step 'days' \[ha\] retry: 1 SMS, GSM-7" "the retry (the catalogue's invalid-reply text and the question) is costed"

printf 'messages: %s\nfallback_language: fr\n' "$T_ROOT/tests/messages/tw.yaml" >"$T/sauti.yaml"
out=$("$SAUTI_BIN" flows check -c "$T/sauti.yaml" "$FLOWS/languages" 2>&1)
t_is "$?" 0 "with the Twi messages: file"
t_unlike "$out" "language 'tw' has no texts" "Twi is no longer warned about"
t_like "$out" "language 'ha' has no texts.*goes in 'fr', the fallback_language" "and the fallback named is the configured one"
t_like "$out" "step 'where' \[tw\] retry: [0-9]+ SMS, UCS-2" "the Twi retry is costed with the Twi catalogue text"

out=$("$SAUTI_BIN" flows check "$FLOWS/typography" 2>&1)
t_like "$out" "step 'ask' \[en\]: 1 SMS, UCS-2, [0-9]+ UTF-16 units \(UCS-2 because of '’' at character 3, write ' instead; '–' at character 12, write - instead; '“' at character 26, write \" instead; '”' at character 31, write \" instead; '…' at character 37, write ... instead\)" \
	"each character forcing UCS-2 is named once, with its GSM-7 substitute"
t_like "$out" "step 'ask' \[tw\]: 1 SMS, UCS-2, [0-9]+ UTF-16 units \(UCS-2 because of 'ɛ' at character 23\)" \
	"a character with no substitute is named alone"

# The paging label is the catalogue's: a question of 141 characters and six
# choices fits a screen with "98. More", not with a 40-character label.
mkdir -p "$T/paged"
q=$(printf 'Q%.0s' $(seq 140))
cat >"$T/paged/paged.yaml" <<EOF
flow: paged
kind: survey
languages: [tw]
triggers:
  ussd: "*920*45#"
steps:
  - id: pick
    ask: {tw: "$q?"}
    choices:
      - a: {tw: "Aaaaaa"}
      - b: {tw: "Bbbbbb"}
      - c: {tw: "Cccccc"}
      - d: {tw: "Dddddd"}
      - e: {tw: "Eeeeee"}
      - f: {tw: "Ffffff"}
    save: pick
  - id: bye
    end: {tw: "Medaase."}
EOF
"$SAUTI_BIN" flows check "$T/paged" >/dev/null 2>&1
t_is "$?" 0 "the paged screen fits with the fallback's paging label"
printf 'tw:\n  name: "Twi"\n  more: "%s"\n' "$(printf 'M%.0s' $(seq 40))" >"$T/long-more.yaml"
printf 'messages: %s\n' "$T/long-more.yaml" >"$T/long-more-config.yaml"
out=$("$SAUTI_BIN" flows check -c "$T/long-more-config.yaml" "$T/paged" 2>&1)
t_is "$?" 1 "with a 40-character 'more' in the messages: file it does not"
t_like "$out" "paged.yaml:8:15: step 'pick': the tw screen needs 196 characters, more than the 182 a USSD screen holds, even with its choices paged" \
	"the screen check measures the catalogue's paging label"

printf 'tw:\n  name: "Twi"\n  invalid_choice: "Fa {count}"\n' >"$T/bad.yaml"
printf 'messages: %s\n' "$T/bad.yaml" >"$T/bad-config.yaml"
out=$("$SAUTI_BIN" flows check -c "$T/bad-config.yaml" "$FLOWS/languages" 2>&1)
t_is "$?" 1 "a broken messages: file makes flows check exit 1"
t_like "$out" "bad.yaml:3:23: unknown placeholder '\{count\}' in the tw invalid_choice \(it may use \{max\}\)" \
	"at its file:line:column"
t_like "$out" "flows not checked" "saying the flows were not checked against it"
printf 'fallback_language: tw\n' >"$T/fb.yaml"
out=$("$SAUTI_BIN" flows check -c "$T/fb.yaml" "$FLOWS/languages" 2>&1)
t_is "$?" 1 "a fallback_language without catalogue texts is an error"
t_like "$out" "fallback_language names a language the built-in catalogue has no texts for" "saying why"
done_testing
