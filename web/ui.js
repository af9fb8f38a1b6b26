// What every page shows the same way: an error in the API's own words, in
// the console's language (i18n.js apiText).
import { h } from './dom.js';
import { apiText, t } from './i18n.js';

let role = null;
export function setRole(r) { role = r; }

export function showError(where, err) {
  let text = apiText(err.message);
  if (err.unavailable) text = t('err.unavailable');
  else if (err.status === 413) text = t('err.too_large');
  else if (err.status === 403 && role) text = `${t('err.forbidden', {role})} (${err.message})`;
  where.append(h('p', {class: err.unavailable ? 'notice' : 'error', role: 'alert'}, text));
}
