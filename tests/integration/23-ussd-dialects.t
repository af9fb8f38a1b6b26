#!/usr/bin/env bash
# USSD from Ghana's and Tanzania's aggregators: POST /ussd/hubtel,
# /ussd/beem and /ussd/arkesel speak their JSON dialects, and a survey of
# the shape outsiders write (a language step, 12 choices paged with 98/0, a
# branch, a number with an invalid answer, free text, an end) walks over each
# of them to the end and exports as channel ussd.  A dialect's "the person
# left" starts the resume offer; a repeated hop does not move the run on;
# malformed or incomplete JSON is a 400 in the dialect's own shape.  Numbers
# of the configured country (TZ) come through Ghana's aggregators too.  A
# dial string with an extension starts the flow of the longest code it
# begins with.
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/e2e/district.yaml" "$T/flows/"
# A flow on the short code itself, beside district's *150*77#.
cat >"$T/flows/top.yaml" <<-'EOF'
	flow: top
	languages: [en]
	triggers: {ussd: "*150#"}
	steps:
	  - id: bye
	    end: The top menu.
EOF
write_config "$T/flows"
start_sauti

# json KEY=VALUE...: a JSON object of strings, numbers (VALUE given as #N)
# and booleans (true/false).
json() {
	"$T_PYTHON" - "$@" <<-'EOF'
		import json, sys
		o = {}
		for a in sys.argv[1:]:
		    k, v = a.split("=", 1)
		    if v.startswith("#"): v = int(v[1:])
		    elif v in ("true", "false"): v = v == "true"
		    o[k] = v
		print(json.dumps(o))
	EOF
}
# field BODY KEY: one field of a JSON answer ("a.b" for a nested one).
field() {
	"$T_PYTHON" -c 'import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v = v[k]
print(str(v).lower() if isinstance(v, bool) else v)' "$1" "$2"
}

