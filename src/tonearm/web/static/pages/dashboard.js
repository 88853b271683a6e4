// Tonearm dashboard: an API key holder's view of collections and tracks, with a player, the
// uploader, client-side keys with copyable embed snippets, and the latest webhook deliveries
// (status, last error, redeliver). The key lives in sessionStorage.
import { ApiError, api, esc, fmtTime } from '../components/shared.js';

const STORE = 'tonearm.dashboard.key';
const base = location.origin;
const $ = (id) => document.getElementById(id);
const state = {
  key: sessionStorage.getItem(STORE), collections: [], col: null, tracks: [], track: null, timer: 0,
  deliveries: [], hookTimer: 0,
};

const call = (path, opts = {}) => api(base, path, { key: state.key, ...opts });

async function signIn(key) {
  state.key = key;
  try {
    const data = await call('/v1/collection?limit=200');
    sessionStorage.setItem(STORE, key);
    state.collections = data.collections;
    $('signin').hidden = true;
    $('workspace').hidden = false;
    $('signout').hidden = false;
    org();
    loadDeliveries();
    renderCollections();
    if (state.collections.length) selectCollection(state.collections[0].id);
    else $('coltitle-h').textContent = 'Create a collection to start';
  } catch (err) {
    state.key = null;
    sessionStorage.removeItem(STORE);
    $('signin').hidden = false;
    $('workspace').hidden = true;
    $('keymsg').textContent = err instanceof ApiError && err.status === 403
      ? 'This key cannot manage collections: use an API Access key.' : err.message;
  }
}

async function org() {
  const first = state.collections[0];
  if (!first) return;
  try {
    const data = await call(`/v1/organization/${first.organization_id}`);
    $('org').textContent = data.organization.name || data.organization.title || '';
  } catch { /* the name is decoration */ }
}

function renderCollections() {
  $('collections').innerHTML = state.collections.map((c) => `<li><button data-id="${esc(c.id)}"
    aria-current="${state.col?.id === c.id}"><span>${esc(c.title)}</span></button></li>`).join('')
    || '<li class="empty">No collections yet</li>';
  $('collections').querySelectorAll('button').forEach((b) => b.addEventListener('click', () => selectCollection(b.dataset.id)));
}

async function selectCollection(id) {
  state.col = state.collections.find((c) => c.id === id);
  state.track = null;
  $('coltitle-h').textContent = state.col.title;
  $('preview').innerHTML = '';
  $('keys').innerHTML = '';
  renderCollections();
  const slot = $('uploader-slot');
  slot.innerHTML = '';
  const up = document.createElement('tonearm-uploader');
  up.setAttribute('api-key', state.key);
  up.setAttribute('collection-id', id);
  up.addEventListener('file-uploaded', () => loadTracks());
  up.addEventListener('track-ready', () => loadTracks());
  slot.append(up);
  await loadTracks();
}

const BUSY = ['initialized', 'processing', 'fallback', 'fallback_processing'];

async function loadTracks() {
  if (!state.col) return;
  const data = await call(`/v1/collection/${state.col.id}/track?limit=200`);
  state.tracks = data.tracks;
  renderTracks();
  loadDeliveries();  // a track that finished has just recorded its events
  clearTimeout(state.timer);
  if (state.tracks.some((t) => BUSY.includes(t.track_status_id))) state.timer = setTimeout(loadTracks, 3000);
}

function renderTracks() {
  const body = $('tracks');
  if (!state.tracks.length) {
    body.innerHTML = '<tr><td colspan="4" class="empty">No tracks yet: drop files in the uploader below.</td></tr>';
    return;
  }
  body.innerHTML = state.tracks.map((t) => {
    const playable = ['ready', 'incomplete', 'fallback', 'fallback_processing'].includes(t.track_status_id);
    const title = t.player_title || t.file_name || 'Untitled';
    return `<tr aria-selected="${state.track?.id === t.id}">
      <td>${esc(title)}${t.player_subtitle ? `<br><span class="muted">${esc(t.player_subtitle)}</span>` : ''}</td>
      <td><span class="status ${esc(t.track_status_id)}" title="${esc(t.status_text || '')}">${esc(t.track_status_id.replace('_', ' '))}</span></td>
      <td>${t.duration ? fmtTime(t.duration) : '–'}</td>
      <td>${playable ? `<button data-id="${esc(t.id)}" aria-label="Play ${esc(title)}">Play</button>` : ''}</td></tr>`;
  }).join('');
  body.querySelectorAll('button').forEach((b) => b.addEventListener('click', () => playTrack(b.dataset.id)));
}

async function playTrack(id) {
  state.track = state.tracks.find((t) => t.id === id);
  renderTracks();
  const slot = $('preview');
  try {
    const ses = await call('/v1/play_session/track', { method: 'POST', body: { track_id: id, is_downloadable: true } });
    slot.innerHTML = '';
    const player = document.createElement('tonearm-player');
    player.setAttribute('play-session-id', ses.play_session_id);
    player.setAttribute('autoplay', '');
    slot.append(player);
  } catch (err) {
    slot.innerHTML = `<p class="msg" role="alert">${esc(err.message)}</p>`;
  }
}

