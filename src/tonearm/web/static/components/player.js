// <tonearm-player>: plays a play session (collection, track or playlist) of a Tonearm or AudioDN
// server. Drop-in for <audiodn-player>: api-key + scope + id, or play-session-id.
import { TonearmElement } from './base.js';
import { ApiError, api, apiBase, define, fmtTime, icon } from './shared.js';
import { PLAYER_HTML, mediaSession, renderList, renderMenu, toggleMenu } from './player-ui.js';
import { PLAYER_CSS } from './player-css.js';
import { gaplessTick, gaplessUse } from './player-gapless.js';
import { linearGain, normalizeMode } from './player-gain.js';
import './waveform.js';

const AUDIO_RE = /\.(m4a|mp4|mp3|ogg|oga|opus|webm|flac|wav|aac)$/i;
const isAudio = (v) => (v.content_type || '').startsWith('audio/') || AUDIO_RE.test(v.path || v.url || '');
export const isPreview = (v) => !!(v.data && v.data.capture_start != null);

export class TonearmPlayer extends TonearmElement {
  static observedAttributes = ['api-key', 'play-session-id', 'scope', 'id', 'variants', 'volume',
    'waveform-color', 'waveform-progress-color', 'bar-width', 'bar-gap', 'normalize', 'target'];

  constructor() {
    super();
    const root = this.mount(PLAYER_CSS, PLAYER_HTML);
    const $ = (s) => root.querySelector(s);
    this.ui = {
      card: $('.card'), cover: $('.cover'), play: $('.play'), title: $('.title'), subtitle: $('.subtitle'),
      prev: $('.prev'), next: $('.next'), norm: $('.norm'), qbtn: $('.qbtn'), menu: $('.menu'),
      download: $('.download'), wave: $('tonearm-waveform'), cur: $('.cur'), dur: $('.dur'),
      badge: $('.badge'), list: $('.list'), error: $('.error'), errorText: $('.error span'),
    };
    this.audio = new Audio();
    this.audio.preload = 'metadata';
    this.audio.crossOrigin = 'anonymous';
    this.tracks = [];
    this.index = 0;
    this.cache = new Map();
    this.normalize = true;
    this._start = 0;
    this._end = 0;
    this._resumeAt = null;
    this._wire();
  }

  // ------------------------------------------------------------------ wiring
  _wire() {
    const { ui, audio } = this;
    ui.play.addEventListener('click', () => this.toggle());
    ui.prev.addEventListener('click', () => this.previous());
    ui.next.addEventListener('click', () => this.next());
    ui.download.addEventListener('click', () => this.download());
    ui.norm.addEventListener('click', () => { this.normalize = !this.normalize; this._applyGain(); });
    ui.qbtn.addEventListener('click', () => this._menu(ui.menu.hidden));
    ui.menu.addEventListener('keydown', (e) => { if (e.key === 'Escape') { this._menu(false); ui.qbtn.focus(); } });
    ui.error.querySelector('.retry').addEventListener('click', () => this.load());
    ui.wave.addEventListener('seek', (e) => this.seek(e.detail.time));
    ui.wave.addEventListener('scrub', (e) => { ui.cur.textContent = fmtTime(e.detail.time); });
    this.addEventListener('keydown', (e) => this._key(e));
    for (const ev of ['timeupdate', 'durationchange', 'seeked']) audio.addEventListener(ev, () => this._time());
    audio.addEventListener('timeupdate', () => gaplessTick(this));
    audio.addEventListener('play', () => this._playing(true));
    audio.addEventListener('pause', () => this._playing(false));
    audio.addEventListener('playing', () => this._prefetch());
    audio.addEventListener('ended', () => (this.index < this.tracks.length - 1 ? this.next(true) : this.emit('ended')));
    audio.addEventListener('error', () => this._mediaError());
  }

  connectedCallback() {
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    if (!this.hasAttribute('role')) this.setAttribute('role', 'region');
    if (!this.hasAttribute('aria-label')) this.setAttribute('aria-label', 'Audio player');
    this._wave();
    if (!this._started) { this._started = true; queueMicrotask(() => this.load()); }
  }

  disconnectedCallback() {
    clearTimeout(this._timer);
    this.audio.pause();
  }

  attributeChangedCallback(name, old, value) {
    if (name === 'volume' || name === 'normalize' || name === 'target') { this._applyGain(); return; }
    if (name.startsWith('waveform') || name.startsWith('bar')) { this._wave(); return; }
    if (this._started && old !== value && this.isConnected) this.load();
  }

