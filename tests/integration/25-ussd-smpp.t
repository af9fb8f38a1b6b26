#!/usr/bin/env bash
# USSD the way an operator delivers it over SMPP: tests/smpp_operator.pl
# plays the operator's SMSC, real bearerbox + smsbox
# (config/kannel/kannel-ussd.conf.in) hand each step to sauti's /kannel/sms
# with the TLVs in `meta`, and every screen must come back as a submit_sm
# with ussd_service_op 2 (wait for an answer) or 17 (the last screen) and
# the its_session_info of the step it answers.
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows" "$T/smpp"
cp "$T_ROOT/tests/flows/e2e/district.yaml" "$T/flows/"
write_config "$T/flows"
start_sauti

# bearerbox connects out to the operator and retries every second
# (reconnect-delay), so each dialogue below is one operator that comes,
# is bound, plays its steps and unbinds.  Kannel starts first: an MO sent
# before smsbox is connected is refused (deliver_sm_resp status 0x64).
SMPP_PORT=$(free_port)
SMPP_PASSWORD=$(t_random | cut -c1-8)   # SMPP 3.4 passwords are at most 8
export SMPP_HOST=127.0.0.1 SMPP_PORT SMPP_USERNAME=sauti SMPP_PASSWORD
# shellcheck disable=SC2119 # sauti's port is $SAUTI_PORT
KANNEL_TEMPLATE=$T_ROOT/config/kannel/kannel-ussd.conf.in start_kannel ||
	bail_out "Kannel did not start"

# operator NAME < STEPS: plays the steps (see tests/smpp_operator.pl) with
# DCS 0x0F, as USSD is sent; the screens go to $T/smpp/NAME, one a line
# ("OP=2 SI=2a00 text", a newline in the text as \n).  Returns its status:
# 0 when each step got exactly one screen, from the short code to its phone.
operator() {
	perl "$T_ROOT/tests/smpp_operator.pl" --port "$SMPP_PORT" --to "$SHORT_CODE" \
		--system-id "$SMPP_USERNAME" --password "$SMPP_PASSWORD" --settle 0.1 - \
		>"$T/smpp/$1" 2>"$T/smpp/$1.log"
	local rc=$?
	[ $rc -eq 0 ] || diag "the operator exited with $rc; its log:" \
		"$(tail -n 20 "$T/smpp/$1.log")"
	return $rc
}

# screen NAME N: the Nth screen of dialogue NAME.
screen() {
	sed -n "${2}p" "$T/smpp/$1"
}

# fields NAME N: field N (1: OP=, 2: SI=) of every screen, space-separated.
fields() {
	cut -d' ' -f"$2" "$T/smpp/$1" | tr '\n' ' '
}

# longest NAME: the most characters on one screen of NAME.
longest() {
	perl -CS -ne 'chomp; s/^OP=\S+ SI=\S+ //;
		s/\\(.)/$1 eq "n" ? "\n" : $1 eq "r" ? "\r" : $1/ge;
		$max = length if length > $max; END { print $max + 0 }' <"$T/smpp/$1"
}

# matches STRING ERE, for t_ok.
# shellcheck disable=SC2317 # called through t_ok
matches() {
	[[ $1 =~ $2 ]]
}

# -- a whole survey in one USSD session ---------------------------------------------

PHONE=+255754000111
t_ok "the operator gets one screen for each step of the survey" operator survey <<EOF
dial   $PHONE 2a00 *150*77#
answer $PHONE 2a02 2
answer $PHONE 2a04 98
answer $PHONE 2a06 0
answer $PHONE 2a08 98
answer $PHONE 2a0a 10
answer $PHONE 2a0c 1
answer $PHONE 2a0e 9
answer $PHONE 2a10 5
answer $PHONE 2a12 8
answer $PHONE 2a14 Safer shafts and clean water
EOF

t_like "$(screen survey 1)" '^OP=2 SI=2a00 Karibu! Chagua lugha\\n1\. Kiswahili\\n2\. English$' \
	"the dial opens the language step with op 2"
s=$(screen survey 2)
t_like "$s" '^OP=2 SI=2a02 Which district do you mine in\?\\n1\. Geita \(Nyarugusu\)' \
	"English chosen: the district list"
t_ok "its first page ends with 98. More" matches "$s" '\\n98\. More$'
t_unlike "$s" '12\. Another district' "and does not show the last choices yet"
s=$(screen survey 3)
t_like "$s" '^OP=2 SI=2a04 Which district do you mine in\?\\n7\. Mpanda \(Ibindi\)' \
	"98 shows the second page, numbered as the full list"
t_ok "which ends with 0. Back" matches "$s" '12\. Another district\\n0\. Back$'
t_is "$(screen survey 4 | cut -d' ' -f3-)" "$(screen survey 2 | cut -d' ' -f3-)" \
	"0 goes back to the first page"
