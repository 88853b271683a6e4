"""The loudness meter's own rules (media/loudness.py, media/kweighting.py): what short and silent
inputs report, that the result does not depend on how the audio is cut into frames, and that
channels without names are K-weighted like named ones. Agreement with FFmpeg's meter is
tests/media/test_loudness_oracle.py."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from tests.audiogen import write_audio
from tonearm.media import Loudness, probe, render
from tonearm.media import loudness as meter_module
from tonearm.media.loudness import LoudnessSink

RATE = 44100


def tone(seconds: float, rate: int = RATE, amp: float = 0.3, channels: int = 2) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return np.stack([amp * np.sin(2 * np.pi * 1000 * t + ch) for ch in range(channels)]).astype(np.float32)


def measure(tmp_path, samples: np.ndarray, rate: int = RATE, fmt: str = "wavf32", name: str = "x.wav"):
    res = render(write_audio(tmp_path / name, fmt, samples=samples, rate=rate), [Loudness()])
    return res.loudness, res.loudness_blocks


def test_silence_reads_as_silence(tmp_path):
    loud, blocks = measure(tmp_path, np.zeros((2, 2 * RATE), np.float32))
    assert loud["integrated_lufs"] is None and loud["lra_lu"] == 0.0 and loud["gain_db"] == 0.0
    assert loud["true_peak_dbtp"] is None and blocks["counts"] == []
    # a tone below the absolute gate (-70 LUFS) is silence too, though it has a peak
    loud, blocks = measure(tmp_path, tone(5, amp=1e-4))
    assert loud["integrated_lufs"] is None and loud["lra_lu"] == 0.0 and loud["true_peak_dbtp"] < -79
    assert blocks["counts"] == []


@pytest.mark.parametrize(("seconds", "has_i", "lra"), [
    (0.05, False, None),  # not one 100 ms step: no range at all
    (0.25, False, 0.0),  # steps, but no 400 ms block
    (0.45, True, 0.0),  # one block; no 3 s window
    (2.95, True, 0.0),
    (3.2, True, 0.0),  # three 3 s windows of a steady tone (FFmpeg reads 20 here: rank-0 percentile)
])
def test_short_files(tmp_path, seconds, has_i, lra):
    loud, blocks = measure(tmp_path, tone(seconds))
    steady, _ = measure(tmp_path, tone(6.0), name="steady.wav")
    if has_i:
        assert loud["integrated_lufs"] == pytest.approx(steady["integrated_lufs"], abs=0.02)
        assert sum(blocks["counts"]) == int(seconds * 10 + 1e-6) - 3  # 400 ms blocks, hop 100 ms
    else:
        assert loud["integrated_lufs"] is None and loud["gain_db"] == 0.0 and blocks["counts"] == []
    assert loud["lra_lu"] == lra
    assert loud["true_peak_dbtp"] == pytest.approx(-10.46, abs=0.05)


def _feed(samples: np.ndarray, rate: int, size: int) -> LoudnessSink:
    sink = LoudnessSink((rate, "stereo", "fltp"), Loudness())
    for start in range(0, samples.shape[1], size):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + size]),
                                           format="fltp", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        sink.consume(frame)
    sink.finish()
    return sink


def test_frames_and_gating_batches_do_not_change_the_result(monkeypatch):
    rng = np.random.default_rng(3)
    level = np.repeat(10 ** (rng.uniform(-40, 0, 13) / 20), RATE)  # a new level every second
    data = (0.3 * rng.standard_normal((2, level.size)) * level).astype(np.float32)
    whole = _feed(data, RATE, 32768)
    assert whole.result()["lra_lu"] > 5
    monkeypatch.setattr(meter_module, "PENDING_STEPS", 7)  # gate every few steps instead of every minute
    for size in (1000, 4410, 4411, 32768):
        other = _feed(data, RATE, size)
        assert other.result() == whole.result(), size
        assert other.album_blocks() == whole.album_blocks(), size


def test_channels_without_names_are_weighted_like_named_ones(tmp_path):
    """A WAV without a channel mask decodes as "2 channels"; FFmpeg's biquad filter passes unnamed
    channels through unfiltered, so the meter names them for the filters."""
    data = np.concatenate([tone(3.0, amp=0.05), tone(4.0, amp=0.4)], axis=1)
    data[:, ::7] += 0.05  # some high-frequency content, which K-weighting lifts
    unnamed = write_audio(tmp_path / "a.wav", "wav", samples=data, rate=RATE)
    named = write_audio(tmp_path / "a.flac", "flac", samples=data, rate=RATE)
    assert probe(unnamed).channel_layout != "stereo" and probe(named).channel_layout == "stereo"
    a, b = (render(p, [Loudness()]) for p in (unnamed, named))
    assert a.loudness == b.loudness and a.loudness_blocks == b.loudness_blocks
    assert a.loudness["lra_lu"] > 5
