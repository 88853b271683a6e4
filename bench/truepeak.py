"""Benchmark the true-peak meter: oversampling everything (what `ebur128=peak=true` does) vs.
`media.truepeak.TruePeakMeter` (the same resampler, only where the peak can be set), on real music.

For each 4-minute cut of Debian's asc-music (bench/real_audio.py), decoded once to float planar:
  full     one resampler to 192 kHz (dbl) over everything, in 100 ms frames as the filter feeds it;
  pruned   TruePeakMeter fed the pipeline's 32768-sample frames;
  filter   the in-process `ebur128` filter graph with peak=true and without it (metadata=1 both),
           i.e. what the loudness sink paid before and pays now besides the meter.
Prints CPU-seconds of each, the ratio, the share of input that was oversampled, and whether the
pruned peak equals the full one bit for bit (it must).

--loudness compares the whole loudness step instead, on the same decoded audio fed in the pipeline's
32768-sample frames:
  before   the two sinks of before issue 15's change: the `ebur128` graph (metadata=1; I and LRA)
           with `TruePeakMeter`, plus the album-blocks sink (K-weighting again: FFmpeg `biquad` in
           double precision, `aformat` to dblp, numpy mean squares per 100 ms, 0.1 LU histogram;
           rebuilt here from the removed code, with today's filter coefficients: same cost);
  now      `LoudnessSink`: one K-weighting pass for I, LRA and the album histogram, `TruePeakMeter`.
Prints CPU-seconds of each, the ratio, and the I and LRA of both (with --oracle also the Debian
`ffmpeg -af ebur128` CLI's, read at three decimals), and the largest differences.

    .venv/bin/python bench/truepeak.py [--tracks 6] [FILE ...]
    .venv/bin/python bench/truepeak.py --loudness [--oracle] [--tracks 6] [FILE ...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import av.filter
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from real_audio import album  # noqa: E402

from tonearm.media import album as album_hist  # noqa: E402
from tonearm.media.kweighting import highpass, ready_frames, shelf  # noqa: E402
from tonearm.media.loudness import LoudnessSink  # noqa: E402
from tonearm.media.specs import Loudness  # noqa: E402
from tonearm.media.truepeak import OUT_RATE, TruePeakMeter  # noqa: E402


def decode(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as c:
        rate = c.streams.audio[0].codec_context.sample_rate
        rs = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
        return np.concatenate([f.to_ndarray() for fr in c.decode(audio=0) for f in rs.resample(fr)], axis=1), rate


def frames(x: np.ndarray, rate: int, size: int, fmt: str = "fltp"):
    for start in range(0, x.shape[1], size):
        part = x[:, start:start + size]
        if fmt == "dbl":
            f = av.AudioFrame.from_ndarray(np.ascontiguousarray(part.T, dtype=np.float64).reshape(1, -1),
                                           format="dbl", layout="stereo")
        else:
            f = av.AudioFrame.from_ndarray(np.ascontiguousarray(part), format="fltp", layout="stereo")
        f.sample_rate, f.pts, f.time_base = rate, start, Fraction(1, rate)
        yield f


def full(x: np.ndarray, rate: int) -> float:
    resampler, peak = av.AudioResampler(format="dbl", layout="stereo", rate=OUT_RATE), 0.0
    for f in frames(x, rate, rate // 10, "dbl"):
        for out in resampler.resample(f):
            peak = max(peak, float(np.abs(out.to_ndarray()).max()))
    return peak


def pruned(x: np.ndarray, rate: int) -> TruePeakMeter:
    meter = TruePeakMeter(rate, "stereo")
    for start in range(0, x.shape[1], 32768):
        meter.add(x[:, start:start + 32768])
    meter.finish()
    return meter


def graph(x: np.ndarray, rate: int, peak: str | None) -> None:
    g = av.filter.Graph()
    src = g.add("abuffer", sample_rate=str(rate), sample_fmt="fltp", channel_layout="stereo",
                time_base=f"1/{rate}")
    meter = g.add("ebur128", metadata="1", **({"peak": peak} if peak else {}))
    sink = g.add("abuffersink")
    src.link_to(meter)
    meter.link_to(sink)
    g.configure()
    for f in frames(x, rate, 32768):
        g.push(f)
        for _ in ready_frames(g):
            pass
    g.push(None)
    for _ in ready_frames(g):
        pass


def cpu(fn, *args):
    t = time.process_time()
    value = fn(*args)
    return value, time.process_time() - t


def loudness_before(x: np.ndarray, rate: int) -> tuple[float, float]:
    """The loudness step as it was: `ebur128` graph + TruePeakMeter, and the album-blocks sink."""
    g = av.filter.Graph()
    src = g.add("abuffer", sample_rate=str(rate), sample_fmt="fltp", channel_layout="stereo",
                time_base=f"1/{rate}")
    meter = g.add("ebur128", metadata="1")
    src.link_to(meter)
    meter.link_to(g.add("abuffersink"))
    g.configure()
    peak = TruePeakMeter(rate, "stereo")
    meta: dict = {}
    for f in frames(x, rate, 32768):
        peak.add(f.to_ndarray())
        g.push(f)
        meta = next((dict(o.metadata) for o in reversed(list(ready_frames(g))) if o.metadata), meta)
    g.push(None)
    meta = next((dict(o.metadata) for o in reversed(list(ready_frames(g))) if o.metadata), meta)
    peak.finish()
    _album_blocks_before(x, rate)
    return float(meta["lavfi.r128.I"]), float(meta["lavfi.r128.LRA"])


def _album_blocks_before(x: np.ndarray, rate: int) -> dict:
    """The album-blocks sink before issue 15's change, in its own words: its own K-weighting graph."""
    g = av.filter.Graph()
    chain = [g.add("abuffer", sample_rate=str(rate), sample_fmt="fltp", channel_layout="stereo",
                   time_base=f"1/{rate}")]
    for coeffs in (shelf(rate), highpass(rate)):
        chain.append(g.add("biquad", ":".join(f"{k}={v:.17g}" for k, v in coeffs.items()) + ":precision=f64"))
    chain += [g.add("aformat", sample_fmts="dblp"), g.add("abuffersink")]
    for a, b in zip(chain, chain[1:]):
        a.link_to(b)
    g.configure()
    step, carry, steps = rate // 10, None, []
    counts = np.zeros(album_hist.BINS, dtype=np.int64)

    def square(data):
        nonlocal carry
        if carry is not None:
            data = np.concatenate([carry, data], axis=1)
        whole = data.shape[1] // step * step
        if whole:
            parts = data[:, :whole].reshape(data.shape[0], -1, step)
            steps.extend(np.mean(parts * parts, axis=2).sum(axis=0).tolist())
        carry = data[:, whole:]

    for f in frames(x, rate, 32768):
        g.push(f)
        for out in ready_frames(g):
            square(out.to_ndarray())
    g.push(None)
    for out in ready_frames(g):
        square(out.to_ndarray())
    s = np.asarray(steps)
    album_hist.add(counts, (s[:-3] + s[1:-2] + s[2:-1] + s[3:]) / 4)
    return album_hist.pack(counts)


