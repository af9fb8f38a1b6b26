#!/usr/bin/env bash
# Hostile and broken input on every endpoint: missing and empty parameters,
# bodies over the limit (an 8 MB body refused before it is read), invalid
# UTF-8, NUL bytes, absurd lengths, unknown paths, wrong methods, broken
# HTTP.  Each gets a 4xx with a short reason within seconds, never a crash or
# a hang; odd but valid input (emoji, Swahili, a 1,000-character USSD text)
# gets a sensible 200.  Afterwards the daemon is alive, healthy and serving.
# shellcheck disable=SC1111,SC2317 # the curly quotes are the point; helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/e2e/district.yaml" "$T/flows/"
write_config "$T/flows"
MAX_BODY=8192
echo "max_body: $MAX_BODY" >>"$SAUTI_CONFIG"
start_sauti

PHONE=+255712345678
AUTH=(-H "Authorization: Bearer $TEST_API_TOKEN")

# answers STATUS_ERE METHOD URL [CURL-ARGS...]: sauti answers within 5 s with
# a status matching STATUS_ERE and a short reason (1 to 200 bytes of body).
answers() {
	local want=$1 body rc
	shift
	body=$(HTTP_TIMEOUT=5 http "$@")
	rc=$?
	echo "curl exit $rc, status $(http_status), body (${#body} bytes): ${body:0:200}"
	[ "$rc" -eq 0 ] && [[ $(http_status) =~ ^($want)$ ]] &&
		[ -n "$body" ] && [ ${#body} -le 200 ]
}

# raw_http REQUEST-BYTES (printf format): sends them on a fresh connection,
# prints the status line of the answer (or why there is none) within 3 s.
raw_http() {
	"$T_PYTHON" - "$SAUTI_PORT" "$1" <<-'EOF'
		import socket, sys
		s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
		s.settimeout(3)
		s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
		try:
		    print(s.recv(200).split(b"\r\n")[0].decode("latin-1"))
		except Exception as e:
		    print("no answer:", e)
	EOF
}

sms_q="/kannel/sms?id=h1&from=%2B255712345678"
ussd_f=(--data-urlencode "serviceCode=*150*77#" --data-urlencode "phoneNumber=$PHONE")

# -- missing and empty parameters ------------------------------------------------

t_ok "/kannel/sms without parameters: 400" answers 400 GET /kannel/sms
t_ok "/kannel/sms without 'from': 400" answers 400 GET "/kannel/sms?text=hi&id=h1"
t_ok "/kannel/sms with an empty 'from': 400" answers 400 GET "/kannel/sms?from=&text=hi&id=h1"
t_ok "/kannel/sms without 'text': 400" answers 400 GET "/kannel/sms?from=%2B255712345678&id=h1"
t_ok "/kannel/sms with an empty 'text': 400" answers 400 GET "$sms_q&text="
t_ok "/kannel/sms with a text of spaces only: 400" answers 400 GET "$sms_q&text=%20%20%20"
t_ok "POST /kannel/sms with an empty body: 400" answers 400 POST /kannel/sms --data-binary ''
t_ok "/kannel/dlr without parameters: 400" answers 400 GET /kannel/dlr
t_ok "/kannel/dlr without 'status': 400" answers 400 GET "/kannel/dlr?id=d1"
t_ok "/kannel/dlr with an empty 'id': 400" answers 400 GET "/kannel/dlr?id=&status=1"
t_ok "/kannel/dlr with a status that is no number: 400" answers 400 GET "/kannel/dlr?id=d1&status=1x"
t_ok "/kannel/dlr with a status out of range: 400" answers 400 GET "/kannel/dlr?id=d1&status=999"
t_ok "POST /ussd with an empty body: 400" answers 400 POST /ussd --data-binary ''
t_ok "/ussd without 'sessionId': 400" answers 400 POST /ussd "${ussd_f[@]}" --data-urlencode "text="
t_ok "/ussd with an empty 'sessionId': 400" answers 400 POST /ussd -d sessionId= "${ussd_f[@]}"
t_ok "/ussd without 'serviceCode': 400" answers 400 POST /ussd -d sessionId=m1 \
	--data-urlencode "phoneNumber=$PHONE" -d text=
t_ok "/ussd without 'phoneNumber': 400" answers 400 POST /ussd -d sessionId=m1 \
	--data-urlencode "serviceCode=*150*77#" -d text=
t_ok "/ussd with an empty 'phoneNumber': 400" answers 400 POST /ussd -d sessionId=m1 \
	--data-urlencode "serviceCode=*150*77#" -d phoneNumber= -d text=
body=$(http POST /ussd -d sessionId=m1 --data-urlencode "serviceCode=*150*77#" -d phoneNumber= -d text=)
t_like "$body" "^END " "... in the dialect, an END screen (Africa's Talking shows nothing else)"
t_ok "POST /api/contacts with an empty body: 400" answers 400 POST /api/contacts "${AUTH[@]}" \
	-H 'Content-Type: text/csv' --data-binary ''
t_ok "POST /api/contacts with a CSV without a phone column: 400" answers 400 POST /api/contacts \
	"${AUTH[@]}" -H 'Content-Type: text/csv' --data-binary 'garbage'
t_ok "an export with an unreadable 'since': 400" answers 400 GET \
	"/api/flows/district/export.csv?since=yesterday" "${AUTH[@]}"

# -- invalid UTF-8 ---------------------------------------------------------------

t_ok "/kannel/sms text %FF: 400" answers 400 GET "$sms_q&text=%FF"
t_ok "/kannel/sms text with an overlong encoding (%C0%AF): 400" answers 400 GET "$sms_q&text=%C0%AF"
t_ok "/kannel/sms text with a UTF-16 surrogate (%ED%A0%80): 400" answers 400 GET "$sms_q&text=%ED%A0%80"
t_ok "/kannel/sms text with a truncated sequence (%E2%82): 400" answers 400 GET "$sms_q&text=ok%E2%82"
t_ok "/kannel/sms 'from' %FF: 400" answers 400 GET "/kannel/sms?id=h1&from=%FF&text=hi"
t_ok "a USSD-over-SMPP step with text %FF: 400" answers 400 GET \
	"$sms_q&text=%FF&meta=%3Fsmpp%3Fussd_service_op%3D01%26its_session_info%3D%2501%2500"
t_ok "/ussd text %FF: 400" answers 400 POST /ussd -d sessionId=u1 "${ussd_f[@]}" -d text=%FF
t_ok "/ussd sessionId %FF: 400" answers 400 POST /ussd -d sessionId=%FF "${ussd_f[@]}" -d text=
t_ok "/ussd phoneNumber %FF: 400" answers 400 POST /ussd -d sessionId=u1 \
	--data-urlencode "serviceCode=*150*77#" -d phoneNumber=%FF -d text=
t_ok "/ussd serviceCode %FF: 400" answers 400 POST /ussd -d sessionId=u1 -d serviceCode=%FF \
	--data-urlencode "phoneNumber=$PHONE" -d text=
t_ok "/kannel/dlr id %FF: 400" answers 400 GET "/kannel/dlr?id=%FF&status=1"
body=$(api POST /api/contacts -H 'Content-Type: text/csv' --data-binary $'phone,name\n+255712000001,\xff\xfe\n')
t_like "$(http_status) $body" '^200 .*"stored":0,"rejected":1' \
	"a contacts CSV row with invalid UTF-8 is rejected, not stored"

# -- NUL bytes ----------------------------------------------------------------------

t_ok "/kannel/sms text with %00: 400" answers 400 GET "$sms_q&text=a%00b"
t_ok "/kannel/sms 'from' with %00: 400" answers 400 GET "/kannel/sms?id=h1&from=%2B2557123%004567&text=hi"
printf 'from=%%2B255712345678&id=h2&text=a\0b' >"$T/nul.form"
t_ok "a raw NUL byte in a /kannel/sms form body: 400" answers 400 POST /kannel/sms --data-binary "@$T/nul.form"
printf 'sessionId=n1&serviceCode=%%2A150%%2A77%%23&phoneNumber=%%2B255712345678&text=1\0' >"$T/nul.ussd"
t_ok "a raw NUL byte in a /ussd form body: 400" answers 400 POST /ussd --data-binary "@$T/nul.ussd"
t_ok "/ussd text with %00: 400" answers 400 POST /ussd -d sessionId=u1 "${ussd_f[@]}" -d text=1%002
t_ok "/kannel/dlr id with %00: 400" answers 400 GET "/kannel/dlr?id=a%00b&status=1"
t_ok "a path with %00 (/healthz%00x) is no known path: 400 or 404" answers '400|404' GET "/healthz%00x"
t_ok "a path with %00 (/kannel/sms%00x) does not reach /kannel/sms: 400 or 404" \
	answers '400|404' GET "/kannel/sms%00x?from=%2B255712345678&text=hi&id=h3"
printf 'phone,name\n+255712000002,A\0sha\n' >"$T/nul.csv"
body=$(api POST /api/contacts -H 'Content-Type: text/csv' --data-binary "@$T/nul.csv")
t_like "$(http_status) $body" '^(200 .*"stored":0,"rejected":1|400 )' \
	"a contacts CSV with a NUL byte stores nothing"

# -- absurd lengths and bodies over max_body ---------------------------------------------

big=$(head -c 102400 /dev/zero | tr '\0' a)
t_ok "a 100 KB text in the /kannel/sms query: 4xx" answers '4[0-9][0-9]' GET "$sms_q&text=$big"
t_ok "a 100 KB text in a /kannel/sms form body (over max_body): 413" \
	answers 413 POST /kannel/sms -d "from=%2B255712345678&id=h4&text=$big"
t_ok "a 100 KB text in a /ussd form body: 413" answers 413 POST /ussd -d sessionId=u2 \
	"${ussd_f[@]}" -d "text=$big"
t_ok "a 5,000-byte SMS text under max_body: 400 or 413" answers '400|413' POST /kannel/sms \
	-d "from=%2B255712345678&id=h5&text=${big:0:5000}"
t_ok "a 5,000-byte USSD text under max_body: 400 or 413" answers '400|413' POST /ussd \
	-d sessionId=u3 "${ussd_f[@]}" -d "text=${big:0:5000}"
t_ok "a 1,000-character sessionId: 400" answers 400 POST /ussd -d "sessionId=${big:0:1000}" \
	"${ussd_f[@]}" -d text=
t_ok "a 500-digit sender: 400" answers 400 GET "/kannel/sms?id=h6&text=hi&from=$(printf '1%.0s' $(seq 500))"
t_ok "a 20 KB header: 4xx" answers '4[0-9][0-9]' GET /healthz -H "X-Filler: ${big:0:20000}"
t_ok "a 10 KB path: 404 or 414" answers '404|414' GET "/${big:0:10000}"

head -c 8388608 /dev/zero | tr '\0' a >"$T/8m"
t_ok "an 8 MB contacts CSV: 413" answers 413 POST /api/contacts "${AUTH[@]}" \
	-H 'Content-Type: text/csv' --data-binary "@$T/8m"
start=$(_t_now_ms)
t_ok "curl POSTing 8 MB to /kannel/sms gets 413" answers 413 POST /kannel/sms \
	-H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$T/8m"
took=$(($(_t_now_ms) - start))
t_ok "... within 2 s (took ${took} ms)" test "$took" -lt 2000
start=$(_t_now_ms)
# Without 'Expect: 100-continue' curl is already sending when the 413 comes;
# sauti then closes the connection with the rest unread, and the kernel may
# reset it before curl reads the 413.  Either way the body was refused early.
refused_early() {
	local out rc
	out=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$@" 2>&1)
	rc=$?
	echo "curl exit $rc: $out"
	[ "$rc" -eq 0 ] && [ "$out" = 413 ] && return 0
	[[ $rc =~ ^(55|56)$ && $out == *000 ]]
}
t_ok "curl POSTing 8 MB to /ussd without 'Expect: 100-continue' gets 413 (or the connection cut)" \
	refused_early -X POST -H 'Expect:' --data-binary "@$T/8m" "$SAUTI_URL/ussd"
took=$(($(_t_now_ms) - start))
t_ok "... within 2 s (took ${took} ms)" test "$took" -lt 2000

# A client that announces 8 MB and sends none of it is answered at once:
# the refusal does not wait for (or read) the body.
start=$(_t_now_ms)
status=$(raw_http 'POST /kannel/sms HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\n')
took=$(($(_t_now_ms) - start))
t_like "$status" "^HTTP/1\.[01] 413 " "announcing 8 MB without sending it gets 413"
t_ok "... before any of the body is sent (took ${took} ms)" test "$took" -lt 1000

# A chunked 8 MB body: refused once more than max_body has come (the 413
# may be lost to a reset, as above).
"$T_PYTHON" - "$SAUTI_PORT" >"$T/chunked.out" 2>&1 <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t0 = time.time()
s.sendall(b"POST /kannel/sms HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
chunk = b"10000\r\n" + b"a" * 65536 + b"\r\n"
sent = 0
try:
    while sent < 8 << 20:
        s.sendall(chunk)
        sent += 65536
except OSError:
    pass
s.settimeout(3)
try:
    line = s.recv(200).split(b"\r\n")[0].decode()
except OSError as e:
    line = "no answer: %s" % e
print("%s|%d|%d" % (line, sent, int((time.time() - t0) * 1000)))
EOF
IFS='|' read -r status sent took <"$T/chunked.out"
t_like "$status" "^(HTTP/1\.[01] 413 |no answer: .*reset)" "a chunked 8 MB body gets 413 (or the connection cut)"
t_ok "... refused before 8 MB were taken (${sent:-?} bytes sent, ${took:-?} ms)" \
	test "${sent:-8388608}" -lt 8388608 -a "${took:-9999}" -lt 2000

# -- unknown paths ----------------------------------------------------------------------

for path in /nope.html /nope /kannel /kannel/sms/extra /ussd/ /healthz/x /api /metrics.txt; do
	t_ok "GET $path: 404" answers 404 GET "$path"
done
t_ok "GET /../../etc/passwd: 404" answers '400|404' GET "$SAUTI_URL/../../etc/passwd" --path-as-is
t_ok "an unknown /api/ path with the token: 404" answers 404 GET /api/nope "${AUTH[@]}"
t_ok "an export of a flow that does not exist: 404" answers 404 GET \
	/api/flows/nosuchflow/export.csv "${AUTH[@]}"

# -- wrong methods ----------------------------------------------------------------------

t_ok "DELETE /ussd: 405" answers 405 DELETE /ussd
t_is "$(http_header Allow)" POST "... saying Allow: POST"
t_ok "GET /ussd: 405" answers 405 GET /ussd
t_ok "PUT /kannel/sms: 405" answers 405 PUT /kannel/sms -d "from=%2B255712345678&text=hi"
t_like "$(http_header Allow)" "GET.*POST" "... saying Allow: GET, POST"
t_ok "PATCH /kannel/dlr: 405" answers 405 PATCH "/kannel/dlr?id=d1&status=1"
t_ok "POST /healthz: 405" answers 405 POST /healthz -d x=1
t_ok "DELETE /metrics: 405" answers 405 DELETE /metrics
t_ok "OPTIONS /ussd: 405" answers 405 OPTIONS /ussd
t_ok "DELETE /api/contacts with the token: 405" answers 405 DELETE /api/contacts "${AUTH[@]}"
t_ok "PUT /api/contacts with the token: 405" answers 405 PUT /api/contacts "${AUTH[@]}" -d x
t_ok "POST to an export with the token: 405" answers 405 POST \
	/api/flows/district/export.csv "${AUTH[@]}" -d x
# RFC 9110 answers a method the server does not know with 501.
t_ok "an unknown method (BREW /ussd): 405 or 501" answers '405|501' BREW /ussd

# -- broken HTTP ---------------------------------------------------------------------------

t_like "$(raw_http 'GARBAGE\r\n\r\n')" "^HTTP/1\.[01] 400 " "a request line that is no HTTP: 400"
t_like "$(raw_http '\x00\x01\x02\xff\r\n\r\n')" "^HTTP/1\.[01] 400 " "binary junk: 400"
t_like "$(raw_http 'GET /healthz HTTP/1.1\r\nNoColonHere\r\n\r\n')" "^HTTP/1\.[01] 400 " \
	"a header line without a colon: 400"
t_like "$(raw_http 'POST /ussd HTTP/1.1\r\nContent-Length: -5\r\n\r\n')" "^HTTP/1\.[01] 400 " \
	"a negative Content-Length: 400"
t_like "$(raw_http 'POST /ussd HTTP/1.1\r\nContent-Length: lots\r\n\r\n')" "^HTTP/1\.[01] 400 " \
	"a Content-Length that is no number: 400"

# Twenty clients that send half a request and wait do not stop the others.
"$T_PYTHON" - "$SAUTI_PORT" <<'EOF' &
import socket, sys, time
socks = []
for i in range(20):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"POST /ussd HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsessionId=")
    socks.append(s)
time.sleep(3)
EOF
slow=$!
sleep 0.5
start=$(_t_now_ms)
t_ok "/healthz answers while 20 half-sent requests wait" answers 200 GET /healthz
took=$(($(_t_now_ms) - start))
t_ok "... within 1 s (took ${took} ms)" test "$took" -lt 1000
wait "$slow"

# -- odd but valid input: a sensible 200 -------------------------------------------------

# sms ID PHONE TEXT: one message straight to /kannel/sms, as smsbox sends it.
sms() {
	http GET /kannel/sms -G --data-urlencode "id=$1" --data-urlencode "from=$2" \
		--data-urlencode "to=15055" --data-urlencode "text=$3"
}
P2=+255712345002
t_like "$(sms o1 $P2 '😀😀')" "^Samahani, hatukuelewa" \
	"an SMS of emoji only is answered with help in Swahili"
t_is "$(http_status)" 200 "... with 200"
t_like "$(sms o2 $P2 'Habari za asubuhi ndugu, nimechoka sana leo – asante')" \
	"^Samahani, hatukuelewa" "a Swahili sentence (with an en dash) is answered with help"
t_like "$(sms o3 $P2 'wilaya')" "^Karibu! Chagua lugha" "a lower-case keyword starts the flow"
t_like "$(sms o4 $P2 '🙂')" "Karibu! Chagua lugha" "an emoji as an answer asks again"
t_is "$(http_status)" 200 "... with 200"
sms o5 $P2 1 >/dev/null
sms o6 $P2 1 >/dev/null
sms o7 $P2 Ndiyo >/dev/null
sms o8 $P2 3 >/dev/null
t_like "$(sms o9 $P2 8)" "Nini kingekusaidia zaidi\?" "the run reaches the free-text step"
NEED='Maji safi 💧 na bei ya haki – “soko” la wote'
t_like "$(sms o10 $P2 "$NEED")" "^Asante! Geita \(Nyarugusu\): siku 3\.$" \
	"a free-text answer with emoji and curly quotes ends the run"
row=$("$SAUTI_BIN" export -c "$SAUTI_CONFIG" district --raw-phone --format jsonl | grep -F "\"$P2\"")
t_like "$row" "\"need\":\"Maji safi 💧 na bei ya haki – “soko” la wote\"" \
	"... and is exported exactly as sent"

P3=+255754000200
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*77#" \
		--data-urlencode "phoneNumber=$P3" --data-urlencode "text=$2"
}
fits() { [ "$(printf '%s' "${1:4}" | wc -m)" -le 182 ]; }
t_like "$(ussd L1 '')" "^CON Karibu! Chagua lugha" "a USSD dial opens the flow"
long=$(printf 'Habari %.0s' $(seq 143))
long=${long:0:1000}
s=$(ussd L1 "$long")
t_is "$(http_status)" 200 "a 1,000-character USSD text gets 200"
t_like "$s" "^CON .*Karibu! Chagua lugha" "... and the question again"
t_ok "... on a screen of at most 182 characters" fits "$s"
s=$(ussd L1 "$long*😀")
t_is "$(http_status)" 200 "an emoji after it gets 200"
t_like "$s" "^CON .*Karibu! Chagua lugha" "... and the question again"
s=$(ussd L1 "$long*😀*2")
t_like "$s" "^CON Which district do you mine in\?" "then a valid answer goes on"
t_ok "... on a screen of at most 182 characters" fits "$s"
t_like "$(ussd L9 "$long")" "^END " "a 1,000-character text in a session never dialled is closed with END"
t_is "$(http_status)" 200 "... with 200"

# A malformed %-escape is no valid encoding; taken literally or refused,
# it must not be a 5xx.
t_ok "a malformed %-escape (%G1) gets 200 or 400" answers '200|400' GET \
	"/kannel/sms?id=h7&from=%2B255712345678&text=%G1"

# -- afterwards ---------------------------------------------------------------------------

t_ok "sauti is still running" sauti_pid
t_ok "/healthz is still 200" answers 200 GET /healthz
rejected=$(http GET /metrics | awk '$1 ~ /^sauti_requests_rejected_total/ { n += $2 } END { print n + 0 }')
t_ok "the rejections are counted in /metrics (${rejected})" test "$rejected" -ge 30
t_like "$(sms z1 +255712345999 WILAYA)" "^Karibu! Chagua lugha" "and a new person can still start a survey"

done_testing
