// <tonearm-waveform>: bars drawn from `levels` (0–1 values) on a HiDPI canvas; click, drag or
// use the arrow keys to seek. Drop-in for <audiodn-waveform> (levels, progress, duration, colours).
import { TonearmElement } from './base.js';
import { define, fmtTime } from './shared.js';

const CSS = `:host{display:block;position:relative;height:var(--tonearm-waveform-height,64px);cursor:pointer;
touch-action:none;outline:none;border-radius:4px}
:host([hidden]){display:none}
:host(:focus-visible){box-shadow:0 0 0 2px var(--tonearm-focus,#2f6fdf)}
canvas{display:block;width:100%;height:100%}`;

export class TonearmWaveform extends TonearmElement {
  static observedAttributes = ['levels', 'progress', 'duration', 'color', 'progress-color', 'region-color',
    'bar-width', 'bar-gap', 'region-start', 'region-end', 'buffered'];

  constructor() {
    super();
    // unthemed: tokens on its own :host would shadow the ones it inherits from a player
    const root = this.mount(CSS, '<canvas part="canvas"></canvas>', false);
    this.canvas = root.querySelector('canvas');
    this._levels = [];
    this._drag = null;
    this.addEventListener('pointerdown', (e) => this._down(e));
    this.addEventListener('pointermove', (e) => this._move(e));
    this.addEventListener('pointerup', (e) => this._up(e));
    this.addEventListener('pointercancel', () => { this._drag = null; this.draw(); });
    this.addEventListener('keydown', (e) => this._key(e));
  }

  connectedCallback() {
    if (!this.hasAttribute('role')) this.setAttribute('role', 'slider');
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    if (!this.hasAttribute('aria-label')) this.setAttribute('aria-label', 'Seek');
    this._ro = new ResizeObserver(() => this.draw());
    this._ro.observe(this);
    this._mq = matchMedia('(resolution: 1dppx)');
    this._onDpr = () => this.draw();
    this._mq.addEventListener?.('change', this._onDpr);
    this.draw();
  }

  disconnectedCallback() {
    this._ro?.disconnect();
    this._mq?.removeEventListener?.('change', this._onDpr);
  }

  attributeChangedCallback(name, _old, value) {
    if (name === 'levels') {
      try { this.levels = JSON.parse(value || '[]'); } catch { this.levels = []; }
      return;
    }
    this.draw();
  }

  get levels() { return this._levels; }
  set levels(value) {
    const list = Array.isArray(value) ? value : (value && Array.isArray(value.levels) ? value.levels : []);
    this._levels = list.map((v) => Math.max(0, Math.min(1, Number(v) || 0)));
    this.draw();
  }

  _num(name, fallback) {
    const v = parseFloat(this.getAttribute(name));
    return isFinite(v) ? v : fallback;
  }

  get duration() { return this._num('duration', 0); }
  set duration(v) { this.setAttribute('duration', v); }
  /** Seconds when a duration is set, else a fraction 0–1. */
  get progress() { return this._num('progress', 0); }
  set progress(v) { this.setAttribute('progress', v); }

  _fraction() {
    if (this._drag) return this._drag.fraction;
    const d = this.duration, p = this.progress;
    return Math.max(0, Math.min(1, d > 0 ? p / d : p));
  }

  _color(attr, cssVar, fallback) {
    return this.getAttribute(attr) || getComputedStyle(this).getPropertyValue(cssVar).trim() || fallback;
  }

  draw() {
    const w = this.clientWidth, hgt = this.clientHeight;
    if (!w || !hgt) return;
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.round(w * dpr), ch = Math.round(hgt * dpr);
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
    }
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    const base = this._color('color', '--tonearm-waveform-color', '#c4c9d4');
    const played = this._color('progress-color', '--tonearm-waveform-progress-color', '#2f6fdf');
    const regionColor = this._color('region-color', '--tonearm-waveform-region-color', 'rgba(47,111,223,0.12)');
    const bw = Math.max(1, this._num('bar-width', 3)), gap = Math.max(0, this._num('bar-gap', 2));
    const levels = this._levels.length ? this._levels : [0];
    const n = Math.max(1, Math.floor((w + gap) / (bw + gap)));
    const d = this.duration;
    const rs = this._num('region-start', NaN), re = this._num('region-end', NaN);
    if (d > 0 && isFinite(rs) && isFinite(re)) {
      ctx.fillStyle = regionColor;
      ctx.fillRect((rs / d) * w, 0, ((re - rs) / d) * w, hgt);
    }
    const progressX = this._fraction() * w;
    const mid = hgt / 2;
    for (let i = 0; i < n; i++) {
      const from = Math.floor((i * levels.length) / n), to = Math.max(from + 1, Math.floor(((i + 1) * levels.length) / n));
      let v = 0;
      for (let j = from; j < to && j < levels.length; j++) v = Math.max(v, levels[j]);
      const x = i * (bw + gap);
      const barH = Math.max(2, v * (hgt - 4));
      ctx.fillStyle = x + bw / 2 <= progressX ? played : base;
      ctx.beginPath();
      if (ctx.roundRect) ctx.roundRect(x, mid - barH / 2, bw, barH, Math.min(bw / 2, 2));
      else ctx.rect(x, mid - barH / 2, bw, barH);
      ctx.fill();
    }
    const total = d > 0 ? d : 1;
    const now = this._fraction() * total;
    this.setAttribute('aria-valuemin', '0');
    this.setAttribute('aria-valuemax', String(Math.round(total)));
    this.setAttribute('aria-valuenow', String(Math.round(now)));
    if (d > 0) this.setAttribute('aria-valuetext', `${fmtTime(now)} of ${fmtTime(d)}`);
  }

  _at(e) {
    const r = this.getBoundingClientRect();
    return Math.max(0, Math.min(1, (e.clientX - r.left) / (r.width || 1)));
  }

  _emitAt(type, fraction) {
    const d = this.duration;
    this.emit(type, { fraction, time: d > 0 ? fraction * d : fraction });
  }

  _down(e) {
    if (e.button !== 0 || this.hasAttribute('disabled')) return;
    this.setPointerCapture?.(e.pointerId);
    this._drag = { fraction: this._at(e) };
    this._emitAt('scrub', this._drag.fraction);
    this.draw();
  }

  _move(e) {
    if (!this._drag) return;
    this._drag.fraction = this._at(e);
    this._emitAt('scrub', this._drag.fraction);
    this.draw();
  }

  _up(e) {
    if (!this._drag) return;
    const fraction = this._at(e);
    this._drag = null;
    this.progress = this.duration > 0 ? fraction * this.duration : fraction;
    this._emitAt('seek', fraction);
  }

  _key(e) {
    const d = this.duration || 1;
    const step = this.duration > 0 ? 5 / d : 0.05;
    const keys = { ArrowRight: step, ArrowUp: step, ArrowLeft: -step, ArrowDown: -step, PageUp: 0.1, PageDown: -0.1 };
    let f;
    if (e.key in keys) f = this._fraction() + keys[e.key];
    else if (e.key === 'Home') f = 0;
    else if (e.key === 'End') f = 0.999;
    else return;
    e.preventDefault();
    e.stopPropagation();
    f = Math.max(0, Math.min(1, f));
    this.progress = this.duration > 0 ? f * this.duration : f;
    this._emitAt('seek', f);
  }
}

define('tonearm-waveform', TonearmWaveform);
// AudioDN's tag name too (same attributes): a page that used AudioDN's component changes only its script URL.
define('audiodn-waveform', class extends TonearmWaveform {});