# hubtel TYPE SESSION SEQUENCE MESSAGE [MOBILE]
hubtel() {
	http POST /ussd/hubtel -H 'Content-Type: application/json' --data-binary \
		"$(json Type="$1" Mobile="${5:-233200000101}" SessionId="$2" ServiceCode=150 \
			Message="$4" Operator=mtn Sequence="#$3" ClientState=)"
}
# beem COMMAND SESSION REQUEST_ID RESPONSE [MSISDN]
beem() {
	local body
	body=$("$T_PYTHON" -c 'import json, sys
print(json.dumps({"msisdn": sys.argv[5], "operator": "vodacom", "session_id": sys.argv[2],
  "command": sys.argv[1], "payload": {"request_id": int(sys.argv[3]), "response": sys.argv[4]}}))' \
		"$1" "$2" "$3" "$4" "${5:-255700000102}")
	http POST '/ussd/beem?code=%2A150%2A77%23' -H 'Content-Type: application/json' \
		--data-binary "$body"
}
# arkesel NEW SESSION USERDATA [MSISDN]: to $ARKESEL (this test's daemon
# unless set).
arkesel() {
	http POST "${ARKESEL:-/ussd/arkesel}" -H 'Content-Type: application/json' --data-binary \
		"$(json sessionID="$2" userID=sauti-test newSession="$1" msisdn="${4:-233200000103}" \
			userData="$3" network=MTN)"
}
fits() { [ "$(printf '%s' "$1" | wc -m)" -le 182 ]; }

# -- Hubtel: the whole survey in English ----------------------------------------
a=$(hubtel Initiation h1 1 '*150*77#')
t_is "$(field "$a" Type)" Response "Hubtel: the Initiation opens the flow (Type Response)"
t_like "$(field "$a" Message)" "^Karibu! Chagua lugha" "with the language step"
a=$(hubtel Response h1 2 2)
m=$(field "$a" Message)
t_like "$m" "^Which district do you mine in\?" "English chosen: the 12-choice list"
t_like "$m" "98\. More" "paged with 98. More"
t_ok "the first page fits 182 characters" fits "$m"
a=$(hubtel Response h1 3 98)
m=$(field "$a" Message)
t_like "$m" "0\. Back" "98 shows the next page with 0. Back"
t_like "$m" "11\. Musoma" "numbered as in the full list"
a2=$(hubtel Response h1 3 98)
t_is "$a2" "$a" "a repeated hop (same Sequence) gets the same screen"
a=$(hubtel Response h1 4 11)
t_like "$(field "$a" Message)" "^Do you work at the site now\?" "the repeat did not page on: 11 taken from page 2"
a=$(hubtel Response h1 5 1)
t_like "$(field "$a" Message)" "How many days" "the branch goes on for yes"
a=$(hubtel Response h1 6 9)
t_like "$(field "$a" Message)" "^Please send a number from 0 to 7\." "an out-of-range number gets the step's invalid text"
a=$(hubtel Response h1 7 3)
t_like "$(field "$a" Message)" "hours a day" "a good number goes on"
a=$(hubtel Response h1 8 8)
a=$(hubtel Response h1 9 'A licence, and a loan*for tools')
t_is "$(field "$a" Type)" Release "the end closes the session (Type Release)"
t_is "$(field "$a" Message)" "Thank you! Musoma (Buhemba): 3 days." "with the end text and the answers"

# The person leaves (Timeout): the session is over for sauti too.
hubtel Initiation h5 1 '*150*77#' 233200000104 >/dev/null
hubtel Response h5 2 2 233200000104 >/dev/null
a=$(hubtel Timeout h5 3 '' 233200000104)
t_is "$(field "$a" Type)" Release "Hubtel: a Timeout is answered with Release"
a=$(hubtel Response h5 4 1 233200000104)
t_is "$(field "$a" Type)" Release "a late hop in the session that timed out is closed, not taken as an answer"
a=$(hubtel Initiation h6 1 '*150*77#' 233200000104)
t_like "$(field "$a" Message)" "^Welcome back! Continue where you left off\?" \
	"the next dial offers to resume, in the run's language"
t_like "$(field "$a" Message)" "1\. Continue.2\. Start again" "with the catalogue's two answers"
a=$(hubtel Response h6 2 2 233200000104)
t_like "$(field "$a" Message)" "^Welcome! Choose a language" "2 starts again, in English"

# -- Beem: Swahili, the person leaves, the next dial resumes ------------------------
b=$(beem initiate b1 0 '')
t_is "$(field "$b" command)" continue "Beem: initiate opens the flow (command continue)"
t_is "$(field "$b" session_id)" b1 "the session is echoed"
t_is "$(field "$b" payload.request_id)" 0 "and the hop number"
t_like "$(field "$b" payload.request)" "^Karibu! Chagua lugha" "the screen goes in payload.request"
b=$(beem continue b1 1 1)
t_like "$(field "$b" payload.request)" "98\. Zaidi" "Kiswahili: the list pages with 98. Zaidi"
b=$(beem continue b1 2 98)
t_like "$(field "$b" payload.request)" "0\. Rudi" "and 0. Rudi"
b2=$(beem continue b1 2 98)
t_is "$b2" "$b" "a repeated hop (same request_id) gets the same screen"
b=$(beem continue b1 3 2)
t_like "$(field "$b" payload.request)" "Unafanya kazi mgodini" "choice 2 taken from the second page's view"
b=$(beem terminate b1 4 '')
t_is "$(field "$b" command)" terminate "terminate is answered with terminate"
b=$(beem initiate b2 0 '')
t_like "$(field "$b" payload.request)" "^Karibu tena! Je, ungependa kuendelea ulipoishia\?" \
	"after the person left, the next dial offers to resume"
b=$(beem continue b2 1 1)
t_like "$(field "$b" payload.request)" "^Unafanya kazi mgodini sasa\?" "continuing shows the screen left"
b=$(beem continue b2 2 ndiyo)
b=$(beem continue b2 3 5)
b=$(beem continue b2 4 10)
b=$(beem continue b2 5 'Mtaji')
t_is "$(field "$b" command)" terminate "the run ends with terminate"
t_like "$(field "$b" payload.request)" "^Asante! Kahama \(Mwakitolyo\): siku 5\.$" "and the Swahili end text"
b=$(beem continue b2 6 'late')
t_is "$(field "$b" command)" terminate "a hop after the end closes the session"

# -- Arkesel: the other branch ----------------------------------------------------------
k=$(arkesel true k1 '*150*77#')
t_is "$(field "$k" continueSession)" true "Arkesel: a new session opens the flow (continueSession true)"
t_is "$(field "$k" userID)" sauti-test "userID is echoed"
k=$(arkesel false k1 2)
k=$(arkesel false k1 12)
t_like "$(field "$k" message)" "^Do you work at the site now\?" "choice 12 typed on page 1 is taken"
k=$(arkesel false k1 2)
t_is "$(field "$k" continueSession)" false "'no' branches to the end (continueSession false)"
t_is "$(field "$k" message)" "Thank you for your time." "with its text"

# -- Arkesel: the whole survey, paging on and back ---------------------------------------
arkesel true k3 '*150*77#' 233200000106 >/dev/null
k=$(arkesel false k3 2 233200000106)
t_like "$(field "$k" message)" "98\. More" "Arkesel: the 12-choice list pages with 98. More"
k=$(arkesel false k3 98 233200000106)
t_like "$(field "$k" message)" "0\. Back" "98 shows the next page"
k=$(arkesel false k3 0 233200000106)
t_like "$(field "$k" message)" "^Which district do you mine in\?.*1\. Geita" "0 goes back to the first page"
k=$(arkesel false k3 98 233200000106)
k=$(arkesel false k3 10 233200000106)
t_like "$(field "$k" message)" "^Do you work at the site now\?" "choice 10 taken from the second page"
k=$(arkesel false k3 1 233200000106)
k=$(arkesel false k3 eight 233200000106)
t_like "$(field "$k" message)" "^Please send a number from 0 to 7\." "a word where a number belongs gets the invalid text"
t_is "$(field "$k" continueSession)" true "and the session goes on"
k=$(arkesel false k3 6 233200000106)
k=$(arkesel false k3 10 233200000106)
k=$(arkesel false k3 'Water*and a road' 233200000106)
t_is "$(field "$k" continueSession)" false "the end closes the session"
t_is "$(field "$k" message)" "Thank you! Singida (Sambaru): 6 days." "with the end text and the answers"

# -- numbers of the configured country (TZ) through Ghana's aggregators ----------------
a=$(hubtel Initiation h7 1 '*150*77#' 255712000002)
t_is "$(http_status)" 200 "Hubtel: a Tanzanian 255... Mobile on a TZ deployment is taken"
t_like "$(field "$a" Message)" "^Karibu! Chagua lugha" "and opens the flow"
k=$(arkesel true k4 '*150*77#' 255712000003)
t_is "$(http_status)" 200 "Arkesel: a Tanzanian 255... msisdn too"
t_like "$(field "$k" message)" "^Karibu! Chagua lugha" "and opens the flow"
a=$(hubtel Initiation h8 1 '*150*77#' 233244123456)
t_like "$(field "$a" Message)" "^Karibu! Chagua lugha" "a Ghanaian 233... Mobile still works on the TZ deployment"
a=$(hubtel Initiation h10 1 '*150*77#' 0244123457)
t_like "$(field "$a" Message)" "^Karibu! Chagua lugha" "and a local form is Hubtel's country's (Ghana's) first"

# -- a dial string with an extension: the longest code a flow claims ------------------
a=$(hubtel Initiation h11 1 '*150*77*3#' 233200000111)
t_is "$(field "$a" Type)" Response "Hubtel: *150*77*3# starts the flow on *150*77#, not the one on *150#"
t_like "$(field "$a" Message)" "^Karibu! Chagua lugha" "at its first screen"
a=$(hubtel Response h11 2 2 233200000111)
t_like "$(field "$a" Message)" "^Which district do you mine in\?" "the extension was not taken as an answer"
k=$(arkesel true k5 '*150*77*3*1#' 233200000112)
t_like "$(field "$k" message)" "^Karibu! Chagua lugha" "Arkesel: *150*77*3*1# too"
a=$(hubtel Initiation h12 1 '*150*9*1#' 233200000113)
t_is "$(field "$a" Message)" "The top menu." "*150*9*1#, claimed by no longer code, starts the flow on *150#"
a=$(hubtel Initiation h13 1 '*151*77*1#' 233200000114)
t_like "$(field "$a" Message)" "Sorry, this service is not available now|haipatikani" \
	"a dial string no code of a flow begins is no flow"

# -- two daemons on one Redis: any of them serves the next hop --------------------------
PORT2=$(free_port)
sed "s/^listen: .*/listen: 127.0.0.1:$PORT2/" "$SAUTI_CONFIG" >"$T/sauti2.yaml"
t_spawn sauti2 "$T/sauti2.log" "$SAUTI_BIN" serve -c "$T/sauti2.yaml"
t_ok "a second daemon on the same Redis" t_wait_for 15 \
	sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT2/healthz)\" = 200 ]"
