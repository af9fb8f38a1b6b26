#!/usr/bin/env bash
# The web console in a real browser (Debian's chromium, headless, through
# playwright-core): signing in by keyboard, Swahili and English remembered,
# the flows with each step's SMS cost, a flow's results with charts after
# real runs over USSD, the exports downloaded, contacts uploaded with their
# bad rows shown; every page readable at 360 px without sideways scrolling,
# screenshots of each at 360 and 1280 px, no JavaScript error; the first load
# weighed and timed.  docs/console.md.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/browser/browser.sh
. "$T_ROOT/tests/browser/browser.sh"

start_redis
write_config "$T_ROOT/flows"
start_sauti

# ussd_run PHONE ANSWER...: one USSD session answering in turn; prints the
# last screen.
ussd_run() {
	local phone=$1 text='' screen a session
	shift
	session="s$RANDOM$RANDOM"
	screen=$(http POST /ussd --data-urlencode "sessionId=$session" --data-urlencode 'serviceCode=*150*88#' \
		--data-urlencode "phoneNumber=$phone" --data-urlencode text=)
	for a in "$@"; do
		text=${text:+$text*}$a
		screen=$(http POST /ussd --data-urlencode "sessionId=$session" --data-urlencode 'serviceCode=*150*88#' \
			--data-urlencode "phoneNumber=$phone" --data-urlencode "text=$text")
	done
	echo "$screen"
}

t_like "$(ussd_run +255712300811 1 1 1 2 1 1 1 5 200 1 "maji safi")" '^END' "a Swahili run over USSD completes"
t_like "$(ussd_run +255712300812 2 1 3 1 2 2 4 900 2 "schools")" '^END' "an English one completes"
t_like "$(ussd_run +255712300813 1 1 1)" '^CON' "a third stops half way"

browser_run 81-pages.mjs TOKEN="$TEST_API_TOKEN" \
	T_DOWNLOADS="$T/downloads"
t_like "$(head -1 "$T/downloads/livelihoods.csv" 2>/dev/null)" '^run_id,contact,language,channel,status' \
	"the CSV export the browser downloaded is the export"
t_is "$(grep -c ',completed,' "$T/downloads/livelihoods.csv" 2>/dev/null)" 2 "... with both completed runs"
t_like "$(head -1 "$T/downloads/livelihoods.jsonl" 2>/dev/null)" '^\{"run_id":' "the JSONL export too"
t_unlike "$(cat "$T/downloads/livelihoods.csv" "$T/downloads/livelihoods.jsonl" 2>/dev/null)" '\+2557123008' \
	"... neither with a phone number"
t_is "$(redis_cli hget "sauti:c:{+255712300821}" name)" Amani "the contacts uploaded in the browser are stored"

done_testing
