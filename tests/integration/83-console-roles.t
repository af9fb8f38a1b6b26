#!/usr/bin/env bash
# The console shows and does what the signed-in token's role may (api_tokens:
# admin, convenor, researcher): the session cookie carries the token's role
# into every /api/ request, so the server's rules hold; in the browser a
# researcher sees the flows, results and downloads only, a convenor
# broadcasts, the inbox and contacts (the list, groups, find by number,
# forget) but no downloads.  docs/console.md.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/browser/browser.sh
. "$T_ROOT/tests/browser/browser.sh"

start_redis
write_config "$T_ROOT/flows"
CONVENOR=$(t_random)
RESEARCHER=$(t_random)
cat >>"$SAUTI_CONFIG" <<EOF
api_tokens:
  - {name: hakimadini, role: convenor, token: "sha256:$(printf %s "$CONVENOR" | sha256sum | cut -d' ' -f1)"}
  - {name: mtl, role: researcher, token: "$RESEARCHER"}
EOF
start_sauti

# session TOKEN: signs in; sets SID and CSRF.
session() {
	local who
	who=$(http POST /api/session -H 'Content-Type: application/json' -d "{\"token\":\"$1\"}")
	SID=$(http_header Set-Cookie | sed 's/^sauti_session=\([0-9a-f]*\);.*/\1/')
	CSRF=${who#*\"csrf\":\"}
	CSRF=${CSRF%%\"*}
	echo "$who"
}
CSV=(-H 'Content-Type: text/csv' --data-binary $'phone,name,language,groups\n+255712300841,Zawadi,sw,geita;wanawake\n+255712300842,Juma,sw,kahama\n+255712300843,Grace,en,geita\n')

session "$RESEARCHER" >"$T/who"
t_like "$(cat "$T/who")" '"name":"mtl","role":"researcher"' "a researcher's token signs in as researcher"
http GET /api/contacts -H "Cookie: sauti_session=$SID" >/dev/null
t_is "$(http_status)" 403 "... whose cookie may not list contacts"
http POST /api/contacts -H "Cookie: sauti_session=$SID" -H "X-CSRF-Token: $CSRF" "${CSV[@]}" >/dev/null
t_is "$(http_status)" 403 "... nor upload them, CSRF header or not"
http GET /api/flows/livelihoods/export.csv -H "Cookie: sauti_session=$SID" >/dev/null
t_is "$(http_status)" 200 "... but may download an export"

session "$CONVENOR" >"$T/who"
t_like "$(cat "$T/who")" '"name":"hakimadini","role":"convenor"' "a convenor's (sha256:) token signs in as convenor"
http GET /api/flows/livelihoods/export.csv -H "Cookie: sauti_session=$SID" >/dev/null
t_is "$(http_status)" 403 "... whose cookie may not export"
http POST /api/contacts -H "Cookie: sauti_session=$SID" -H "X-CSRF-Token: $CSRF" "${CSV[@]}" >/dev/null
t_is "$(http_status)" 200 "... but may upload contacts"
t_like "$(http GET /api/contacts/0712300841 -H "Cookie: sauti_session=$SID")" \
	'"contact":"[0-9a-f]{16}".*"fields":\{.*"name":"Zawadi"' "GET /api/contacts/PHONE finds one by number, pseudonymised"
t_unlike "$(cat "$T/http.body")" '255712300841' "... without the number"
t_like "$(cat "$T/http.body")" '"groups":\["geita","wanawake"\],"opted_out":false' "... its groups as a list, and its opt-out"
http GET /api/contacts/0712300849 -H "Cookie: sauti_session=$SID" >/dev/null
t_is "$(http_status)" 404 "... and a number never seen is a 404"

browser_run 83-roles.mjs RESEARCHER="$RESEARCHER" CONVENOR="$CONVENOR"
t_is "$(redis_cli exists "sauti:c:{+255712300842}")" 0 "the contact forgotten in the browser is gone from Redis"
t_is "$(redis_cli exists "sauti:c:{+255712300841}")" 1 "... and only that one"

stop_redis
browser_run 83-away.mjs CONVENOR="$CONVENOR"

done_testing
