// Rendering helpers of <tonearm-player>: its markup, track list, quality menu, Media Session metadata.
import { esc, fmtBytes, fmtTime, icon } from './shared.js';

export const PLAYER_HTML = `<div class="card loading" part="card">
  <img class="cover none" part="cover" alt="">
  <div class="main">
    <div class="head">
      <button class="play" part="play-button" aria-label="Play">${icon('play')}</button>
      <div class="titles"><div class="title">Loading…</div><div class="subtitle"></div></div>
      <div class="tools">
        <button class="prev" aria-label="Previous track" hidden>${icon('prev')}</button>
        <button class="next" aria-label="Next track" hidden>${icon('next')}</button>
        <button class="norm" aria-label="Loudness normalisation" aria-pressed="true" title="Loudness normalisation" hidden>${icon('level')}</button>
        <button class="qbtn" aria-label="Quality" aria-haspopup="true" aria-expanded="false" hidden></button>
        <ul class="menu" role="menu" aria-label="Quality" hidden></ul>
        <button class="download" aria-label="Download" title="Download" hidden>${icon('download')}</button>
      </div>
    </div>
    <tonearm-waveform part="waveform"></tonearm-waveform>
    <div class="times"><span class="cur">0:00</span><span class="badge" hidden>Preview</span><span class="dur">0:00</span></div>
  </div>
  <ol class="list" aria-label="Tracks" hidden></ol>
  <div class="error" role="alert" hidden><span></span><button class="retry">Retry</button></div>
</div>`;

export function renderList(p) {
  const ui = p.ui;
  ui.list.hidden = p.tracks.length < 2 || p.getAttribute('size') === 'small';
  ui.list.innerHTML = p.tracks.map((t, n) => `<li><button aria-current="${n === p.index}">
    <span class="n">${n + 1}</span><span class="t">${esc(t.player_title || t.file_name || 'Untitled')}</span>
    <span class="d">${fmtTime(t.duration)}</span></button></li>`).join('');
  ui.list.querySelectorAll('button').forEach((b, n) => b.addEventListener('click', () => p.select(n, { autoplay: true })));
}

export function renderMenu(p) {
  const ui = p.ui, cur = p.variant?.variant.index;
  ui.qbtn.hidden = p.variants.length < 2;
  ui.qbtn.textContent = cur || '';
  ui.menu.innerHTML = p.variants.map((v) => {
    const props = v.props || {}, rate = props.bitrate;
    const info = [props.codec && props.codec.toUpperCase(), rate && `${rate >= 1000 ? Math.round(rate / 1000) : rate} kbps`, fmtBytes(v.size)]
      .filter(Boolean).join(' · ');
    return `<li role="none"><button role="menuitemradio" aria-checked="${v.variant.index === cur}" data-v="${esc(v.variant.index)}">
      <span>${esc(v.variant.index.toUpperCase())}</span><small>${esc(info)}</small></button></li>`;
  }).join('');
  ui.menu.querySelectorAll('button').forEach((b) => b.addEventListener('click', () => {
    p.setQuality(b.dataset.v);
    toggleMenu(p, false);
    ui.qbtn.focus();
  }));
}

export function toggleMenu(p, open) {
  p.ui.menu.hidden = !open;
  p.ui.qbtn.setAttribute('aria-expanded', String(open));
  if (open) p.ui.menu.querySelector('[aria-checked=true]')?.focus();
}

export function mediaSession(p) {
  if (!('mediaSession' in navigator) || !window.MediaMetadata) return;
  const c = p.payload.cover_image || {};
  navigator.mediaSession.metadata = new MediaMetadata({
    title: p.ui.title.textContent, artist: p.ui.subtitle.textContent,
    artwork: ['small', 'regular', 'large'].filter((n) => c[n]).map((n) => ({
      src: c[n].url, sizes: `${c[n].width}x${c[n].height}`, type: 'image/jpeg' })),
  });
  const on = (a, f) => { try { navigator.mediaSession.setActionHandler(a, f); } catch { /* unsupported */ } };
  on('play', () => p.play());
  on('pause', () => p.pause());
  on('nexttrack', p.tracks.length > 1 ? () => p.next() : null);
  on('previoustrack', p.tracks.length > 1 ? () => p.previous() : null);
  on('seekto', (d) => p.seek(d.seekTime));
}
