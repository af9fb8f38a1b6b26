// The console's words in Swahili and English.  The choice is remembered in
// localStorage; Swahili is the default (the convenors' language in Tanzania).
const words = {
  sw: {
    'lang.other': 'English', 'lang.name': 'Kiswahili',
    'nav.flows': 'Tafiti', 'nav.broadcasts': 'Matangazo', 'nav.inbox': 'Ujumbe',
    'nav.contacts': 'Watu', 'signout': 'Toka',
    'signin.title': 'Ingia kwenye sauti', 'signin.token': 'Tokeni ya API',
    'signin.help': 'Tumia tokeni uliyopewa na msimamizi. Itabaki kwenye kivinjari hiki kwa saa chache tu.',
    'signin.go': 'Ingia',
    'signin.expired': 'Muda wa kuingia umekwisha: ingia tena.',
    'err.network': 'Seva haipatikani. Angalia mtandao kisha ujaribu tena.',
    'err.unavailable': 'Huduma hii haipatikani kwenye seva hii.',
    'err.forbidden': 'Jukumu lako ({role}) haliruhusiwi kufanya hivi.',
    'err.page': 'Ukurasa huu haupo.',
    'err.too_large': 'Ni kubwa mno kwa seva (mpangilio wake wa max_body).',
    'loading': 'Inapakia…',
    'flows.title': 'Tafiti na mialiko', 'flows.none': 'Hakuna tafiti zilizopakiwa.',
    'flows.steps': 'hatua {n}', 'flows.languages': 'Lugha', 'flows.keywords': 'Maneno ya kuanza',
    'flows.ussd': 'Msimbo wa USSD', 'flows.open': 'Hatua na gharama', 'flows.results': 'Matokeo',
    'kind.survey': 'utafiti', 'kind.invitation': 'mwaliko', 'kind.report_back': 'mrejesho',
    'flow.steps': 'Hatua', 'flow.save': 'Jibu linahifadhiwa kama', 'flow.cost': 'SMS {n}', 'flow.ucs2': 'UCS-2: ghali mara mbili', 'flow.sent': 'hutumwa pamoja na hatua inayofuata:',
    'flow.total': 'Jumla ya SMS kwa mtu anayemaliza (njia ndefu zaidi haijakadiriwa): {n}',
    'type.say': 'sema', 'type.ask': 'uliza', 'type.language': 'lugha', 'type.end': 'mwisho',
    'ask.choices': 'chaguo', 'ask.number': 'namba', 'ask.text': 'maandishi',
    'fact.contact': 'Jina bandia', 'fact.fields': 'Taarifa', 'fact.runs': 'Mazungumzo',
    'fact.broadcasts': 'Matangazo', 'fact.inbox': 'Ujumbe', 'fact.language': 'Lugha',
    'fact.country': 'Nchi', 'fact.groups': 'Makundi', 'fact.opted_out': 'Amejiondoa',
    'fact.first_heard': 'Alituma ujumbe wa kwanza',
    'results.title': 'Matokeo: {flow}', 'results.runs': 'Mazungumzo', 'results.completed': 'Yamekamilika',
    'results.completion': 'Ukamilishaji', 'results.status': 'Hali ya mazungumzo',
    'results.completion_by': 'Ukamilishaji kwa lugha na kwa njia',
    'results.dropoff': 'Walipoachia (kwa hatua)', 'results.questions': 'Majibu kwa swali',
    'results.by_language': 'kwa lugha', 'results.by_channel': 'kwa njia',
    'results.none': 'Bado hakuna majibu.', 'results.downloads': 'Pakua',
    'results.csv': 'Majibu (CSV)', 'results.jsonl': 'Majibu (JSONL)', 'results.codebook': 'Kitabu cha misimbo (CSV)', 'results.answers': 'majibu {n}', 'results.answers.one': 'jibu 1', 'results.people_n': 'watu {n}', 'results.people_n.one': 'mtu 1',
    'results.people_by_language': 'watu, kwa lugha', 'results.people_by_channel': 'watu, kwa njia',
    'num.count': 'idadi', 'num.mean': 'wastani', 'num.median': 'kati', 'num.min': 'chini', 'num.max': 'juu', 'num.sum': 'jumla',
    'status.completed': 'yamekamilika', 'status.active': 'yanaendelea', 'status.expired': 'muda umekwisha',
    'status.stopped': 'yamesimamishwa', 'status.interrupted': 'yamekatizwa',
    'bc.title': 'Matangazo', 'bc.new': 'Tangazo jipya', 'bc.flow': 'Utafiti au mwaliko',
    'bc.audience': 'Wapokeaji', 'bc.aud.group': 'Kikundi', 'bc.aud.respondents': 'Waliomaliza utafiti',
    'bc.aud.answer': 'Waliojibu (utafiti.swali=jibu)', 'bc.aud.phones': 'Namba (zitenganishe kwa koma)',
    'bc.aud.all': 'Wote', 'bc.value': 'Thamani', 'bc.at': 'Tuma saa (acha wazi kutuma sasa)',
    'bc.check': 'Angalia gharama', 'bc.send': 'Tuma sasa', 'bc.schedule': 'Panga kutuma',
    'bc.dry': 'Wapokeaji {n} (na {s} waliojiondoa, hawatatumiwa). Jumla: SMS {sms}.',
    'bc.dry.lang': '{lang}: watu {n}, SMS {seg} kwa ujumbe, SMS {sms} jumla',
    'bc.dry.lang.one': '{lang}: mtu 1, SMS {seg} kwa ujumbe, SMS {sms} jumla',
    'bc.dry.country': 'Kwa nchi', 'bc.created': 'Tangazo {id} limeundwa.',
    'bc.list': 'Matangazo yaliyopita na yanayoendelea', 'bc.none': 'Hakuna matangazo bado.',
    'bc.id': 'Kitambulisho', 'bc.state': 'Hali', 'bc.progress': 'Maendeleo', 'bc.cancel': 'Sitisha',
    'bc.cancelled': 'Tangazo {id} limesitishwa.', 'bc.confirm_cancel': 'Sitisha tangazo {id}? Wasiotumiwa bado hawatatumiwa.',
    'bc.counts': 'jumla {total} · foleni {queued} · wanasubiri {waiting} · zimetumwa {sent} · zimefika {delivered} · zimeshindwa {failed} · zimerukwa {skipped}',
    'bc.answered': 'walijibu {n} ({pct}%)',
    'state.scheduled': 'limepangwa', 'state.planning': 'linaandaliwa', 'state.sending': 'linatumwa',
    'state.done': 'limekamilika', 'state.cancelled': 'limesitishwa',
    'inbox.title': 'Ujumbe kutoka kwa watu', 'inbox.none': 'Hakuna ujumbe ulio wazi.',
    'inbox.all': 'Onyesha pia zilizofungwa', 'inbox.reply': 'Jibu', 'inbox.send': 'Tuma jibu',
    'inbox.close': 'Funga', 'inbox.closed': 'imefungwa', 'inbox.open': 'wazi', 'inbox.sent': 'Jibu limetumwa.',
    'inbox.replies': 'Majibu yaliyotumwa', 'inbox.from': 'Kutoka {contact}', 'inbox.flow': 'utafiti: {flow}',
    'contacts.title': 'Watu', 'contacts.upload': 'Pakia faili ya CSV',
    'contacts.upload.help': 'Safu: phone (lazima), name, language, groups (zitenganishwe kwa ;), country, na nyingine.',
    'contacts.file': 'Faili ya CSV', 'contacts.send': 'Pakia',
    'contacts.stored': 'Watu {n} wamehifadhiwa.', 'contacts.rejected': 'Mistari {n} yenye makosa:',
    'contacts.stored.one': 'Mtu 1 amehifadhiwa.', 'contacts.rejected.one': 'Mstari 1 wenye makosa:',
    'contacts.part': 'Inatuma sehemu {i} kati ya {n}…',
    'contacts.not_utf8': 'Faili hili si maandishi ya UTF-8: lihifadhi kama "CSV UTF-8" (katika Excel: Hifadhi Kama, CSV UTF-8) kisha ulipakie tena. Hakuna kilichohifadhiwa.',
    'contacts.part_failed': 'Sehemu {i} kati ya {n} haikuhifadhiwa: {why} Watu {stored} wa sehemu za kabla yake wamehifadhiwa; ni salama kupakia faili tena.',
    'contacts.groups': 'Vikundi', 'contacts.group': 'Kikundi', 'contacts.all_groups': 'Vikundi vyote',
    'contacts.list': 'Orodha', 'contacts.none': 'Hakuna watu.', 'contacts.find': 'Tafuta kwa namba',
    'contacts.phone': 'Namba ya simu', 'contacts.find.go': 'Tafuta', 'contacts.forget': 'Futa kabisa',
    'contacts.confirm_forget': 'Futa kila kitu kuhusu {phone}: majibu, ujumbe, vikundi? Haiwezi kurudishwa.',
    'contacts.forgotten': 'Taarifa zote za {phone} zimefutwa.', 'contacts.notfound': 'Namba hii haijulikani.',
    'contacts.count': 'watu {n}', 'contacts.count.one': 'mtu 1', 'col.contact': 'Mtu (jina bandia)', 'col.language': 'Lugha',
    'col.country': 'Nchi', 'col.groups': 'Vikundi', 'col.opted_out': 'Amejiondoa',
    'yes': 'ndiyo', 'no': 'hapana',
    'api.wrong_token': 'Tokeni si sahihi.', 'api.storage': 'Hifadhi haipatikani kwa sasa; jaribu tena baadaye.',
    'api.no_flow': 'Utafiti huu haupo.', 'api.no_broadcast': 'Tangazo hili halipo.',
    'api.ended': 'Tangazo hili limeshamalizika.',
    'api.empty_audience': 'Hakuna mtu katika wapokeaji {audience}: hakuna atakayepata tangazo hili.',
    'api.past': 'Muda {at} umeshapita: chagua muda ujao, au acha wazi kutuma sasa.',
    'api.bad_name': '\'{name}\' si jina la kikundi wala la utafiti.',
    'api.all_opted_out': 'Wote {n} katika wapokeaji {audience} wamejiondoa (STOP): hakuna atakayepata tangazo hili.',
    'api.unknown_flow': 'Hakuna utafiti \'{flow}\' (iliyopo: {flows}).',
    'api.no_answer': 'Hakuna swali la utafiti \'{flow}\' linalohifadhi \'{name}\'.',
    'api.no_key': '\'{key}\' si mojawapo ya majibu ya \'{name}\' katika utafiti \'{flow}\'.',
    'api.answer_form': 'Andika Waliojibu kama utafiti.swali=jibu, kwa mfano mkutano.rsvp=ndiyo.',
    'api.phone': 'Namba ya {i} kati ya {n}: {why}',
    'row.line': 'Mstari {n}: {why}', 'row.phone': 'namba', 'row.country': 'nchi', 'row.language': 'lugha',
    'row.country.why': 'tumia msimbo wa nchi wa herufi 2, kama TZ au GH',
    'row.language.why': 'tumia msimbo wa herufi 2 au 3, kama sw au en',
    'api.reply_blank': 'Andika jibu kwanza: jibu tupu lingetumwa kama SMS tupu.',
    'api.phone.landline': 'ni ya simu ya mezani, si ya mkononi', 'api.phone.invalid': 'si namba sahihi katika nchi yake',
    'api.phone.short': 'ni namba fupi ya huduma, si ya simu', 'api.phone.letters': 'ina herufi',
    'api.empty_file': 'Faili ni tupu: mstari wake wa kwanza unahitaji safu iitwayo phone.',
    'api.no_phone_column': 'Mstari {line}: kichwa cha faili hakina safu iitwayo phone (kwa Kiingereza), ambayo ni lazima.',
    'api.column_twice': 'Mstari {line}: safu \'{name}\' imeandikwa mara mbili kwenye kichwa.',
    'api.column_name': 'Mstari {line}: jina la safu ya {i} linaweza kuwa na herufi, tarakimu, nafasi, \'-\' na \'_\' tu.',
    'api.nothing_stored': 'Hakuna kilichohifadhiwa kuhusu namba hii.',
    'api.no_item': 'Ujumbe huu haupo.',
    'row.utf8': 'safu \'{name}\' si maandishi ya UTF-8 (hifadhi faili kama "CSV UTF-8")',
    'row.cells': 'visanduku {n} lakini kichwa kina safu {m} (thamani yenye koma iwekwe ndani ya alama za "")',
    'row.unnamed': 'kuna thamani katika safu ya {i}, isiyo na jina kwenye kichwa',
  },
  en: {
    'lang.other': 'Kiswahili', 'lang.name': 'English',
    'nav.flows': 'Flows', 'nav.broadcasts': 'Broadcasts', 'nav.inbox': 'Inbox',
    'nav.contacts': 'Contacts', 'signout': 'Sign out',
    'signin.title': 'Sign in to sauti', 'signin.token': 'API token',
    'signin.help': 'Use the token your administrator gave you. This browser keeps you signed in for a few hours only.',
    'signin.go': 'Sign in',
    'signin.expired': 'Your sign-in has expired: please sign in again.',
    'err.network': 'The server cannot be reached. Check the network and try again.',
    'err.unavailable': 'This is not available on this server.',
    'err.forbidden': 'Your role ({role}) may not do this.',
    'err.page': 'There is no such page.',
    'err.too_large': 'Too large for the server (its max_body setting).',
    'loading': 'Loading…',
    'flows.title': 'Surveys and invitations', 'flows.none': 'No flows are loaded.',
    'flows.steps': '{n} steps', 'flows.steps.one': '1 step', 'flows.languages': 'Languages', 'flows.keywords': 'Keywords',
    'flows.ussd': 'USSD code', 'flows.open': 'Steps and cost', 'flows.results': 'Results',
    'kind.survey': 'survey', 'kind.invitation': 'invitation', 'kind.report_back': 'report-back',
    'flow.steps': 'Steps', 'flow.save': 'Answer saved as', 'flow.cost': '{n} SMS', 'flow.ucs2': 'UCS-2: twice the cost', 'flow.sent': 'sent with the next step:',
    'flow.total': 'SMS for one person through every step (branches not worked out): {n}',
    'type.say': 'say', 'type.ask': 'ask', 'type.language': 'language', 'type.end': 'end',
    'ask.choices': 'choices', 'ask.number': 'number', 'ask.text': 'text',
    'fact.contact': 'Pseudonym', 'fact.fields': 'Fields', 'fact.runs': 'Conversations',
    'fact.broadcasts': 'Broadcasts', 'fact.inbox': 'Messages', 'fact.language': 'Language',
    'fact.country': 'Country', 'fact.groups': 'Groups', 'fact.opted_out': 'Opted out',
    'fact.first_heard': 'First heard from',
    'results.title': 'Results: {flow}', 'results.runs': 'Conversations', 'results.completed': 'Completed',
    'results.completion': 'Completion', 'results.status': 'Conversations by status',
    'results.completion_by': 'Completion by language and by channel',
    'results.dropoff': 'Where people stopped (by step)', 'results.questions': 'Answers by question',
    'results.by_language': 'by language', 'results.by_channel': 'by channel',
    'results.none': 'No answers yet.', 'results.downloads': 'Downloads',
    'results.csv': 'Answers (CSV)', 'results.jsonl': 'Answers (JSONL)', 'results.codebook': 'Codebook (CSV)', 'results.answers': '{n} answers', 'results.answers.one': '1 answer', 'results.people_n': '{n} people', 'results.people_n.one': '1 person',
    'results.people_by_language': 'people by language', 'results.people_by_channel': 'people by channel',
    'num.count': 'count', 'num.mean': 'mean', 'num.median': 'median', 'num.min': 'min', 'num.max': 'max', 'num.sum': 'sum',
    'status.completed': 'completed', 'status.active': 'active', 'status.expired': 'expired',
    'status.stopped': 'stopped', 'status.interrupted': 'interrupted',
    'bc.title': 'Broadcasts', 'bc.new': 'New broadcast', 'bc.flow': 'Survey or invitation',
    'bc.audience': 'Recipients', 'bc.aud.group': 'Group', 'bc.aud.respondents': 'Completed a survey',
    'bc.aud.answer': 'Answered (flow.question=answer)', 'bc.aud.phones': 'Numbers (comma-separated)',
    'bc.aud.all': 'Everyone', 'bc.value': 'Value', 'bc.at': 'Send at (leave empty to send now)',
    'bc.check': 'Check the cost', 'bc.send': 'Send now', 'bc.schedule': 'Schedule',
    'bc.dry': '{n} recipients (and {s} opted out, skipped). Total: {sms} SMS.',
    'bc.dry.one': '1 recipient (and {s} opted out, skipped). Total: {sms} SMS.',
    'bc.dry.lang': '{lang}: {n} people, {seg} SMS per message, {sms} SMS in all',
    'bc.dry.lang.one': '{lang}: 1 person, {seg} SMS per message, {sms} SMS in all',
    'bc.dry.country': 'By country', 'bc.created': 'Broadcast {id} created.',
    'bc.list': 'Past and current broadcasts', 'bc.none': 'No broadcasts yet.',
    'bc.id': 'Id', 'bc.state': 'State', 'bc.progress': 'Progress', 'bc.cancel': 'Cancel',
    'bc.cancelled': 'Broadcast {id} cancelled.', 'bc.confirm_cancel': 'Cancel broadcast {id}? Nobody not yet sent to will get it.',
    'bc.counts': 'total {total} · queued {queued} · waiting {waiting} · sent {sent} · delivered {delivered} · failed {failed} · skipped {skipped}',
    'bc.answered': '{n} answered ({pct}%)',
    'state.scheduled': 'scheduled', 'state.planning': 'planning', 'state.sending': 'sending',
    'state.done': 'done', 'state.cancelled': 'cancelled',
    'inbox.title': 'Messages from people', 'inbox.none': 'No open messages.',
    'inbox.all': 'Show closed ones too', 'inbox.reply': 'Reply', 'inbox.send': 'Send reply',
    'inbox.close': 'Close', 'inbox.closed': 'closed', 'inbox.open': 'open', 'inbox.sent': 'Reply sent.',
    'inbox.replies': 'Replies sent', 'inbox.from': 'From {contact}', 'inbox.flow': 'flow: {flow}',
    'contacts.title': 'Contacts', 'contacts.upload': 'Upload a CSV file',
    'contacts.upload.help': 'Columns: phone (required), name, language, groups (separated by ;), country, and any others.',
    'contacts.file': 'CSV file', 'contacts.send': 'Upload',
    'contacts.stored': '{n} contacts stored.', 'contacts.rejected': '{n} rows with errors:',
    'contacts.stored.one': '1 contact stored.', 'contacts.rejected.one': '1 row with errors:',
    'contacts.part': 'Sending part {i} of {n}…',
    'contacts.not_utf8': 'This file is not UTF-8 text: save it as "CSV UTF-8" (in Excel: Save As, CSV UTF-8) and upload it again. Nothing was stored.',
    'contacts.part_failed': 'Part {i} of {n} was not stored: {why} The {stored} contacts of the parts before it are stored; uploading the file again is safe.',
    'contacts.groups': 'Groups', 'contacts.group': 'Group', 'contacts.all_groups': 'All groups',
    'contacts.list': 'List', 'contacts.none': 'No contacts.', 'contacts.find': 'Find by number',
    'contacts.phone': 'Phone number', 'contacts.find.go': 'Find', 'contacts.forget': 'Forget',
    'contacts.confirm_forget': 'Erase everything about {phone}: answers, messages, groups? This cannot be undone.',
    'contacts.forgotten': 'Everything about {phone} was erased.', 'contacts.notfound': 'This number is not known.',
    'contacts.count': '{n} contacts', 'contacts.count.one': '1 contact', 'col.contact': 'Contact (pseudonym)', 'col.language': 'Language',
    'col.country': 'Country', 'col.groups': 'Groups', 'col.opted_out': 'Opted out',
    'yes': 'yes', 'no': 'no',
    'api.empty_audience': 'Nobody is in the audience {audience}: nobody would get this broadcast.',
    'api.all_opted_out': 'All {n} in the audience {audience} have opted out (STOP): nobody would get this broadcast.',
    'api.past': 'The time {at} has passed: choose a later time, or leave it empty to send now.',
  },
};