B=http://127.0.0.1:$PORT2/ussd/arkesel
arkesel true k2 '*150*77#' 233200000105 >/dev/null
k=$(ARKESEL=$B arkesel false k2 1 233200000105)
t_like "$(field "$k" message)" "^Unachimba wilaya gani\?" "hop 2 on daemon B goes on from hop 1 on daemon A"
k=$(arkesel false k2 98 233200000105)
t_like "$(field "$k" message)" "0\. Rudi" "hop 3 back on A: the page daemon B left"
k=$(ARKESEL=$B arkesel false k2 3 233200000105)
t_like "$(field "$k" message)" "^Unafanya kazi mgodini sasa\?" "hop 4 on B: choice 3 of the list"
t_ok "daemon B stops cleanly" t_stop sauti2 10

# -- the export --------------------------------------------------------------------------
csv=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district | tr -d '\r')
t_is "$(printf '%s\n' "$csv" | grep -c ',completed,')" 4 "four completed runs: two over Arkesel, one over each other dialect (the resumed one counted once)"
t_like "$csv" ",sw,ussd,active,[^,]*,[^,]*,sw,chunya," "the two-daemon run holds its answer"
t_like "$csv" ",en,ussd,expired," "the run started again is exported as expired"
t_like "$csv" ",en,ussd,completed,[^,]*,[^,]*,en,musoma,yes,3,8,\"A licence, and a loan\*for tools\"" \
	"Hubtel's run: English, every answer, the text with '*' and ',' kept whole"
