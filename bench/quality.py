"""Perceptual quality per CPU-second of every encoder setting, against the ffmpeg CLI's defaults.

Sources (each decoded once to a WAV that is the reference and the input of every encode):
  music   full-band 44.1 kHz stereo tracks of Debian's `lincity-ng-data` (Ogg Vorbis 112-160k),
          and a cut of `asc-music` (bench/real_audio.py; 22 kHz MP3s, so nothing above 11 kHz);
          packages are downloaded once into the bench cache, outside git;
  speech  a real recording: Debian's `asterisk-core-sounds-en-g722` (Allison Smith's prompts,
          16 kHz, joined into one clip), and synthetic speech from `espeak-ng`;
  FILE    any audio files given on the command line.
For every rung (codec, bitrate, settings) the bench encodes with tonearm.media.render and with the
ffmpeg command line at its defaults for the same codec and bitrate, in the same run; it prints the
CPU-seconds of the encode (process CPU, so the machine's other load counts little), the realtime
factor (audio seconds per CPU-second) and Zimtohrli's MOS (Google's psychoacoustic full-reference
metric, 1-5) of the output against the reference, both decoded to 48 kHz mono and aligned by
cross-correlation (encoder delay). The metric's noise is measured by scoring the same rung on the
source shifted by a few samples (equally good encodes) and by scoring one pair twice.

ffmpeg and the Debian packages are benchmark-only (apt-get at run time); the product never uses them.

    .venv/bin/python bench/quality.py [FILE ...] [--seconds 60] [--music 2] [--runs 2] [--quick]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
import zimtohrli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import real_audio  # noqa: E402

from tonearm.media import AudioOptions, Transcode, render  # noqa: E402

SCORE_RATE = 48000
DEFAULTS = AudioOptions()
SPEECH_TEXT = (
    "The quick brown fox jumps over the lazy dog. A delivery server should sound the same as the "
    "file you gave it, only smaller. Sixty-seven thousand listeners pressed play at twenty past nine; "
    "she said: really? Yes, really, and the hiss of the letter s is the first thing a bad encoder loses."
)


@dataclass(frozen=True)
class Rung:
    label: str
    codec: str
    bitrate: int
    options: dict = field(default_factory=dict)
    ffmpeg: tuple[str, ...] | None = None  # CLI codec arguments when this row is the ffmpeg default
    default: bool = False

    def __hash__(self) -> int:
        return hash((self.label, self.settings, self.ffmpeg))

    @property
    def settings(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.options.items()) or "-"


def coder(kbps: int) -> str:
    return AudioOptions("aac", kbps).aac_coder_used


def grid(quick: bool) -> list[Rung]:
    """Candidate settings per codec; `default` marks Tonearm's defaults (AudioOptions)."""
    mp3 = [Rung("mp3 128k", "mp3", 128, {"mp3_quality": q}, default=q == DEFAULTS.mp3_quality)
           for q in ((2, 3, 5, 7) if not quick else (3, 5))]
    aac = [Rung("aac 256k", "aac", 256, o, default=o == {"aac_coder": coder(256)}) for o in (
        {"aac_coder": "fast"}, {"aac_coder": "fast", "aac_intensity_stereo": True},
        {"aac_coder": "twoloop"}, {"aac_coder": "fast", "aac_cutoff": 17000},
        {"aac_coder": "fast", "aac_tns": True})[: 2 if quick else 5]]
    aac128 = [Rung("aac 128k", "aac", 128, o, default=o == {"aac_coder": coder(128)}) for o in (
        {"aac_coder": "fast"}, {"aac_coder": "fast", "aac_intensity_stereo": True}, {"aac_coder": "twoloop"})]
    opus = [Rung("opus 96k", "opus", 96, {"opus_complexity": c}, default=c == DEFAULTS.opus_complexity)
            for c in ((10, 8, 5, 2) if not quick else (10, 5))]
    ff = [Rung("mp3 128k", "mp3", 128, ffmpeg=("-c:a", "libmp3lame", "-b:a", "128k")),
          Rung("aac 256k", "aac", 256, ffmpeg=("-c:a", "aac", "-b:a", "256k")),
          Rung("aac 128k", "aac", 128, ffmpeg=("-c:a", "aac", "-b:a", "128k")),
          Rung("opus 96k", "opus", 96, ffmpeg=("-c:a", "libopus", "-b:a", "96k"))]
    return mp3 + aac + ([] if quick else aac128) + opus + [r for r in ff if not quick or r.label != "aac 128k"]


