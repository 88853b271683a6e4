// <tonearm-recorder>: record from the microphone (MediaRecorder, WebM/Opus), listen back, and upload
// the take through an upload session (api-key + collection-id, or upload-session-id).
import { TonearmElement } from './base.js';
import { define, fmtTime, icon } from './shared.js';
import { UploadClient } from './upload-core.js';

const CSS = `:host{--accent-l:#d92d5c;--accent-d:#f27a9a}
.box{border:1px solid var(--line);border-radius:14px;padding:14px;background:var(--bg);display:grid;gap:10px}
.row{display:flex;align-items:center;gap:12px}
.rec{width:48px;height:48px;border-radius:50%;border:0;background:var(--accent);color:var(--on-accent);cursor:pointer;display:grid;place-items:center}
.rec:focus-visible,button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.time{font-variant-numeric:tabular-nums;font-size:18px;font-weight:600}
.meter{flex:1;height:8px;border-radius:99px;background:var(--soft);overflow:hidden}
.meter i{display:block;height:100%;width:0;background:var(--accent)}
.status{color:var(--muted);font-size:13px}
:host([recording]) .status{color:var(--accent)}
audio{width:100%}
button.act{font:inherit;border:1px solid var(--line);background:var(--bg);color:inherit;border-radius:8px;padding:6px 14px;cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--on-accent);font-weight:600}`;

function mimeType() {
  for (const t of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4']) {
    if (window.MediaRecorder && MediaRecorder.isTypeSupported(t)) return t;
  }
  return '';
}

export class TonearmRecorder extends TonearmElement {
  constructor() {
    super();
    const root = this.mount(CSS, `<div class="box" part="box">
  <div class="row"><button class="rec" aria-label="Start recording">${icon('mic')}</button>
    <span class="time" aria-live="off">0:00</span><span class="meter" aria-hidden="true"><i></i></span></div>
  <audio controls hidden aria-label="Recording preview"></audio>
  <div class="row"><button class="act primary up" hidden>Upload</button><button class="act again" hidden>Record again</button>
    <span class="status" role="status">Ready to record</span></div></div>`);
    const $ = (s) => root.querySelector(s);
    this.ui = { rec: $('.rec'), time: $('.time'), meter: $('.meter i'), audio: $('audio'), up: $('.up'), again: $('.again'), status: $('.status') };
    this.client = new UploadClient(this);
    this.ui.rec.addEventListener('click', () => (this.recorder?.state === 'recording' ? this.stop() : this.start()));
    this.ui.up.addEventListener('click', () => this.upload());
    this.ui.again.addEventListener('click', () => this._reset());
  }

  disconnectedCallback() { this._release(); }

  _say(text) { this.ui.status.textContent = text; }

  async start() {
    if (this.hasAttribute('disabled')) return;
    this._reset();
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      this._say(err.name === 'NotAllowedError' ? 'Microphone access was refused' : 'No microphone available');
      this.emit('recorder-error', { message: err.message });
      return;
    }
    const type = mimeType();
    this.recorder = new MediaRecorder(this.stream, type ? { mimeType: type } : undefined);
    this.chunks = [];
    this.recorder.ondataavailable = (e) => { if (e.data.size) this.chunks.push(e.data); };
    this.recorder.onstop = () => this._stopped();
    this.recorder.start(250);
    this.started = performance.now();
    this._meter();
    this.toggleAttribute('recording', true);
    this.ui.rec.innerHTML = icon('stop');
    this.ui.rec.setAttribute('aria-label', 'Stop recording');
    this._say('Recording…');
    this.emit('recording-started');
  }

  stop() { if (this.recorder?.state === 'recording') this.recorder.stop(); }

  _meter() {
    try {
      this.ctx = new AudioContext();
      const an = this.ctx.createAnalyser();
      an.fftSize = 512;
      this.ctx.createMediaStreamSource(this.stream).connect(an);
      const buf = new Uint8Array(an.fftSize);
      const tick = () => {
        if (this.recorder?.state !== 'recording') return;
        an.getByteTimeDomainData(buf);
        let peak = 0;
        for (const v of buf) peak = Math.max(peak, Math.abs(v - 128) / 128);
        this.ui.meter.style.width = Math.round(Math.min(1, peak * 1.6) * 100) + '%';
        this.ui.time.textContent = fmtTime((performance.now() - this.started) / 1000);
        requestAnimationFrame(tick);
      };
      tick();
    } catch { /* the level meter is optional */ }
  }

  _stopped() {
    const seconds = (performance.now() - this.started) / 1000;
    this._release();
    const type = (this.recorder.mimeType || 'audio/webm').split(';')[0];
    const ext = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm';
    const stamp = new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-');
    this.memo = {};
    this.file = new File(this.chunks, `Recording ${stamp}.${ext}`, { type });
    this.ui.audio.src = URL.createObjectURL(this.file);
    this.ui.audio.hidden = false;
    this.ui.up.hidden = this.ui.again.hidden = false;
    this.ui.time.textContent = fmtTime(seconds);
    this.toggleAttribute('recording', false);
    this.ui.rec.innerHTML = icon('mic');
    this.ui.rec.setAttribute('aria-label', 'Start recording');
    this._say(`Recorded ${fmtTime(seconds)} — listen, then upload`);
    this.emit('recording-stopped', { file: this.file, duration: seconds });
  }

  _release() {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.ctx?.close?.();
    this.ctx = null;
  }

  _reset() {
    if (this.ui.audio.src) URL.revokeObjectURL(this.ui.audio.src);
    this.ui.audio.removeAttribute('src');
    this.ui.audio.hidden = this.ui.up.hidden = this.ui.again.hidden = true;
    this.ui.meter.style.width = '0';
    this.ui.time.textContent = '0:00';
    this.file = null;
    this._say('Ready to record');
  }

  /** Upload the last take; resolves with the track id once it is processed. */
  async upload() {
    if (!this.file) return null;
    this.ui.up.disabled = this.ui.again.disabled = true;
    try {
      const { sid, trackId } = await this.client.upload(this.file, (loaded, total) => this._say(`Uploading ${Math.round((loaded / total) * 100)}%`), this.memo);
      this.emit('file-uploaded', { file: this.file, track_id: trackId, upload_session_id: sid });
      this._say('Processing…');
      const data = await this.client.settle(sid, trackId);
      this._say('Ready');
      this.emit('track-ready', { file: this.file, track_id: trackId, status: data.track_status_id });
      return trackId;
    } catch (err) {
      this._say(`${err.message} — try again`);
      return null;
    } finally {
      this.ui.up.disabled = this.ui.again.disabled = false;
    }
  }
}

define('tonearm-recorder', TonearmRecorder);
// AudioDN's tag name too (same attributes): a page that used AudioDN's component changes only its script URL.
define('audiodn-recorder', class extends TonearmRecorder {});