t_like "$csv" ",sw,ussd,completed,[^,]*,[^,]*,sw,kahama,yes,5,10,Mtaji" "Beem's resumed run"
t_like "$csv" ",en,ussd,completed,[^,]*,[^,]*,en,other,no,,," "Arkesel's run took the other branch"
t_like "$csv" ",en,ussd,completed,[^,]*,[^,]*,en,singida,yes,6,10,Water\*and a road" "Arkesel's whole survey, every answer"
raw=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --raw-phone | tr -d '\r')
t_like "$raw" "\+233200000101,en" "Hubtel's Mobile 233... is stored as +233..."
t_like "$raw" "\+255700000102,sw" "Beem's msisdn 255... as +255..."
t_like "$raw" "\+255712000002," "Hubtel's Tanzanian Mobile 255... as +255..."
t_like "$raw" "\+255712000003," "Arkesel's Tanzanian msisdn 255... as +255..."
t_like "$raw" "\+233244123456," "Hubtel's Ghanaian Mobile on a TZ deployment as +233..."
t_like "$raw" "\+233244123457," "its local form as a Ghanaian number"

# -- refusals in each dialect's shape ---------------------------------------------------
r=$(http POST /ussd/hubtel -H 'Content-Type: application/json' --data-binary '{"Type":"Response",')
t_is "$(http_status)" 400 "Hubtel: malformed JSON is a 400"
t_is "$(field "$r" Type)" Release "in Hubtel's shape"
t_like "$(field "$r" Message)" "malformed JSON" "saying what is wrong"
r=$(http POST /ussd/hubtel -H 'Content-Type: application/json' --data-binary '{"Type":"Response","Mobile":"233200000101"}')
t_is "$(http_status)" 400 "a missing SessionId is a 400"
t_like "$(field "$r" Message)" "missing 'SessionId'" "naming the field"
r=$(http POST /ussd/beem -H 'Content-Type: application/json' --data-binary \
	'{"msisdn":"255700000102","session_id":"b9","command":"initiate"}')
t_is "$(http_status)" 400 "Beem: a callback URL without ?code= is a 400"
t_is "$(field "$r" command)" terminate "in Beem's shape"
t_like "$(field "$r" payload.request)" "code=" "saying how to name the code"
r=$(http POST /ussd/arkesel -H 'Content-Type: application/json' --data-binary '[]')
t_is "$(http_status)" 400 "Arkesel: a body that is not an object is a 400"
t_is "$(field "$r" continueSession)" false "in Arkesel's shape"
r=$(http POST /ussd/arkesel --data-binary "$(json sessionID=k9 newSession=true msisdn=abc userData='*150*77#')")
t_is "$(http_status)" 400 "a number that is no phone number is a 400"
t_like "$(field "$r" message)" "bad sender number" "saying so"
r=$(arkesel true k8 '*999#')
t_is "$(field "$r" continueSession)" false "a code no flow serves closes the session"
t_like "$(field "$r" message)" "Sorry, this service is not available now|haipatikani" "with the catalogue's text"
t_like "$(http GET /metrics)" 'sauti_messages_in_total\{channel="ussd"\} [1-9]' "dialect requests count as ussd"

# Redis away: 503, in the dialect's shape, and nothing is answered as if saved.
stop_redis
t_ok "sauti sees Redis gone" t_wait_for 15 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $SAUTI_URL/healthz)\" = 503 ]"
r=$(hubtel Initiation h9 1 '*150*77#')
t_is "$(http_status)" 503 "Hubtel while Redis is away: 503"
t_is "$(field "$r" Type)" Release "in Hubtel's shape"
r=$(beem initiate b9 0 '')
t_is "$(http_status)" 503 "Beem too"
t_is "$(field "$r" command)" terminate "in Beem's shape"
t_ok "stop_sauti" stop_sauti
done_testing
