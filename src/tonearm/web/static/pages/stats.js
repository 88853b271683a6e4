// Tonearm dashboard, Statistics view: GET /v1/stats drawn with uPlot (time series and top
// tracks), filters by collection, track and dates, and the CSV export. Same key as the dashboard.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { ApiError, api, esc } from '../components/shared.js';

const STORE = 'tonearm.dashboard.key';
const base = location.origin;
const $ = (id) => document.getElementById(id);
const state = { key: sessionStorage.getItem(STORE), charts: [] };
const call = (path) => api(base, path, { key: state.key });
const day = (d) => d.toISOString().slice(0, 10);
const FROM_ZERO = { range: (u, min, max) => [0, Math.max(1, max * 1.1)] };
const COLORS = { plays: '#2f5fd0', listeners: '#b54708', downloads: '#067647' };

async function signIn(key) {
  state.key = key;
  try {
    const data = await call('/v1/collection?limit=200');
    sessionStorage.setItem(STORE, key);
    $('f-col').innerHTML = '<option value="">All collections</option>' + data.collections
      .map((c) => `<option value="${esc(c.id)}">${esc(c.title)}</option>`).join('');
    $('signin').hidden = true;
    $('workspace').hidden = false;
    $('signout').hidden = false;
    const to = new Date(Date.now() + 86400000);
    $('f-to').value = day(to);
    $('f-from').value = day(new Date(to - 31 * 86400000));
    await load();
  } catch (err) {
    state.key = null;
    sessionStorage.removeItem(STORE);
    $('signin').hidden = false;
    $('workspace').hidden = true;
    $('keymsg').textContent = err instanceof ApiError && err.status === 403
      ? 'This key cannot read statistics: use an API Access key.' : err.message;
  }
}

async function loadTracks() {
  const col = $('f-col').value;
  $('f-track').innerHTML = '<option value="">All tracks</option>';
  if (!col) return;
  const data = await call(`/v1/collection/${encodeURIComponent(col)}/track?limit=200`);
  $('f-track').innerHTML += data.tracks.map((t) =>
    `<option value="${esc(t.id)}">${esc(t.player_title || t.file_name || t.id)}</option>`).join('');
}

function query() {
  const q = new URLSearchParams({ from: $('f-from').value, to: $('f-to').value, interval: $('f-interval').value });
  if ($('f-col').value) q.set('collection_id', $('f-col').value);
  if ($('f-track').value) q.set('track_id', $('f-track').value);
  return q.toString();
}

const pct = (x) => (x == null ? '–' : `${Math.round(x * 100)} %`);
const ms = (x) => (x == null ? '–' : `${x} ms`);

function renderTotals(t) {
  const cells = [['Plays', t.plays], ['Listeners', t.listeners], ['Downloads (IAB)', t.downloads],
    ['Hours listened', (t.listened_seconds / 3600).toFixed(1)], ['Completion', pct(t.completion_rate)],
    ['Startup p50', ms(t.startup_ms_p50)], ['Startup p95', ms(t.startup_ms_p95)]];
  $('totals').innerHTML = cells.map(([k, v]) => `<div><span class="muted">${esc(k)}</span><strong>${esc(v)}</strong></div>`).join('');
}

function chart(el, opts, data) {
  const width = Math.max(320, el.clientWidth || 800);
  state.charts.push(new uPlot({ width, height: 260, ...opts }, data, el));
}

function renderSeries(series) {
  const el = $('series-chart');
  const x = series.map((s) => Date.parse(s.time) / 1000);
  const line = (label) => ({ label, stroke: COLORS[label.toLowerCase()], width: 2, points: { show: series.length < 60 } });
  chart(el, { series: [{}, line('Plays'), line('Listeners'), line('Downloads')], scales: { x: { time: true }, y: FROM_ZERO },
    axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor' }] },
  [x, series.map((s) => s.plays), series.map((s) => s.listeners), series.map((s) => s.downloads)]);
}

function renderTop(top) {
  const bars = (align) => uPlot.paths.bars({ size: [0.35, 48], align });
  const x = top.map((_, i) => i + 1);
  chart($('top-chart'), {
    scales: { x: { time: false, range: [0.5, Math.max(1, top.length) + 0.5] }, y: FROM_ZERO },
    axes: [{ stroke: 'currentColor', values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? `#${t}` : '')) },
      { stroke: 'currentColor' }],
    series: [{ label: 'Rank' },
      { label: 'Plays', fill: COLORS.plays, stroke: COLORS.plays, paths: bars(-1), points: { show: false } },
      { label: 'Downloads', fill: COLORS.downloads, stroke: COLORS.downloads, paths: bars(1), points: { show: false } }],
  }, [x, top.map((t) => t.plays), top.map((t) => t.downloads)]);
  $('top').innerHTML = top.map((t, i) => `<tr><td>${i + 1}</td><td>${esc(t.title || t.track_id)}</td><td>${t.plays}</td>
    <td>${t.downloads}</td><td>${t.listeners}</td><td>${pct(t.completion_rate)}</td></tr>`).join('')
    || '<tr><td colspan="6" class="empty">No listening in this period yet.</td></tr>';
}

async function load() {
  $('statsmsg').textContent = '';
  try {
    const data = await call(`/v1/stats?${query()}`);
    state.charts.forEach((c) => c.destroy());
    state.charts = [];
    renderTotals(data.totals);
    renderSeries(data.series);
    renderTop(data.top_tracks);
  } catch (err) {
    $('statsmsg').textContent = err.message;
  }
}

async function downloadCsv() {
  const res = await fetch(`${base}/v1/stats/export.csv?${query()}`, { headers: { Authorization: `Bearer ${state.key}` } });
  if (!res.ok) { $('statsmsg').textContent = `Export failed (HTTP ${res.status})`; return; }
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await res.blob());
  link.download = `tonearm-stats-${$('f-from').value}-${$('f-to').value}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

$('keyform').addEventListener('submit', (e) => { e.preventDefault(); $('keymsg').textContent = ''; signIn($('key').value.trim()); });
$('signout').addEventListener('click', () => { sessionStorage.removeItem(STORE); location.reload(); });
$('filters').addEventListener('submit', (e) => { e.preventDefault(); load(); });
$('f-col').addEventListener('change', async () => { await loadTracks(); load(); });
$('f-track').addEventListener('change', () => load());
$('csv').addEventListener('click', () => downloadCsv());
if (state.key) signIn(state.key);
