"""Benchmark: the waveform video (``waveform_video`` variant) of the default window, for a
4-minute MP3 and a 2-hour FLAC.

Each render runs in a child process of its own, which prints its CPU seconds (user + system,
all threads), wall seconds and peak RSS; the RSS right after the imports is printed too, so the
render's own share shows. As a baseline measured in the same run, FFmpeg's command line renders
the same window with its ``showwaves`` filter (no cover, no title) at the same size, preset and
CRF (Debian's ``ffmpeg``, for comparison only; the product never shells out).

    .venv/bin/python bench/waveform_video.py [--width 1280 --height 720 --fps 25] [--no-ffmpeg]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _chunk(seconds: float, rate: int) -> np.ndarray:
    """Ten seconds of a music-like stereo signal (partials, a slow swell, a little noise)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(7)
    left = sum(a * np.sin(2 * np.pi * f * t) for f, a in ((110, 0.25), (220.5, 0.15), (331, 0.08), (1250, 0.04)))
    left = left * (0.5 + 0.5 * np.sin(2 * np.pi * t / 7.0)) + 0.02 * rng.standard_normal(t.size)
    return np.stack([left, np.roll(left, 37) * 0.9]).astype(np.float32)


def write_input(path: Path, seconds: int, fmt: str, codec: str, sample_format: str) -> Path:
    """``seconds`` of audio written ten seconds at a time (memory stays flat)."""
    rate = 44100
    chunk = _chunk(10, rate)
    if sample_format == "s16":
        chunk = (chunk * 32767).astype(np.int16)
    out = av.open(str(path), "w", format=fmt)
    stream = out.add_stream(codec, rate=rate)
    stream.layout, stream.format = "stereo", sample_format
    if codec == "libmp3lame":
        stream.bit_rate = 192_000
    for n in range(seconds // 10):
        data = chunk.reshape(1, -1, order="F") if sample_format == "s16" else chunk
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=sample_format, layout="stereo")
        frame.sample_rate, frame.pts = rate, n * chunk.shape[-1]
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
    out.close()
    return path


def child(src: str, dest: str, width: int, height: int, fps: int) -> None:
    from tonearm.media import WaveformVideo, waveform_video

    cover = Path(dest).with_suffix(".jpg")
    from PIL import Image

    Image.new("RGB", (600, 600), (180, 40, 60)).save(cover)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    made = waveform_video(src, WaveformVideo(dest=Path(dest), width=width, height=height, fps=fps),
                          title="A benchmark track with a long enough title", cover=cover)
    print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "base_rss_mib": base_rss / 1024, "frames": made["frames"],
                      "window": [made["capture_start"], made["capture_end"]], "bytes": made["bytes"]}))


def run_child(src: Path, dest: Path, args) -> dict:
    cmd = [sys.executable, __file__, "--child", str(src), str(dest),
           "--width", str(args.width), "--height", str(args.height), "--fps", str(args.fps)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_ffmpeg(src: Path, dest: Path, start: float, length: float, args) -> dict:
    wall = time.perf_counter()
    graph = f"[0:a]showwaves=s={args.width}x{args.height}:mode=cline:rate={args.fps},format=yuv420p[v]"
    proc = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", str(start), "-t", str(length),
                             "-i", str(src), "-filter_complex", graph, "-map", "[v]", "-map", "0:a", "-c:v", "libx264",
                             "-preset", "veryfast", "-crf", "23", "-c:a", "aac", "-b:a", "128k",
                             "-movflags", "+faststart", str(dest)])
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own CPU time and peak RSS
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"ffmpeg failed ({proc.returncode})")
    return {"wall": time.perf_counter() - wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
            "bytes": dest.stat().st_size}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--no-ffmpeg", action="store_true")
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    if args.child:
        return child(*args.child, args.width, args.height, args.fps)
    use_ffmpeg = not args.no_ffmpeg and shutil.which("ffmpeg")
    print(f"load average {os.getloadavg()[0]:.2f}; {args.width}x{args.height} @ {args.fps} fps, default window")
    print(f"{'input':<22}{'window s':>14}{'frames':>8}{'CPU s':>8}{'wall s':>8}{'peak RSS MiB':>14}"
          f"{'after imports':>15}{'MP4 KiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        inputs = [("4 min MP3 192k", write_input(d / "four.mp3", 240, "mp3", "libmp3lame", "fltp")),
                  ("2 h FLAC 44.1k", write_input(d / "two-hours.flac", 7200, "flac", "flac", "s16"))]
        for name, src in inputs:
            r = run_child(src, d / f"{src.stem}.mp4", args)
            window = f"{r['window'][0]:.0f}-{r['window'][1]:.0f}"
            print(f"{name:<22}{window:>14}{r['frames']:>8}{r['cpu']:>8.2f}{r['wall']:>8.2f}{r['rss_mib']:>14.0f}"
                  f"{r['base_rss_mib']:>15.0f}{r['bytes'] / 1024:>9.0f}")
            if use_ffmpeg:
                f = run_ffmpeg(src, d / f"{src.stem}-ffmpeg.mp4", r["window"][0], r["window"][1] - r["window"][0], args)
                print(f"{'  ffmpeg showwaves':<22}{window:>14}{'':>8}{f['cpu']:>8.2f}{f['wall']:>8.2f}"
                      f"{f['rss_mib']:>14.0f}{'':>15}{f['bytes'] / 1024:>9.0f}")


if __name__ == "__main__":
    main()