function snippets(type, key) {
  const col = state.col.id;
  const comp = (name) => `<script type="module" src="${base}/static/components/${name}.js"></script>`;
  const out = [];
  if (type === 'player') {
    out.push(['Player', `${comp('player')}\n<tonearm-player api-key="${key}" scope="collection" id="${col}"></tonearm-player>`]);
    if (state.track) out.push(['Embed (iframe)', `<iframe src="${base}/embed/track/${state.track.id}?key=${key}" width="640" height="180" frameborder="0" allow="autoplay" title="Audio player"></iframe>`]);
  } else if (type === 'uploader') {
    out.push(['Uploader', `${comp('uploader')}\n<tonearm-uploader api-key="${key}" collection-id="${col}"></tonearm-uploader>`]);
  } else {
    out.push(['Share link', `${base}/v1/share/${key}`]);
    out.push(['Embed (iframe)', `<iframe src="${base}/embed/track/${state.track.id}?key=${key}" width="640" height="180" frameborder="0" allow="autoplay" title="Audio player"></iframe>`]);
  }
  return out;
}

async function createKey(type) {
  const msg = (text) => { $('keys').insertAdjacentHTML('afterbegin', `<p class="msg" role="alert">${esc(text)}</p>`); };
  if (!state.col) return msg('Select a collection first.');
  const body = { title: `${type} key for ${state.col.title}`, api_key_type_id: type, collection_id: state.col.id };
  if (type === 'share') {
    if (!state.track) return msg('Play a track first: a share key opens one track.');
    body.track_id = state.track.id;
    body.variants = ['hq'];
  }
  try {
    const data = await call('/v1/api_key', { method: 'POST', body });
    const box = document.createElement('div');
    box.className = 'keyrow';
    box.innerHTML = `<strong>${esc(type[0].toUpperCase() + type.slice(1))} key</strong>
      <span class="muted">shown once — copy it now</span><br><code>${esc(data.api_key)}</code>`;
    for (const [label, text] of snippets(type, data.api_key)) {
      const row = document.createElement('div');
      row.innerHTML = `<p class="muted" style="margin:10px 0 0">${esc(label)}</p><pre>${esc(text)}</pre>`;
      const copy = document.createElement('button');
      copy.textContent = 'Copy';
      copy.setAttribute('aria-label', `Copy ${label.toLowerCase()} snippet`);
      copy.addEventListener('click', async () => {
        try { await navigator.clipboard.writeText(text); copy.textContent = 'Copied'; } catch { copy.textContent = 'Copy failed'; }
      });
      row.append(copy);
      box.append(row);
    }
    $('keys').prepend(box);
  } catch (err) {
    msg(err.message);
  }
}

const PENDING = ['pending', 'sending'];
const when = (iso) => new Date(iso).toLocaleString();

async function loadDeliveries() {
  clearTimeout(state.hookTimer);
  try {
    state.deliveries = (await call('/v1/webhook_delivery?limit=20')).webhook_deliveries;
  } catch (err) {
    $('hooksmsg').textContent = err.message;
    return;
  }
  renderDeliveries();
  // Follow what the sender is about to try (a redelivery, a retry within the minute).
  const soon = Date.now() + 60000;
  if (state.deliveries.some((d) => PENDING.includes(d.status) && Date.parse(d.next_attempt_at || 0) < soon)) {
    state.hookTimer = setTimeout(loadDeliveries, 3000);
  }
}

function renderDeliveries() {
  const body = $('deliveries');
  if (!state.deliveries.length) {
    body.innerHTML = '<tr><td colspan="6" class="empty">No deliveries yet: set a webhook URL on the organization to receive events.</td></tr>';
    return;
  }
  body.innerHTML = state.deliveries.map((d) => {
    const next = PENDING.includes(d.status) && d.next_attempt_at ? `<br><span class="muted url">next ${esc(when(d.next_attempt_at))}</span>` : '';
    const code = d.last_status_code ? ` <span class="muted">(HTTP ${esc(d.last_status_code)})</span>` : '';
    const last = d.last_attempt_at ? `<time datetime="${esc(d.last_attempt_at)}">${esc(when(d.last_attempt_at))}</time>` : '–';
    return `<tr data-id="${esc(d.id)}">
      <td>${esc(d.event)}<br><span class="muted url">${esc(d.url)}</span></td>
      <td><span class="status ${esc(d.status)}">${esc(d.status)}</span>${next}</td>
      <td>${esc(d.attempts)}${code}</td>
      <td class="err">${d.last_error ? esc(d.last_error) : '–'}</td>
      <td>${last}</td>
      <td><button data-id="${esc(d.id)}" aria-label="Redeliver ${esc(d.event)} ${esc(d.id.slice(0, 8))}">Redeliver</button></td></tr>`;
  }).join('');
  body.querySelectorAll('button').forEach((b) => b.addEventListener('click', () => redeliver(b)));
}

async function redeliver(button) {
  button.disabled = true;
  $('hooksmsg').textContent = '';
  try {
    await call(`/v1/webhook_delivery/${button.dataset.id}/redeliver`, { method: 'POST' });
  } catch (err) {
    $('hooksmsg').textContent = err.message;
  }
  await loadDeliveries();
}

$('keyform').addEventListener('submit', (e) => { e.preventDefault(); $('keymsg').textContent = ''; signIn($('key').value.trim()); });
$('hooks-refresh').addEventListener('click', () => { $('hooksmsg').textContent = ''; loadDeliveries(); });
$('signout').addEventListener('click', () => { sessionStorage.removeItem(STORE); location.reload(); });
$('keyform2').addEventListener('submit', (e) => { e.preventDefault(); createKey($('ktype').value); });
$('newcol').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const data = await call('/v1/collection', { method: 'POST', body: { title: $('coltitle').value.trim() } });
    $('coltitle').value = '';
    state.collections.push(data.collection);
    await selectCollection(data.collection.id);
  } catch (err) { $('coltitle').setCustomValidity(err.message); $('coltitle').reportValidity(); }
});

$('coltitle').addEventListener('input', (e) => e.target.setCustomValidity(''));
if (state.key) signIn(state.key);
