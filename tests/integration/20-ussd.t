#!/usr/bin/env bash
# USSD the way an aggregator (Africa's Talking style) drives it: screens that
# fit 182 characters, a 12-choice list paged with 98/0, resuming a dropped
# session, repeated requests that do not advance the run, and concurrent
# sessions that never cross answers.
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/e2e/district.yaml" "$T/flows/"
write_config "$T/flows"
start_sauti

PHONE=+255754000111
# ussd SESSION TEXT [PHONE]: one aggregator request; prints the body.
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*77#" \
		--data-urlencode "phoneNumber=${3:-$PHONE}" --data-urlencode "text=$2" \
		--data-urlencode "networkCode=63902"
}
# fits BODY: the screen (after CON/END) is at most 182 characters.
fits() { [ "$(printf '%s' "${1:4}" | wc -m)" -le 182 ]; }

s=$(ussd s1 "")
t_like "$s" "^CON Karibu! Chagua lugha" "the dial opens the flow with CON"
date_header=$(http_header Date)
t_like "$date_header" "^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$" "... with a Date header in HTTP's form"
skew=$(($(date -u +%s) - $(date -u -d "$date_header" +%s)))
t_ok "... telling the time now (${skew}s off)" test "${skew#-}" -le 5
s=$(ussd s1 "1")
t_like "$s" "^CON Unachimba wilaya gani\?" "Kiswahili chosen"
t_ok "the first page fits 182 characters" fits "$s"
t_like "$s" "98\. Zaidi" "a long list offers 98. Zaidi"
t_unlike "$s" "12\. Wilaya nyingine" "and does not show the last choices yet"
s=$(ussd s1 "1*98")
t_ok "the second page fits" fits "$s"
t_like "$s" "0\. Rudi" "the second page offers 0. Rudi"
t_like "$s" "Wilaya nyingine|Musoma|Singida" "the second page shows later choices with their full-list numbers"
s2=$(ussd s1 "1*98")
t_is "$s2" "$s" "a repeated request gets the same screen"
s=$(ussd s1 "1*98*11")
t_like "$s" "^CON Unafanya kazi mgodini sasa\?" "choice 11 taken from the second page"
s=$(ussd s1 "1*98*11*ndiyo")
t_like "$s" "siku ngapi" "a typed Swahili label answers a choice"

# The session drops here.  A new dial within expire offers to resume.
s=$(ussd s2 "")
t_like "$s" "^CON Karibu tena! Je, ungependa kuendelea ulipoishia\?" "a redial offers to continue"
s=$(ussd s2 "1")
t_like "$s" "^CON Ulifanya kazi siku ngapi" "continuing shows the exact screen left"
s=$(ussd s2 "1*3")
t_like "$s" "saa ngapi" "the answer goes on"
s=$(ussd s2 "1*3*8")
s=$(ussd s2 "1*3*8*Leseni ya uchimbaji")
t_like "$s" "^END Asante! Musoma \\(Buhemba\\): siku 3\." "the run ends with END and the answers"

csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district | tr -d '\r')
t_is "$(printf '%s\n' "$csv" | wc -l)" 2 "one run despite the dropped session"
t_like "$(printf '%s\n' "$csv" | sed -n 2p)" ",sw,ussd,completed,.*,sw,musoma,yes,3,8,Leseni ya uchimbaji$" \
	"exported as a ussd row with the right answers"

# Starting again ends the old run as expired.
ussd s3 "" >/dev/null; ussd s3 "1" >/dev/null
s=$(ussd s4 "")
t_like "$s" "kuendelea ulipoishia" "an unfinished run is offered again"
s=$(ussd s4 "2")
t_like "$s" "^CON .*Chagua lugha" "starting again shows the first screen"
csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district | tr -d '\r')
t_like "$csv" ",ussd,expired," "the abandoned run is exported as expired"

# The words that always work, typed on a screen (docs/flows.md).
W=+255754000888
ussd w1 "" $W >/dev/null
t_like "$(ussd w1 "1" $W)" "^CON Unachimba wilaya" "a run under way"
t_like "$(ussd w1 "1*help" $W)" "^END " "HELP typed on a screen answers and closes it"
t_like "$(ussd w2 "" $W)" "kuendelea ulipoishia" "... the run waits for a redial"
t_like "$(ussd w2 "ACHA" $W)" "^END Umejiondoa" "STOP (ACHA) on a screen opts the number out"
t_is "$(redis_cli hget "sauti:c:{$W}" _optout)" 1 "... it is opted out in Redis"
t_like "$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district | tr -d '\r')" ",ussd,stopped," \
	"... and its run is exported as stopped"

# A request lost on the way: the next one carries its input too ("1*3").
ussd l1 "" +255754000777 >/dev/null
t_like "$(ussd l1 "1*3" +255754000777)" "^CON Unafanya kazi mgodini sasa\?" \
	"inputs whose own requests were lost are applied in order"
t_like "$(ussd l1 "1*3*1" +255754000777)" "siku ngapi" "and the session goes on from there"

s=$(ussd x1 "" +255754000999)
t_like "$(http POST /ussd --data-urlencode "sessionId=z" --data-urlencode "serviceCode=*999#" \
	--data-urlencode "phoneNumber=$PHONE" --data-urlencode "text=")" "^END " \
	"a code no flow claims gets END, not an error"
t_is "$(http_status)" 200 "with status 200"
http POST /ussd --data-urlencode "sessionId=q" >/dev/null
t_is "$(http_status)" 400 "a request without serviceCode/phoneNumber is a 400"

# 200 sessions at once, each answering with its own district number.
: >"$T/conc"
pids=()
for i in $(seq 1 200); do
	(
		p=$(printf '+2557550%05d' "$i")
		d=$(( i % 11 + 1 ))
		curl -s -X POST "$SAUTI_URL/ussd" -d "sessionId=c$i" --data-urlencode "serviceCode=*150*77#" \
			--data-urlencode "phoneNumber=$p" -d "text=" >/dev/null
		curl -s -X POST "$SAUTI_URL/ussd" -d "sessionId=c$i" --data-urlencode "serviceCode=*150*77#" \
			--data-urlencode "phoneNumber=$p" -d "text=2" >/dev/null
		curl -s -X POST "$SAUTI_URL/ussd" -d "sessionId=c$i" --data-urlencode "serviceCode=*150*77#" \
			--data-urlencode "phoneNumber=$p" -d "text=2*$d" >/dev/null
		curl -s -X POST "$SAUTI_URL/ussd" -d "sessionId=c$i" --data-urlencode "serviceCode=*150*77#" \
			--data-urlencode "phoneNumber=$p" -d "text=2*$d*2" >"$T/conc.$i"
	) &
	pids+=($!)
	# `wait` alone would also wait for the daemons this test started.
	[ $((i % 50)) -eq 0 ] && { wait "${pids[@]}"; pids=(); }
done
ended=$(for f in "$T"/conc.*; do grep -c "^END Thank you for your time" "$f"; done | grep -c '^1$')
t_is "$ended" 200 "200 concurrent sessions all reach their end"
raw=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --raw-phone | tr -d '\r' | grep '+2557550')
crossed=$(printf '%s\n' "$raw" | awk -F, '{ n = substr($2, 9) + 0; want = ("geita kahama chunya mererani tarime nzega mpanda handeni shinyanga singida musoma"); split(want, w, " "); if ($9 != w[n % 11 + 1]) print }' | wc -l)
t_is "$crossed" 0 "no answer crossed sessions"
t_is "$(printf '%s\n' "$raw" | wc -l)" 200 "one run per session"

t_ok "stop_sauti" stop_sauti
done_testing
