import { lang } from './i18n.js';

// h('p', {class: 'x', onclick: fn}, 'text', child...): an element built
// without innerHTML, so nothing from the server is ever read as markup.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let uid = 0;
export function id(prefix) { uid += 1; return `${prefix}-${uid}`; }

// A labelled form field: [label, control].
export function field(label, control) {
  if (!control.id) control.id = id('f');
  return h('div', {class: 'field'}, h('label', {for: control.id}, label), control);
}

// On a narrow screen each row becomes a block, every cell labelled with its
// column (style.css), instead of a table wider than the phone.
export function table(headers, rows) {
  for (const row of rows) {
    [...row.children].forEach((td, i) => {
      const label = headers[i] && (headers[i].label ?? headers[i]);
      if (label) td.dataset.label = label;
    });
  }
  return h('div', {class: 'table-wrap'}, h('table', {},
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {scope: 'col', class: x.num ? 'num' : null}, x.label ?? x)))),
    h('tbody', {}, rows)));
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso
    : d.toLocaleString(lang() === 'sw' ? 'sw-TZ' : 'en-GB', {dateStyle: 'medium', timeStyle: 'short'});
}
