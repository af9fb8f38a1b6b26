// The flows: the list, one flow's steps with what each costs by SMS, and
// its results (completion, drop-off, a chart per question, downloads).
import * as api from '../api.js';
import { chart } from '../charts.js';
import { h } from '../dom.js';
import { lang, number, t } from '../i18n.js';

// A text given per language: the console's language, else the flow's first.
export function inLang(texts) {
  if (!texts || typeof texts !== 'object') return texts ?? '';
  return texts[lang()] ?? Object.values(texts)[0] ?? '';
}

export async function loadFlows() {
  return api.list(await api.get('/api/flows'), 'flows');
}

const enc = encodeURIComponent;

// keywords and ussd, at the top or under "triggers" as in the flow file
function triggers(f) {
  const t = f.triggers || {};
  return {...f, keywords: f.keywords || t.keywords || [], ussd: f.ussd ?? t.ussd ?? null};
}

export async function flowsPage(view) {
  view.append(h('h1', {}, t('flows.title')));
  let flows;
  try {
    flows = await loadFlows();
  } catch (err) {
    if (!err.unavailable) throw err;
    view.append(h('p', {class: 'notice', role: 'alert'}, `GET /api/flows: ${t('err.unavailable')}`));
    return;
  }
  if (!flows.length) { view.append(h('p', {class: 'muted'}, t('flows.none'))); return; }
  view.append(h('ul', {class: 'cards'}, flows.map(triggers).map((f) => h('li', {},
    h('h2', {}, inLang(f.title) || f.id),
    h('p', {class: 'muted'}, [f.id, f.kind ? t(`kind.${f.kind}`) : null,
      Array.isArray(f.steps) ? t('flows.steps', {n: f.steps.length}) : (f.steps ? t('flows.steps', {n: f.steps}) : null)]
      .filter(Boolean).join(' · ')),
    f.languages ? h('p', {}, `${t('flows.languages')}: ${[].concat(f.languages).join(', ')}`) : null,
    f.keywords && f.keywords.length ? h('p', {}, `${t('flows.keywords')}: ${f.keywords.join(', ')}`) : null,
    f.ussd ? h('p', {}, `${t('flows.ussd')}: ${f.ussd}`) : null,
    h('p', {class: 'downloads'},
      h('a', {class: 'button secondary', href: `#/flows/${enc(f.id)}`}, t('flows.open')),
      h('a', {class: 'button secondary', href: `#/results/${enc(f.id)}`}, t('flows.results')))))));
}

function smsTag(cost) {
  if (!cost) return null;
  return h('span', {class: 'tag', title: cost.ucs2 ? t('flow.ucs2') : null},
    t('flow.cost', {n: cost.segments}) + (cost.ucs2 ? ' · UCS-2' : ''));
}

export async function flowPage(view, {args: [id]}) {
  const f = await api.get(`/api/flows/${enc(id)}`);
  view.append(h('h1', {}, inLang(f.title) || f.id),
    h('p', {class: 'muted'}, [f.id, t(`kind.${f.kind}`), `${t('flows.languages')}: ${f.languages.join(', ')}`,
      f.keywords.length ? `${t('flows.keywords')}: ${f.keywords.join(', ')}` : null,
      f.ussd ? `${t('flows.ussd')}: ${f.ussd}` : null].filter(Boolean).join(' · ')),
    h('p', {}, h('a', {class: 'button secondary', href: `#/results/${enc(f.id)}`}, t('flows.results'))),
    h('h2', {}, t('flow.steps')));
  // A say goes out joined to the steps after it, up to the next question or
  // end: that one message ("sent") is what is paid for, once, in the total.
  const total = {};
  const steps = h('ol', {class: 'steps'});
  let joined = false; // this step went out with the say before it
  for (const s of f.steps) {
    const langs = f.languages.map((l) => {
      const cost = s.sent ? s.sent[l] : s.sms[l];
      if (!joined) total[l] = (total[l] || 0) + (cost ? cost.segments : 0);
      return h('p', {}, h('span', {class: 'tag'}, l), ' ', h('span', {class: 'msg'}, s.message[l]), ' ', smsTag(s.sms[l]),
        s.sent && s.sent[l] ? h('span', {class: 'muted sent'}, ' ', t('flow.sent'), ' ', smsTag(s.sent[l])) : null);
    });
    joined = s.type === 'say' && Boolean(s.sent);
    steps.append(h('li', {class: 'panel step'},
      h('h3', {}, s.id, ' ', h('span', {class: 'tag'}, t(`type.${s.type}`) + (s.ask ? ` · ${t(`ask.${s.ask}`)}` : ''))),
      s.save ? h('p', {class: 'muted'}, `${t('flow.save')}: ${s.save}`) : null,
      langs));
  }
  view.append(steps,
    h('p', {class: 'muted'}, t('flow.total', {n: f.languages.map((l) => `${l} ${total[l]}`).join(', ')})));
}

// Rows for a question's chart: every choice key in flow order (those nobody
// chose too), else the answers given, most frequent first.
function answerRows(step, counts) {
  if (step && step.choices) return step.choices.map((c) => ({key: c.key, label: inLang(c.label) || c.key}));
  return Object.keys(counts || {}).sort((a, b) => counts[b] - counts[a]).slice(0, 15)
    .map((k) => ({key: k, label: k}));
}

function countOf(v) {
  return typeof v === 'number' ? v : (v && typeof v.count === 'number' ? v.count : 0);
}

