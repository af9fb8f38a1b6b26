#!/usr/bin/env bash
# Messages in every language: a Twi contact in a Twi flow hears only Twi
# from sauti (with the deployment's messages: file, tests/messages/tw.yaml),
# over SMS through real Kannel and over USSD; a French contact only French
# (built in); a Hausa contact, whose language has no catalogue texts, the
# fallback_language.  LANGUAGE outside a run lists every flow's languages,
# Ghana's first; SIGHUP reloads the catalogue and a broken one leaves the
# last good one serving.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
mkdir -p "$T/flows"
cp "$T_ROOT"/tests/flows/languages/*.yaml "$T/flows/"
cp "$T_ROOT/tests/messages/tw.yaml" "$T/messages.yaml"
SAUTI_COUNTRY=GH write_config "$T/flows"
echo "messages: $T/messages.yaml" >>"$SAUTI_CONFIG"
start_sauti

TWI=+233200000201
TWI_USSD=+233200000202
FR=+233200000203
FR_USSD=+233200000204
HA=+233200000205
FR2=+233200000210
FR3=+233200000211
cat >"$T/contacts.csv" <<-EOF
	phone,name,language
	$TWI,Kofi,tw
	$TWI_USSD,Ama,tw
	$FR,Awa,fr
	$FR_USSD,Issa,fr
	$HA,Musa,ha
EOF
t_ok "contacts import" "$SAUTI_BIN" contacts import -c "$SAUTI_CONFIG" "$T/contacts.csv"

sms() { fakesmsc_send "$1" 15055 "$2"; }
# english TEXT: what sauti says by itself in English, which a Twi or French
# contact must never hear.
ENGLISH='Please|Sorry|Send |More|Back|Welcome|Choose|language is now|unsubscribed'
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=$2" \
		--data-urlencode "phoneNumber=$3" --data-urlencode "text=$4"
}
# fits79 BODY: a UCS-2 screen (after CON/END) holds at most 79 characters.
fits79() { [ "$(printf '%s' "${1:4}" | wc -m)" -le 79 ]; }

# -- Twi over SMS -------------------------------------------------------------------
r=$(sms $TWI ADWUMA)
t_like "$r" "^Ɛhe na wotu sika\?" "Twi: the keyword starts the Twi flow in Twi"
r=$(sms $TWI abc)
t_like "$r" "^Yɛsrɛ wo, fa nɔma 1 kosi 12 bua\." "an invalid choice gets the catalogue's Twi text"
t_unlike "$r" "$ENGLISH" "and nothing in English"
t_like "$(mt_meta 1)" " ucs-2 " "Twi goes out as UCS-2 through Kannel (X-Kannel-Coding)"
r=$(sms $TWI 3)
t_like "$r" "Mfe ahe" "a good choice goes on"
r=$(sms $TWI 99)
t_like "$r" "^Yɛsrɛ wo, fa nɔma a ɛfiri 0 kosi 60 bua\." "a number out of range: Twi, with min and max"
r=$(sms $TWI MMOA)
t_like "$r" "^Fa ADWUMA mena fi ase\. GYAE" "MMOA (Twi's help word) answers in Twi"
r=$(sms $TWI KASA)
t_like "$r" "^Paw wo kasa:.1\. Twi.2\. English$" "KASA lists the flow's languages by their own names, in Twi"
r=$(sms $TWI 1)
t_like "$r" "^Wo kasa yɛ Twi seesei\..Mfe ahe" "choosing Twi says so in Twi and asks again"
r=$(sms $TWI 5)
t_like "$r" "^Medaase!" "the run ends"
r=$(sms $TWI 'hwɛ')
t_like "$r" "^Kafra, yɛnte wo nkra no ase\. Fa ADWUMA mena fi ase" "a message nobody understood: Twi"
r=$(sms $TWI GYAE)
t_like "$r" "^Woagyae\." "GYAE, the deployment's stop word, opts out in Twi"
r=$(sms $TWI 'san ba')
t_like "$r" "^Akwaaba bio!" "SAN BA joins again, in Twi"
r=$(sms $TWI STOP)
t_like "$r" "^Woagyae\." "STOP works for a Twi speaker too, answered in Twi"
sms $TWI 'SAN BA' >/dev/null
r=$(sms $TWI 'Mempɛ')
t_like "$r" "^Woagyae\." "MEMPƐ, the deployment's other stop word, in another case"
sms $TWI 'SAN BA' >/dev/null

# -- Twi over USSD: paging and resume ------------------------------------------------
s=$(ussd tw1 '*920*44#' $TWI_USSD '')
t_like "$s" "^CON Ɛhe na wotu sika\?" "Twi USSD: the dial shows the Twi question"
t_like "$s" "98\. Ɛkɔ so$" "paged with the Twi label for 98"
t_ok "the UCS-2 screen fits 79 characters" fits79 "$s"
s=$(ussd tw1 '*920*44#' $TWI_USSD '98')
t_like "$s" "0\. San kɔ" "and 0 with the Twi label for back"
t_unlike "$s" "$ENGLISH" "nothing in English on the second page"
s=$(ussd tw1 '*920*44#' $TWI_USSD '98*x')
t_like "$s" "^CON Yɛsrɛ wo" "an invalid answer on USSD: Twi"
s=$(ussd tw2 '*920*44#' $TWI_USSD '')
t_like "$s" "^CON Akwaaba bio! Wopɛ sɛ wotoa so" "a redial offers to resume, in Twi"
t_like "$s" "1\. Toa so.2\. Fi ase bio$" "with the Twi answers"
s=$(ussd tw2 '*920*44#' $TWI_USSD '1')
t_like "$s" "0\. San kɔ" "continuing shows the page left"
s=$(ussd tw3 '*920*99#' $TWI_USSD '')
t_is "$s" "END Kafra, saa dwumadi yi nni hɔ seesei." "a code no flow serves: Twi"

# -- French, built in ------------------------------------------------------------------
r=$(sms $FR SONDAGE)
t_like "$r" "^Sur quel site travaillez-vous \?" "French: the flow in French"
r=$(sms $FR2 "enquête.")
t_like "$r" "^Sur quel site travaillez-vous \?" "a keyword with an accent, typed in lowercase"
r=$(sms $FR3 "ENQUÊTE")
t_like "$r" "^Sur quel site travaillez-vous \?" "and in capitals"
api GET /api/flows >/dev/null
t_like "$(cat "$T/http.body")" '"keywords":\["SONDAGE","ENQUÊTE"\]' \
	"the keyword is shown upper-cased, accent and all"
r=$(sms $FR 13)
t_like "$r" "^Veuillez répondre par un numéro de 1 à 12\." "an invalid choice gets the built-in French text"
t_unlike "$r" "$ENGLISH" "and nothing in English"
r=$(sms $FR AIDE)
t_like "$r" "^Envoyez SONDAGE pour commencer\. ARRET" "AIDE (French help word) answers in French"
r=$(sms $FR LANGUE)
t_like "$r" "^Choisissez votre langue :.1\. Français$" "LANGUE: the flow's one language, by its own name"
r=$(sms $FR 1)
t_like "$r" "^Votre langue est maintenant : Français\..Sur quel site" "and says so in French, asking again"
sms $FR LANGUE >/dev/null
r=$(sms $FR FRANÇAIS)
t_like "$r" "^Votre langue est maintenant : Français\." "FRANÇAIS, the own name in capitals, is understood too"
sms $FR 9 >/dev/null
r=$(sms $FR 9)
t_like "$r" "^Veuillez répondre par un nombre entre 0 et 7\." "a number out of range, in French"
s=$(ussd fr1 '*920*55#' $FR_USSD '')
t_like "$s" "98\. Suite$" "French USSD: 98. Suite"
s=$(ussd fr1 '*920*55#' $FR_USSD '98')
t_like "$s" "0\. Retour" "0. Retour"
t_unlike "$s" "$ENGLISH" "nothing in English"
r=$(sms $FR ARRÊT)
t_like "$r" "^Vous ne recevrez plus de messages\." "ARRÊT, as French writes it, opts out"
r=$(sms $FR REJOINDRE)
t_like "$r" "^Bon retour" "REJOINDRE joins again"
r=$(sms $FR arrêt)
t_like "$r" "^Vous ne recevrez plus de messages\." "arrêt in lower case too"
sms $FR REJOINDRE >/dev/null

# -- Hausa: no catalogue texts, so the fallback (en) ------------------------------------
r=$(sms $HA AIKI)
t_like "$r" "^Kwana nawa" "Hausa: the flow's own text in Hausa"
r=$(sms $HA abc)
t_like "$r" "^Please reply with a number from 0 to 7\." "sauti's own text in fallback_language (en)"

# -- LANGUAGE outside a run: every flow's languages, Ghana's first ------------------------
r=$(sms +233200000206 LANGUAGE)
t_like "$r" "^Choose your language:.1\. English.2\. Twi.3\. Hausa.4\. Français$" \
	"a new contact in Ghana: English and Twi first, then the others"

# -- SIGHUP: the catalogue reloads; a broken one leaves the last good serving -------------
sed -i 's/^  help: .*/  help: "Fa {keywords} mena. Yɛbɛboa wo."/' "$T/messages.yaml"
kill -HUP "$(sauti_pid)"
t_ok "the catalogue is reloaded" t_wait_for 15 grep -q "reloading the message catalogue" "$T/sauti.log"
t_ok "and the flows after it" t_wait_for 15 grep -q "SIGHUP: reloading flows" "$T/sauti.log"
r=$(sms $TWI MMOA)
t_like "$r" "^Fa ADWUMA mena\. Yɛbɛboa wo\.$" "the edited Twi help is what Twi speakers now get"
printf '  helpp: "x"\n' >>"$T/messages.yaml"
kill -HUP "$(sauti_pid)"
t_ok "a broken catalogue is reported" t_wait_for 15 grep -q "messages.yaml:[0-9]*:[0-9]*: tw: unknown key 'helpp'" "$T/sauti.log"
t_ok "and refused" t_wait_for 15 grep -q "the catalogue loaded before goes on serving" "$T/sauti.log"
r=$(sms $TWI MMOA)
t_like "$r" "^Fa ADWUMA mena\. Yɛbɛboa wo\.$" "the last good catalogue goes on serving"
t_ok "stop_sauti" stop_sauti

# -- fallback_language: fr ----------------------------------------------------------------
sed -i '$d' "$T/messages.yaml"
echo "fallback_language: fr" >>"$SAUTI_CONFIG"
start_sauti
sms $HA AIKI >/dev/null
r=$(sms $HA abc)
t_like "$r" "^Veuillez répondre par un nombre entre 0 et 7\." "with fallback_language: fr, a Hausa contact gets French"
t_ok "stop_sauti" stop_sauti

# A catalogue with an error stops the daemon from starting, naming the place.
printf 'tw:\n  more: [x]\n' >"$T/messages.yaml"
out=$("$SAUTI_BIN" serve -c "$SAUTI_CONFIG" 2>&1)
t_is "$?" 1 "sauti serve refuses a broken catalogue at start"
t_like "$out" "messages.yaml:2:9: the tw more must be a text" "saying where"
done_testing
