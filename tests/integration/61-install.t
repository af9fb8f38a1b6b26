#!/usr/bin/env bash
# make install: the binary, the example flows, the web console, the docs, the
# production config examples and a systemd unit land under PREFIX (and
# DESTDIR); the configuration it writes serves as installed; a second install
# never overwrites the operator's configuration; uninstall leaves it.
# shellcheck disable=SC2317 # helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

P="$T/prefix"
# inst ARGS...: make ARGS in the repository, quietly (its output on failure).
inst() { make -s -C "$T_ROOT" "$@" >"$T/make.out" 2>&1 || { cat "$T/make.out"; return 1; }; }

t_ok "make install PREFIX=$P" inst install PREFIX="$P"
t_ok "the binary answers --help" "$P/bin/sauti" --help
t_ok "the example flows are installed and check clean" "$P/bin/sauti" flows check "$P"/share/sauti/flows/*.yaml
t_ok "... and copied beside the configuration" test -f "$P/etc/sauti/flows/livelihoods.yaml"
t_ok "the web console is installed" test -f "$P/share/sauti/web/index.html"
t_ok "the docs are installed" test -f "$P/share/doc/sauti/docs/operations.md" -a -f "$P/share/doc/sauti/README.md"
t_ok "the production examples are installed" test -f "$P/share/doc/sauti/config/redis-production.conf" \
	-a -f "$P/share/doc/sauti/config/sentinel.conf" -a -f "$P/share/doc/sauti/config/kannel/kannel-production.conf"

UNIT="$P/lib/systemd/system/sauti.service"
t_like "$(grep '^ExecStart=' "$UNIT")" "^ExecStart=$P/bin/sauti serve -c $P/etc/sauti/sauti.yaml$" \
	"the unit runs the installed binary with the installed configuration"
t_like "$(grep -E '^(Restart|DynamicUser|NoNewPrivileges|ProtectSystem)=' "$UNIT" | tr '\n' ' ')" \
	"^Restart=on-failure DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict $" \
	"it restarts on failure, runs as its own user, hardened"
if command -v systemd-analyze >/dev/null; then
	t_ok "systemd-analyze verify accepts it" systemd-analyze verify --man=no "$UNIT"
	exposure=$(systemd-analyze security --offline=yes "$UNIT" 2>/dev/null | sed -n 's/.*exposure level for sauti.service: \([0-9.]*\).*/\1/p')
	t_ok "systemd-analyze security rates its exposure low ($exposure of 10)" \
		awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 2.0) }'
else
	t_skip "no systemd-analyze" 2
fi

# -- the installed configuration serves ----------------------------------------------

start_redis
SAUTI_PORT=$(free_port)
SAUTI_URL="http://127.0.0.1:$SAUTI_PORT"
CONF="$P/etc/sauti/sauti.yaml"
t_like "$(grep -E '^(flows|web_root):' "$CONF" | tr '\n' ' ')" \
	"^flows: $P/etc/sauti/flows/ web_root: $P/share/sauti/web/ $" "the configuration names the installed flows and console"
sed -i -e "s|^listen: .*|listen: 127.0.0.1:$SAUTI_PORT|" -e "s|^redis: .*|redis: $REDIS_URL|" "$CONF"
printf 'pseudonym_key: "%s"\n' "$(t_random)" >>"$CONF"
sum=$(md5sum <"$CONF")
t_spawn sauti "$T/sauti.log" "$P/bin/sauti" serve -c "$CONF"
t_ok "the installed sauti serves with the installed configuration" \
	_t_wait_up sauti 15 "$T/sauti.log" _sauti_healthy
t_like "$(http GET /kannel/sms -G --data-urlencode id=i1 --data-urlencode from=+255712610001 \
	--data-urlencode to=15055 --data-urlencode text=SURVEY)" "Chagua lugha" "an installed flow answers its keyword"
t_is "$(http_status)" 200 "... with 200"
t_like "$(http GET /)" "<html" "the installed console is served at /"
t_ok "sauti stops cleanly" stop_sauti

t_ok "make install again" inst install PREFIX="$P"
t_is "$(md5sum <"$CONF")" "$sum" "the operator's configuration is not overwritten"
t_ok "make uninstall" inst uninstall PREFIX="$P"
t_fails "the binary is gone" test -e "$P/bin/sauti"
t_ok "the configuration stays" test -f "$CONF"

# -- DESTDIR, as a package build does it -------------------------------------------------

t_ok "make install DESTDIR=... PREFIX=/usr" inst install DESTDIR="$T/root" PREFIX=/usr
t_ok "the binary is in DESTDIR/usr/bin" test -x "$T/root/usr/bin/sauti"
t_like "$(grep '^flows:' "$T/root/etc/sauti/sauti.yaml")" "^flows: /etc/sauti/flows/$" \
	"the configuration goes to DESTDIR/etc and names the final paths"
t_like "$(grep '^ExecStart=' "$T/root/usr/lib/systemd/system/sauti.service")" \
	"^ExecStart=/usr/bin/sauti serve -c /etc/sauti/sauti.yaml$" "the unit names the final paths"

done_testing
