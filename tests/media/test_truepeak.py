"""The pruned true-peak meter reads exactly what oversampling everything reads, and does prune."""

from __future__ import annotations

import numpy as np
import pytest

from tests.media.test_encoder_settings import music
from tonearm.media.truepeak import OUT_RATE, TruePeakMeter, bound_constants, oversample


def reference(x: np.ndarray, rate: int) -> float:
    """One resampler over the whole signal, not flushed: what ebur128=peak=true takes the maximum of."""
    return float(np.abs(oversample(x, rate, "stereo")).max())


def metered(x: np.ndarray, rate: int, chunk: int) -> TruePeakMeter:
    meter = TruePeakMeter(rate, "stereo")
    for start in range(0, x.shape[1], chunk):
        meter.add(x[:, start:start + chunk])
    meter.finish()
    return meter


def signals(rate: int) -> dict[str, np.ndarray]:
    t = np.arange(3 * rate) / rate
    rng = np.random.default_rng(3)
    both = lambda a: np.stack([a, a * 0.8]).astype(np.float32)  # noqa: E731
    clicks = 0.05 * rng.standard_normal((2, t.size))
    clicks[:, 4001::7919] = 0.9
    clicks[1, 30011] = -0.99
    late = music(3, rate) * 0.3
    late[:, -5000:] *= 3.0  # the loudest moment at the very end
    return {
        "music": music(3, rate),
        "music, loudest at the end": late,
        "sine fs/4 at 45 degrees": both(0.5 * np.sin(2 * np.pi * rate / 4 * t + np.pi / 4)),
        "sine near Nyquist starting at full level": both(0.95 * np.sin(2 * np.pi * rate * 0.43 * t)),
        "clicks in noise": clicks.astype(np.float32),
        "silence": np.zeros((2, t.size), np.float32),
    }


@pytest.mark.parametrize("rate", [44100, 48000, 22050])
def test_pruned_peak_equals_full_oversampling(rate):
    for name, x in signals(rate).items():
        want = reference(x, rate)
        for chunk in (32768, 4410, 999):  # the pipeline's batches, ebur128's 100 ms, odd sizes
            assert metered(x, rate, chunk).peak == want, (name, chunk)


def test_music_is_mostly_skipped_and_a_sine_is_not():
    rate = 44100
    x = music(6, rate)
    m = metered(x, rate, 32768)
    assert m.peak == reference(x, rate) and m.peak > np.abs(x).max()
    assert m.oversampled < 0.5 * x.shape[1]
    t = np.arange(6 * rate) / rate
    sine = np.stack([0.5 * np.sin(2 * np.pi * rate / 4 * t + np.pi / 4)] * 2).astype(np.float32)
    assert metered(sine, rate, 32768).oversampled >= sine.shape[1]  # the bound cannot rule any block out


@pytest.mark.parametrize("rate", [44101, OUT_RATE])
def test_rates_without_constants_oversample_everything(rate):
    assert bound_constants(rate) is None
    x = music(1, 44100)
    assert metered(x, rate, 4096).peak == pytest.approx(reference(x, rate), abs=0)
