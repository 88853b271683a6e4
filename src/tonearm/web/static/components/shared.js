// Shared helpers of Tonearm's web components: API calls in AudioDN's envelope, formatting.

/** Base URL of the API: the `api-url` attribute, else the server that served this script. */
export function apiBase(el) {
  const attr = el.getAttribute('api-url');
  return (attr || new URL(import.meta.url).origin).replace(/\/+$/, '');
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
  /** The key or session stopped being valid: the caller should renew it. */
  get renewable() {
    return [401, 403, 410].includes(this.status);
  }
}

/** Call the API; resolves with the JSON body, rejects with ApiError (status 0: unreachable). */
export async function api(base, path, { method = 'GET', key, body, signal } = {}) {
  const headers = {};
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(/^https?:/.test(path) ? path : base + path, {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'Cannot reach the audio server');
  }
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok || (data && data.ok === false)) {
    throw new ApiError(res.status, (data && data.message) || `Request failed (HTTP ${res.status})`);
  }
  return data;
}

export function fmtTime(seconds) {
  if (!isFinite(seconds) || seconds < 0) seconds = 0;
  const s = Math.floor(seconds % 60), m = Math.floor(seconds / 60) % 60, h = Math.floor(seconds / 3600);
  const ss = String(s).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function fmtBytes(n) {
  if (!n && n !== 0) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

export function esc(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function define(name, cls) {
  if (!customElements.get(name)) customElements.define(name, cls);
}

/** Inline SVG icons (24x24 paths). */
const ICONS = {
  play: 'M8 5.5v13l11-6.5z',
  pause: 'M7 5h3.5v14H7zm6.5 0H17v14h-3.5z',
  next: 'M6 6l8.5 6L6 18zm10 0h2v12h-2z',
  prev: 'M18 6l-8.5 6L18 18zM6 6h2v12H6z',
  download: 'M11 4h2v9l3.5-3.5 1.4 1.4L12 16.8l-5.9-5.9 1.4-1.4L11 13zM5 18h14v2H5z',
  upload: 'M11 20h2v-9l3.5 3.5 1.4-1.4L12 7.2l-5.9 5.9 1.4 1.4L11 11zM5 4h14v2H5z',
  level: 'M4 10h2v4H4zm4-3h2v10H8zm4-3h2v16h-2zm4 3h2v10h-2zm4 3h2v4h-2z',
  mic: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zm-7 9h2a5 5 0 0 0 10 0h2a7 7 0 0 1-6 6.9V21h-2v-2.1A7 7 0 0 1 5 12z',
  stop: 'M7 7h10v10H7z',
  retry: 'M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z',
};

export function icon(name) {
  return `<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="${ICONS[name]}"/></svg>`;
}
