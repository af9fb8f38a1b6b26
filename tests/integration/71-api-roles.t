#!/usr/bin/env bash
# API roles: every /api/ endpoint x every role x the status expected, from one
# table; the table must name every route of gateway/api.c (so a new endpoint
# without a line here fails this test).  Tokens may be stored as sha256:
# hashes; an unknown token is 401, a role that may not is 403; the single
# api_token is an admin named "admin"; a console session carries its token's
# role.  No answer carries a phone number.
# shellcheck disable=SC2317 # helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/tests/flows/people/poll.yaml" "$T/flows/"
write_config "$T/flows"
CONVENOR_TOKEN=$(t_random)
RESEARCHER_TOKEN=$(t_random)
RESEARCHER_SHA=$(printf '%s' "$RESEARCHER_TOKEN" | sha256sum | cut -d' ' -f1)
cat >>"$SAUTI_CONFIG" <<EOF2
api_tokens:
  - {name: hakimadini, role: convenor, token: "$CONVENOR_TOKEN"}
  - {name: mtl, role: researcher, token: "sha256:$RESEARCHER_SHA"}
EOF2
start_sauti

PHONE=+255712900301
printf 'phone,name,groups\n%s,Neema,wachimbaji\n' "$PHONE" >"$T/contacts.csv"
"$SAUTI_BIN" contacts import "$T/contacts.csv" -c "$SAUTI_CONFIG" 2>/dev/null
BROADCAST='{"flow":"poll","to":"group:wachimbaji","at":"2030-01-01T00:00:00+03:00"}'

# METHOD PATTERN  admin convenor researcher: the status each role gets.  A
# '*' is filled in by star() below.
TABLE=(
	"GET /api/session                 200 200 200"
	"DELETE /api/session              400 400 400"
	"GET /api/flows                   200 200 200"
	"GET /api/flows/*                 200 200 200"
	"GET /api/flows/*/report          200 200 200"
	"GET /api/flows/*/export.csv      200 403 200"
	"GET /api/flows/*/export.jsonl    200 403 200"
	"GET /api/flows/*/codebook.csv    200 403 200"
	"GET /api/contacts                200 200 403"
	"POST /api/contacts               200 200 403"
	"GET /api/contacts/*              404 404 403"
	"DELETE /api/contacts/*           404 404 403"
	"GET /api/broadcasts              200 200 403"
	"POST /api/broadcasts             200 200 403"
	"GET /api/broadcasts/*            404 404 403"
	"DELETE /api/broadcasts/*         404 404 403"
	"GET /api/inbox                   200 200 403"
	"POST /api/inbox/*/close          404 404 403"
	"POST /api/inbox/*/reply          404 404 403"
)
# A route added to api.c needs its line here: the coverage check below
# fails until it has one.

star() {
	case $1 in
	/api/flows/*) printf '%s' "${1//\*/poll}" ;;
	/api/contacts/*) printf '%s' "${1//\*/+255712900399}" ;;
	*) printf '%s' "${1//\*/b0000000000000000}" ;;
	esac
}
# call METHOD PATH TOKEN: prints the status.
call() {
	local args=()
	case "$1 $2" in
	"POST /api/contacts") args=(-H 'Content-Type: text/csv' --data-binary @"$T/contacts.csv") ;;
	"POST /api/broadcasts") args=(-H 'Content-Type: application/json' --data-binary "$BROADCAST") ;;
	"POST /api/inbox/"*) args=(-H 'Content-Type: application/json' --data-binary '{"text":"asante"}') ;;
	POST*) args=(--data-binary '{}') ;;
	esac
	http "$1" "$2" -H "Authorization: Bearer $3" "${args[@]}" >"$T/call.body"
	http_status
}

declare -A TOKENS=([admin]=$TEST_API_TOKEN [convenor]=$CONVENOR_TOKEN [researcher]=$RESEARCHER_TOKEN)
for row in "${TABLE[@]}"; do
	read -r method pattern want_admin want_convenor want_researcher <<<"$row"
	path=$(star "$pattern")
	for role in admin convenor researcher; do
		want="want_$role"
		t_is "$(call "$method" "$path" "${TOKENS[$role]}")" "${!want}" "$method $pattern as $role"
		t_unlike "$(cat "$T/call.body")" "712900" "... and no number in the answer"
	done
	t_is "$(call "$method" "$path" "unknown$CONVENOR_TOKEN")" 401 "$method $pattern with an unknown token: 401"
	t_is "$(call "$method" "$path" "sha256:$RESEARCHER_SHA")" 401 "... the stored hash is no token: 401"
done

