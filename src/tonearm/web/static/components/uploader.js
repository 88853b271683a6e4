// <tonearm-uploader>: drag-and-drop or pick audio files, upload them in parallel through an upload
// session, then follow each track's processing until it is ready. Drop-in for <audiodn-uploader>.
import { TonearmElement } from './base.js';
import { define, esc, fmtBytes, icon } from './shared.js';
import { UploadClient } from './upload-core.js';

const PARALLEL = 3;
const AUDIO_EXT = /\.(mp3|m4a|mp4|aac|wav|wave|aif|aiff|flac|ogg|oga|opus|webm|wma|caf|alac)$/i;

const CSS = `.drop{border:2px dashed var(--line);border-radius:14px;padding:26px 18px;text-align:center;cursor:pointer;
background:var(--bg);transition:border-color .15s,background .15s;display:grid;gap:6px;justify-items:center}
.drop:hover,.drop.over{border-color:var(--accent);background:var(--soft)}
.drop:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.drop .ic{width:44px;height:44px;border-radius:50%;display:grid;place-items:center;color:var(--on-accent);background:var(--accent)}
.drop strong{font-size:15px}.drop u{color:var(--accent);text-decoration:none;font-weight:600}
.hint{color:var(--muted);font-size:12px}
:host([disabled]) .drop{opacity:.5;cursor:not-allowed}
ul{list-style:none;margin:12px 0 0;padding:0;display:grid;gap:8px}
li{border:1px solid var(--line);border-radius:10px;padding:10px 12px;background:var(--bg);display:grid;
grid-template-columns:1fr auto;gap:4px 12px;align-items:center}
.name{font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.meta{color:var(--muted);font-size:12px;text-align:right;white-space:nowrap}
.bar{grid-column:1/-1;height:6px;border-radius:99px;background:var(--soft);overflow:hidden}
.bar i{display:block;height:100%;width:0;background:var(--accent);transition:width .2s}
li[data-state=processing] .bar i{background:linear-gradient(90deg,var(--accent),#8fb2ff,var(--accent));
background-size:200% 100%;animation:flow 1.4s linear infinite}
li[data-state=ready] .bar i{background:#12b76a}
li[data-state=failed] .bar i{background:#f04438}
li[data-state=failed] .meta{color:var(--danger)}
button{font:inherit;font-size:12px;border:1px solid var(--line);background:var(--bg);color:inherit;border-radius:8px;
padding:3px 10px;cursor:pointer;display:inline-flex;gap:4px;align-items:center}
button:focus-visible{outline:2px solid var(--accent)}
@keyframes flow{to{background-position:-200% 0}}
input{display:none}`;

const LABEL = { queued: 'Waiting', uploading: 'Uploading', processing: 'Processing', ready: 'Ready', failed: 'Failed' };

export class TonearmUploader extends TonearmElement {
  static observedAttributes = ['accent-color', 'disabled', 'upload-session-id'];

