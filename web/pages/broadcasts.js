// Broadcasts: a new one (flow, audience, the dry run's recipients and cost,
// then send now or schedule), the list with live progress, cancel.
import * as api from '../api.js';
import { clear, field, h, table, when } from '../dom.js';
import { number, t } from '../i18n.js';
import { showError } from '../ui.js';
import { inLang, loadFlows } from './flows.js';

const POLL_MS = 1500;
const live = ['scheduled', 'planning', 'sending'];
const enc = encodeURIComponent;

function audienceControls() {
  const kind = h('select', {name: 'audience'},
    ['group', 'respondents', 'answer', 'phones', 'all'].map((k) => h('option', {value: k}, t(`bc.aud.${k}`))));
  const value = h('input', {name: 'audience_value', type: 'text', autocomplete: 'off'});
  const valueField = field(t('bc.value'), value);
  kind.addEventListener('change', () => { valueField.hidden = kind.value === 'all'; });
  return {kind, value, valueField, audience: () => (kind.value === 'all' ? 'all' : `${kind.value}:${value.value.trim()}`)};
}

function dryRunView(d) {
  const langs = Object.entries(d.languages || {});
  const countries = d.countries || d.by_country || null;
  return h('div', {class: 'panel dry-run', role: 'status'},
    h('p', {class: 'ok'}, t('bc.dry', {n: number(d.recipients), s: number(d.skipped ?? 0), sms: number(d.sms_total)})),
    langs.length ? h('ul', {}, langs.map(([l, x]) => h('li', {},
      t('bc.dry.lang', {lang: l, n: number(x.recipients), seg: x.segments, sms: number(x.sms)}) +
      (x.ucs2 ? ` · UCS-2 (${x.ucs2_chars})` : '')))) : null,
    countries && Object.keys(countries).length ? h('p', {}, `${t('bc.dry.country')}: ${Object.entries(countries)
      .map(([c, n]) => `${c} ${number(typeof n === 'object' ? n.recipients : n)}`).join(', ')}`) : null);
}

function progress(b) {
  // before planning, a scheduled broadcast's total is its audience's size
  const total = (b.state === 'scheduled' ? b.size ?? b.total : b.total) || 0;
  const done = ['sent', 'failed', 'skipped', 'cancelled'].reduce((n, k) => n + (b[k] || 0), 0);
  return h('div', {},
    h('progress', {max: String(Math.max(total, 1)), value: String(total ? done : 0),
      'aria-label': `${b.id}: ${done}/${total}`}),
    h('div', {class: 'muted counts'}, t('bc.counts', {total, queued: b.queued ?? 0,
      waiting: b.waiting ?? 0, sent: b.sent ?? 0, delivered: b.delivered ?? 0,
      failed: b.failed ?? 0, skipped: b.skipped ?? 0})),
    b.answered !== undefined && b.sent ? h('div', {class: 'muted'},
      t('bc.answered', {n: b.answered, pct: Math.round(100 * (b.reply_rate ?? b.answered / b.sent))})) : null);
}

export async function broadcastsPage(view) {
  let flows = null;
  try { flows = await loadFlows(); } catch (err) { if (!err.unavailable) throw err; }

  // -- new broadcast
  const flowInput = flows
    ? h('select', {name: 'flow', required: true}, flows.map((f) => h('option', {value: f.id}, `${inLang(f.title) || f.id} (${f.id})`)))
    : h('input', {name: 'flow', type: 'text', required: true});
  const aud = audienceControls();
  const at = h('input', {name: 'at', type: 'datetime-local'});
  const result = h('div', {'aria-live': 'polite'});
  const send = h('button', {type: 'button', disabled: true}, t('bc.send'));
  let checked = null; // the request the dry run was for

  const request = () => {
    const body = {flow: flowInput.value, to: aud.audience()};
    if (at.value) body.at = new Date(at.value).toISOString();
    return body;
  };
  const invalidate = () => {
    checked = null;
    send.disabled = true;
    send.textContent = at.value ? t('bc.schedule') : t('bc.send');
  };
  for (const el of [flowInput, aud.kind, aud.value, at]) el.addEventListener('input', invalidate);
  for (const el of [flowInput, aud.kind, at]) el.addEventListener('change', invalidate);

  const check = h('button', {type: 'submit'}, t('bc.check'));
  const form = h('form', {class: 'panel', onsubmit: async (e) => {
    e.preventDefault();
    clear(result);
    const body = request();
    try {
      result.append(dryRunView(await api.post('/api/broadcasts', {...body, dry_run: true})));
      checked = JSON.stringify(body);
      send.disabled = false;
      send.textContent = body.at ? t('bc.schedule') : t('bc.send');
    } catch (err) { showError(result, err); }
  }},
  h('h2', {}, t('bc.new')),
  field(t('bc.flow'), flowInput),
  h('div', {class: 'row'}, field(t('bc.audience'), aud.kind), aud.valueField),
  field(t('bc.at'), at),
  h('p', {class: 'row'}, check, send),
  result);
  if (!flows) form.insertBefore(h('p', {class: 'notice'}, `GET /api/flows: ${t('err.unavailable')}`), form.children[1]);

  send.addEventListener('click', async () => {
    const body = request();
    if (JSON.stringify(body) !== checked) { invalidate(); return; }
    send.disabled = true;
    try {
      const {id} = await api.post('/api/broadcasts', body);
      clear(result).append(h('p', {class: 'ok', role: 'status'}, t('bc.created', {id})));
      checked = null;
      refresh();
    } catch (err) {
      send.disabled = false;
      showError(result, err);
    }
  });

  // -- the list
  const listBox = h('div', {'aria-live': 'polite'});
  const listNote = h('div', {});
  let timer = null;
  let stopped = false;

  function row(b) {
    const cancel = live.includes(b.state) ? h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!window.confirm(t('bc.confirm_cancel', {id: b.id}))) return;
      try {
        await api.del(`/api/broadcasts/${enc(b.id)}`);
        listNote.replaceChildren(h('p', {class: 'ok', role: 'status'}, t('bc.cancelled', {id: b.id})));
      } catch (err) { showError(listNote, err); }
      refresh();
    }}, t('bc.cancel')) : null;
    return h('tr', {'data-id': b.id, 'data-state': b.state || ''},
      h('td', {}, h('code', {}, b.id), h('div', {class: 'muted'}, b.flow || ''),
        h('div', {class: 'muted'}, b.audience || b.to || ''), b.at ? h('div', {class: 'muted'}, when(b.at)) : null),
      h('td', {}, h('span', {class: `tag state-${b.state}`}, b.state ? t(`state.${b.state}`) : '?')),
      h('td', {class: 'progress-cell'}, progress(b)),
      h('td', {}, cancel));
  }

  async function refresh() {
    if (timer) { clearTimeout(timer); timer = null; }
    let items;
    try {
      items = api.list(await api.get('/api/broadcasts'), 'broadcasts');
    } catch (err) {
      clear(listBox);
      showError(listBox, err);
      return;
    }
    if (stopped) return;
    clear(listBox).append(items.length
      ? table([t('bc.id'), t('bc.state'), t('bc.progress'), ''], items.map(row))
      : h('p', {class: 'muted'}, t('bc.none')));
    if (items.some((b) => !b.state || live.includes(b.state))) timer = setTimeout(refresh, POLL_MS);
  }

  view.append(h('h1', {}, t('bc.title')), form, h('h2', {}, t('bc.list')), listNote, listBox);
  await refresh();
  return () => { stopped = true; if (timer) clearTimeout(timer); };
}