  _wave() {
    const w = this.ui.wave;
    const map = { 'waveform-color': 'color', 'waveform-progress-color': 'progress-color', 'bar-width': 'bar-width', 'bar-gap': 'bar-gap' };
    for (const [from, to] of Object.entries(map)) {
      if (this.hasAttribute(from)) w.setAttribute(to, this.getAttribute(from)); else w.removeAttribute(to);
    }
  }

  // ------------------------------------------------------------------ sessions
  get base() { return apiBase(this); }
  get sessionId() { return this.sid; }
  get canRenew() { return !!((this.getAttribute('api-key') && this.getAttribute('id')) || this.getAttribute('session-url')); }

  async _openSession() {
    const key = this.getAttribute('api-key'), id = this.getAttribute('id');
    if (key && id) {
      const scope = this.getAttribute('scope') || 'collection';
      const body = { [`${scope}_id`]: id };
      const variants = (this.getAttribute('variants') || '').split(',').map((v) => v.trim()).filter(Boolean);
      if (variants.length) body.variants = variants;
      if (this.hasAttribute('downloadable') && this.getAttribute('downloadable') !== 'false') body.is_downloadable = true;
      const ttl = parseInt(this.getAttribute('session-ttl'), 10);
      if (ttl > 0) body.expires_in = ttl;
      return api(this.base, `/v1/play_session/${encodeURIComponent(scope)}`, { method: 'POST', key, body });
    }
    const url = this.getAttribute('session-url');
    if (url) return api(this.base, new URL(url, location.href).href);
    const sid = this.sid || this.getAttribute('play-session-id');
    if (!sid) throw new ApiError(400, 'Set api-key with scope and id, or play-session-id');
    return api(this.base, `/v1/play_session/${encodeURIComponent(sid)}`);
  }

  _adopt(data) {
    this.sid = data.play_session_id;
    this.session = data.play_session || {};
    this.tracks = data.tracks || [];
    this.cache.clear();
    if (data.first_track && this.tracks[0]) this.cache.set(this.tracks[0].id, data.first_track);
    this.expiresAt = Date.parse(data.expires_at || this.session.expires_at);
    clearTimeout(this._timer);
    if (this.canRenew && isFinite(this.expiresAt)) {
      this._timer = setTimeout(() => this.refresh(), Math.max(1000, this.expiresAt - Date.now() - 30000));
    }
    this.emit('session', { play_session_id: this.sid, expires_at: this.session.expires_at });
  }

  /** Load (or reload) the session and show its first track. */
  async load() {
    this._error(null);
    this.ui.card.classList.add('loading');
    try {
      this._adopt(await this._openSession());
      if (!this.tracks.length) throw new ApiError(422, 'Nothing to play yet');
      this._renderList();
      await this.select(0, { autoplay: this.hasAttribute('autoplay') && this.getAttribute('autoplay') !== 'false' });
    } catch (err) {
      this._error(err);
    }
  }

  /** Renew the session without interrupting playback: same track, same position, still playing. */
  async refresh() {
    if (this._refreshing) return this._refreshing;
    const tid = this.tracks[this.index]?.id;
    const at = this.position, playing = !this.audio.paused;
    this._refreshing = (async () => {
      this._adopt(await this._openSession());
      const i = Math.max(0, this.tracks.findIndex((t) => t.id === tid));
      this._renderList();
      await this._show(i, await this._payload(this.tracks[i].id, false), { at, autoplay: playing, keepVariant: true });
      this.emit('session-refreshed', { play_session_id: this.sid });
    })();
    try { await this._refreshing; } finally { this._refreshing = null; }
  }

  async _payload(tid, renew = true) {
    if (this.cache.has(tid)) return this.cache.get(tid);
    try {
      const p = await api(this.base, `/v1/play/${this.sid}/${tid}`);
      this.cache.set(tid, p);
      return p;
    } catch (err) {
      if (renew && err instanceof ApiError && err.renewable && this.canRenew) {
        await this.refresh();
        return this._payload(tid, false);
      }
      throw err;
    }
  }

  _prefetch() {
    const nxt = this.tracks[this.index + 1];
    if (nxt && !this.cache.has(nxt.id)) this._payload(nxt.id, false).catch(() => {});
  }

  // ------------------------------------------------------------------ tracks
  async select(i, { autoplay = false } = {}) {
    if (i < 0 || i >= this.tracks.length) return;
    try {
      this._error(null);
      await this._show(i, await this._payload(this.tracks[i].id), { autoplay });
    } catch (err) {
      this._error(err);
    }
  }

  next(autoplay = !this.audio.paused) { return this.select(this.index + 1, { autoplay: autoplay || this.audio.ended }); }
  previous() {
    if (this.position > 3 || this.index === 0) { this.seek(this._start); return; }
    return this.select(this.index - 1, { autoplay: !this.audio.paused });
  }

