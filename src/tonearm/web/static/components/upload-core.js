// Upload steps shared by <tonearm-uploader> and <tonearm-recorder>: open (or reuse) an upload
// session, create a track in it, PUT the bytes with progress, then follow processing to "ready".
import { ApiError, api, apiBase } from './shared.js';
import { fingerprint, forget, loadTus, recall, remember, tusUpload, wantsTus } from './resumable.js';

export const DONE = ['ready', 'incomplete'];
export const FAILED = ['error', 'init_error'];

export class UploadClient {
  /** `el` (a TonearmElement) supplies api-url, api-key, collection-id and upload-session-id, and emits the events. */
  constructor(el) {
    this.el = el;
    this.pending = null;
  }

  get base() { return apiBase(this.el); }

  reset() { this.pending = null; }

  session() {
    const given = this.el.getAttribute('upload-session-id');
    if (given) return Promise.resolve(given);
    if (!this.pending) {
      const body = {};
      const col = this.el.getAttribute('collection-id');
      if (col) body.collection_id = col;
      this.pending = api(this.base, '/v1/upload_session', { method: 'POST', key: this.el.getAttribute('api-key'), body })
        .then((d) => d.upload_session_id)
        .catch((err) => {
          this.pending = null;
          this.el.emit('session-error', { status: err.status, message: err.message });
          throw err;
        });
    }
    return this.pending;
  }

  /** Create a track for `file` and upload it; resolves with {sid, trackId}. `memo` keeps the track
   *  and its upload URL between attempts: a failed PUT does not use the URL up, so a retry reuses it. */
  async upload(file, onProgress, memo = {}) {
    if (wantsTus(this.el, file)) return this.uploadResumable(file, onProgress, memo);
    if (memo.target && Date.parse(memo.target.expires_at) > Date.now() + 5000) {
      try {
        await put(memo.target, file, onProgress);
      } catch (err) {
        if ([403, 404, 410].includes(err.status)) memo.target = null;  // used up or gone: a new track next time
        throw err;
      }
      return { sid: memo.sid, trackId: memo.trackId };
    }
    const { sid, created } = await this.createTrack(file);
    Object.assign(memo, { sid, trackId: created.track_id, target: created.track_upload });
    await put(created.track_upload, file, onProgress);
    memo.target = null;  // the URL is single use
    return { sid, trackId: created.track_id };
  }

  async createTrack(file) {
    const sid = await this.session();
    try {
      const created = await api(this.base, `/v1/upload/${sid}/track`, { method: 'POST', body: { file_name: file.name, file_size: file.size } });
      return { sid, created };
    } catch (err) {
      if (err instanceof ApiError && err.status === 410) {  // expired: the next attempt opens a new one
        this.pending = null;
        this.el.emit('session-error', { status: 410, message: err.message });
      }
      throw err;
    }
  }

  /** tus (resumable.js): the track and its tus URL are remembered under the file's fingerprint, so
   *  a retry, a dropped connection or a page reload continues the same upload from the server's offset. */
  async uploadResumable(file, onProgress, memo) {
    const scope = `${this.base}|${this.el.getAttribute('collection-id') || this.el.getAttribute('upload-session-id') || ''}`;
    const fp = fingerprint(file, scope);
    let target = recall(fp);
    if (!target) {
      const { sid, created } = await this.createTrack(file);
      const tus = created.track_upload_resumable;
      if (!tus) {  // a server without tus: plain PUT
        await put(created.track_upload, file, onProgress);
        return { sid, trackId: created.track_id };
      }
      target = { sid, trackId: created.track_id, url: tus.url, chunk_size: tus.chunk_size, expires_at: tus.expires_at };
      remember(fp, target);
    }
    Object.assign(memo, { sid: target.sid, trackId: target.trackId });
    const tus = await loadTus(this.el, this.base);
    try {
      await tusUpload(tus, file, target, fp, {
        onProgress,
        onResume: (offset, total) => this.el.emit('file-resumed', { file, track_id: target.trackId, offset, total }),
      });
    } catch (err) {
      if ([403, 404, 410].includes(err.status)) forget(fp);  // expired or gone: a new track next time
      throw err;
    }
    forget(fp);
    return { sid: target.sid, trackId: target.trackId };
  }

  /** Poll the track's status until it settles; resolves with the final status payload. */
  async settle(sid, trackId, onStatus = () => {}) {
    for (let delay = 500; ; delay = Math.min(3000, delay * 1.3)) {
      await new Promise((r) => setTimeout(r, delay));
      let data;
      try {
        data = await api(this.base, `/v1/upload/${sid}/track/${trackId}`);
      } catch (err) {
        if (err.status === 0) continue;  // a network blip: keep polling
        throw err;
      }
      onStatus(data);
      if (DONE.includes(data.track_status_id)) return data;
      if (FAILED.includes(data.track_status_id)) throw new ApiError(422, data.status_text || 'Processing failed');
    }
  }
}

function put(target, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method || 'PUT', target.upload_url);
    if (file.type) xhr.setRequestHeader('Content-Type', file.type);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded, e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) { resolve(); return; }
      let msg = `Upload failed (HTTP ${xhr.status})`;
      try { msg = JSON.parse(xhr.responseText).message || msg; } catch { /* not JSON */ }
      reject(new ApiError(xhr.status, msg));
    };
    xhr.onerror = () => reject(new ApiError(0, 'Server unreachable'));
    xhr.send(file);
  });
}