# ------------------------------------------------------------------ sources

def ensure_tools() -> str:
    missing = [p for p, exe in (("ffmpeg", "ffmpeg"), ("espeak-ng", "espeak-ng")) if not shutil.which(exe)]
    if missing:
        install = ["apt-get", "install", "-y", "-q", *missing]
        if subprocess.run(install, capture_output=True).returncode:
            subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
            subprocess.run(install, check=True, capture_output=True)
    return shutil.which("ffmpeg")


debian_files = real_audio.debian_files


def decode(path: Path, rate: int | None = None, layout: str | None = None, skip: int = 0) -> np.ndarray:
    """(channels, n) float32 of a whole file, optionally resampled; `skip` drops leading samples."""
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        rs = av.AudioResampler(format="fltp", layout=layout or stream.layout.name, rate=rate or stream.rate)
        chunks = [f.to_ndarray() for fr in c.decode(stream) for f in rs.resample(fr)]
        chunks += [f.to_ndarray() for f in rs.resample(None)]
    return np.concatenate(chunks, axis=1)[:, skip:]


def write_wav(path: Path, data: np.ndarray, rate: int) -> Path:
    """16-bit PCM WAV: what the encoders read, and the reference."""
    layout = "mono" if data.shape[0] == 1 else "stereo"
    pcm = (np.clip(data.T, -1, 1) * 32767).astype("<i2").reshape(1, -1)
    with av.open(str(path), "w", format="wav") as out:
        s = out.add_stream("pcm_s16le", rate=rate)
        s.layout = layout
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=layout)
        frame.sample_rate, frame.pts = rate, 0
        out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def rate_of(path: Path) -> int:
    with av.open(str(path)) as c:
        return c.streams.audio[0].rate


def clip(path: Path, seconds: float, start: float = 60.0) -> tuple[np.ndarray, int]:
    """`seconds` from `start` (from 0 when the file is shorter), at the file's own rate."""
    data, rate = decode(path), rate_of(path)
    if data.shape[1] < (start + seconds) * rate:
        start = 0.0
    return data[:, int(start * rate): int((start + seconds) * rate) if seconds else None], rate


def sources(args, tmp: Path) -> list[tuple[str, Path]]:
    out = []
    full_band = debian_files("lincity-ng-data", "usr/share/games/lincity-ng/music/default/*.ogg")
    for i, path in enumerate(full_band[: args.music]):  # 44.1 kHz stereo Vorbis, full band
        data, rate = clip(path, args.seconds)
        out.append((f"music {path.name[:24]}", write_wav(tmp / f"music{i}.wav", data, rate)))
    if args.asc:  # asc-music: band-limited to 11 kHz (22 kHz MP3 sources), re-encoded as uploads
        cut = real_audio.album(1, seconds=240)[0]
        data, rate = clip(cut, args.seconds)
        out.append((f"music asc {cut.stem[:18]} (11 kHz band)", write_wav(tmp / "asc.wav", data, rate)))
    prompts = debian_files("asterisk-core-sounds-en-g722", "usr/share/asterisk/sounds/en_US_f_Allison/demo-*.g722")
    pieces, gap = [], np.zeros((1, 8000), np.float32)
    for p in prompts:  # raw G.722 at 16 kHz
        with av.open(str(p), format="g722") as c:
            pieces += [np.concatenate([f.to_ndarray().astype(np.float32) / 32768 for f in c.decode(audio=0)], axis=1), gap]
    speech = np.concatenate(pieces, axis=1)[:, : int(args.seconds * 16000)]
    out.append(("speech, real (Allison, 16 kHz)", write_wav(tmp / "allison.wav", speech, 16000)))
    subprocess.run(["espeak-ng", "-w", str(tmp / "espeak-raw.wav"), SPEECH_TEXT * 2], check=True)
    esp = decode(tmp / "espeak-raw.wav")
    out.append(("speech, espeak-ng (22 kHz)", write_wav(tmp / "espeak.wav", esp, rate_of(tmp / "espeak-raw.wav"))))
    for i, path in enumerate(args.files):
        data, rate = clip(path, args.seconds, start=0.0)
        out.append((f"file {path.name}", write_wav(tmp / f"file{i}.wav", data, rate)))
    return out