def loudness_now(x: np.ndarray, rate: int) -> tuple[float, float]:
    sink = LoudnessSink((rate, "stereo", "fltp"), Loudness())
    for f in frames(x, rate, 32768):
        sink.consume(f)
    sink.finish()
    sink.album_blocks()
    res = sink.result()
    return res["integrated_lufs"], res["lra_lu"]


def cli_oracle(path: Path) -> tuple[float, float] | None:
    """I and LRA from Debian's ffmpeg CLI (`ebur128`), at the three decimals of its metadata."""
    if not shutil.which("ffmpeg"):
        return None
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "ebur128=metadata=1,ametadata=print:file=-", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stdout
    last = lambda key: float(re.findall(rf"lavfi\.r128\.{key}=(-?[\d.]+)", out)[-1])  # noqa: E731
    return last("I"), last("LRA")


def loudness_main(paths: list[Path], oracle: bool) -> None:
    print(f"loudness step, {len(paths)} tracks, load avg {'{:.1f} {:.1f} {:.1f}'.format(*os.getloadavg())}; "
          "CPU-seconds per track, I (LUFS) and LRA (LU)")
    print(f"  {'track':<28} {'before':>7} {'now':>6} {'ratio':>6}   {'I before':>8} {'I now':>7} {'LRA bef.':>8} "
          f"{'LRA now':>7}" + (f" {'I cli':>7} {'LRA cli':>7}" if oracle else ""))
    tot, worst = np.zeros(2), np.zeros(4)
    for path in paths:
        x, rate = decode(path)
        (i0, lra0), t0 = cpu(loudness_before, x, rate)
        (i1, lra1), t1 = cpu(loudness_now, x, rate)
        tot += (t0, t1)
        worst[:2] = np.maximum(worst[:2], (abs(i1 - i0), abs(lra1 - lra0)))
        line = f"  {path.name:<28} {t0:7.3f} {t1:6.3f} {t1 / t0:6.2f}   {i0:8.2f} {i1:7.2f} {lra0:8.2f} {lra1:7.2f}"
        ref = cli_oracle(path) if oracle else None
        if ref:
            worst[2:] = np.maximum(worst[2:], (abs(i1 - ref[0]), abs(lra1 - ref[1])))
            line += f" {ref[0]:7.2f} {ref[1]:7.2f}"
        print(line)
    n = max(1, len(paths))
    print(f"  {'mean':<28} {tot[0] / n:7.3f} {tot[1] / n:6.3f} {tot[1] / tot[0]:6.2f}")
    print(f"  largest |now - before|: I {worst[0]:.2f} LU, LRA {worst[1]:.2f} LU"
          + (f"; |now - ffmpeg CLI|: I {worst[2]:.3f} LU, LRA {worst[3]:.3f} LU" if oracle else ""))
    print("  " + "load avg {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--tracks", type=int, default=6, help="asc-music cuts (0: only FILEs)")
    ap.add_argument("--loudness", action="store_true", help="the whole loudness step, before vs now")
    ap.add_argument("--oracle", action="store_true", help="with --loudness: also ffmpeg -af ebur128 (CLI)")
    args = ap.parse_args()
    paths = (album(args.tracks) if args.tracks else []) + args.files
    if args.loudness:
        loudness_main(paths, args.oracle)
        return
    load = "load avg {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    print(f"true-peak meter, {len(paths)} tracks, {load}; CPU-seconds per track")
    print(f"  {'track':<28} {'full':>6} {'pruned':>7} {'ratio':>6} {'overs.':>7} {'equal':>6} "
          f"{'ebur128 peak=true':>18} {'no peak':>8}")
    tot = np.zeros(4)
    for path in paths:
        x, rate = decode(path)
        want, t_full = cpu(full, x, rate)
        meter, t_pruned = cpu(pruned, x, rate)
        _, t_true = cpu(graph, x, rate, "true")
        _, t_none = cpu(graph, x, rate, None)
        tot += (t_full, t_pruned, t_true, t_none)
        print(f"  {path.name:<28} {t_full:6.2f} {t_pruned:7.2f} {t_pruned / t_full:6.2f} "
              f"{meter.oversampled / x.shape[1]:7.1%} {str(meter.peak == want):>6} {t_true:18.2f} {t_none:8.2f}")
    n = max(1, len(paths))
    print(f"  {'mean':<28} {tot[0] / n:6.2f} {tot[1] / n:7.2f} {tot[1] / tot[0]:6.2f} {'':>7} {'':>6} "
          f"{tot[2] / n:18.2f} {tot[3] / n:8.2f}")
    print(f"  loudness meter before (ebur128 peak=true) vs now (ebur128 + pruned meter): "
          f"{tot[2] / n:.2f} -> {(tot[3] + tot[1]) / n:.2f} CPU-s per track ({(tot[3] + tot[1]) / tot[2]:.2f}x)")
    print("  " + "load avg {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
