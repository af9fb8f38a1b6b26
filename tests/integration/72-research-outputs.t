#!/usr/bin/env bash
# Outputs researchers use as they are: the codebook of each shipped flow
# (every saved variable and every choice key, with the question and labels in
# each of the flow's languages: checked against the YAML itself), the same
# from GET /api/flows/FLOW/codebook.csv, contact fields as export columns
# (--fields; name and phone refused), number answers as JSON numbers, and the
# report's figures as CSV.
# shellcheck disable=SC2317 # helpers run via t_ok
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

start_redis
mkdir -p "$T/flows"
cp "$T_ROOT/flows/"*.yaml "$T_ROOT/tests/flows/people/poll.yaml" "$T/flows/"
write_config "$T/flows"
start_sauti

sauti() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
ussd() {
	http POST /ussd --data-urlencode "sessionId=$1" --data-urlencode "serviceCode=*150*70#" \
		--data-urlencode "phoneNumber=$3" --data-urlencode "text=$2"
}

# codebook_ok FLOW FILE: the codebook in FILE is what the flow's YAML says,
# its texts as people read them ({vars.X} filled in).
codebook_ok() {
	"$T_PYTHON" - "$T_ROOT/flows/$1.yaml" "$2" <<'PY'
import csv, re, sys, yaml
flow = yaml.load(open(sys.argv[1]), Loader=yaml.BaseLoader)  # keys as written: yes stays yes
langs = flow["languages"]
def text(t, lang):
    shown = t if isinstance(t, str) else t[lang]
    var = lambda m: text(flow["vars"][m.group(1)], lang)
    return re.sub(r"\{vars\.([a-z0-9_]+)\}", var, shown)
want = [["variable", "type", "value"] + [c for l in langs for c in ("question_" + l, "label_" + l)]]
seen = set()
for s in flow["steps"]:
    name = s.get("save")
    if not name or name in seen:
        continue
    seen.add(name)
    q = s.get("ask") or s.get("language")
    kind = "choice" if "choices" in s else "number" if "number" in s else \
        "language" if "language" in s else "text"
    value = ""
    if "number" in s:
        lo, hi = s["number"].get("min"), s["number"].get("max")
        if lo is not None or hi is not None:
            value = "%s-%s" % ("" if lo is None else lo, "" if hi is None else hi)
    want.append([name, kind, value] + [c for l in langs for c in (text(q, l), "")])
    for choice in s.get("choices", []):
        (key, labels), = choice.items()
        want.append([name, kind, str(key)] + [c for l in langs for c in ("", text(labels, l))])
got = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))
if got != want:
    for g, w in zip(got + [None] * len(want), want + [None] * len(got)):
        if g != w:
            print("got ", g, "\nwant", w)
            break
    sys.exit(1)
PY
}

for flow in livelihoods dialogue_invite report_back; do
	[ -f "$T_ROOT/flows/$flow.yaml" ] || continue
	sauti export "$flow" --codebook >"$T/$flow.codebook.csv"
	t_is "$?" 0 "export $flow --codebook exits 0"
	t_ok "the codebook of $flow lists every variable and key with labels in each language" \
		codebook_ok "$flow" "$T/$flow.codebook.csv"
	api GET "/api/flows/$flow/codebook.csv" >"$T/$flow.api.csv"
	t_ok "GET /api/flows/$flow/codebook.csv gives the same" cmp "$T/$flow.codebook.csv" "$T/$flow.api.csv"
done
t_like "$(head -1 "$T/dialogue_invite.codebook.csv")" "^variable,type,value,question_sw,label_sw,question_en,label_en" \
	"the codebook's columns"
t_like "$(cat "$T/dialogue_invite.codebook.csv")" "rsvp,choice,maybe,,Labda,,Maybe" "a key's row has its labels"
t_unlike "$(cat "$T/livelihoods.codebook.csv")" "\{vars\." "a question's {vars} are filled in, as GET /api/flows/FLOW shows them"

# -- --fields and JSON numbers --------------------------------------------------------------
A=+255712900201
printf 'phone,name,language,district,village\n%s,Neema,en,Geita,Nyarugusu\n' "$A" >"$T/c.csv"
sauti contacts import "$T/c.csv" 2>/dev/null
for t in "" 2 "2*6" "2*6*sawa"; do ussd s1 "$t" "$A" >/dev/null; done
csv=$(sauti export poll --fields district,village | tr -d '\r')
t_is "$(head -1 <<<"$csv")" "run_id,contact,language,channel,status,started_at,completed_at,district,village,mineral,days,note" \
	"--fields adds the columns after completed_at"
t_like "$(sed -n 2p <<<"$csv")" ",Geita,Nyarugusu,tanzanite,6,sawa$" "with the contact's values"
t_fails "--fields name is refused" sauti export poll --fields district,name
t_fails "--fields phone is refused" sauti export poll --fields phone
t_unlike "$csv" "Neema|712900" "no name, no number"
jsonl=$(sauti export poll --format jsonl --fields district)
t_is "$(jq -c '[.answers.days, .answers.mineral, .answers.note, .district]' <<<"$jsonl")" '[6,"tanzanite","sawa","Geita"]' \
	"in JSON lines a number answer is a JSON number, the others strings"
t_is "$(jq -r '.answers.days | type' <<<"$jsonl")" number "... of type number"
t_is "$(api GET '/api/flows/poll/export.csv?fields=district' | tr -d '\r' | head -1 | cut -d, -f8)" district \
	"the API takes fields= too"
api GET '/api/flows/poll/export.csv?fields=name' >/dev/null
t_is "$(http_status)" 400 "and refuses name with a 400"
# since/until with a '+' offset written as it is in the URL: the '+' comes
# as a space, and is read as '+' (docs/http.md).
rows() { api GET "/api/flows/poll/export.csv?$1" | tr -d '\r' | sed 1d | grep -c .; }
t_is "$(rows 'since=2000-01-01T03:00:00+03:00')" 1 "since= takes an unencoded +03:00"
t_is "$(http_status)" 200 "... with a 200"
t_is "$(rows 'until=2000-01-01T03:00:00+03:00')" 0 "and until= too: nothing before 2000"
t_is "$(rows 'since=2000-01-01T03:00:00%2B03:00')" 1 "an encoded %2B still works"
api GET '/api/flows/poll/export.csv?since=2000-01-01T03:00:00' >/dev/null
t_is "$(http_status)" 400 "a time without an offset is still a 400"

# -- the report as CSV ---------------------------------------------------------------------------
rcsv=$(sauti report poll --format csv | tr -d '\r')
t_is "$(head -1 <<<"$rcsv")" "question,type,by,group,value,runs,people,share" "report --format csv has its header"
t_like "$rcsv" "mineral,choice,all,,tanzanite,1,1,1.0000" "a chosen key with runs, people and share"
t_like "$rcsv" "mineral,choice,all,,gold,0,0,0.0000" "a key nobody chose"
t_like "$rcsv" "mineral,choice,language,en,tanzanite,1,1,1.0000" "per language"
t_like "$rcsv" "mineral,choice,channel,ussd,tanzanite,1,1,1.0000" "per channel"
t_like "$rcsv" "days,number,all,,median,,6," "a number's figures"

t_ok "sauti stops cleanly" stop_sauti
done_testing
