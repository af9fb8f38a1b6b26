// Contacts: upload a CSV (the bad rows listed), the groups, the list,
// find one by number, forget one.
import * as api from '../api.js';
import { clear, field, h, table } from '../dom.js';
import { number, rowText, t } from '../i18n.js';
import { showError } from '../ui.js';

const enc = encodeURIComponent;

// A contacts list may come as JSON (array or lines) or as CSV.
function parseContacts(data) {
  if (typeof data === 'string' && /^contact,/.test(data)) {
    const [head, ...lines] = data.trim().split(/\r?\n/);
    const names = head.split(',');
    return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
  }
  return api.list(data, 'contacts');
}

function groupsOf(c) {
  const g = c.groups ?? [];
  return Array.isArray(g) ? g : String(g).split(';').filter(Boolean);
}

// The rows of a CSV text, each with its line ending and the number of
// lines it spans: a line break inside quotes does not end a row.
function csvRows(text) {
  const rows = [];
  let start = 0, quoted = false, lines = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      rows.push({text: text.slice(start, i + 1), lines});
      start = i + 1;
      lines = 1;
    } else if (c === '\n') lines++;
  }
  if (start < text.length) rows.push({text: text.slice(start), lines});
  return rows;
}

// A contacts file larger than the daemon takes in one request (the
// session's max_body) goes in parts of whole rows, each under that size
// and beginning with the file's header row again.  offset is what turns a
// part's "line N" into the file's (docs/console.md).  A single row too
// large goes alone, and the daemon says so.
const utf8 = new TextEncoder();

function csvParts(text, maxBytes) {
  const size = (s) => utf8.encode(s).length;
  if (!maxBytes || size(text) <= maxBytes) return [{body: text, offset: 0}];
  const [header, ...rows] = csvRows(text);
  const room = maxBytes - size(header.text);
  const parts = [];
  let body = [], used = 0, line = header.lines, offset = 0;
  for (const row of rows) {
    const n = size(row.text);
    if (body.length && used + n > room) {
      parts.push({body: header.text + body.join(''), offset});
      body = [];
      used = 0;
    }
    if (!body.length) offset = line - header.lines;
    body.push(row.text);
    used += n;
    line += row.lines;
  }
  if (body.length || !parts.length) parts.push({body: header.text + body.join(''), offset});
  return parts;
}

// "line N: ..." of a part, as the file's line.
function fileLine(message, offset) {
  return offset ? message.replace(/^line (\d+):/, (m, n) => `line ${Number(n) + offset}:`) : message;
}

function uploadForm(onDone, maxBody) {
  const file = h('input', {type: 'file', name: 'csv', accept: '.csv,text/csv', required: true});
  const out = h('div', {'aria-live': 'polite'});
  return h('form', {class: 'panel', onsubmit: async (e) => {
    e.preventDefault();
    clear(out);
    if (!file.files.length) return;
    // Read strictly: a file in another encoding (Excel's plain "CSV") would
    // reach the daemon with its accented letters turned into U+FFFD.
    let text;
    try {
      text = new TextDecoder('utf-8', {fatal: true}).decode(await file.files[0].arrayBuffer());
    } catch (err) {
      out.append(h('p', {class: 'error', role: 'alert'}, t('contacts.not_utf8')));
      return;
    }
    const parts = csvParts(text, maxBody);
    const progress = h('p', {class: 'muted', role: 'status'});
    if (parts.length > 1) out.append(progress);
    let stored = 0, rejected = 0;
    const errors = [];
    for (const [i, part] of parts.entries()) {
      progress.textContent = t('contacts.part', {i: number(i + 1), n: number(parts.length)});
      try {
        const r = await api.post('/api/contacts', part.body, 'text/csv');
        const bad = (r.errors || []).map((x) => (typeof x === 'string' ? x : (x.message ?? JSON.stringify(x))));
        stored += r.stored ?? 0;
        rejected += r.rejected ?? bad.length;
        errors.push(...bad.map((x) => fileLine(x, part.offset)));
      } catch (err) {
        progress.remove();
        showError(out, err);
        if (parts.length > 1) {
          const said = out.lastChild;
          said.textContent = t('contacts.part_failed', {i: number(i + 1), n: number(parts.length),
            why: said.textContent, stored: number(stored)});
          onDone();
        }
        return;
      }
    }
    progress.remove();
    out.append(h('p', {class: 'ok', role: 'status'}, t('contacts.stored', {n: number(stored)})));
    if (errors.length) {
      out.append(h('p', {class: 'error'}, t('contacts.rejected', {n: number(rejected)})),
        h('ul', {class: 'bad-rows'}, errors.map((x) => h('li', {}, rowText(x)))));
    }
    onDone();
  }},
  h('h2', {}, t('contacts.upload')),
  h('p', {class: 'muted'}, t('contacts.upload.help')),
  field(t('contacts.file'), file),
  h('p', {}, h('button', {type: 'submit'}, t('contacts.send'))),
  out);
}