t_like "$(screen survey 6)" '^OP=2 SI=2a0a Do you work at the site now\?\\n1\. Yes\\n2\. No$' \
	"choice 10 taken from the second page"
t_like "$(screen survey 8)" '^OP=2 SI=2a0e Please send a number from 0 to 7\..*How many days' \
	"a number out of range is asked again, still with op 2"
t_like "$(screen survey 10)" '^OP=2 SI=2a12 What would help you most\?$' "free text asked"
t_like "$(screen survey 11)" '^OP=17 SI=2a14 Thank you! Singida \(Sambaru\): 5 days\.$' \
	"the last screen ends the session with op 17 and the answers"
t_is "$(fields survey 1)" "$(printf 'OP=2 %.0s' {1..10})OP=17 " \
	"every screen but the last has op 2, the last op 17"
t_is "$(fields survey 2)" "SI=2a00 SI=2a02 SI=2a04 SI=2a06 SI=2a08 SI=2a0a SI=2a0c SI=2a0e SI=2a10 SI=2a12 SI=2a14 " \
	"every screen echoes the its_session_info of the step it answers"
n=$(longest survey)
t_ok "no screen is longer than 182 characters (longest: $n)" [ "$n" -le 182 ]

csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district | tr -d '\r')
t_is "$(printf '%s\n' "$csv" | wc -l)" 2 "the export holds one run"
t_like "$(printf '%s\n' "$csv" | sed -n 2p)" \
	'^[0-9a-f]+,[0-9a-f]{16},en,ussd,completed,[0-9TZ:-]+,[0-9TZ:-]+,en,singida,yes,5,8,Safer shafts and clean water$' \
	"a ussd row, completed, with the answers as given"

# -- sessions at the edges ------------------------------------------------------------

# Session numbers are any octet: Kannel writes 0x20 in meta as '+'.  A new
# session (first octet) of the same phone is a redial, which offers to resume.
t_ok "the operator gets one screen for each step at the edges" operator edges <<EOF
dial   +255754000222 3100 *150*99#
answer +255754000222 3202 1
dial   +255754000333 2000 *150*77#
answer +255754000333 2002 1
dial   +255754000444 4100 *150*77#
answer +255754000444 4102 1
dial   +255754000444 4200 *150*77#
answer +255754000444 4202 1
EOF
t_like "$(screen edges 1)" '^OP=17 SI=3100 .' "a code no flow claims gets a screen with op 17"
t_like "$(screen edges 2)" '^OP=17 SI=3202 .' "an answer in a session sauti does not hold is ended with op 17"
t_like "$(screen edges 3)" '^OP=2 SI=2000 Karibu! Chagua lugha' "session 0x20 is echoed as 0x20"
t_like "$(screen edges 4)" '^OP=2 SI=2002 Unachimba wilaya gani\?' "and goes on"
t_like "$(screen edges 6)" '^OP=2 SI=4102 Unachimba wilaya gani\?' "a survey started"
t_like "$(screen edges 7)" '^OP=2 SI=4200 Karibu tena! Je, ungependa kuendelea ulipoishia\?' \
	"a dial in a new session of the same phone offers to resume"
t_is "$(screen edges 8)" "OP=2 SI=4202 $(screen edges 6 | cut -d' ' -f3-)" \
	"continuing shows the exact screen left"
n=$(longest edges)
t_ok "no screen is longer than 182 characters (longest: $n)" [ "$n" -le 182 ]

# -- GSM 7-bit text -----------------------------------------------------------------------

# With DCS 0x0F (the USSD default; to Kannel an SMS DCS with a reserved
# alphabet) the text reaches sauti as raw GSM 7-bit octets, coding=3 and no
# charset: '@' is %00, '£' %01, 'é' %05.  Text with DCS 0 or 8 arrives as
# UTF-8.
GSM_PHONE=+255754000555
operator gsm <<EOF
dial   $GSM_PHONE 5000 *150*77#
answer $GSM_PHONE 5002 2
answer $GSM_PHONE 5004 1
answer $GSM_PHONE 5006 1
answer $GSM_PHONE 5008 3
answer $GSM_PHONE 500a 4
answer $GSM_PHONE 500c Kofia @ £5 é
EOF
t_ok "a free-text answer with '@' gets the last screen, op 17" \
	matches "$(screen gsm 7)" '^OP=17 SI=500c Thank you!'
need=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --raw-phone | tr -d '\r' |
	grep -F ",$GSM_PHONE," | awk -F, '{ print $NF }')
t_ok "GSM 7-bit text is saved as UTF-8" \
	[ "$need" = "Kofia @ £5 é" ]

# -- a dial string with an extension --------------------------------------------------
operator extension <<EOF
dial   +255754000666 6000 *150*77*3#
EOF
t_like "$(screen extension 1)" '^OP=2 SI=6000 Karibu! Chagua lugha' \
	"*150*77*3# starts the flow on *150*77# at its first screen"

done_testing