# ------------------------------------------------------------------ encoding and scoring

def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def encode(ffmpeg: str, wav: Path, rung: Rung, dest: Path) -> float:
    """Encode; return CPU-seconds (tonearm: this process incl. threads; ffmpeg: the child)."""
    if rung.ffmpeg:
        c = children_cpu()
        subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(wav), "-vn",
                        "-map_metadata", "-1", *rung.ffmpeg, str(dest)], check=True)
        return children_cpu() - c
    c = time.process_time()
    res = render(wav, [Transcode(dest, AudioOptions(rung.codec, rung.bitrate, **rung.options))])
    if not res.ok:
        raise SystemExit(f"{rung}: {res.outputs}")
    return time.process_time() - c


def lag_of(ref: np.ndarray, deg: np.ndarray, max_lag: int = 6000) -> int:
    """Samples by which `deg` runs late against `ref` (encoder delay the decoder did not trim),
    from the cross-correlation of a stretch in the middle."""
    width = min(96000, min(ref.size, deg.size) - 2 * max_lag)
    s = max(max_lag, min(ref.size, deg.size) // 2 - width // 2)
    a, b = ref[s: s + width], deg[s - max_lag: s + width + max_lag]
    n = 1 << int(np.ceil(np.log2(a.size + b.size)))
    corr = np.fft.irfft(np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n)), n)[: 2 * max_lag + 1]
    return int(np.argmax(corr)) - max_lag


def at48(path: Path, layout: str | None = None) -> np.ndarray:
    return np.ascontiguousarray(decode(path, SCORE_RATE, layout))


def mos(ref: np.ndarray, path: Path) -> float:
    """Mean of the per-channel MOS (Zimtohrli is mono; scoring L and R keeps stereo damage
    visible that a down-mix would hide), after aligning on the channel average."""
    deg = at48(path, "mono" if ref.shape[0] == 1 else "stereo")
    lag = lag_of(ref.mean(axis=0), deg.mean(axis=0))
    scores = []
    for ch in range(ref.shape[0]):
        d = deg[ch][lag:] if lag >= 0 else np.concatenate([np.zeros(-lag, np.float32), deg[ch]])
        n = min(ref.shape[1], d.size)
        scores.append(float(zimtohrli.mos_from_signals(ref[ch][:n].copy(), d[:n].copy())))
    return statistics.mean(scores)


def measure(ffmpeg: str, wav: Path, rung: Rung, tmp: Path, runs: int) -> dict:
    ext = {"mp3": ".mp3", "aac": ".m4a", "opus": ".webm"}[rung.codec]
    dest = tmp / f"out{ext}"
    cpu = statistics.median(encode(ffmpeg, wav, rung, dest) for _ in range(runs))
    return {"cpu": cpu, "size": dest.stat().st_size, "dest": dest}


# ------------------------------------------------------------------ report

def bench_source(label: str, wav: Path, rungs: list[Rung], ffmpeg: str, tmp: Path, runs: int) -> dict:
    ref = at48(wav)
    seconds = ref.shape[1] / SCORE_RATE
    print(f"\n== {label}: {seconds:.0f} s  [{loadavg()}]")
    print(f"  {'rung':<10} {'by':<8} {'settings':<30} {'CPU s':>6} {'x RT':>6} {'CPU s/4min':>10} {'kbps':>5} {'MOS':>6}")
    out = {}
    for rung in rungs:
        m = measure(ffmpeg, wav, rung, tmp, runs)
        score = mos(ref, m["dest"])
        out[rung] = (m["cpu"], score)
        print(f"  {rung.label:<10} {'ffmpeg' if rung.ffmpeg else 'tonearm':<8} "
              f"{(' '.join(rung.ffmpeg) if rung.ffmpeg else rung.settings):<30} {m['cpu']:6.2f} "
              f"{seconds / max(m['cpu'], 1e-6):6.0f} {m['cpu'] * 240 / seconds:10.2f} "
              f"{m['size'] * 8 / seconds / 1000:5.0f} {score:6.3f}", flush=True)
    return out


