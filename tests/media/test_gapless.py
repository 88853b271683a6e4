"""Gapless facts (samples, encoder delay, padding) are what decoding the files really gives.

Every variant is decoded twice with PyAV: once with the container's own trimming switched off
(the MP4 edit list ignored, the LAME tag / Opus pre-skip not applied), where it must hold
exactly ``encoder_delay + samples + padding`` samples, and whose ``[delay, delay + samples)``
slice must line up with the source sample for sample; and once normally, where FFmpeg reads
the standard signalling written into the file and must give back the source's sample count.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from tests.audiogen import write_audio
from tonearm.media import AudioOptions, Transcode, render

# Not multiples of any codec frame (1024, 1152, 960 samples).
LENGTHS = {44100: 100_003, 48000: 77_777}
VARIANTS = {"aac": AudioOptions(codec="aac", bitrate=192), "mp3": AudioOptions(codec="mp3", bitrate=192),
            "cmaf": AudioOptions(codec="aac", bitrate=192, fragmented=True),
            "opus": AudioOptions(codec="opus", bitrate=128)}


def source(rate: int, channels: int, n: int) -> np.ndarray:
    """A sweep plus a tone plus a little noise: broadband, so a one-sample shift shows."""
    t = np.arange(n) / rate
    sweep = 0.3 * np.sin(2 * np.pi * (200 * t + 1500 * t * t))
    tone = 0.2 * np.sin(2 * np.pi * 997 * t)
    noise = 0.05 * np.random.default_rng(rate + channels).uniform(-1, 1, n)
    mono = (sweep + tone + noise).astype(np.float32)
    return np.stack([mono, np.roll(mono, 7)][:channels]).astype(np.float32)


def decode(path, *, raw: bool) -> np.ndarray:
    opts = {"ignore_editlist": "1"} if raw else {}
    with av.open(str(path), options=opts) as c:
        stream = c.streams.audio[0]
        if raw:
            stream.codec_context.flags2 |= av.codec.context.Flags2.skip_manual
        chunks = [f.to_ndarray().reshape(f.layout.nb_channels, -1) if f.format.is_planar
                  else f.to_ndarray().reshape(-1, f.layout.nb_channels).T for f in c.decode(stream)]
    return np.concatenate(chunks, axis=1).astype(np.float64)


def best_lag(decoded: np.ndarray, reference: np.ndarray, span: int = 40) -> int:
    a, b = decoded[0], reference[0].astype(np.float64)
    n = min(len(a), len(b)) - 2 * span
    scores = {lag: float(np.dot(a[span + lag: span + lag + n], b[span: span + n])) for lag in range(-span, span + 1)}
    return max(scores, key=scores.get)


@pytest.fixture(scope="module", params=[(44100, 1), (44100, 2), (48000, 1), (48000, 2)], ids=lambda p: f"{p[0]}-{p[1]}ch")
def rendered(request, tmp_path_factory):
    rate, channels = request.param
    work = tmp_path_factory.mktemp(f"gapless{rate}{channels}")
    pcm = source(rate, channels, LENGTHS[rate])
    src = write_audio(work / "src.flac", "flac", rate=rate, samples=pcm)
    specs = [Transcode(dest=work / f"{k}.out", audio=o, name=k) for k, o in VARIANTS.items()]
    result = render(src, specs, workdir=work)
    assert result.ok, result.to_dict()
    return rate, pcm, result


@pytest.mark.parametrize("name", list(VARIANTS))
def test_published_numbers_match_the_decoded_file(rendered, name):
    rate, pcm, result = rendered
    out = result.outputs[name]
    g = out.gapless
    assert {"samples", "sample_rate", "encoder_delay", "padding"} <= set(g)
    if g["sample_rate"] == rate:
        assert g["samples"] == pcm.shape[1]
    assert g["encoder_delay"] > 0 and g["padding"] >= 0
    raw = decode(out.path, raw=True)
    assert raw.shape[1] == g["encoder_delay"] + g["samples"] + g["padding"]
    trimmed = raw[:, g["encoder_delay"]: g["encoder_delay"] + g["samples"]]
    assert trimmed.shape[1] == g["samples"]
    if g["sample_rate"] == rate:  # same timeline as the source: the trim lands on sample 0
        assert best_lag(trimmed, pcm) == 0
        err = np.sqrt(np.mean((trimmed - pcm) ** 2)) / np.sqrt(np.mean(pcm.astype(np.float64) ** 2))
        assert err < 0.2, err


@pytest.mark.parametrize("name", ["aac", "mp3", "opus"])
def test_the_files_carry_the_standard_signalling(rendered, name):
    """FFmpeg's own decode reads the edit list / LAME tag / pre-skip and gives the real samples."""
    _rate, _pcm, result = rendered
    out = result.outputs[name]
    assert decode(out.path, raw=False).shape[1] == out.gapless["samples"]
    signal = {"aac": "elst", "mp3": "lame", "opus": "preskip"}[name]
    assert out.gapless["gapless_signal"] == signal


def test_cmaf_rung_is_fragmented_with_an_edit_list(rendered):
    _rate, _pcm, result = rendered
    out = result.outputs["cmaf"]
    data = open(out.path, "rb").read()
    assert b"moof" in data and b"elst" in data and data.index(b"moov") < data.index(b"moof")
    assert out.gapless["mse"] is True and out.gapless["container"] == "cmaf"
    g = out.gapless
    # the edit list hides the priming; FFmpeg (like Chromium's MSE) then starts at the first real sample
    assert decode(out.path, raw=False).shape[1] == g["samples"] + g["padding"]
