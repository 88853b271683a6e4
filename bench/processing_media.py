"""Benchmark: in-process decode-once render vs. sequential ffmpeg CLI runs.

Generates a music-like stereo 44.1 kHz MP3 (4 minutes by default), then
produces the usual processing set twice:

* tonearm.media.render(): AAC 256k .m4a + MP3 128k + 30 s MP3 preview +
  levels + peaks + loudness, followed by waveform_png() from the levels;
* the naive pipeline: five ``ffmpeg`` processes run one after another
  (AAC 256k m4a, MP3 128k, 30 s faded preview, showwavespic PNG, ebur128).

The ffmpeg binary is only used here, for comparison (``apt-get install
ffmpeg``); the product never shells out.

    .venv/bin/python bench/processing_media.py [--seconds 240] [--runs 1]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import audiogen  # noqa: E402

from tonearm.media import (  # noqa: E402
    AudioOptions,
    Levels,
    Loudness,
    Peaks,
    Preview,
    PreviewWindow,
    Transcode,
    preview_window,
    render,
    waveform_png,
)


def music_like(seconds: float, rate: int = 44100) -> np.ndarray:
    """A few detuned partials with a slow envelope plus a little noise."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    rng = np.random.default_rng(7)
    left = sum(a * np.sin(2 * np.pi * f * t) for f, a in
               ((110, 0.25), (220.5, 0.15), (331, 0.08), (1250, 0.04), (5100, 0.02)))
    env = 0.6 + 0.4 * np.sin(2 * np.pi * t / 7.0)
    left = left * env + 0.02 * rng.standard_normal(n)
    right = np.roll(left, 37) * 0.9
    return np.stack([left, right]).astype(np.float32)


def run_inprocess(src: Path, out: Path) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    result = render(src, [
        Transcode(out / "hq.m4a", AudioOptions("aac", 256)),
        Transcode(out / "lq.mp3", AudioOptions("mp3", 128)),
        Preview(out / "preview.mp3", AudioOptions("mp3", 128), PreviewWindow(preview_seconds=30)),
        Levels(), Peaks(), Loudness(),
    ])
    waveform_png(result.levels, out / "waveform.png")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not result.ok:
        raise SystemExit(f"render failed: {result.errors} {result.outputs}")
    return elapsed, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(ffmpeg: str, src: Path, out: Path, duration: float) -> tuple[float, float]:
    start, end = preview_window(duration, PreviewWindow(preview_seconds=30))
    length = end - start
    base = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    commands = [
        base + ["-i", str(src), "-vn", "-c:a", "aac", "-b:a", "256k",
                "-movflags", "+faststart", str(out / "hq.m4a")],
        base + ["-i", str(src), "-vn", "-c:a", "libmp3lame", "-b:a", "128k", str(out / "lq.mp3")],
        base + ["-ss", f"{start}", "-t", f"{length}", "-i", str(src), "-vn", "-af",
                f"afade=t=in:d=0.75,afade=t=out:st={length - 0.75}:d=0.75",
                "-c:a", "libmp3lame", "-b:a", "128k", str(out / "preview.mp3")],
        base + ["-i", str(src), "-filter_complex", "showwavespic=s=1800x280",
                "-frames:v", "1", str(out / "waveform.png")],
        [ffmpeg, "-hide_banner", "-nostats", "-i", str(src), "-af", "ebur128=peak=true",
         "-f", "null", "-"],
    ]
    started, cpu = time.perf_counter(), _children_cpu()
    for cmd in commands:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=240.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    with tempfile.TemporaryDirectory(prefix="tonearm-bench-") as tmp:
        tmp = Path(tmp)
        src = audiogen.write_audio(tmp / "source.mp3", "mp3", samples=music_like(args.seconds),
                                   rate=44100, bitrate=192_000)
        print(f"source: {args.seconds:.0f} s stereo 44.1 kHz MP3, {src.stat().st_size} bytes")
        ours, theirs = [], []
        for i in range(args.runs):
            (tmp / f"a{i}").mkdir()
            ours.append(run_inprocess(src, tmp / f"a{i}"))
            print(f"in-process render + png : {ours[-1][0]:6.2f} s wall {ours[-1][1]:6.2f} s CPU")
            if ffmpeg:
                (tmp / f"b{i}").mkdir()
                theirs.append(run_cli(ffmpeg, src, tmp / f"b{i}", args.seconds))
                print(f"sequential ffmpeg CLI   : {theirs[-1][0]:6.2f} s wall {theirs[-1][1]:6.2f} s CPU")
        if theirs:
            wall = min(t[0] for t in theirs) / min(o[0] for o in ours)
            cpu = min(t[1] for t in theirs) / min(o[1] for o in ours)
            print(f"ratio CLI / in-process  : {wall:.2f}x wall, {cpu:.2f}x CPU (best of {args.runs})")
        else:
            print("ffmpeg not installed: no comparison (apt-get install -y ffmpeg)")


if __name__ == "__main__":
    main()
