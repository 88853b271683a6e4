// Listening events of <tonearm-player>, sent to POST /v1/play/{play_session_id}/{track_id}/event
// (docs/analytics.md): `play` with its startup time (press → first audio frame), `progress`
// (seconds heard since the last report: at most every 15 s, on pause, on track change and on
// pagehide through navigator.sendBeacon), `complete` and `error` (MediaError code).
// A player with the `no-analytics` attribute sends nothing.
import { apiBase } from './shared.js';

const EVERY_MS = 15000;

export function trackEvents(player) {
  const audio = player.audio;
  let pressedAt = null;  // performance.now() of the play request still waiting for its first frame
  let playedKey = null;  // session/track whose `play` was sent (one per track, not per resume)
  let heard = 0, lastTime = null, lastReport = 0, target = null;

  const where = () => {
    const sid = player.sid, tid = player.payload?.track?.id;
    return sid && tid ? { sid, tid, key: `${sid}/${tid}` } : null;
  };
  const send = (to, events, beacon = false) => {
    if (!to || player.hasAttribute('no-analytics')) return;
    const url = `${apiBase(player)}/v1/play/${to.sid}/${to.tid}/event`;
    const body = JSON.stringify(events.length === 1 ? events[0] : { events });
    if (beacon && navigator.sendBeacon && navigator.sendBeacon(url, body)) return;  // text/plain: no preflight
    fetch(url, { method: 'POST', body, keepalive: true, headers: { 'Content-Type': 'text/plain' } }).catch(() => {});
  };
  const report = (beacon = false) => {
    const secs = Math.round(heard * 10) / 10;
    if (secs > 0 && target) send(target, [{ type: 'progress', listened_seconds: Math.min(secs, 3600) }], beacon);
    heard = 0;
    lastReport = performance.now();
  };

  audio.addEventListener('play', () => {
    const at = where();
    if (at && at.key !== playedKey) pressedAt = performance.now();
  });
  audio.addEventListener('playing', () => {
    const at = where();
    if (!at) return;
    if (target && target.key !== at.key) report();  // the previous track's last seconds
    target = at;
    if (pressedAt != null && at.key !== playedKey) {
      playedKey = at.key;
      send(at, [{ type: 'play', startup_ms: Math.max(0, Math.round(performance.now() - pressedAt)) }]);
      lastReport = performance.now();
    }
    pressedAt = null;
    lastTime = audio.currentTime;
  });
  audio.addEventListener('timeupdate', () => {
    const t = audio.currentTime;
    if (!audio.paused && lastTime != null) {
      const step = t - lastTime;
      if (step > 0 && step < 2) heard += step;  // seeks are not listening
    }
    lastTime = t;
    if (heard > 0 && performance.now() - lastReport >= EVERY_MS) report();
  });
  audio.addEventListener('seeking', () => { lastTime = null; });
  audio.addEventListener('pause', () => { if (!audio.ended) report(); });
  audio.addEventListener('ended', () => {
    report();
    if (target) send(target, [{ type: 'complete' }]);
    playedKey = null;  // playing it again is another play
  });
  audio.addEventListener('error', () => {
    const at = where();
    if (at && audio.error) send(at, [{ type: 'error', error_code: audio.error.code }]);
  });
  addEventListener('pagehide', () => report(true));
}