const KEY = 'sauti.lang';
let current = 'sw';
try {
  const saved = localStorage.getItem(KEY);
  if (saved && words[saved]) current = saved;
} catch (e) { /* storage off: the default */ }

export function lang() { return current; }

export function setLang(l) {
  if (!words[l]) return;
  current = l;
  try { localStorage.setItem(KEY, l); } catch (e) { /* not remembered */ }
  document.documentElement.lang = l;
}

export function other() { return current === 'sw' ? 'en' : 'sw'; }

// t('key', {n: 3}): the text in the current language, {names} filled in.
// A count of one takes the key's '.one' form where there is one ("1 person",
// "mtu 1"), so that no page says "1 people".
export function t(key, vars) {
  const one = vars && Number(vars.n) === 1 ? words[current][key + '.one'] : undefined;
  const s = one ?? words[current][key] ?? words.en[key] ?? (vars && vars.otherwise) ?? key;
  return vars ? fill(s, vars) : s;
}

// s with each {name} of vars filled in; any other left as written.
function fill(s, vars) {
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// The first [re, key, names, replace] of list that message matches: its
// key, the parts named, and replace; null when none does.
function sentenceOf(list, message) {
  for (const [re, key, names, replace] of list) {
    const m = re.exec(message);
    if (!m) continue;
    const vars = {};
    (names || []).forEach((name, i) => { vars[name] = m[i + 1]; });
    return {key, vars, replace};
  }
  return null;
}

export function number(n) {
  return new Intl.NumberFormat(current === 'sw' ? 'sw-TZ' : 'en-GB').format(n);
}

// The API's sentences (in English, docs/http.md) in the console's language.
// A sentence that names a command-line option (--at, --force) is replaced:
// the console has none.  Any other is given in the current language with the
// API's own words after it in brackets, which support staff can look up; one
// without a translation, or in English, is shown as the API wrote it.
const apiSentences = [
  [/^wrong token$/, 'api.wrong_token'],
  [/^storage unavailable, retry later$/, 'api.storage'],
  [/^no such flow$/, 'api.no_flow'],
  [/^no such broadcast$/, 'api.no_broadcast'],
  [/^that broadcast has ended already$/, 'api.ended'],
  [/^the audience (.+) is empty: nobody would get this broadcast/, 'api.empty_audience', ['audience'], true],
  [/^--at (\S+) is in the past/, 'api.past', ['at'], true],
  [/^a reply needs a text: /, 'api.reply_blank'],
  [/^'(.*)' is not a group or flow name$/, 'api.bad_name', ['name']],
  [/^'.*' must be answer:FLOW\.NAME=KEY/, 'api.answer_form'],
  [/^everyone in the audience (.+) \((\d+)\) has opted out/, 'api.all_opted_out', ['audience', 'n'], true],
  [/^no flow '([^']*)' \(the flows: (.*)\)$/, 'api.unknown_flow', ['flow', 'flows']],
  [/^no step of flow '([^']*)' saves '([^']*)'$/, 'api.no_answer', ['flow', 'name']],
  [/^'([^']*)' is not one of the keys of '([^']*)' in flow '([^']*)'$/, 'api.no_key', ['key', 'name', 'flow']],
  [/^phone (\d+) of (\d+) \('[^']*'\): (.*)$/, 'api.phone', ['i', 'n', 'why']],
  [/^(?:line 1: the file is empty|empty body: send the contacts CSV)/, 'api.empty_file'],
  [/^line (\d+): no 'phone' column in the header/, 'api.no_phone_column', ['line']],
  [/^line (\d+): column '([^']*)' appears twice$/, 'api.column_twice', ['line', 'name']],
  [/^line (\d+): column (\d+) '.*': a column name may have only/, 'api.column_name', ['line', 'i']],
  [/^nothing is stored about that number$/, 'api.nothing_stored'],
  [/^no such inbox item$/, 'api.no_item'],
];
const phoneReasons = [
  [/landline/, 'api.phone.landline'], [/not a valid number/, 'api.phone.invalid'],
  [/short code/, 'api.phone.short'], [/letters/, 'api.phone.letters'],
];