function facts(obj) {
  const dl = h('dl', {class: 'facts'});
  for (const [k, v] of Object.entries(obj)) {
    const text = v === null ? '—' : typeof v === 'boolean' ? t(v ? 'yes' : 'no')
      : Array.isArray(v) ? (v.length && typeof v[0] === 'object' ? `${v.length}` : v.join(', '))
      : (typeof v === 'object' ? Object.entries(v).map(([a, b]) => `${a}: ${b}`).join(', ') : String(v));
    dl.append(h('dt', {}, t(`fact.${k}`, {otherwise: k})), h('dd', {}, text));
  }
  return dl;
}

function findForm(onForget) {
  const phone = h('input', {type: 'tel', name: 'phone', autocomplete: 'off', required: true});
  const out = h('div', {'aria-live': 'polite'});
  const forget = async () => {
    const p = phone.value.trim();
    if (!window.confirm(t('contacts.confirm_forget', {phone: p}))) return;
    clear(out);
    try {
      await api.del(`/api/contacts/${enc(p)}`);
      out.append(h('p', {class: 'ok', role: 'status'}, t('contacts.forgotten', {phone: p})));
      onForget();
    } catch (err) { showError(out, err); }
  };
  return h('form', {class: 'panel', onsubmit: async (e) => {
    e.preventDefault();
    clear(out);
    try {
      const c = await api.get(`/api/contacts/${enc(phone.value.trim())}`);
      out.append(facts(c));
    } catch (err) {
      if (err.status === 404 && !err.unavailable) out.append(h('p', {class: 'notice'}, `${t('contacts.notfound')} (${err.message})`));
      else showError(out, err);
    }
    out.append(h('p', {}, h('button', {type: 'button', class: 'danger', onclick: forget}, t('contacts.forget'))));
  }},
  h('h2', {}, t('contacts.find')),
  h('div', {class: 'row'}, field(t('contacts.phone'), phone), h('button', {type: 'submit'}, t('contacts.find.go'))),
  out);
}

export async function contactsPage(view, {session} = {}) {
  const listBox = h('div', {});
  const groupsBox = h('div', {});
  let group = '';

  async function reload() {
    let contacts;
    try {
      contacts = parseContacts(await api.get(`/api/contacts?format=jsonl${group ? `&group=${enc(group)}` : ''}`));
    } catch (err) {
      clear(listBox);
      clear(groupsBox);
      showError(listBox, err);
      return;
    }
    if (!group) {
      const counts = {};
      for (const c of contacts) for (const g of groupsOf(c)) counts[g] = (counts[g] || 0) + 1;
      const select = h('select', {name: 'group'}, h('option', {value: ''}, t('contacts.all_groups')),
        Object.keys(counts).sort().map((g) => h('option', {value: g}, `${g} (${counts[g]})`)));
      select.addEventListener('change', () => { group = select.value; reload(); });
      clear(groupsBox).append(field(t('contacts.group'), select));
    }
    clear(listBox).append(h('p', {class: 'muted'}, t('contacts.count', {n: number(contacts.length)})),
      contacts.length ? table([t('col.contact'), t('col.language'), t('col.country'), t('col.groups'), t('col.opted_out')],
        contacts.slice(0, 500).map((c) => h('tr', {},
          h('td', {}, h('code', {}, c.contact ?? '')), h('td', {}, c.language ?? ''), h('td', {}, c.country ?? ''),
          h('td', {}, groupsOf(c).join(', ')),
          h('td', {}, c.opted_out === true || c.opted_out === 'true' || c.opted_out === '1' ? t('yes') : t('no')))))
        : h('p', {class: 'muted'}, t('contacts.none')));
  }

  view.append(h('h1', {}, t('contacts.title')), uploadForm(reload, session && session.max_body), findForm(reload),
    h('h2', {}, t('contacts.groups'), ' · ', t('contacts.list')), groupsBox, listBox);
  await reload();
}
