#!/usr/bin/env bash
# Authentication of the API: every /api/ path needs "Authorization: Bearer
# TOKEN" (401 without it or with a wrong one, 200 with the right one, and a
# refused request changes nothing); without a token configured the API is off
# (403), an empty token included; SAUTI_API_TOKEN wins over the file.  The
# paths Kannel, the aggregator and monitoring call need no token.
# shellcheck disable=SC2317 # helpers run via t_ok and t_wait_for
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/e2e/district.yaml" "$T/flows/"
write_config "$T/flows"
cp "$SAUTI_CONFIG" "$T/with-token.yaml"
start_sauti

CSV=$'phone,name\n+255712000111,Neema\n'
# a real broadcast, not a dry run, but not due before 2030
BROADCAST='{"flow":"district","to":"phones:+255712000999","at":"2030-01-01T00:00:00+03:00"}'
# Every /api/ path of docs/http.md, and two that do not exist.
API=(
	"POST /api/contacts"
	"GET /api/flows/district/export.csv"
	"GET /api/flows/district/export.jsonl"
	"GET /api/flows/district/report"
	"POST /api/broadcasts"
	"GET /api/broadcasts/b1"
	"GET /api/nope"
	"GET /api/"
)

# call "METHOD PATH" [CURL-ARGS...]: one request, a body for POSTs; prints
# the status.
call() {
	local method=${1%% *} path=${1#* } args=()
	shift
	[ "$method" = POST ] && args=(-H 'Content-Type: text/csv' --data-binary "$CSV")
	[ "$path" = /api/broadcasts ] && args=(-H 'Content-Type: application/json' \
		--data-binary "$BROADCAST")
	http "$method" "$path" "${args[@]}" "$@" >"$T/call.body"
	http_status
}

# -- with a token ----------------------------------------------------------------

for ep in "${API[@]}"; do
	t_is "$(call "$ep")" 401 "$ep without Authorization: 401"
	t_like "$(http_header WWW-Authenticate)" "^Bearer" "... with WWW-Authenticate: Bearer"
	t_is "$(call "$ep" -H "Authorization: Bearer wrong$TEST_API_TOKEN")" 401 "$ep with a wrong token: 401"
done

ep="POST /api/contacts"
half=${TEST_API_TOKEN:0:16}
t_is "$(call "$ep" -H "Authorization: Bearer")" 401 "'Bearer' and no token: 401"
t_is "$(call "$ep" -H "Authorization: Bearer ")" 401 "'Bearer ' and an empty token: 401"
t_is "$(call "$ep" -H "Authorization: $TEST_API_TOKEN")" 401 "the token without 'Bearer': 401"
t_is "$(call "$ep" -H "Authorization: Basic $(printf 'sauti:%s' "$TEST_API_TOKEN" | base64 -w0)")" 401 \
	"the token as Basic credentials: 401"
t_is "$(call "$ep" -H "Authorization: Bearer $half")" 401 "the first half of the token: 401"
t_is "$(call "$ep" -H "Authorization: Bearer ${TEST_API_TOKEN}x")" 401 "the token and one more character: 401"
t_is "$(call "$ep" -H "Authorization: Bearer ${TEST_API_TOKEN^^}")" 401 "the token in upper case: 401"
t_is "$(call "POST /api/contacts?token=$TEST_API_TOKEN")" 401 "the token in the query string: 401"
t_is "$(call "$ep" -H "X-Api-Token: $TEST_API_TOKEN")" 401 "the token in another header: 401"
t_unlike "$(cat "$T/call.body")" "$TEST_API_TOKEN" "a refusal does not echo the token"
t_like "$(cat "$T/call.body")" '^\{"error":"[^"]+"\}$' "a refusal is a short JSON reason"
t_is "$(redis_cli exists "sauti:c:{+255712000111}")" 0 "no refused upload stored the contact"
t_is "$(redis_cli --scan --pattern 'sauti:bc:*' | wc -l)" 0 "no refused request created a broadcast"

t_is "$(call "$ep" -H "Authorization: Bearer $TEST_API_TOKEN")" 200 "POST /api/contacts with the token: 200"
t_like "$(cat "$T/call.body")" '"stored":1' "... and the contact is stored"
t_is "$(redis_cli exists "sauti:c:{+255712000111}")" 1 "... in Redis"
t_is "$(call "GET /api/flows/district/export.csv" -H "Authorization: Bearer $TEST_API_TOKEN")" 200 \
	"the CSV export with the token: 200"
t_like "$(head -1 "$T/call.body")" "^run_id,contact,language,channel,status" "... and it is the export"
t_is "$(call "GET /api/flows/district/export.jsonl" -H "Authorization: Bearer $TEST_API_TOKEN")" 200 \
	"the JSON lines export with the token: 200"
t_is "$(call "GET /api/flows/district/report" -H "Authorization: Bearer $TEST_API_TOKEN")" 200 \
	"the report with the token: 200"
t_like "$(cat "$T/call.body")" '^\{"flow":"district"' "... and it is the report"
t_is "$(call "POST /api/broadcasts" -H "Authorization: Bearer $TEST_API_TOKEN")" 200 \
	"POST /api/broadcasts with the token: 200"
bc=$(sed -n 's/^{"id":"\([^"]*\)"}$/\1/p' "$T/call.body")
t_like "$bc" '^[0-9a-z]+$' "... answering the broadcast's id"
t_is "$(call "GET /api/broadcasts/$bc" -H "Authorization: Bearer $TEST_API_TOKEN")" 200 \
	"GET /api/broadcasts/ID with the token: 200"
t_like "$(cat "$T/call.body")" "\"id\":\"$bc\"" "... and it is that broadcast's status"
t_is "$(call "$ep" -H "authorization: Bearer $TEST_API_TOKEN")" 200 \
	"the header name is case-insensitive (authorization:): 200"
# RFC 7235: the auth-scheme is case-insensitive (the token is not, above).
t_is "$(call "GET /api/flows/district/report" -H "Authorization: bearer $TEST_API_TOKEN")" 200 \
	"the scheme in lower case (bearer): 200"
t_is "$(call "GET /api/flows/district/report" -H "Authorization: BEARER $TEST_API_TOKEN")" 200 \
	"... and in upper case (BEARER): 200"
# Every /api/ error is JSON, a 405 included, whether evhttp's router or the
# API's own answers it (docs/http.md).
for m in PUT PATCH DELETE; do
	http "$m" "$SAUTI_URL/api/flows" -H "Authorization: Bearer $TEST_API_TOKEN" >"$T/call.body"
	t_is "$(http_status)" 405 "$m /api/flows: 405"
	t_like "$(http_header Content-Type)" '^application/json' "... as JSON"
	t_like "$(cat "$T/call.body")" '^\{"error":"method not allowed[^"]*"\}$' "... {\"error\": ...}"
done
t_is "$(call "GET /api/nope" -H "Authorization: Bearer $TEST_API_TOKEN")" 404 \
	"an unknown /api/ path with the token: 404, not 401"

t_is "$(http GET /healthz >/dev/null; http_status)" 200 "/healthz needs no token"
t_is "$(http GET /metrics >/dev/null; http_status)" 200 "/metrics needs no token"
t_is "$(http GET /kannel/sms -G --data-urlencode from=+255712000222 --data-urlencode text=WILAYA \
	--data-urlencode id=a1 >/dev/null; http_status)" 200 "/kannel/sms needs no token"
t_is "$(http POST /ussd --data-urlencode sessionId=a1 --data-urlencode 'serviceCode=*150*77#' \
	--data-urlencode phoneNumber=+255712000333 --data-urlencode text= >/dev/null; http_status)" 200 \
	"/ussd needs no token"
t_is "$(http GET /kannel/dlr -G --data-urlencode id=b.nobroadcast.+255712000333 -d status=1 \
	>/dev/null; http_status)" 200 "/kannel/dlr needs no token"

t_ok "sauti stops cleanly" stop_sauti

# -- no api_token: the API is off ---------------------------------------------------

sed -i '/^api_token:/d' "$SAUTI_CONFIG"
t_fails "the config has no api_token line" grep -q api_token "$SAUTI_CONFIG"
start_sauti
CSV=$'phone,name\n+255712000444,Zawadi\n'
for ep in "${API[@]}"; do
	t_is "$(call "$ep")" 403 "no api_token: $ep without Authorization: 403"
	t_is "$(call "$ep" -H "Authorization: Bearer $TEST_API_TOKEN")" 403 \
		"no api_token: $ep with the old token: 403"
done
t_is "$(call "POST /api/contacts" -H "Authorization: Bearer ")" 403 "no api_token: an empty bearer token: 403"
t_like "$(cat "$T/call.body")" '^\{"error":"[^"]+"\}$' "... with a short JSON reason"
t_is "$(redis_cli exists "sauti:c:{+255712000444}")" 0 "no upload was stored while the API is off"
t_is "$(http GET /healthz >/dev/null; http_status)" 200 "the rest of sauti serves without a token"
t_ok "sauti stops cleanly" stop_sauti

# An empty token is no token: "Bearer " must not match it.
echo 'api_token: ""' >>"$SAUTI_CONFIG"
start_sauti
t_is "$(call "POST /api/contacts" -H "Authorization: Bearer ")" 403 'api_token: "": an empty bearer token: 403'
t_is "$(call "GET /api/flows/district/export.csv" -H "Authorization: Bearer")" 403 \
	'api_token: "": a bare Bearer: 403'
t_ok "sauti stops cleanly" stop_sauti

# -- SAUTI_API_TOKEN -------------------------------------------------------------------

cp "$T/with-token.yaml" "$SAUTI_CONFIG"
ENV_TOKEN=$(t_random)
export SAUTI_API_TOKEN=$ENV_TOKEN
start_sauti
unset SAUTI_API_TOKEN
t_is "$(call "GET /api/flows/district/export.csv" -H "Authorization: Bearer $ENV_TOKEN")" 200 \
	"SAUTI_API_TOKEN set: its token is accepted"
t_is "$(call "GET /api/flows/district/export.csv" -H "Authorization: Bearer $TEST_API_TOKEN")" 401 \
	"... and the file's token is not (the environment wins)"
t_is "$(call "GET /api/flows/district/export.csv")" 401 "... and no token is still 401"

done_testing