# -- the table covers every route of api.c -------------------------------------------------
routes=$(sed -n 's/^\t{HTTP_\([A-Z]*\), "\(\/api\/[^"]*\)".*/\1 \2/p' "$T_ROOT/gateway/api.c")
t_like "$routes" "GET /api/flows" "the routes of api.c are read"
for r in $(tr ' ' '|' <<<"$routes"); do
	found=no
	for row in "${TABLE[@]}"; do
		read -r method pattern _ <<<"$row"
		[ "$method|$pattern" = "$r" ] && found=yes
	done
	t_is "$found" yes "route ${r/|/ } is in the table"
done

# -- who is recorded, what the flows list says ---------------------------------------------------
t_is "$(call GET /api/session "$CONVENOR_TOKEN" >/dev/null; jq -c . "$T/call.body")" \
	'{"name":"hakimadini","role":"convenor","max_body":65536}' \
	"GET /api/session names the token, its role and the largest body the daemon takes"
flows=$(api GET /api/flows)
t_is "$(jq -c '.flows[0] | [.id, .languages, .triggers.keywords, .triggers.ussd, .steps]' <<<"$flows")" \
	'["poll",["sw","en"],["KURA","POLL"],"*150*70#",4]' "GET /api/flows: languages, triggers, step count"
call GET /api/flows/poll/export.csv "$RESEARCHER_TOKEN" >/dev/null
# a broadcast's count is its audience's size when created, a scheduled one's too
printf 'phone,groups\n+255712900311,wavuvi\n+255712900312,wavuvi\n' >"$T/wavuvi.csv"
"$SAUTI_BIN" contacts import "$T/wavuvi.csv" -c "$SAUTI_CONFIG" 2>/dev/null
t_is "$(BROADCAST='{"flow":"poll","to":"group:wavuvi","at":"2030-01-01T00:00:00+03:00"}' \
	call POST /api/broadcasts "$CONVENOR_TOKEN")" 200 "the convenor broadcasts to a group of 2"
t_like "$("$SAUTI_BIN" broadcast poll --to group:wavuvi --at 2030-01-02T00:00:00+03:00 -c "$SAUTI_CONFIG" 2>/dev/null)" \
	'^[0-9a-f]{12}$' "and so does the command line"
audit=$("$SAUTI_BIN" audit -c "$SAUTI_CONFIG")
t_like "$audit" '"who":"mtl","action":"export","what":"poll"' "the researcher's export is audited under the token's name"
t_like "$audit" '"who":"admin","action":"import"' "the admin token's import under admin"
t_like "$audit" '"who":"hakimadini","action":"broadcast","what":"poll to group:wachimbaji","count":1' \
	"the convenor's broadcast under its name, with its one recipient"
t_like "$audit" '"who":"hakimadini","action":"broadcast","what":"poll to group:wavuvi","count":2' \
	"a group of 2: count 2"
t_like "$audit" '"who":"cli","action":"broadcast","what":"poll to group:wavuvi","count":2' \
	"from the command line too"
t_unlike "$audit" "$CONVENOR_TOKEN|$RESEARCHER_TOKEN|$TEST_API_TOKEN|$RESEARCHER_SHA" "no token in the trail"
t_is "$("$SAUTI_BIN" audit --since 2099-01-01T00:00:00Z -c "$SAUTI_CONFIG")" "" "audit --since the future: nothing"
t_is "$("$SAUTI_BIN" audit --since 2020-01-01T00:00:00+03:00 -c "$SAUTI_CONFIG" | wc -l)" "$(wc -l <<<"$audit")" \
	"audit --since the past: every entry"
t_is "$(jq -r .at <<<"$audit" | grep -cv '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$')" 0 \
	"each entry's at is ISO 8601 UTC"
t_fails "audit --since a non-time is refused" "$SAUTI_BIN" audit --since yesterday -c "$SAUTI_CONFIG"

# -- a console session carries the role --------------------------------------------------------------
http POST /api/session -c "$T/jar" -H 'Content-Type: application/json' \
	--data-binary "{\"token\":\"$CONVENOR_TOKEN\"}" >"$T/session.json"
t_is "$(http_status)" 200 "a convenor signs in to the console"
t_is "$(jq -r .role "$T/session.json")" convenor "the session has the convenor role"
http GET /api/flows/poll/export.csv -b "$T/jar" >/dev/null
t_is "$(http_status)" 403 "the session may not export"
http GET /api/contacts -b "$T/jar" >/dev/null
t_is "$(http_status)" 200 "the session lists contacts"

t_ok "sauti stops cleanly" stop_sauti
done_testing
