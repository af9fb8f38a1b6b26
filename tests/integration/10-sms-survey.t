#!/usr/bin/env bash
# A miner answers a survey by SMS through real bearerbox + smsbox + fakesmsc,
# one message in and one reply out per step, and a researcher exports the
# run: one row, pseudonymised, with the answers as the flow saves them.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/e2e/district.yaml" "$T/flows/"
write_config "$T/flows"
start_sauti

PHONE=+255712345678
sms() { fakesmsc_send "$PHONE" 15055 "$1"; }

t_like "$(sms WILAYA)" "Karibu! Chagua lugha.*1\. Kiswahili.*2\. English" \
	"the keyword starts the flow at its language step"
t_like "$(sms 2)" "Which district do you mine in\?.*12\. Another district" \
	"choosing English by number shows all twelve districts in English"
t_like "$(sms ' 12.')" "Do you work at the site now\?" \
	"' 12.' is read as choice 12"
t_like "$(sms Ndiyo)" "How many days did you work last week\?" \
	"a Swahili label answers an English question (branch not taken)"
t_like "$(sms 9)" "Please send a number from 0 to 7\..*How many days" \
	"a number out of range gets the flow's invalid text and the question again"
t_like "$(sms '1,5')" "About how many hours a day\?" \
	"1,5 is a number in range"
t_like "$(sms 40)" "hours a day" "out of range again: asked again (default 2 retries)"
t_like "$(sms 41)" "hours a day" "second retry"
t_like "$(sms 42)" "What would help you most\?" \
	"after the retries the run moves on with the answer left empty"
reply=$(sms "A buyer who pays a fair price")
t_is "$reply" "Thank you! Another district: 1.5 days." \
	"the end text shows the choice label and the number as saved"

t_is "$(sms 'hello')" \
	"Sorry, we did not understand your message. Send WILAYA to start, or HELP for help." \
	"a message that is no answer and no keyword gets help in the contact's language"

t_is "$(redis_cli hget "sauti:c:{$PHONE}" country)" TZ \
	"a person first heard by SMS has their number's country, as an import gives it"

export_csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district)
t_is "$(printf '%s\n' "$export_csv" | wc -l)" 2 "the export has a header and one run"
header=$(printf '%s\n' "$export_csv" | head -1 | tr -d '\r')
t_is "$header" "run_id,contact,language,channel,status,started_at,completed_at,lang,district,works,days,hours,need" \
	"the columns are those of docs/commands.md (sauti export), then the save names in step order"
row=$(printf '%s\n' "$export_csv" | sed -n 2p | tr -d '\r')
pseudo=$(printf '%s' "$PHONE" | openssl dgst -sha256 -hmac "$TEST_PSEUDONYM_KEY" -r | cut -c1-16)
IFS=, read -r run_id contact lang channel status started completed a_lang a_district a_works a_days a_hours a_need <<<"$row"
t_is "$contact" "$pseudo" "the contact is the HMAC-SHA-256 pseudonym, not the number"
t_is "$lang,$channel,$status" "en,sms,completed" "language, channel and status"
t_like "$started" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$' "started_at is ISO 8601 UTC"
t_like "$completed" '^20[0-9]{2}-.*Z$' "completed_at is set"
t_is "$a_lang,$a_district,$a_works,$a_days,$a_hours,$a_need" "en,other,yes,1.5,,A buyer who pays a fair price" \
	"answers: keys for choices, 1,5 saved as 1.5, empty after retries, text as sent"
t_unlike "$export_csv" "712345678" "the phone number appears nowhere in a default export"

raw=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --raw-phone --format jsonl)
t_like "$raw" "\"contact\":\"\\+255712345678\"" "--raw-phone writes the number; jsonl works"
t_like "$raw" '"answers":\{"lang":"en","district":"other"' "jsonl nests answers"

# The words that always work are configurable: a list replaces the built-in one.
stop_sauti
cat >>"$SAUTI_CONFIG" <<'YAML'
words:
  stop: [STOPALL, BASI]
YAML
start_sauti
t_like "$(sms basi)" "unsubscribed" "a configured stop word opts out, in the contact's language"
t_like "$(sms STOP)" "Sorry, we did not understand" "the built-in STOP is replaced by the configured list"
t_like "$(sms HELP)" "Send WILAYA to start" "the other built-in words still work"

# A say goes out joined to the question after it: flows check costs that
# message, the one the phone gets (docs/flows.md, Steps).
cat >"$T/flows/joined.yaml" <<'EOF'
flow: joined
languages: [en]
triggers: {keywords: [JOINED]}
steps:
  - id: intro
    say: "We ask three short questions about the water you use at the mine site. Your answers are private and you may stop at any time."
  - id: source
    ask: "Where do you get water?"
    choices: [river: River, well: Well, tap: Tap]
    save: source
  - id: bye
    end: Bye
EOF
out=$("$SAUTI_BIN" flows check "$T/flows/joined.yaml" 2>&1)
t_like "$out" "step 'intro' \[en\]: 1 SMS" "the say alone is one SMS"
t_like "$out" "step 'intro' \[en\] sent with the next step: 2 SMS, GSM-7, 173 septets" \
	"flows check costs the message the say goes out in"
kill -HUP "$(sauti_pid)"
t_ok "the flow is loaded on SIGHUP" t_wait_for 15 grep -q "serving: .*joined" "$T/sauti.log"
msg=$(sms JOINED)
t_is "$(printf '%s' "$msg" | wc -m | tr -d ' ')" 173 "... which is what the phone gets, 173 characters"

t_ok "stop_sauti" stop_sauti
done_testing
