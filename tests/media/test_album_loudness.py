"""Album loudness from per-track block histograms equals BS.1770 over the concatenated album."""

from __future__ import annotations

import numpy as np

from tests.audiogen import write_audio
from tonearm.media import Loudness, render
from tonearm.media.album import integrated, pack, unpack

RATE = 44100


def track(seconds: float, amp: float, freq: float, seed: int) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    swell = 1 + 0.7 * np.sin(2 * np.pi * 0.13 * t + seed)  # loudness that moves within the track
    noise = np.random.default_rng(seed).uniform(-1, 1, len(t)) * 0.1
    mono = amp * swell * (np.sin(2 * np.pi * freq * t) + noise) / 2
    return np.stack([mono, np.roll(mono, 31)]).astype(np.float32)


def test_album_gain_matches_a_measurement_of_the_whole_album(tmp_path):
    # a quiet intro, a loud long track, a middle one: very different loudness and lengths
    parts = [track(6.3, 0.02, 220, 1), track(17.1, 0.6, 440, 2), track(9.6, 0.15, 660, 3)]
    hists, values = [], []
    for n, pcm in enumerate(parts):
        res = render(write_audio(tmp_path / f"t{n}.flac", "flac", rate=RATE, samples=pcm), [Loudness()])
        hists.append(res.loudness_blocks)
        values.append(res.loudness["integrated_lufs"])
        # each track's own histogram agrees with FFmpeg's ebur128 on that track
        assert abs(integrated([res.loudness_blocks]) - values[-1]) < 0.1
    whole = write_audio(tmp_path / "album.flac", "flac", rate=RATE, samples=np.concatenate(parts, axis=1))
    reference = render(whole, [Loudness()]).loudness["integrated_lufs"]
    album = integrated(hists)
    assert abs(album - reference) < 0.1, (album, reference)
    # the shortcut this replaces is far off: the mean of the track values
    assert abs(float(np.mean(values)) - reference) > 2.0


def test_histograms_are_compact_and_round_trip(tmp_path):
    res = render(write_audio(tmp_path / "a.flac", "flac", rate=48000, channels=1, seconds=30.0, kind="ramp"),
                 [Loudness()])
    hist = res.loudness_blocks
    assert len(hist["counts"]) < 400 and sum(hist["counts"]) > 250  # ~300 blocks of 400 ms, hop 100 ms
    assert pack(unpack(hist)) == hist


def test_silence_has_no_album_loudness(tmp_path):
    res = render(write_audio(tmp_path / "s.flac", "flac", seconds=2.0, kind="silence"), [Loudness()])
    assert res.loudness_blocks["counts"] == [] and integrated([res.loudness_blocks]) is None
