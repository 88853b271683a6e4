"""Benchmark the true-peak meter: oversampling everything (what `ebur128=peak=true` does) vs.
`media.truepeak.TruePeakMeter` (the same resampler, only where the peak can be set), on real music.

For each 4-minute cut of Debian's asc-music (bench/real_audio.py), decoded once to float planar:
  full     one resampler to 192 kHz (dbl) over everything, in 100 ms frames as the filter feeds it;
  pruned   TruePeakMeter fed the pipeline's 32768-sample frames;
  filter   the in-process `ebur128` filter graph with peak=true and without it (metadata=1 both),
           i.e. what the loudness sink paid before and pays now besides the meter.
Prints CPU-seconds of each, the ratio, the share of input that was oversampled, and whether the
pruned peak equals the full one bit for bit (it must).

    .venv/bin/python bench/truepeak.py [--tracks 6] [FILE ...]
"""

from __future__ import annotations

import argparse
import os
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

from tonearm.media.kweighting import ready_frames  # noqa: E402
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--tracks", type=int, default=6, help="asc-music cuts (0: only FILEs)")
    args = ap.parse_args()
    paths = (album(args.tracks) if args.tracks else []) + args.files
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
