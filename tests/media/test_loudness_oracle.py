"""The loudness meter against the reference: `ffmpeg -af ebur128=peak=true` (Debian's ffmpeg CLI,
an oracle only; the product never runs it). Tolerances from issue 15: integrated loudness within
0.1 LU, true peak within 0.2 dB, on generated signals that stress the true-peak path."""

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