  async _show(i, payload, { autoplay = false, at = 0, keepVariant = false } = {}) {
    const changed = i !== this.index || payload.track?.id !== this.payload?.track?.id;
    this.index = i;
    this.payload = payload;
    const track = payload.track || {};
    const ui = this.ui;
    ui.card.classList.remove('loading');
    const entry = this.tracks[i] || {};
    ui.title.textContent = track.player_title || entry.player_title || track.file_name || 'Untitled';
    ui.subtitle.textContent = track.player_subtitle || entry.player_subtitle || '';
    if (track.player_color) {
      this.style.setProperty('--accent-l', track.player_color_light || track.player_color);
      this.style.setProperty('--accent-d', track.player_color_dark || track.player_color);
    }
    const cover = payload.cover_image && (payload.cover_image[this.getAttribute('size') === 'large' ? 'large' : 'small']
      || payload.cover_image.regular || payload.cover_image.small);
    ui.cover.classList.toggle('none', !cover);
    if (cover) ui.cover.src = cover.url; else ui.cover.removeAttribute('src');
    ui.cover.alt = cover ? `Cover of ${ui.title.textContent}` : '';
    ui.wave.levels = payload.levels || [];
    ui.prev.hidden = ui.next.hidden = this.tracks.length < 2;
    ui.next.disabled = i >= this.tracks.length - 1;
    ui.list.querySelectorAll('button').forEach((b, n) => b.setAttribute('aria-current', String(n === i)));
    ui.download.hidden = !(this.session.is_downloadable && this.getAttribute('downloadable') !== 'false');
    ui.norm.hidden = payload.normalization_gain_db == null;
    this.variants = (payload.variants || []).filter(isAudio);
    if (!this.variants.length) throw new ApiError(422, 'This track has no playable file yet');
    const wanted = keepVariant || !changed ? this.variant?.variant?.index : this.quality;
    const v = this.variants.find((x) => x.variant.index === wanted)
      || this.variants.find((x) => !isPreview(x)) || this.variants[0];
    this._use(v, at, autoplay);
    this._renderMenu();
    this._mediaSession();
    if (changed) this.emit('track-change', { track_id: track.id, index: i });
  }

  _use(v, at, autoplay) {
    this.variant = v;
    const audio = this.audio;
    const preview = isPreview(v);
    const d = this.payload.track?.duration || 0;
    this._start = preview ? v.data.capture_start : 0;
    this._end = preview ? v.data.capture_end : d;
    const w = this.ui.wave;
    if (preview) { w.setAttribute('region-start', this._start); w.setAttribute('region-end', this._end); }
    else { w.removeAttribute('region-start'); w.removeAttribute('region-end'); }
    this.ui.badge.hidden = !preview;
    this._retried = false;
    if (gaplessUse(this, v, at, autoplay)) { this._applyGain(); this._time(); return; }
    audio.src = v.url;
    const offset = Math.max(0, (at || 0) - this._start);
    this._resumeAt = offset > 0 ? offset : null;  // shown while the new source loads
    if (offset > 0 || autoplay) {
      audio.addEventListener('loadedmetadata', () => {
        if (offset > 0) audio.currentTime = Math.min(offset, (audio.duration || offset + 1) - 0.05);
        this._resumeAt = null;
        if (autoplay) this.play();
      }, { once: true });
    }
    audio.load();
    this._applyGain();
    this._time();
  }

  /** Switch quality (variant index) keeping position and play state. */
  setQuality(index) {
    const v = this.variants.find((x) => x.variant.index === index);
    if (!v || v === this.variant) return;
    this.quality = index;
    this._use(v, this.position, !this.audio.paused);
    this._renderMenu();
    this.emit('quality-change', { variant: index });
  }

  // ------------------------------------------------------------------ transport
  get position() { return this._start + (this._resumeAt ?? Math.max(0, (this.audio.currentTime || 0) - (this._base || 0))); }
  get duration() { return this.payload?.track?.duration || this.audio.duration || 0; }

  play() {
    this._ensureGraph();
    return this.audio.play().catch((err) => { if (err.name !== 'AbortError') this._playing(false); });
  }
  pause() { this.audio.pause(); }
  toggle() { return this.audio.paused ? this.play() : this.pause(); }

  seek(t) {
    if (!this.variant) return;
    t = Math.max(this._start, Math.min(t, this._end || t));
    this._resumeAt = null;
    this.audio.currentTime = (this._base || 0) + Math.max(0, t - this._start);
    this._time();
  }

