// Bar charts as inline SVG: no chart library to download (the console must
// stay light on a phone).  Sizes are in percent across and pixels down, so
// the text stays readable at any width.
import { h } from './dom.js';
import { number } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';
export const colours = ['#0b6e4f', '#d9822b', '#3d6fb6', '#8e44ad', '#7f8c8d', '#b3261e'];

function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

const BAR_SPAN = 82; // percent of the width the longest bar takes

// rows: [{label, values: [n per series]}]; series: [{name}] (one colour
// each).  Returns a <figure>.
export function chart(caption, rows, series) {
  const many = series.length > 1;
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  const barH = many ? 12 : 16;
  const rowH = 20 + barH * series.length + 8;
  const svg = s('svg', {class: 'chart', width: '100%', height: String(rows.length * rowH + 4), role: 'img'});
  const summary = [];
  rows.forEach((r, i) => {
    const y0 = i * rowH;
    svg.append(s('text', {x: '0', y: String(y0 + 14)}, r.label));
    r.values.forEach((v, k) => {
      const w = (v / max) * BAR_SPAN;
      const y = y0 + 20 + k * barH;
      svg.append(s('rect', {x: '0', y: String(y), width: `${Math.max(w, v ? 0.5 : 0)}%`,
        height: String(barH - 2), fill: colours[k % colours.length], rx: '2'}));
      svg.append(s('text', {class: 'val', x: `${w + 1}%`, y: String(y + barH - 4)}, number(v)));
      summary.push(`${r.label}${many ? ` (${series[k].name})` : ''}: ${v}`);
    });
  });
  svg.setAttribute('aria-label', `${caption}. ${summary.join('; ')}`);
  const named = series.some((x) => x.name);
  return h('figure', {}, h('figcaption', {}, caption), named ? legend(series) : null, svg);
}

function legend(series) {
  return h('ul', {class: 'legend'}, series.map((x, k) => {
    const sw = h('i', {'aria-hidden': 'true'});
    sw.style.background = colours[k % colours.length];
    return h('li', {}, sw, x.name);
  }));
}
