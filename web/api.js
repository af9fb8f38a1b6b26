// Every action of the console goes through /api/, signed in by the session
// cookie (HttpOnly: this script never sees it); a request other than GET
// carries the session's CSRF token, which the server checks.
import { t } from './i18n.js';

let csrf = null;
let onSignedOut = () => {};

export function setCsrf(token) { csrf = token; }
export function whenSignedOut(fn) { onSignedOut = fn; }

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }

  // The endpoint is not on this server (an older daemon), as opposed to a
  // thing that does not exist: the API says "no such path" for those.
  get unavailable() {
    return this.status === 405 || (this.status === 404 && /no such path/.test(this.message));
  }
}

export async function call(method, path, body, type) {
  const headers = {Accept: 'application/json'};
  let payload;
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['Content-Type'] = type || 'application/json';
  }
  let res;
  try {
    res = await fetch(path, {method, headers, body: payload, credentials: 'same-origin', cache: 'no-store'});
  } catch (e) {
    throw new ApiError(0, t('err.network'));
  }
  const text = await res.text();
  let data = text;
  if ((res.headers.get('Content-Type') || '').startsWith('application/json')) {
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  }
  if (!res.ok) {
    const message = (data && data.error) || String(text).trim() || res.statusText;
    if (res.status === 401 && path !== '/api/session') onSignedOut();
    throw new ApiError(res.status, message);
  }
  return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body, type) => call('POST', path, body ?? {}, type);
export const del = (path) => call('DELETE', path);

// A list answer may be an array or an object holding one under a name.
export function list(data, name) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data[name])) return data[name];
  if (typeof data === 'string') {
    return data.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  }
  return [];
}
