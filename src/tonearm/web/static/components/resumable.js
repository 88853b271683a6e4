// Resumable uploads for <tonearm-uploader>: tus 1.0 through tus-js-client (MIT; its browser build is
// shipped by Tonearm at /static/vendor/, see vendor/README.md), resuming after a dropped connection
// (tus-js-client retries and asks the server for its offset) and after a page reload (the track and
// the tus upload URL are remembered in localStorage under the file's fingerprint).
import { ApiError } from './shared.js';

export const TUS_CLIENT = 'tus-js-client-4.3.1.min.js';
export const DEFAULT_THRESHOLD = 8 * 1024 * 1024;
const KEY = 'tonearm-resumable:';
let loading = null;

/** Load tus-js-client once: from the `tus-src` attribute, or from the Tonearm server itself. */
export function loadTus(el, base) {
  if (window.tus) return Promise.resolve(window.tus);
  if (!loading) {
    const src = el.getAttribute('tus-src') || `${base}/static/vendor/${TUS_CLIENT}`;
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.async = true;
      s.onload = () => (window.tus ? resolve(window.tus) : reject(new ApiError(0, 'The resumable upload client did not load')));
      s.onerror = () => { loading = null; reject(new ApiError(0, 'Could not load the resumable upload client')); };
      document.head.append(s);
    });
  }
  return loading;
}

/** Files at least `resumable-threshold` bytes (default 8 MiB; 0 turns tus off) go through tus. */
export function wantsTus(el, file) {
  const raw = el.getAttribute('resumable-threshold');
  const threshold = raw === null || raw === '' ? DEFAULT_THRESHOLD : Number(raw);
  return Number.isFinite(threshold) && threshold > 0 && file.size >= threshold;
}

export function fingerprint(file, scope) {
  return ['tonearm', scope, file.name, file.type, file.size, file.lastModified].join('|');
}

export function recall(fp) {
  try {
    const v = JSON.parse(localStorage.getItem(KEY + fp));
    if (v && Date.parse(v.expires_at) > Date.now() + 5000) return v;
  } catch { /* storage off or corrupt: start afresh */ }
  return null;
}

export function remember(fp, value) {
  try { localStorage.setItem(KEY + fp, JSON.stringify(value)); } catch { /* private mode: no reload resume */ }
}

export function forget(fp) {
  try { localStorage.removeItem(KEY + fp); } catch { /* nothing to forget */ }
}

function statusOf(err) {
  const res = err && err.originalResponse;
  return res ? res.getStatus() : 0;
}

/** Upload `file` to the tus creation URL `target.url`, resuming a previous upload of the same
 *  fingerprint. `onResume(offset)` is called when the server already had `offset` bytes. */
export function tusUpload(tus, file, target, fp, { onProgress, onResume } = {}) {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(file, {
      endpoint: target.url,
      chunkSize: target.chunk_size || Infinity,
      retryDelays: [0, 1000, 2000, 4000, 8000, 15000, 30000],
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      fingerprint: () => Promise.resolve(fp),
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => { if (onProgress) onProgress(sent, total); },
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'HEAD' && res.getStatus() === 200 && onResume) {
          const offset = parseInt(res.getHeader('Upload-Offset'), 10);
          if (offset > 0) onResume(offset, parseInt(res.getHeader('Upload-Length'), 10));
        }
      },
      onSuccess: () => resolve(),
      onError: (err) => {
        const status = statusOf(err);
        let message = status ? `Upload failed (HTTP ${status})` : 'Server unreachable';
        try { message = JSON.parse(err.originalResponse.getBody()).message || message; } catch { /* not JSON */ }
        reject(new ApiError(status, message));
      },
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    }, reject);
  });
}
