#!/usr/bin/env bash
# What a person meets around a survey, through real bearerbox + smsbox +
# fakesmsc: HELP lists the keywords of the flows in their language, the
# language menu lists a flow's languages by their own names and the
# confirmation names the one chosen, a retry after an invalid reply stays one
# SMS, a money amount answers a number question, a {contact.name|...} default
# stands in for a name nobody gave, and "replies are free" only when the
# configuration says so.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
write_config "$T_ROOT/tests/flows/policy"
start_sauti

PHONE=+255700000121
sms() { fakesmsc_send "$PHONE" 15055 "$1"; }

t_is "$(sms MSAADA)" \
	"Tuma MKUTANO, UTAFITI, WILAYA kuanza. ACHA: kusitisha ujumbe. JIUNGE: kujiunga tena. LUGHA: kubadili lugha." \
	"HELP in Swahili: the Swahili keywords of the flows that speak it, nothing about cost"
t_like "$(sms SONDAGE)" "Travaillez-vous dans une mine" "a flow in French and English"
t_is "$(sms LUGHA)" "Chagua lugha / Choose language:
1. Français
2. English" "the language menu lists the languages of the flow at hand, by their own names"
t_is "$(sms 2)" "Your language is now English.
Do you work in a mine?
1. Yes
2. No" "the confirmation names the language chosen, and the question goes on in it"
t_like "$(sms yes)" "Thank you!" "the flow ends"
t_is "$(sms HELP)" \
	"Send MEETING, SONDAGE, SURVEY, WILAYA to start. STOP: no more messages. JOIN: join again. LANGUAGE: change language." \
	"HELP in English: each flow by its English keyword"

t_like "$(sms WILAYA)" "In which district do you mine these days\?
1\. Geita Rural" "a question with six choices, one SMS"
retry=$(sms Mwanza)
t_is "$retry" "Please reply with a number from 1 to 6.
In which district do you mine these days?" \
	"a retry that would need two SMS with the whole list leaves the list out"
t_is "$(printf '%s' "$retry" | wc -c | tr -d ' ')" 81 "... and is one SMS"
t_like "$(sms 3)" "Thank you!" "the retried question is answered"
out=$("$SAUTI_BIN" flows check "$T_ROOT/tests/flows/policy/wilaya.yaml" 2>&1)
t_like "$out" "wilaya.yaml:[0-9]+:[0-9]+: step 'district' \[en\] retry: 1 SMS, GSM-7, 81 septets" \
	"flows check prints what the retry costs"

t_like "$(sms SURVEY)" "Which mineral do you mine\?" "the English keyword starts the survey"
t_like "$(sms 1)" "How many shillings do you earn a week\?" "a choice"
t_like "$(sms '50,000/=')" "What change would help you\?" "50,000/= is a number"
t_like "$(sms 'Barabara nzuri')" "Thank you!" "the survey ends"
csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" utafiti)
t_like "$csv" ",gold,50000,Barabara nzuri" "the money answer is saved as the plain number"

t_like "$(sms MEETING)" "Will you come to the meeting\?" "the invitation"
t_is "$(sms yes)" "Thank you, friend." "a contact without a name gets the placeholder's default"

# The operator zero-rates replies: the configuration says so, HELP says so.
stop_sauti
echo "replies_free: true" >>"$SAUTI_CONFIG"
start_sauti
t_like "$(sms HELP)" "LANGUAGE: change language\. Replies are free\.$" \
	"with replies_free, HELP says replies are free"
done_testing