def noise(wav: Path, rungs: list[Rung], ffmpeg: str, tmp: Path, shifts=(0, 1, 37, 441, 1001)) -> float:
    """Spread of the score over equally good encodes (the source shifted by a few samples)."""
    data, rate = decode(wav), rate_of(wav)
    print(f"\n== metric noise on {wav.name}: the same rung on the source shifted by {shifts} samples")
    worst = 0.0
    for rung in rungs:
        scores = []
        for s in shifts:
            src = write_wav(tmp / f"shift{s}.wav", data[:, s:], rate)
            scores.append(mos(at48(src), measure(ffmpeg, src, rung, tmp, 1)["dest"]))
        spread = max(scores) - min(scores)
        worst = max(worst, spread)
        print(f"  {rung.label:<10} {rung.settings or ' '.join(rung.ffmpeg):<30} "
              f"MOS {' '.join(f'{x:.3f}' for x in scores)}  spread {spread:.3f}  sd {statistics.pstdev(scores):.3f}")
    ref = at48(wav)
    dest = measure(ffmpeg, wav, rungs[0], tmp, 1)["dest"]
    print(f"  same pair scored twice: {mos(ref, dest):.4f} {mos(ref, dest):.4f} (the metric itself is deterministic)")
    return worst


def summary(results: dict[str, dict], rungs: list[Rung], noise_mos: float) -> None:
    print(f"\n== summary over {len(results)} sources (mean MOS; delta vs the ffmpeg default of the same "
          f"codec/bitrate; noise = {noise_mos:.3f})")
    print(f"  {'rung':<10} {'by':<8} {'settings':<30} {'CPU s/4min':>10} {'MOS mean':>8} {'MOS min':>7} {'delta':>6}")
    for rung in rungs:
        cpus = [r[rung][0] * 240 / SECONDS[src] for src, r in results.items()]
        scores = [r[rung][1] for r in results.values()]
        base = next(x for x in rungs if x.ffmpeg and x.label == rung.label)
        delta = statistics.mean(scores) - statistics.mean(r[base][1] for r in results.values())
        flag = "" if rung.ffmpeg else ("  within noise" if abs(delta) <= noise_mos else
                                       ("  better" if delta > 0 else "  WORSE"))
        print(f"  {rung.label:<10} {'ffmpeg' if rung.ffmpeg else 'tonearm':<8} "
              f"{(' '.join(rung.ffmpeg) if rung.ffmpeg else rung.settings):<30} {statistics.mean(cpus):10.2f} "
              f"{statistics.mean(scores):8.3f} {min(scores):7.3f} {delta:+6.3f}{flag}")


SECONDS: dict[str, float] = {}


def loadavg() -> str:
    return "load avg {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--seconds", type=float, default=60, help="length of every clip (0: whole files)")
    ap.add_argument("--music", type=int, default=2, help="full-band tracks of lincity-ng-data (1-3)")
    ap.add_argument("--no-asc", dest="asc", action="store_false", help="skip the band-limited asc-music cut")
    ap.add_argument("--runs", type=int, default=2, help="encodes per rung for the CPU median")
    ap.add_argument("--quick", action="store_true", help="fewer settings per codec")
    ap.add_argument("--noise-only", action="store_true", help="only the metric-noise run (first source)")
    ap.add_argument("--shifts", type=int, nargs="+", default=[0, 1, 37, 441, 1001],
                    help="sample offsets of the source for the noise run")
    args = ap.parse_args()
    ffmpeg = ensure_tools()
    version = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True).stdout.split(" Copyright")[0]
    print(f"Tonearm quality benchmark: {os.cpu_count()} cores, {loadavg()}; baseline {version}; "
          f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}); Zimtohrli MOS at {SCORE_RATE} Hz mono")
    rungs = grid(args.quick)
    with tempfile.TemporaryDirectory(prefix="tonearm-bench-quality-") as tmp:
        tmp = Path(tmp)
        results = {}
        srcs = sources(args, tmp)
        for label, wav in srcs if not args.noise_only else []:
            SECONDS[label] = at48(wav).shape[1] / SCORE_RATE
            results[label] = bench_source(label, wav, rungs, ffmpeg, tmp, args.runs)
        defaults = [r for r in rungs if r.default]
        spread = noise(srcs[0][1], defaults, ffmpeg, tmp, shifts=args.shifts)
        if results:
            summary(results, rungs, spread)
    print(f"\ndone: {loadavg()}")

if __name__ == "__main__":
    main()
