#!/usr/bin/env bash
# The web console as HTTP sees it: sauti serves web/ at / (content types,
# ETag and 304, HEAD, no way out of web_root, 404 plainly, GET and HEAD
# only); an API token is exchanged for a session cookie (HttpOnly,
# SameSite=Strict, expiring, kept in Redis so another daemon accepts it)
# that stands for the token on /api/, with a CSRF header required on every
# request but a GET; sign-out ends it.  docs/console.md.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
write_config "$T_ROOT/tests/flows/broadcast"
start_sauti

# -- the files ---------------------------------------------------------------------

page=$(http GET /)
t_is "$(http_status)" 200 "GET / answers 200"
t_like "$(http_header Content-Type)" "^text/html; charset=utf-8" "... as HTML"
t_like "$page" '<script type="module" src="/app.js">' "... the console's page, which loads app.js"
t_like "$(http_header Content-Security-Policy)" "default-src 'self'" "... with a policy allowing nothing from elsewhere"
etag=$(http_header ETag)
t_like "$etag" '^"[0-9a-f-]+"$' "... with an ETag"
t_like "$(http_header Last-Modified)" 'GMT$' "... and Last-Modified"
t_like "$(http_header Cache-Control)" "no-cache" "... revalidated on every load"
http GET / -H "If-None-Match: $etag" >/dev/null
t_is "$(http_status)" 304 "the same ETag again: 304 Not Modified"
http GET / -H 'If-None-Match: "other"' >/dev/null
t_is "$(http_status)" 200 "another ETag: the page again"

http GET /app.js >/dev/null
t_like "$(http_header Content-Type)" "^text/javascript" "a module is text/javascript"
http GET /style.css >/dev/null
t_like "$(http_header Content-Type)" "^text/css" "the style sheet is text/css"
length=$(http GET /app.js | wc -c)
head=$(curl -sS -I --max-time 5 "$SAUTI_URL/app.js" | tr -d '\r')
t_like "$head" '^HTTP/1.1 200 ' "HEAD /app.js: 200"
t_like "$head" "Content-Length: $length"$'\n' "... with the length GET sends"
t_like "$(printf 'HEAD /app.js HTTP/1.0\r\n\r\n' | "$T_PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
print(len(data.split(b"\r\n\r\n", 1)[1]))' "$SAUTI_PORT")" '^0$' "... and no body"

for path in /nope.js /web/app.js /index /.git/config /..%2Fconfig%2Fsauti.yaml /%2e%2e/README.md \
	/.hidden.js "/app.js/" "//etc/passwd"; do
	http GET "$path" --path-as-is >/dev/null
	t_is "$(http_status)" 404 "GET $path: 404"
done
http GET "/../README.md" --path-as-is >/dev/null
t_like "$(http_status)" '^(400|404)$' "GET /../README.md: 400 or 404"
ln -s /etc/passwd "$T_ROOT/web/escape-test-$$.txt"
http GET "/escape-test-$$.txt" >/dev/null
t_is "$(http_status)" 404 "a symbolic link leading out of web_root: 404"
rm -f "$T_ROOT/web/escape-test-$$.txt"
http POST /app.js -d x=1 >/dev/null
t_is "$(http_status)" 405 "POST to a file: 405"
t_is "$(http_header Allow)" "GET, HEAD" "... Allow: GET, HEAD"
http PUT / -d x >/dev/null
t_is "$(http_status)" 405 "PUT /: 405"
http GET /healthz >/dev/null
t_is "$(http_status)" 200 "the daemon's own paths are untouched"

# -- signing in ----------------------------------------------------------------------

sign_in() {
	local token=$1
	shift
	http POST /api/session -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" "$@"
}
t_like "$(sign_in "wrong$TEST_API_TOKEN")" '"error":"wrong token"' "a wrong token does not sign in"
t_is "$(http_status)" 401 "... 401"
t_is "$(http_header Set-Cookie)" "" "... and sets no cookie"
http POST /api/session -d 'token=x' >/dev/null
t_is "$(http_status)" 400 "a body that is no JSON: 400"

who=$(sign_in "$TEST_API_TOKEN")
t_is "$(http_status)" 200 "the API token signs in"
t_like "$who" '"role":"admin"' "... as the token's role"
cookie=$(http_header Set-Cookie)
t_like "$cookie" '^sauti_session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800$' \
	"the cookie is HttpOnly, SameSite=Strict, for 8 hours"
