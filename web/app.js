// The console: sign-in, the menu, and a page per #/path.  Pages live in
// pages/*.js; each renders into <main> and may return a function that stops
// what it started (a poll) when another page opens.
import * as api from './api.js';
import { clear, field, h } from './dom.js';
import { apiText, lang, other, setLang, t } from './i18n.js';
import { setRole, showError } from './ui.js';
import { flowPage, flowsPage, resultsPage } from './pages/flows.js';
import { broadcastsPage } from './pages/broadcasts.js';
import { inboxPage } from './pages/inbox.js';
import { contactsPage } from './pages/contacts.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const langButton = document.getElementById('lang');
const signoutButton = document.getElementById('signout');
const SIGNED_IN = 'sauti.signed_in'; // a hint only: the cookie is the truth

let session = null;
let stop = null;
let notice = null;
let generation = 0; // of route(): a page that finishes after another started is dropped

const convening = ['admin', 'convenor'];
const menu = [
  {path: '#/flows', key: 'nav.flows', roles: null},
  {path: '#/broadcasts', key: 'nav.broadcasts', roles: convening},
  {path: '#/inbox', key: 'nav.inbox', roles: convening},
  {path: '#/contacts', key: 'nav.contacts', roles: convening},
];

const routes = [
  [/^#\/flows$/, flowsPage],
  [/^#\/flows\/([^/]+)$/, flowPage],
  [/^#\/results\/([^/]+)$/, resultsPage],
  [/^#\/broadcasts$/, broadcastsPage],
  [/^#\/inbox$/, inboxPage],
  [/^#\/contacts$/, contactsPage],
];

function allowed(item) {
  return !item.roles || !session || !convening.concat(['researcher']).includes(session.role) ||
    item.roles.includes(session.role);
}

function renderChrome() {
  setRole(session ? session.role : null);
  document.documentElement.lang = lang();
  langButton.textContent = t('lang.other');
  langButton.setAttribute('aria-label', `${t('lang.other')} / ${t('lang.name')}`);
  signoutButton.textContent = t('signout');
  signoutButton.hidden = !session;
  clear(nav);
  if (!session) return;
  const here = location.hash.split('/').slice(0, 2).join('/');
  for (const item of menu.filter(allowed)) {
    const current = here === item.path || (item.path === '#/flows' && here === '#/results');
    nav.append(h('a', {href: item.path, 'aria-current': current ? 'page' : null}, t(item.key)));
  }
}


function signInPage(message) {
  const input = h('input', {type: 'password', autocomplete: 'current-password', required: true, name: 'token'});
  const out = h('div', {'aria-live': 'polite'});
  if (message) out.append(h('p', {class: 'notice', role: 'alert'}, message));
  const form = h('form', {class: 'signin panel', onsubmit: async (e) => {
    e.preventDefault();
    clear(out);
    try {
      session = await api.post('/api/session', {token: input.value});
      api.setCsrf(session.csrf);
      localStorage.setItem(SIGNED_IN, '1');
      input.value = '';
      if (!location.hash || location.hash === '#/signin') location.hash = '#/flows';
      else route();
    } catch (err) {
      showError(out, err);
    }
  }},
  h('h1', {}, t('signin.title')),
  field(t('signin.token'), input),
  h('p', {class: 'muted'}, t('signin.help')),
  h('button', {type: 'submit'}, t('signin.go')),
  out);
  clear(main).append(form);
  input.focus();
}

async function route() {
  const mine = ++generation;
  if (stop) { stop(); stop = null; }
  renderChrome();
  if (!session) { signInPage(notice); notice = null; return; }
  const hash = location.hash || '#/flows';
  if (hash === '#/' || hash === '#/signin') { location.hash = '#/flows'; return; }
  clear(main).append(h('p', {class: 'muted'}, t('loading')));
  const found = routes.find(([re]) => re.test(hash));
  if (!found) { clear(main).append(h('p', {class: 'error'}, t('err.page'))); return; }
  // A page beyond the role (a link someone shared) says so and shows no
  // form the server would refuse once filled in (docs/console.md).
  const item = menu.find((m) => hash === m.path || hash.startsWith(`${m.path}/`));
  if (item && !allowed(item)) {
    clear(main).append(h('p', {class: 'error', role: 'alert'}, t('err.forbidden', {role: session.role})));
    main.focus({preventScroll: true});
    return;
  }
  const args = hash.match(found[0]).slice(1).map(decodeURIComponent);
  const view = h('div', {});
  try {
    const stopper = (await found[1](view, {session, args})) || null;
    if (mine !== generation) { if (stopper) stopper(); return; }
    stop = stopper;
    clear(main).append(view);
  } catch (err) {
    if (mine !== generation) return;
    clear(main);
    showError(main, err);
  }
  main.focus({preventScroll: true});
}

async function signOut() {
  try { await api.del('/api/session'); } catch (err) { /* gone already */ }
  session = null;
  localStorage.removeItem(SIGNED_IN);
  api.setCsrf(null);
  route();
}

api.whenSignedOut(() => {
  if (!session) return;
  session = null;
  localStorage.removeItem(SIGNED_IN);
  notice = t('signin.expired');
  route();
});

langButton.addEventListener('click', () => { setLang(other()); route(); });
signoutButton.addEventListener('click', signOut);
window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (e) => {
  // never a blank page: whatever failed is said where the page was
  showError(main, e.reason instanceof Error ? e.reason : new Error(String(e.reason)));
});

async function start() {
  if (localStorage.getItem(SIGNED_IN)) {
    try {
      session = await api.get('/api/session');
      api.setCsrf(session.csrf);
    } catch (err) {
      session = null;
      localStorage.removeItem(SIGNED_IN);
      if (err.status !== 401) notice = apiText(err.message);
    }
  }
  route();
}

start();
