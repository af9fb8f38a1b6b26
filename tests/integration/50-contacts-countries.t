#!/usr/bin/env bash
# Contacts from many countries in one file: a country column per row,
# `contacts import --country CC` for the file, numbers written with their
# country code keep it; only mobile numbers are taken and a landline is
# refused by its line; the contact keeps its country.  A re-import does not
# undo a language the person chose themselves.
. "$(dirname "$0")/../lib.sh"

start_redis
start_kannel
write_config
start_sauti
S() { "$SAUTI_BIN" "$@" -c "$SAUTI_CONFIG"; }
c() { redis_cli hget "sauti:c:{$1}" "$2"; }

cat >"$T/mixed.csv" <<'CSV'
phone,country,name,language
0712 300 001,TZ,Asha,sw
024 100 0002,GH,Kwame,en
0302 123456,GH,Accra office,en
0754 300 003,,Baraka,sw
+233 20 100 0004,TZ,Ama,en
022 234 5678,TZ,Dar office,sw
0712300005,XX,Nobody,sw
0201000006,gh,Yaw,en
CSV
out=$(S contacts import "$T/mixed.csv" 2>&1)
t_is "$?" 1 "a file with bad rows exits 1"
t_like "$out" "line 4: phone '0302 123456': a landline, not a mobile number" \
	"the Ghanaian landline is refused by its line, saying why"
t_like "$out" "line 7: phone '022 234 5678': a landline, not a mobile number" \
	"so is the Tanzanian one"
t_like "$out" "line 8: country 'XX': use a country code of 2 letters" "an unknown country is named"
t_like "$out" "5 contacts stored" "the five good rows are kept"
t_is "$(c +255712300001 name)/$(c +255712300001 country)" "Asha/TZ" "a TZ local number in a TZ row"
t_is "$(c +233241000002 name)/$(c +233241000002 country)" "Kwame/GH" "a GH local number in a GH row becomes +233"
t_is "$(c +255754300003 country)" TZ "a row without a country takes the config's"
t_is "$(c +233201000004 name)/$(c +233201000004 country)" "Ama/GH" \
	"a number with its country code keeps its own country, whatever the row says"
t_is "$(c +233201000006 country)" GH "a lower-case country is read"
t_is "$(redis_cli exists "sauti:c:{+255302123456}" "sauti:c:{+233302123456}" "sauti:c:{+255241000002}")" 0 \
	"nothing is stored for a refused row, nor under a wrong country"

printf 'phone,name\n024 100 0007,Akosua\n0712 300 008,Not Ghanaian\n' >"$T/ghana.csv"
out=$(S contacts import --country GH "$T/ghana.csv" 2>&1)
t_like "$(c +233241000007 name)" Akosua "--country GH reads the file's local numbers as Ghanaian"
t_like "$out" "line 3: phone '0712 300 008': not a valid number in its country" \
	"a Tanzanian local number in a Ghanaian file is refused, not guessed"

body=$(printf 'phone,country,name\n0244 000 009,GH,Esi\n0222 000 000,TZ,Office\n')
res=$(api POST /api/contacts -H 'Content-Type: text/csv' --data-binary "$body")
t_like "$res" '"stored": *1' "POST /api/contacts stores the mobile row"
t_like "$res" "line 3: phone '[^']*': a landline" "and names the landline's line"
t_unlike "$res" "0222 000 000" "... without the number itself (no API answer carries one)"
t_is "$(c +233244000009 country)" GH "the API keeps the country too"
res=$(api POST "/api/contacts?country=GH" -H 'Content-Type: text/csv' \
	--data-binary $'phone,name\n0244 000 010,Kofi\n')
t_like "$res" '"stored": *1' "POST /api/contacts?country=GH reads the file's local numbers as Ghanaian"
t_is "$(c +233244000010 name)" Kofi "as contacts import --country does"
api POST "/api/contacts?country=XX" -H 'Content-Type: text/csv' --data-binary $'phone\n0244000011\n' >/dev/null
t_is "$(http_status)" 400 "an unknown country is a 400"

# -- a language the person chose survives a re-import -----------------------------
printf 'phone,name,language\n0712300010,Neema,sw\n0712300011,Zawadi,sw\n' >"$T/lang.csv"
S contacts import "$T/lang.csv" >/dev/null 2>&1
t_like "$(fakesmsc_send +255712300010 15055 LUGHA)" "English" "LUGHA offers the languages"
t_like "$(fakesmsc_send +255712300010 15055 2)" "." "Neema chooses English"
t_is "$(c +255712300010 _lang)" en "her language is English"
S contacts import "$T/lang.csv" >/dev/null 2>&1
t_is "$(c +255712300010 _lang)" en "a re-import saying sw keeps the language she chose"
t_is "$(c +255712300010 name)" Neema "while the other fields are updated"
printf 'phone,name,language\n0712300011,Zawadi,en\n' >"$T/lang2.csv"
S contacts import "$T/lang2.csv" >/dev/null 2>&1
t_is "$(c +255712300011 _lang)" en "a language only an import set is changed by the next import"
done_testing
