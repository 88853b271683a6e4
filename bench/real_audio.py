"""Real music for benchmarks: Debian's `asc-music` package (three MP3s from the ASC game's
soundtrack, 22.05 kHz / 80 kbit/s, 290-440 s each), fetched with `apt-get download`, unpacked with
`dpkg-deb -x` and cut into 4-minute tracks. Everything is cached outside git, under
$TONEARM_BENCH_CACHE (default ~/.cache/tonearm-bench), so only the first run downloads anything.

The cuts are re-encoded to 44.1 kHz stereo MP3 192k, what a typical upload looks like (the
ladder keeps the source rate, so a 22 kHz source would make every encoder do half the work).

    from real_audio import album
    paths = album(6, seconds=240)   # six different 4-minute cuts
"""

from __future__ import annotations

import glob
import os
import subprocess
import tempfile
from pathlib import Path

import av

PACKAGE = "asc-music"


def cache_dir() -> Path:
    root = os.environ.get("TONEARM_BENCH_CACHE") or Path.home() / ".cache" / "tonearm-bench"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def debian_files(package: str, pattern: str) -> list[Path]:
    """Files of a Debian package matching `pattern`, downloaded and unpacked once into the cache."""
    unpacked = cache_dir() / package
    found = sorted(unpacked.glob(pattern))
    if found:
        return found
    with tempfile.TemporaryDirectory() as tmp:
        download = ["apt-get", "download", package]
        if subprocess.run(download, cwd=tmp, capture_output=True).returncode:
            subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
            subprocess.run(download, cwd=tmp, check=True, capture_output=True)
        deb = glob.glob(os.path.join(tmp, f"{package}_*.deb"))[0]
        subprocess.run(["dpkg-deb", "-x", deb, str(unpacked)], check=True)
    return sorted(unpacked.glob(pattern))


def asc_music() -> list[Path]:
    """The package's MP3 files (downloaded and unpacked once)."""
    return debian_files(PACKAGE, "usr/share/games/asc/music/*.mp3")


def cut(src: Path, dest: Path, start: float, seconds: float, rate: int = 44100, bitrate: int = 192_000) -> Path:
    """`seconds` of `src` from `start`, as a stereo MP3 at `rate` (written once, then cached)."""
    if dest.exists():
        return dest
    part = dest.with_suffix(".part")
    with av.open(str(src)) as inp, av.open(str(part), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate)
        stream.layout, stream.format, stream.bit_rate = "stereo", "fltp", bitrate
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
        inp.seek(int(start * av.time_base))
        written, wanted = 0, int(seconds * rate)
        for frame in inp.decode(audio=0):
            if frame.time is not None and frame.time < start:
                continue
            for chunk in resampler.resample(frame):
                if written >= wanted:
                    break
                chunk.pts = written
                written += chunk.samples
                out.mux(stream.encode(chunk))
            if written >= wanted:
                break
        out.mux(stream.encode(None))
    part.rename(dest)
    return dest


def album(n: int = 6, seconds: float = 240.0) -> list[Path]:
    """`n` different `seconds`-long cuts: from the start and from the end of each source, then
    from further offsets when more are asked for."""
    sources = asc_music()
    out = []
    for i in range(n):
        src = sources[i % len(sources)]
        with av.open(str(src)) as c:
            length = c.duration / av.time_base
        span = max(0.0, length - seconds)
        start = [0.0, span, span / 2, span / 4][(i // len(sources)) % 4]
        out.append(cut(src, cache_dir() / f"{src.stem}-{int(start)}-{int(seconds)}s.mp3", start, seconds))
    return out


if __name__ == "__main__":
    for path in album():
        print(path, f"{path.stat().st_size / 1e6:.1f} MB")
