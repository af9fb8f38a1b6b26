// The inbox: what people sent that no flow took as an answer; read, reply
// (by SMS, through Kannel), close.
import * as api from '../api.js';
import { clear, field, h, when } from '../dom.js';
import { t } from '../i18n.js';
import { showError } from '../ui.js';

const enc = encodeURIComponent;

function replyText(r) {
  return typeof r === 'string' ? r : (r.text ?? JSON.stringify(r));
}

function item(it, reload) {
  const out = h('div', {'aria-live': 'polite'});
  const text = h('textarea', {name: 'reply', rows: '2', maxlength: '480'});
  const replies = [].concat(it.replies || []);
  const open = (it.status || 'open') === 'open';
  const act = async (fn, okText) => {
    clear(out);
    try {
      await fn();
      if (okText) out.append(h('p', {class: 'ok', role: 'status'}, okText));
      await reload();
    } catch (err) { showError(out, err); }
  };
  const form = h('form', {class: 'reply-form', onsubmit: (e) => {
    e.preventDefault();
    if (!text.value.trim()) return;
    act(() => api.post(`/api/inbox/${enc(it.id)}/reply`, {text: text.value}), t('inbox.sent'));
  }},
  field(t('inbox.reply'), text),
  h('p', {class: 'row'},
    h('button', {type: 'submit'}, t('inbox.send')),
    open ? h('button', {type: 'button', class: 'secondary',
      onclick: () => act(() => api.post(`/api/inbox/${enc(it.id)}/close`))}, t('inbox.close')) : null));
  return h('article', {class: 'inbox-item', 'data-id': it.id},
    h('div', {class: 'muted'}, [when(it.at), t('inbox.from', {contact: it.contact || '?'}), it.language, it.channel,
      it.flow ? t('inbox.flow', {flow: it.flow}) : null].filter(Boolean).join(' · '), ' ',
      h('span', {class: 'tag'}, open ? t('inbox.open') : t('inbox.closed'))),
    h('p', {class: 'text'}, it.text ?? ''),
    replies.length ? h('div', {}, h('h3', {}, t('inbox.replies')),
      replies.map((r) => h('p', {class: 'reply'}, replyText(r), r.at ? h('span', {class: 'muted'}, ` · ${when(r.at)}`) : null,
        r.status ? h('span', {class: 'tag'}, r.status) : null))) : null,
    form, out);
}

export async function inboxPage(view) {
  const all = h('input', {type: 'checkbox', id: 'inbox-all'});
  const box = h('div', {});
  async function reload() {
    let items;
    try {
      items = api.list(await api.get(all.checked ? '/api/inbox?all=1' : '/api/inbox'), 'items');
    } catch (err) {
      clear(box);
      showError(box, err);
      return;
    }
    clear(box).append(...(items.length ? items.map((it) => item(it, reload)) : [h('p', {class: 'muted'}, t('inbox.none'))]));
  }
  all.addEventListener('change', reload);
  view.append(h('h1', {}, t('inbox.title')),
    h('p', {}, all, ' ', h('label', {for: 'inbox-all', class: 'inline'}, t('inbox.all'))),
    box);
  await reload();
}
