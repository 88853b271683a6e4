"""Rig for the gapless browser tests: an album cut from one continuous signal, a recorder of the
player's output (Web Audio: the element through the player's own gain node into an AudioWorklet),
and the boundary measurements (gap from local alignment, largest sample-to-sample jump)."""

from __future__ import annotations

import base64

import numpy as np

RATE = 44100
#: where the continuous signal is cut into three tracks: sample positions on no codec frame grid
CUTS = (0, 97_013, 178_571, 262_147)

RECORDER = """async (p) => {
  const ctx = new AudioContext({sampleRate: %d});
  const code = `class R extends AudioWorkletProcessor { process(inputs) {
    const i = inputs[0]; this.port.postMessage(i && i[0] ? i[0].slice(0) : new Float32Array(128)); return true; } }
    registerProcessor('rec', R);`;
  await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([code], {type: 'text/javascript'})));
  const rec = new AudioWorkletNode(ctx, 'rec', {numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1,
                                                channelCountMode: 'explicit'});
  window.__chunks = []; window.__recording = false;
  rec.port.onmessage = (e) => { if (window.__recording) window.__chunks.push(e.data); };
  p._ctx = ctx; p._gainNode = ctx.createGain();  // the player's own graph, so its gain is what we hear
  ctx.createMediaElementSource(p.audio).connect(p._gainNode).connect(rec).connect(ctx.destination);
  p._applyGain();
  await ctx.resume();
  return ctx.sampleRate;
}""" % RATE

TAKE = """() => { window.__recording = false; const c = window.__chunks, n = c.reduce((a, b) => a + b.length, 0);
  const all = new Float32Array(n); let o = 0; for (const x of c) { all.set(x, o); o += x.length; }
  let s = ''; const u = new Uint8Array(all.buffer);
  for (let i = 0; i < u.length; i += 32768) s += String.fromCharCode.apply(null, u.subarray(i, i + 32768));
  return btoa(s); }"""


def album_signal() -> np.ndarray:
    """A slow sweep (150 Hz up to ~1.5 kHz) plus a steady 440 Hz tone, mono."""
    t = np.arange(CUTS[-1]) / RATE
    return 0.3 * np.sin(2 * np.pi * (150 * t + 115 * t * t)) + 0.2 * np.sin(2 * np.pi * 440 * t)


def decode_recording(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype=np.float32).astype(np.float64)


def _locate(rec: np.ndarray, src: np.ndarray, at: int, guess: int, radius: int, width: int = 2048) -> int:
    """Index in `rec` where src[at:at+width] is found (normalised cross-correlation near `guess`)."""
    ref = src[at: at + width]
    lo = max(0, guess - radius)
    seg = rec[lo: guess + radius + width]
    if len(seg) < width:
        raise AssertionError("recording too short")
    dots = np.correlate(seg, ref, mode="valid")
    energy = np.convolve(seg * seg, np.ones(width), mode="valid")
    score = dots / np.sqrt(np.maximum(energy, 1e-12) * float(ref @ ref))
    return lo + int(np.argmax(score))


def measure(rec: np.ndarray, src: np.ndarray, radius: int = 30000) -> list[dict]:
    """Per boundary: gap in ms (positive: silence inserted, negative: audio lost) and the jump."""
    start = int(np.argmax(np.abs(rec) > 0.02))
    offset = _locate(rec, src, 3000, start + 3000, 3000) - 3000
    own_step = float(np.max(np.abs(np.diff(src))))
    out = []
    for b in CUTS[1:-1]:
        before = _locate(rec, src, b - 4000, b - 4000 + offset, 2000) - (b - 4000)
        after = _locate(rec, src, b + 1500, b + 1500 + before, radius) - (b + 1500)
        at = b + before
        steps = np.abs(np.diff(rec[at - 441: at + 441 + max(0, after - before)]))
        jump = float(np.max(steps))
        out.append({"boundary": b, "gap_ms": round((after - before) * 1000 / RATE, 3),
                    "jump": round(jump, 4), "jump_at": int(np.argmax(steps)) - 441, "own_step": round(own_step, 4)})
        offset = after
    return out