sid=${cookie#sauti_session=}
sid=${sid%%;*}
csrf=${who#*\"csrf\":\"}
csrf=${csrf%%\"*}
t_like "$csrf" '^[0-9a-f]{64}$' "the answer carries the CSRF token"
t_like "$who" '"max_body":65536' "... and max_body, the size of the parts a large upload goes in"
t_unlike "$who$cookie" "$TEST_API_TOKEN" "neither echoes the API token"
t_like "$(redis_cli ttl "sauti:sess:$sid")" '^28[0-9]{3}$' "the session is in Redis, expiring"
t_is "$(redis_cli hget "sauti:sess:$sid" role)" admin "... with its role"
t_unlike "$(redis_cli hgetall "sauti:sess:$sid")" "$TEST_API_TOKEN" "... and never the token itself"

C=(-H "Cookie: sauti_session=$sid")
# wrong: the same string with its first character changed
wrong() {
	if [ "${1:0:1}" = 0 ]; then echo "1${1:1}"; else echo "0${1:1}"; fi
}
t_like "$(http GET /api/session "${C[@]}")" "\"csrf\":\"$csrf\"" "GET /api/session with the cookie: who is signed in"
t_like "$(http GET /api/flows/invite "${C[@]}")" '"id":"invite"' "the cookie stands for the token on a GET"
t_is "$(http_status)" 200 "... 200"
http GET /api/flows/invite -H "Cookie: sauti_session=$(wrong "$sid")" >/dev/null
t_is "$(http_status)" 401 "a session id that does not exist: 401"
t_like "$(http_header Set-Cookie)" 'Max-Age=0' "... and the stale cookie is cleared"

CSV=(-H 'Content-Type: text/csv' --data-binary $'phone,name\n+255712300801,Neema\n')
http POST /api/contacts "${C[@]}" "${CSV[@]}" >/dev/null
t_is "$(http_status)" 403 "a POST with the cookie but no CSRF header: 403"
t_like "$(cat "$T/http.body")" "X-CSRF-Token" "... saying what is missing"
t_is "$(redis_cli exists "sauti:c:{+255712300801}")" 0 "... and nothing is stored"
http POST /api/contacts "${C[@]}" -H "X-CSRF-Token: $(wrong "$csrf")" "${CSV[@]}" >/dev/null
t_is "$(http_status)" 403 "... or with a wrong one: 403"
t_like "$(http POST /api/contacts "${C[@]}" -H "X-CSRF-Token: $csrf" "${CSV[@]}")" '"stored":1' \
	"with the CSRF header the request is served"
t_is "$(http_status)" 200 "... 200"
http POST /api/contacts -H "Authorization: Bearer $TEST_API_TOKEN" "${CSV[@]}" >/dev/null
t_is "$(http_status)" 200 "the bearer token needs no CSRF header"

# A second daemon on the same Redis accepts the session.
SAUTI_CONFIG_1=$SAUTI_CONFIG
SAUTI_PORT_1=$SAUTI_PORT
SAUTI_PORT=$(free_port)
sed "s/^listen: .*/listen: 127.0.0.1:$SAUTI_PORT/" "$SAUTI_CONFIG_1" >"$T/second.yaml"
t_spawn sauti2 "$T/sauti2.log" "$SAUTI_BIN" serve -c "$T/second.yaml"
SAUTI_URL="http://127.0.0.1:$SAUTI_PORT"
t_ok "a second daemon comes up" t_wait_for 15 _sauti_healthy
t_like "$(http GET /api/session "${C[@]}")" '"role":"admin"' "another daemon on the same Redis accepts the session"
t_stop sauti2
SAUTI_PORT=$SAUTI_PORT_1
SAUTI_URL="http://127.0.0.1:$SAUTI_PORT"

# -- signing out ----------------------------------------------------------------------

http DELETE /api/session "${C[@]}" >/dev/null
t_is "$(http_status)" 403 "sign-out is a DELETE, so it needs the CSRF header too"
t_like "$(http DELETE /api/session "${C[@]}" -H "X-CSRF-Token: $csrf")" '"signed_out":true' "DELETE /api/session signs out"
t_like "$(http_header Set-Cookie)" '^sauti_session=; .*Max-Age=0' "... clearing the cookie"
t_is "$(redis_cli exists "sauti:sess:$sid")" 0 "... and the session is gone from Redis"
http GET /api/flows/invite "${C[@]}" >/dev/null
t_is "$(http_status)" 401 "the old cookie no longer works"

# Behind a TLS proxy the cookie is Secure.
sign_in "$TEST_API_TOKEN" -H 'X-Forwarded-Proto: https' >/dev/null
t_like "$(http_header Set-Cookie)" '; Secure$' "through a TLS proxy (X-Forwarded-Proto: https) the cookie is Secure"

# A session ends when its token leaves the configuration.
sid=$(http_header Set-Cookie | sed 's/^sauti_session=\([0-9a-f]*\);.*/\1/')
t_ok "sauti stops" stop_sauti
sed -i "s/^api_token: .*/api_token: \"$(t_random)\"/" "$SAUTI_CONFIG"
start_sauti
http GET /api/session -H "Cookie: sauti_session=$sid" >/dev/null
t_is "$(http_status)" 401 "a session whose token was withdrawn: 401"

# Without web/ the page says so, plainly.
echo "web_root: $T/no-such-dir" >>"$SAUTI_CONFIG"
t_ok "sauti stops" stop_sauti
start_sauti
t_like "$(http GET /)" "not installed" "without the console's files, / says they are not installed"
t_is "$(http_status)" 404 "... 404"
t_like "$(cat "$T/sauti.log")" "warn the web console is not served: no index.html in web_root '$T/no-such-dir'" \
	"... and the log said so at start"

done_testing