  _time() {
    const d = this.duration, p = this.position;
    this.ui.wave.setAttribute('duration', d);
    this.ui.wave.setAttribute('progress', p);
    this.ui.cur.textContent = fmtTime(p);
    this.ui.dur.textContent = fmtTime(d);
    if ('mediaSession' in navigator && navigator.mediaSession.setPositionState && d > 0) {
      try { navigator.mediaSession.setPositionState({ duration: d, position: Math.min(p, d), playbackRate: 1 }); } catch { /* ignore */ }
    }
  }

  _playing(on) {
    this.ui.play.innerHTML = icon(on ? 'pause' : 'play');
    this.ui.play.setAttribute('aria-label', on ? 'Pause' : 'Play');
    this.toggleAttribute('playing', on);
    if ('mediaSession' in navigator) navigator.mediaSession.playbackState = on ? 'playing' : 'paused';
  }

  async _mediaError() {
    if (!this.variant || this._retried) { this._error(new ApiError(0, 'The audio could not be loaded')); return; }
    this._retried = true;  // a signed URL may have expired: renew once, resume where we were
    try { await this.refresh(); } catch (err) { this._error(err); }
  }

  _key(e) {
    const origin = e.composedPath()[0];  // keys typed on a button or menu item are theirs
    if ((origin !== this && origin !== this.ui.wave) || e.altKey || e.ctrlKey || e.metaKey) return;
    const vol = () => parseFloat(this.getAttribute('volume') ?? '1');
    const acts = {
      ' ': () => this.toggle(), k: () => this.toggle(),
      ArrowRight: () => this.seek(this.position + 5), ArrowLeft: () => this.seek(this.position - 5),
      ArrowUp: () => this.setAttribute('volume', Math.min(1, vol() + 0.1).toFixed(2)),
      ArrowDown: () => this.setAttribute('volume', Math.max(0, vol() - 0.1).toFixed(2)),
      n: () => this.next(), p: () => this.previous(),
    };
    if (!acts[e.key]) return;
    e.preventDefault();
    acts[e.key]();
  }

  // ------------------------------------------------------------------ loudness
  _gain() { return linearGain(this); }

  _ensureGraph() {
    if (this._ctx || this._gain() <= 1 || !window.AudioContext) return;
    try {
      this._ctx = new AudioContext();
      this._gainNode = this._ctx.createGain();
      this._ctx.createMediaElementSource(this.audio).connect(this._gainNode).connect(this._ctx.destination);
      this._applyGain();
    } catch { this._ctx = null; }
  }

  _applyGain() {
    const vol = Math.max(0, Math.min(1, parseFloat(this.getAttribute('volume') ?? '1') || 0));
    const g = this._gain();
    if (g > 1 && !this.audio.paused) this._ensureGraph();  // a louder track came without a play()
    this.ui.norm.setAttribute('aria-pressed', String(this.normalize && normalizeMode(this) !== 'off'));
    if (this._gainNode) { this.audio.volume = vol; this._gainNode.gain.value = g; this._ctx.resume?.(); }
    else this.audio.volume = Math.min(1, vol * Math.min(1, g));
  }

  // ------------------------------------------------------------------ rendering
  _renderList() { renderList(this); }
  _renderMenu() { renderMenu(this); }
  _menu(open) { toggleMenu(this, open); }
  _mediaSession() { mediaSession(this); }

  _error(err) {
    const box = this.ui.error;
    this.toggleAttribute('error', !!err);
    box.hidden = !err;
    if (!err) return;
    this.ui.card.classList.remove('loading');
    const msg = err.status === 0 ? 'Cannot reach the audio server.' : err.status === 410
      ? 'This player link has expired.' : err.message || 'Something went wrong.';
    this.ui.errorText.textContent = msg;
    if (this.ui.title.textContent === 'Loading…') this.ui.title.textContent = 'Unavailable';
    this.emit('player-error', { status: err.status ?? 0, message: msg });
  }

  /** Download the current track in the current quality (only when the session allows it). */
  async download(renew = true) {
    const v = this.variant;
    if (!v) return;
    const tid = this.tracks[this.index].id;
    try {
      let data;
      try {
        data = await api(this.base, `/v1/play/${this.sid}/${tid}/${encodeURIComponent(v.variant.index)}/download`);
      } catch (err) {
        if (!(renew && err instanceof ApiError && err.status === 410 && this.canRenew)) throw err;
        await this.refresh();  // the session ran out: renew it, then ask again
        return this.download(false);
      }
      const a = document.createElement('a');
      a.href = data.download.url;
      a.download = '';
      a.rel = 'noopener';
      this.shadowRoot.append(a);
      a.click();
      a.remove();
    } catch (err) {
      this._error(err);
    }
  }
}

define('tonearm-player', TonearmPlayer);
// AudioDN's tag name too (same attributes): a page that used AudioDN's component changes only its script URL.
define('audiodn-player', class extends TonearmPlayer {});