export function apiText(message) {
  const found = sentenceOf(apiSentences, message);
  const said = found && words[current][found.key];
  if (!said) return message;
  const {vars} = found;
  if ('why' in vars) {
    const reason = phoneReasons.find(([r]) => r.test(vars.why));
    if (reason && words[current][reason[1]]) vars.why = words[current][reason[1]];
  }
  const text = fill(said, vars);
  return found.replace ? text : `${text} (${message})`;
}

// A bad row of a contacts upload, "line 4: phone '#': a landline, not a
// mobile number; language 'x': use a code of 2 or 3 letters, such as sw or
// en" (docs/commands.md), in the console's language: each column named and
// its reason said, the values as the server quoted them.
const rowReasons = [[/country code of 2 letters/, 'row.country.why'], [/code of 2 or 3 letters/, 'row.language.why']];
// The problems of a row that name no value: the file's own.
const fileReasons = [
  [/^column '([^']*)' is not UTF-8 text/, 'row.utf8', ['name']],
  [/^(\d+) cells but the header has (\d+) columns/, 'row.cells', ['n', 'm']],
  [/^a value in column (\d+), which has no name/, 'row.unnamed', ['i']],
];
function fileReason(part) {
  const found = sentenceOf(fileReasons, part);
  const said = found && words[current][found.key];
  return said ? fill(said, found.vars) : part;
}
export function rowText(message) {
  const m = /^line (\d+): (.*)$/.exec(message);
  if (!m || !words[current]['row.line']) return message;
  const parts = m[2].split(/; (?=\w+ '|\d+ cells |a value in column )/).map((part) => {
    const p = /^(phone|country|language) ('[^']*'): (.*)$/.exec(part);
    if (!p) return fileReason(part);
    const reason = (p[1] === 'phone' ? phoneReasons : rowReasons).find(([r]) => r.test(p[3]));
    return `${words[current][`row.${p[1]}`]} ${p[2]}: ${reason ? words[current][reason[1]] : p[3]}`;
  });
  return words[current]['row.line'].replace('{n}', m[1]).replace('{why}', parts.join('; '));
}
