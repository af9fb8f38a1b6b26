# shellcheck shell=bash
# browser.sh -- for the console's tests (tests/integration/8x-*.t): runs a
# scenario of tests/browser/ in chromium against the test's sauti and turns
# each line it prints ("ok DESC", "not ok DESC", "# why") into TAP through
# lib.sh.  Screenshots go to $T_SCREENSHOTS (default build/screenshots/).

T_SCREENSHOTS=${T_SCREENSHOTS:-$T_ROOT/build/screenshots}
export T_SCREENSHOTS

# browser_ready: chromium and playwright-core are installed (make deps).
browser_ready() {
	[ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$T_ROOT/tests/browser/node_modules/playwright-core" ]
}

# browser_run SCENARIO.mjs [NAME=VALUE...]: runs it with SAUTI_URL and the
# given variables in its environment.
browser_run() {
	local script=$1 line desc why=() rc
	shift
	if ! browser_ready; then
		bail_out "chromium or playwright-core missing: run make deps"
	fi
	env "$@" SAUTI_URL="$SAUTI_URL" node "$T_ROOT/tests/browser/$script" >"$T/browser.out" 2>"$T/browser.err"
	rc=$?
	_browser_flush() {
		[ -n "${desc:-}" ] || return 0
		if [[ $1 = ok && $desc == *' # skip '* ]]; then t_skip "${desc#* # skip }"
		elif [ "$1" = ok ]; then _t_result 0 "$desc"
		else _t_result 1 "$desc" "${why[@]}"; fi
		desc=
		why=()
	}
	local status=
	while IFS= read -r line; do
		case $line in
		'ok '*) _browser_flush "$status"; status=ok; desc=${line#ok } ;;
		'not ok '*) _browser_flush "$status"; status=fail; desc=${line#not ok } ;;
		'# '*) why+=("  ${line#\# }") ;;
		*) note "$line" ;;
		esac
	done <"$T/browser.out"
	_browser_flush "$status"
	if [ "$rc" -ne 0 ] && [ -s "$T/browser.err" ]; then
		diag "the browser scenario exited $rc:" "$(tail -n 20 "$T/browser.err")"
	fi
	[ "$rc" -eq 0 ] || _t_result 1 "$script exits 0"
}
