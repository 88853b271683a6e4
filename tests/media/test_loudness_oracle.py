"""The loudness meter against the reference: `ffmpeg -af ebur128=peak=true` (Debian's ffmpeg CLI,
an oracle only; the product never runs it). Tolerances from issue 15: integrated loudness and
loudness range within 0.1 LU, true peak within 0.2 dB, on generated signals that stress the
true-peak path, and on signals whose loudness moves (LRA) in mono, stereo and 5.1 at 22.05 to 96 kHz."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from tests.audiogen import write_audio
from tests.media.test_encoder_settings import music
from tonearm.media import Levels, Loudness, render

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the oracle needs Debian's ffmpeg (scripts/ffmpeg-deps.sh, run by make test)")


def oracle(path) -> tuple[float, float]:
    err = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    summary = err[err.rfind("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+)", summary).group(1))
    return integrated, peak


def oracle_range(path) -> tuple[float, float]:
    """I and LRA as the CLI's meter has them at the end, at the three decimals of its metadata
    (the summary prints one)."""
    out = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "ebur128=metadata=1,ametadata=print:file=-", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stdout
    last = lambda key: float(re.findall(rf"lavfi\.r128\.{key}=(-?[\d.]+)", out)[-1])  # noqa: E731
    return last("I"), last("LRA")


def signals(rate: int) -> dict[str, np.ndarray]:
    t = np.arange(8 * rate) / rate
    rng = np.random.default_rng(7)
    sine = lambda f, a, ph=0.0: np.stack([a * np.sin(2 * np.pi * f * t + ph)] * 2)  # noqa: E731
    ramp = sine(1000, 0.5)
    ramp[:, : t.size // 2] *= 0.1
    return {
        "sine 1 kHz -20 dBFS": sine(1000, 0.1),
        "sine fs/4, 45 degrees (3 dB between samples)": sine(rate / 4, 0.5, np.pi / 4),
        "sine 15 kHz": sine(15000, 0.5, 1.0),
        "white noise": np.clip(0.25 * rng.standard_normal((2, t.size)), -1, 1),
        "quiet then loud": ramp,
        "music-like": music(8, rate) * 1.5,
    }


@pytest.mark.parametrize("rate", [44100, 48000])
def test_loudness_within_tolerance_of_ffmpeg(tmp_path, rate):
    for i, (name, data) in enumerate(signals(rate).items()):
        src = write_audio(tmp_path / f"s{i}.wav", "wav", samples=data.astype(np.float32), rate=rate)
        ours = render(src, [Loudness(), Levels()]).loudness
        integrated, peak = oracle(src)
        assert abs(ours["integrated_lufs"] - integrated) <= 0.1, (name, ours, integrated)
        assert abs(ours["true_peak_dbtp"] - peak) <= 0.2, (name, ours, peak)


def sections(seconds: float, rate: int, channels: int, seed: int) -> np.ndarray:
    """Noise and tones whose level moves: 2-5 s sections at random levels over 30 dB, a fade out
    and a stretch of silence, so LRA has real spread and both gates have something to cut."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    level = np.empty(n)
    at = 0
    while at < n:
        length = int(rng.uniform(2, 5) * rate)
        level[at:at + length] = 10 ** (rng.uniform(-30, 0) / 20)
        at += length
    level[int(0.8 * n):] *= np.linspace(1, 1e-4, n - int(0.8 * n))
    level[int(0.45 * n):int(0.5 * n)] = 0.0
    t = np.arange(n) / rate
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 3000 * t)
    out = [(0.15 * rng.standard_normal(n) + tone * (ch % 2 * 2 - 1)) * level for ch in range(channels)]
    return np.clip(np.asarray(out), -1, 1).astype(np.float32)


@pytest.mark.parametrize(("rate", "channels"), [(44100, 2), (48000, 1), (22050, 2), (96000, 2), (48000, 6)])
def test_loudness_range_within_tolerance_of_ffmpeg(tmp_path, rate, channels):
    data = sections(40, rate, channels, seed=rate + channels)
    if channels == 6:
        data *= np.array([1.0, 0.8, 0.6, 2.0, 0.5, 0.4], np.float32)[:, None]  # LFE loud: must not count
    src = write_audio(tmp_path / "sections.wav", "wavf32", samples=data, rate=rate)
    ours = render(src, [Loudness()]).loudness
    integrated, lra = oracle_range(src)
    assert lra > 5  # the signal does have a range
    assert abs(ours["integrated_lufs"] - integrated) <= 0.1, (ours, integrated)
    assert abs(ours["lra_lu"] - lra) <= 0.1, (ours, lra)
