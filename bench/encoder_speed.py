"""CPU-seconds and Zimtohrli MOS of encoder switches the rung options do not (yet) expose.

bench/quality.py compares Tonearm's rung settings (through tonearm.media.render). This bench
looks one level lower, at the raw FFmpeg options of the two default encoders (libmp3lame's
`compression_level`, `reservoir`, `joint_stereo`, `cutoff`; the AAC encoder's `aac_tns`,
`aac_pns`, `aac_ms`, `cutoff`), each on top of the rungs' settings before this bench (BASE), to
find one that costs fewer CPU-seconds at a score no worse than the ffmpeg CLI default; the rows
"(tonearm default now)" are what AudioOptions gives today:

  CPU    one 4-minute input decoded once to 44.1 kHz stereo float frames of 32768 samples (what
         the job's decode thread hands the encoders); every candidate encodes the same frames,
         candidates interleaved round by round, median of --runs; the CPU of the encoding thread
         (time.thread_time), so the machine's other load counts little;
  MOS    the sources of bench/quality.py (lincity-ng-data full-band tracks, the asc-music cut,
         Allison's prompts) as --seconds clips, each candidate and the ffmpeg CLI default of the
         codec/bitrate scored with quality.mos (per-channel Zimtohrli at 48 kHz, aligned);
  noise  the spread of each candidate's MOS over the first source shifted by --shifts samples.

    .venv/bin/python bench/encoder_speed.py [--runs 5] [--seconds 30] [--music 3] [--cpu-only|--mos-only]
        [--only TEXT] [--aac-kbps 256] [--excerpts FILE ... --starts 0 120] [--shifts 0 1 441]

`--only zzz` (any text no candidate has) keeps only the baselines: before vs now, with the MP3 rung
measured twice at the same settings as a control of the CPU figure's drift.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import quality  # noqa: E402

from tonearm.media import AudioOptions  # noqa: E402
from tonearm.media.encoders import codec_info, codec_options  # noqa: E402

FRAME = 32768

#: The rungs' settings before this bench (LAME 3; AAC fast coder, intensity stereo off): every
#: candidate is these plus its own options, so the rows stay comparable when the defaults move.
BASE = {"mp3": {"compression_level": "3"}, "aac": {"aac_coder": "fast", "aac_is": "0"}}
#: (label, codec, kbps, raw FFmpeg options on top of BASE; None = Tonearm's default now)
CANDIDATES = [
    ("mp3 128k", "mp3", 128, {}),
    ("mp3 128k", "mp3", 128, {"compression_level": "4"}),
    ("mp3 128k", "mp3", 128, {"compression_level": "5"}),
    ("mp3 128k", "mp3", 128, {"reservoir": "0"}),
    ("mp3 128k", "mp3", 128, {"joint_stereo": "0"}),
    ("mp3 128k", "mp3", 128, {"cutoff": "16000"}),
    ("mp3 128k", "mp3", 128, {"compression_level": "4", "cutoff": "16000"}),
    ("mp3 128k", "mp3", 128, {"compression_level": "4", "joint_stereo": "0"}),
    ("aac 256k", "aac", 256, {}),
    ("aac 256k", "aac", 256, {"aac_tns": "0"}),
    ("aac 256k", "aac", 256, {"aac_pns": "0"}),
    ("aac 256k", "aac", 256, {"aac_ms": "0"}),
    ("aac 256k", "aac", 256, {"aac_ms": "1"}),
    ("aac 256k", "aac", 256, {"aac_tns": "0", "aac_pns": "0"}),
    ("aac 256k", "aac", 256, {"cutoff": "17000"}),
    ("aac 256k", "aac", 256, {"cutoff": "16000"}),
    ("aac 256k", "aac", 256, {"aac_ms": "0", "aac_tns": "0"}),
    ("aac 256k", "aac", 256, {"aac_ms": "0", "aac_pns": "0"}),
    ("mp3 128k", "mp3", 128, None),
    ("aac 256k", "aac", 256, None),
]
CLI = {"mp3 128k": ("-c:a", "libmp3lame", "-b:a", "128k"), "aac 256k": ("-c:a", "aac", "-b:a", "256k")}


def settings(extra: dict | None) -> str:
    if extra is None:
        return "(tonearm default now)"
    return " ".join(f"{k}={v}" for k, v in extra.items()) or "(before: LAME 3 / fast, no IS)"


def options_of(codec: str, kbps: int, extra: dict | None) -> dict:
    if extra is None:
        return codec_options(codec_info(codec), AudioOptions(codec, kbps))
    return {**BASE[codec], **extra}


def frames_of(path: Path, seconds: float = 0) -> tuple[list[np.ndarray], int, str]:
    """The input as (channels, <=FRAME) float32 planes at its own rate (stereo or mono)."""
    data = quality.decode(path)
    rate = quality.rate_of(path)
    if seconds:
        data = data[:, : int(seconds * rate)]
    layout = "mono" if data.shape[0] == 1 else "stereo"
    return [np.ascontiguousarray(data[:, i: i + FRAME]) for i in range(0, data.shape[1], FRAME)], rate, layout


def encode(planes: list[np.ndarray], rate: int, layout: str, codec: str, kbps: int, extra: dict,
           dest: Path) -> float:
    """Encode like EncoderSink does (fltp frames, the rung's container); return thread CPU-s."""
    info = codec_info(codec)
    t = time.thread_time()
    opts = {"fflags": "+bitexact", **info.container_options}
    with av.open(str(dest), "w", format=info.container, container_options=opts) as out:
        stream = out.add_stream(info.encoder, rate=rate, options=options_of(codec, kbps, extra))
        stream.layout, stream.format, stream.bit_rate = layout, info.sample_format, kbps * 1000
        stream.time_base = Fraction(1, rate)
        pts = 0
        for p in planes:
            frame = av.AudioFrame.from_ndarray(p, format="fltp", layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = rate, pts, Fraction(1, rate)
            pts += p.shape[1]
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return time.thread_time() - t


def cpu_table(inputs: list[Path], runs: int, tmp: Path) -> None:
    for path in inputs:
        planes, rate, layout = frames_of(path, 240)
        seconds = sum(p.shape[1] for p in planes) / rate
        print(f"\n== CPU-s per encode of {path.name} ({seconds:.0f} s, {rate} Hz {layout}), "
              f"median of {runs}, candidates interleaved  [{quality.loadavg()}]", flush=True)
        times: dict[int, list[float]] = {i: [] for i in range(len(CANDIDATES))}
        for _ in range(runs):
            for i, (label, codec, kbps, extra) in enumerate(CANDIDATES):
                times[i].append(encode(planes, rate, layout, codec, kbps, extra,
                                       tmp / f"cpu{codec_info(codec).extension}"))
        base = {}
        for i, (label, codec, kbps, extra) in enumerate(CANDIDATES):
            med = statistics.median(times[i])
            base.setdefault(label, med)
            print(f"  {label:<9} {settings(extra):<40} {med:6.2f} s  {med * 240 / seconds:6.2f} s/4min  "
                  f"x{med / base[label]:.3f}  (min {min(times[i]):.2f} max {max(times[i]):.2f})", flush=True)
        print(f"  [{quality.loadavg()}]")


def mos_table(args, tmp: Path) -> None:
    ffmpeg = quality.ensure_tools()
    if args.excerpts:  # other stretches of the given files instead of bench/quality.py's sources
        srcs = []
        for path in args.excerpts:
            for start in args.starts:
                data, rate = quality.clip(path, args.seconds, start)
                srcs.append((f"{path.stem[:24]} @{start:.0f}s",
                             quality.write_wav(tmp / f"x{len(srcs)}.wav", data, rate)))
    else:
        srcs = [s for s in quality.sources(args, tmp) if "espeak" not in s[0]]
    scores: dict[str, dict] = {}
    for label_src, wav in srcs:
        ref = quality.at48(wav)
        planes, rate, layout = frames_of(wav)
        print(f"\n== MOS on {label_src} ({ref.shape[1] / quality.SCORE_RATE:.0f} s)  [{quality.loadavg()}]", flush=True)
        row = scores[label_src] = {}
        for label, cli in CLI.items():
            codec = "mp3" if "mp3" in label else "aac"
            dest = tmp / f"cli{codec_info(codec).extension}"
            quality.encode(ffmpeg, wav, quality.Rung(label, codec, 0, ffmpeg=cli), dest)
            row[(label, "ffmpeg")] = quality.mos(ref, dest)
            print(f"  {label:<9} {'ffmpeg CLI ' + ' '.join(cli):<40} {row[(label, 'ffmpeg')]:.4f}", flush=True)
        for label, codec, kbps, extra in CANDIDATES:
            dest = tmp / f"cand{codec_info(codec).extension}"
            encode(planes, rate, layout, codec, kbps, extra, dest)
            s = row[(label, settings(extra))] = quality.mos(ref, dest)
            print(f"  {label:<9} {settings(extra):<40} {s:.4f}  {s - row[(label, 'ffmpeg')]:+.4f} vs ffmpeg",
                  flush=True)
    print(f"\n== worst delta vs the ffmpeg CLI default over {len(scores)} sources")
    for label, codec, kbps, extra in CANDIDATES:
        d = [r[(label, settings(extra))] - r[(label, "ffmpeg")] for r in scores.values()]
        print(f"  {label:<9} {settings(extra):<40} min {min(d):+.4f}  mean {statistics.mean(d):+.4f}")
    if args.shifts:
        wav = srcs[0][1]
        data, rate = quality.decode(wav), quality.rate_of(wav)
        print(f"\n== noise: each candidate on {srcs[0][0]} shifted by {args.shifts} samples  [{quality.loadavg()}]")
        for label, codec, kbps, extra in CANDIDATES:
            got = []
            for s in args.shifts:
                src = quality.write_wav(tmp / f"shift{s}.wav", data[:, s:], rate)
                planes, r, layout = frames_of(src)
                dest = tmp / f"shift{codec_info(codec).extension}"
                encode(planes, r, layout, codec, kbps, extra, dest)
                got.append(quality.mos(quality.at48(src), dest))
            print(f"  {label:<9} {settings(extra):<40} {' '.join(f'{x:.4f}' for x in got)}  "
                  f"spread {max(got) - min(got):.4f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*", type=Path, help="4-minute inputs for the CPU table "
                    "(default: the first lincity-ng-data track and the asc-music cut)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--music", type=int, default=3)
    ap.add_argument("--no-asc", dest="asc", action="store_false")
    ap.add_argument("--shifts", type=int, nargs="*", default=[0, 1, 441])
    ap.add_argument("--excerpts", type=Path, nargs="*", default=[],
                    help="MOS on these files (clips from each of --starts) instead of quality.py's sources")
    ap.add_argument("--starts", type=float, nargs="+", default=[0, 120])
    ap.add_argument("--cpu-only", action="store_true")
    ap.add_argument("--mos-only", action="store_true")
    ap.add_argument("--aac-kbps", type=int, default=256, help="bitrate of the AAC rows")
    ap.add_argument("--only", default="", help="only candidates whose settings contain this (the baselines are always kept)")
    args = ap.parse_args()
    args.files = []
    if args.aac_kbps != 256:  # the same AAC rows at another bitrate (still the fast coder)
        label = f"aac {args.aac_kbps}k"
        CANDIDATES[:] = [(label, c, args.aac_kbps, x) if c == "aac" else (lb, c, k, x)
                         for lb, c, k, x in CANDIDATES]
        CLI[label] = ("-c:a", "aac", "-b:a", f"{args.aac_kbps}k")
        del CLI["aac 256k"]
    if args.only:
        CANDIDATES[:] = [c for c in CANDIDATES if args.only in f"{c[0]} {settings(c[3])}" or not c[3]]
    print(f"encoder speed/quality bench: {os.cpu_count()} cores, PyAV {av.__version__} "
          f"(FFmpeg {av.ffmpeg_version_info}), {quality.loadavg()}")
    with tempfile.TemporaryDirectory(prefix="tonearm-bench-encspeed-") as tmp:
        tmp = Path(tmp)
        if not args.mos_only:
            inputs = args.inputs or [
                quality.debian_files("lincity-ng-data", "usr/share/games/lincity-ng/music/default/*.ogg")[0],
                quality.real_audio.album(1, seconds=240)[0]]
            cpu_table(inputs, args.runs, tmp)
        if not args.cpu_only:
            mos_table(args, tmp)
    print(f"\ndone: {quality.loadavg()}")


if __name__ == "__main__":
    main()