// {group: {key: n}} from either form of the report: runs by group
// ({lang: {key: n}}) or people by group ({lang: {values: {key: {count}}}}).
function byGroup(groups) {
  const out = {};
  for (const [g, v] of Object.entries(groups || {})) {
    const counts = v && v.values && typeof v.values === 'object' ? v.values : v;
    out[g] = Object.fromEntries(Object.entries(counts || {}).map(([k, c]) => [k, countOf(c)]));
  }
  return out;
}

function splitChart(caption, rows, groups) {
  const names = Object.keys(groups || {});
  if (!names.length) return null;
  return chart(caption, rows.map((r) => ({label: r.label, values: names.map((n) => groups[n][r.key] || 0)})),
    names.map((n) => ({name: n})));
}

function numberFacts(fig) {
  if (!fig || !fig.count) return null;
  return h('p', {class: 'muted'}, ['count', 'mean', 'median', 'min', 'max', 'sum']
    .filter((k) => fig[k] !== null && fig[k] !== undefined)
    .map((k) => `${t(`num.${k}`)} ${number(fig[k])}`).join(' · '));
}

// Runs and completed runs of each language, then of each channel
// (completion_by_language, completion_by_channel: docs/commands.md).
function completionChart(report) {
  const groups = [report.completion_by_language, report.completion_by_channel]
    .flatMap((by) => Object.entries(by || {}));
  if (!groups.length) return null;
  return chart(t('results.completion_by'),
    groups.map(([g, c]) => ({label: `${g} (${c.completion_pct ?? 0}%)`, values: [countOf(c.completed), countOf(c.runs)]})),
    [{name: t('results.completed')}, {name: t('results.runs')}]);
}

export async function resultsPage(view, {session, args: [id]}) {
  const [f, report] = await Promise.all([
    api.get(`/api/flows/${enc(id)}`).catch(() => null),
    api.get(`/api/flows/${enc(id)}/report`)]);
  view.append(h('h1', {}, t('results.title', {flow: f ? inLang(f.title) || id : id})));
  view.append(h('dl', {class: 'facts'},
    h('dt', {}, t('results.runs')), h('dd', {}, number(report.runs ?? 0)),
    h('dt', {}, t('results.completed')), h('dd', {}, number(report.completed ?? 0)),
    h('dt', {}, t('results.completion')), h('dd', {}, `${report.completion_pct ?? 0}%`)));
  // exports are the researchers' (and admins'); a convenor sees the figures
  if (session.role !== 'convenor') view.append(h('h2', {}, t('results.downloads')), h('p', {class: 'downloads'},
    h('a', {class: 'button secondary', href: `/api/flows/${enc(id)}/export.csv`, download: `${id}.csv`}, t('results.csv')),
    h('a', {class: 'button secondary', href: `/api/flows/${enc(id)}/export.jsonl`, download: `${id}.jsonl`}, t('results.jsonl')),
    h('a', {class: 'button secondary', href: `/api/flows/${enc(id)}/codebook.csv`, download: `${id}-codebook.csv`}, t('results.codebook'))));
  if (!report.runs) { view.append(h('p', {class: 'muted'}, t('results.none'))); return; }

  const status = report.status || {};
  const charts = h('div', {class: 'charts'});
  charts.append(chart(t('results.status'),
    Object.keys(status).map((k) => ({label: t(`status.${k}`), values: [countOf(status[k])]})), [{name: ''}]));
  const completion = completionChart(report);
  if (completion) charts.append(completion);
  const drop = report.drop_off || {};
  const order = f ? f.steps.map((s) => s.id).filter((s) => s in drop) : [];
  const dropSteps = order.concat(Object.keys(drop).filter((s) => !order.includes(s)));
  if (dropSteps.length) {
    charts.append(chart(t('results.dropoff'), dropSteps.map((s) => ({label: s, values: [countOf(drop[s])]})), [{name: ''}]));
  }
  view.append(charts, h('h2', {}, t('results.questions')));
  const questions = report.questions || {};
  const saves = f ? f.steps.filter((s) => s.save).map((s) => s.save).filter((q) => q in questions) : [];
  for (const q of saves.concat(Object.keys(questions).filter((x) => !saves.includes(x)))) {
    const info = questions[q];
    const step = f ? f.steps.find((s) => s.save === q) : null;
    // people (each one's latest completed run) when the report has them
    const people = info.people && info.people_by_language;
    const values = people ? info.people.values : info.values;
    const rows = answerRows(step, byGroup({all: values}).all);
    const title = step && step.message ? inLang(step.message).split('\n')[0] : '';
    view.append(h('section', {class: 'panel question'},
      h('h3', {}, q, ' ', h('span', {class: 'muted'}, [
        people ? t('results.people_n', {n: countOf(info.people.total)}) : null,
        t('results.answers', {n: countOf(info.total)})].filter(Boolean).join(' · '))),
      title ? h('p', {class: 'muted'}, title) : null,
      numberFacts(people ? info.people.number : info.number),
      h('div', {class: 'charts'},
        splitChart(`${q}: ${t(people ? 'results.people_by_language' : 'results.by_language')}`, rows,
          byGroup(people ? info.people_by_language : info.by_language)),
        splitChart(`${q}: ${t(people ? 'results.people_by_channel' : 'results.by_channel')}`, rows,
          byGroup(people ? info.people_by_channel : info.by_channel)))));
  }
}