  constructor() {
    super();
    const root = this.mount(CSS, `
<div class="drop" part="dropzone" role="button" tabindex="0" aria-describedby="hint">
  <span class="ic">${icon('upload')}</span>
  <strong>Drop audio files here or <u>browse</u></strong>
  <span class="hint" id="hint">MP3, M4A, WAV, FLAC, Ogg, Opus…</span>
</div>
<input type="file" accept="audio/*,${'.mp3,.m4a,.wav,.flac,.ogg,.opus,.aiff,.webm'}" multiple aria-label="Choose audio files">
<ul part="list" aria-label="Uploads" aria-live="polite"></ul>`);
    this.drop = root.querySelector('.drop');
    this.input = root.querySelector('input');
    this.list = root.querySelector('ul');
    this.items = [];
    this.client = new UploadClient(this);
    this.drop.addEventListener('click', () => this._pick());
    this.drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this._pick(); } });
    this.drop.addEventListener('dragover', (e) => { e.preventDefault(); this.drop.classList.add('over'); });
    this.drop.addEventListener('dragleave', () => this.drop.classList.remove('over'));
    this.drop.addEventListener('drop', (e) => {
      e.preventDefault();
      this.drop.classList.remove('over');
      if (!this.disabled) this.addFiles(e.dataTransfer.files);
    });
    this.input.addEventListener('change', () => { this.addFiles(this.input.files); this.input.value = ''; });
  }

  connectedCallback() { this._accent(); this._label(); }

  attributeChangedCallback(name) {
    if (name === 'accent-color') this._accent();
    if (name === 'disabled') this._label();
    if (name === 'upload-session-id') this.client.reset();
  }

  get disabled() { return this.hasAttribute('disabled') && this.getAttribute('disabled') !== 'false'; }

  _accent() {
    const c = this.getAttribute('accent-color');
    if (c) this.style.setProperty('--accent', c); else this.style.removeProperty('--accent');
  }

  _label() {
    this.drop.setAttribute('aria-label', 'Choose audio files to upload');
    this.drop.setAttribute('aria-disabled', String(this.disabled));
  }

  _pick() { if (!this.disabled) this.input.click(); }

  /** Queue files (a FileList or array); non-audio files and files over `limit` are skipped. */
  addFiles(fileList) {
    let files = [...fileList].filter((f) => (f.type || '').startsWith('audio/') || AUDIO_EXT.test(f.name));
    const limit = parseInt(this.getAttribute('limit'), 10);
    if (limit > 0) files = files.slice(0, Math.max(0, limit - this.items.length));
    if (!files.length) return;
    this.emit('files-selected', { files });
    for (const file of files) {
      const li = document.createElement('li');
      li.innerHTML = `<span class="name">${esc(file.name)}</span><span class="meta"></span>
        <div class="bar" role="progressbar" aria-label="${esc(file.name)}" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><i></i></div>`;
      this.list.append(li);
      const item = { file, li, state: 'queued', progress: 0, memo: {} };
      this.items.push(item);
      this._render(item);
    }
    this._pump();
  }

  _pump() {
    const busy = this.items.filter((i) => i.state === 'uploading').length;
    const next = this.items.filter((i) => i.state === 'queued').slice(0, Math.max(0, PARALLEL - busy));
    for (const item of next) this._upload(item);
  }

  _render(item, message) {
    const { li } = item;
    li.dataset.state = item.state;
    const pct = item.state === 'uploading' ? Math.round(item.progress * 100) : ['processing', 'ready', 'failed'].includes(item.state) ? 100 : 0;
    li.querySelector('.bar i').style.width = pct + '%';
    li.querySelector('.bar').setAttribute('aria-valuenow', String(pct));
    const meta = li.querySelector('.meta');
    const text = message || (item.state === 'uploading' ? `${LABEL.uploading} ${pct}%` : LABEL[item.state]);
    meta.innerHTML = `<span class="st">${esc(text)}</span> · ${fmtBytes(item.file.size)}`;
    if (item.state === 'failed') {
      const b = document.createElement('button');
      b.innerHTML = `${icon('retry').replace(/20/g, '14')} Retry`;
      b.setAttribute('aria-label', `Retry ${item.file.name}`);
      b.addEventListener('click', () => { item.state = 'queued'; item.progress = 0; this._render(item); this._pump(); });
      meta.append(' ', b);
    }
  }

  async _upload(item) {
    item.state = 'uploading';
    item.progress = 0;
    this._render(item);
    try {
      const { sid, trackId } = await this.client.upload(item.file, (loaded, total) => {
        item.progress = loaded / total;
        this._render(item);
        this.emit('file-progress', { file: item.file, loaded, total });
      }, item.memo);
      item.trackId = trackId;
      item.state = 'processing';
      this._render(item);
      this.emit('file-uploaded', { file: item.file, track_id: trackId, upload_session_id: sid });
      this.client.settle(sid, trackId).then((data) => {
        item.state = 'ready';
        this._render(item);
        this.emit('track-ready', { file: item.file, track_id: trackId, status: data.track_status_id });
      }, (err) => {
        item.state = 'failed';
        this._render(item, err.message);
      });
    } catch (err) {
      item.state = 'failed';
      this._render(item, err.status === 0 ? 'Server unreachable' : err.message);
    } finally {
      this._pump();
    }
  }
}

define('tonearm-uploader', TonearmUploader);
// AudioDN's tag name too (same attributes): a page that used AudioDN's component changes only its script URL.
define('audiodn-uploader', class extends TonearmUploader {});
