// Gapless playback for <tonearm-player gapless>: the session's tracks are appended back to back
// to one Media Source Extensions SourceBuffer. Each file is placed with timestampOffset so that
// its first real sample lands where the previous track's last real sample ended, and the
// encoder's priming and padding (props.encoder_delay / padding, published by the server) fall
// outside appendWindowStart/End, which the browser trims sample-accurately. The next track is
// fetched and appended while the current one plays. Without MSE (or a variant it can take) the
// player keeps switching the element's src (see docs/player.md).

const MS = () => window.ManagedMediaSource || window.MediaSource;

/** The MSE type of a variant, or null when the server did not publish it as appendable. */
export function mseType(v) {
  const p = (v && v.props) || {};
  if (!p.mse || !p.samples || !p.sample_rate || (v.data && v.data.capture_start != null)) return null;
  const type = p.container === 'cmaf' ? 'audio/mp4; codecs="mp4a.40.2"' : 'audio/mpeg';
  const M = MS();
  return M && M.isTypeSupported(type) ? type : null;
}

/** Is gapless on? The attribute wins; by default on for collection and playlist sessions. */
export function gaplessWanted(player) {
  const a = player.getAttribute('gapless');
  if (a !== null) return a !== 'false' && a !== 'off';
  return (player.session?.scope || 'collection') !== 'track';
}

class Chain {
  constructor(player, type) {
    this.p = player;
    this.type = type;
    this.segs = [];  // {i, index (variant), start, end}
    this.ops = Promise.resolve();
    this.dead = false;
    const M = MS();
    this.ms = new M();
    player.audio.disableRemotePlayback = true;  // ManagedMediaSource asks for it (Safari)
    player.audio.src = URL.createObjectURL(this.ms);
    this.open = new Promise((r) => this.ms.addEventListener('sourceopen', r, { once: true }));
  }

  get end() { return this.segs.length ? this.segs[this.segs.length - 1].end : 0; }
  seg(i, index) { return this.segs.find((s) => s.i === i && s.index === index); }

  /** Queue the append of track i (variant v) at the end of the timeline. */
  add(i, v) {
    const p = v.props, start = this.end;
    const seg = { i, index: v.variant.index, start, end: start + p.samples / p.sample_rate, done: false };
    this.segs.push(seg);
    this.ops = this.ops.then(() => this._append(seg, v)).catch((err) => this._stop(err));
    return seg;
  }

  async _append(seg, v) {
    await this.open;
    if (this.dead) return;
    if (!this.sb) this.sb = this.ms.addSourceBuffer(this.type);
    const p = v.props, sb = this.sb;
    // What the browser has not trimmed itself: MP4 edit lists are applied (CMAF rung), and the MP3
    // parser drops the decoder's own delay; the rest of the priming falls before appendWindowStart.
    const skip = p.gapless_signal === 'elst' ? 0 : (p.encoder_delay || 0) - (p.decoder_delay || 0);
    sb.appendWindowEnd = Infinity;
    sb.appendWindowStart = seg.start;
    sb.appendWindowEnd = seg.end;
    sb.timestampOffset = seg.start - skip / p.sample_rate;
    const res = await fetch(v.url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done || this.dead) break;
      await this._push(value);
    }
    seg.done = true;
  }

  _push(chunk) {
    return new Promise((resolve, reject) => {
      const sb = this.sb;
      const ok = () => { sb.removeEventListener('error', bad); resolve(); };
      const bad = () => { sb.removeEventListener('updateend', ok); reject(new Error('append failed')); };
      sb.addEventListener('updateend', ok, { once: true });
      sb.addEventListener('error', bad, { once: true });
      sb.appendBuffer(chunk);
    });
  }

  /** No further track: let the element end (the player then moves on as without gapless). */
  finish() {
    this.ops = this.ops.then(async () => {
      await this.open;
      if (!this.dead && this.ms.readyState === 'open' && !(this.sb && this.sb.updating)) this.ms.endOfStream();
    }).catch(() => {});
  }

  _stop() { this.finish(); }

  /** Drop what lies before `t` (seconds on the timeline), to stay within the buffer quota. */
  prune(t) {
    this.ops = this.ops.then(() => new Promise((r) => {
      if (this.dead || !this.sb || t <= 0) return r();
      this.sb.addEventListener('updateend', r, { once: true });
      this.sb.remove(0, t);
    })).catch(() => {});
  }

  close() {
    this.dead = true;
    try { if (this.ms.readyState === 'open') this.ms.endOfStream(); } catch { /* ignore */ }
  }
}

/** Called by the player instead of setting audio.src. Returns false when gapless does not apply. */
export function gaplessUse(player, v, at, autoplay) {
  const type = gaplessWanted(player) ? mseType(v) : null;
  let chain = player._chain;
  if (!type) {
    if (chain) { chain.close(); player._chain = null; }
    player._base = 0;
    return false;
  }
  let seg = chain && chain.type === type && chain.seg(player.index, v.variant.index);
  if (!seg) {
    if (chain) chain.close();
    chain = player._chain = new Chain(player, type);
    seg = chain.add(player.index, v);
  }
  player._base = seg.start;
  player._resumeAt = null;
  const audio = player.audio;
  if (at !== null) {
    const go = () => { audio.currentTime = seg.start + Math.max(0, at || 0); if (autoplay) player.play(); };
    if (audio.readyState >= 1) go(); else audio.addEventListener('loadedmetadata', go, { once: true });
  }
  preloadNext(player, chain, seg, v);
  return true;
}

/** Append the following track while this one plays (once), or end the stream after the last. */
function preloadNext(player, chain, seg, v) {
  if (seg.next) return;
  const n = seg.i + 1;
  if (n >= player.tracks.length) { seg.next = Promise.resolve(); chain.finish(); return; }
  seg.next = player._payload(player.tracks[n].id).then((payload) => {
    if (chain.dead) return;
    const w = (payload.variants || []).find((x) => x.variant.index === v.variant.index);
    if (!w || mseType(w) !== chain.type) { chain.finish(); return; }
    chain.add(n, w);
    if (n === player.tracks.length - 1) chain.finish();  // the last one: end the stream behind it
  }).catch(() => chain.finish());
}

/** On timeupdate: when playback crossed into the next appended track, show it (no reload). */
export function gaplessTick(player) {
  const chain = player._chain;
  if (!chain || chain.dead) return;
  const t = player.audio.currentTime;
  const cur = chain.seg(player.index, player.variant?.variant?.index);
  const nxt = cur && chain.segs.find((s) => s.i === cur.i + 1 && s.start === cur.end);
  if (!nxt || t < nxt.start) return;
  const payload = player.cache.get(player.tracks[nxt.i].id);
  if (!payload) return;
  const cut = Math.max(0, cur.start - 1);  // keep a second of the previous track for a seek back
  chain.segs = chain.segs.filter((x) => x.start >= cut);  // a track that was cut must be reloaded
  chain.prune(cut);
  player._show(nxt.i, payload, { at: null, keepVariant: true });
}
