#!/usr/bin/env bash
# A stray curly quote must not double what a message costs: with
# gsm7_substitute: true, ’ “ ” – … go out as ' " - ... and the SMS as GSM-7,
# replies, USSD screens and broadcasts alike, through real Kannel; a text
# that truly needs UCS-2 (Twi's ɛ) still goes as UCS-2.  Without it, the
# text goes as written, as UCS-2.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
mkdir -p "$T/flows"
sed 's/^  keywords: \[QUOTES\]$/&\n  ussd: "*150*66#"/' "$T_ROOT/tests/flows/typography/quotes.yaml" \
	>"$T/flows/quotes.yaml"
write_config "$T/flows"
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
printf 'phone,name,language,groups\n+255712000301,Asha,en,g\n+255712000302,Kofi,tw,g\n' >"$T/c.csv"
t_ok "contacts import" S contacts import "$T/c.csv"

r=$(fakesmsc_send +255712000303 15055 QUOTES)
t_like "$r" "^It’s short – what’s your “main” work…\?" "without gsm7_substitute the text goes as written"
t_like "$(mt_meta 1)" " ucs-2 " "as UCS-2"
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*66#" \
		--data-urlencode "phoneNumber=$2" --data-urlencode "text="
}
t_like "$(ussd u1 +255712000305)" "^CON It’s short – what’s your “main” work…\?" "a USSD screen as written too"
t_like "$(S broadcast quotes --to phones:+255712000301 --dry-run 2>&1)" "en: 1 recipients, 1 SMS per message \(UCS-2" \
	"and a broadcast's dry run costs it as UCS-2"
t_ok "stop_sauti" stop_sauti

echo "gsm7_substitute: true" >>"$SAUTI_CONFIG"
start_sauti
r=$(fakesmsc_send +255712000304 15055 QUOTES)
t_like "$r" "^It's short - what's your \"main\" work\.\.\.\?" "with it, ' - \" ... stand in"
t_like "$(mt_meta 1)" " text " "and the reply goes as GSM-7"
r=$(fakesmsc_send +255712000304 15055 1)
t_is "$r" "Thanks - that's all." "the end text too"
t_like "$(ussd u2 +255712000306)" "^CON It's short - what's your \"main\" work\.\.\.\?" \
	"a USSD screen with the substitutes"
r=$(fakesmsc_send +255712000302 15055 QUOTES)
t_like "$r" "^Wo adwuma titiriw ne dɛn\?" "a Twi text keeps its ɛ"
t_like "$(mt_meta 1)" " ucs-2 " "and goes as UCS-2, the coding it needs"

t_like "$(S broadcast quotes --to phones:+255712000301 --dry-run 2>&1)" "en: 1 recipients, 1 SMS per message \(GSM-7\)" \
	"the dry run costs the broadcast as it will go: GSM-7"
fakesmsc_sink_start
id=$(S broadcast quotes --to phones:+255712000301 2>/dev/null)
t_like "$id" '^[0-9a-f]{12}$' "a broadcast of the flow"
fakesmsc_sink_wait 1 20
fakesmsc_sink_stop
t_like "$(mt_text 1)" "^It's short - what's your \"main\" work\.\.\.\?" "the broadcast goes with the substitutes"
t_like "$(mt_meta 1)" " text " "as GSM-7"
t_ok "stop_sauti" stop_sauti
done_testing
