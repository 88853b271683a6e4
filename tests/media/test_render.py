"""render(): decode-once fan-out to transcodes, previews and analysis."""

from __future__ import annotations

import json
import os

import av
import numpy as np
import pytest

from tests import audiogen as ag
from tests.media.conftest import TAGS
from tonearm.media import (
    AudioOptions,
    Levels,
    Loudness,
    MediaError,
    MediaInitError,
    Peaks,
    Preview,
    PreviewWindow,
    Transcode,
    extract_cover,
    probe,
    render,
)

EXPECTED = {  # codec -> (probe codec, container format name contains, extension)
    "aac": ("aac", "mp4", ".m4a"),
    "mp3": ("mp3", "mp3", ".mp3"),
    "ogg": ("vorbis", "ogg", ".ogg"),
    "opus": ("opus", "webm", ".webm"),
}


def rms_of(path) -> float:
    with av.open(str(path)) as c:
        total, n = 0.0, 0
        for frame in c.decode(c.streams.audio[0]):
            a = frame.to_ndarray().astype(np.float64)
            total += float(np.sum(a * a))
            n += a.size
    return (total / n) ** 0.5 if n else 0.0


@pytest.fixture(scope="module")
def rendered(song, tmp_path_factory):
    out = tmp_path_factory.mktemp("render")
    specs = [
        Transcode(out / "hq.m4a", AudioOptions("aac", 256, strip_tags=False, strip_cover=False)),
        Transcode(out / "lq.mp3", AudioOptions("mp3", 128, strip_tags=False, strip_cover=False)),
        Transcode(out / "v.ogg", AudioOptions("ogg", 96)),
        Transcode(out / "o.webm", AudioOptions("opus", 64, stereo=False), name="opus-mono"),
        Preview(out / "pv.mp3", AudioOptions("mp3", 96), PreviewWindow(preview_seconds=4)),
        Levels(), Peaks(), Loudness(),
    ]
    return out, render(song, specs, workdir=out / "work")


def test_transcodes_have_right_codec_duration_and_sound(rendered):
    out, result = rendered
    assert result.ok, (result.errors, {k: v.error for k, v in result.outputs.items()})
    assert abs(result.duration - 12.0) < 0.05
    for key in ("hq.m4a", "lq.mp3", "v.ogg", "opus-mono"):
        res = result.outputs[key]
        codec, container, ext = EXPECTED[res.codec]
        info = probe(res.path)
        assert info.codec.startswith(codec)
        assert container in info.format_name
        assert res.extension == ext
        assert abs(info.duration - 12.0) < 0.06, (key, info.duration)
        assert abs(res.duration - 12.0) < 0.06
        assert res.size == os.path.getsize(res.path) > 1000
        assert rms_of(res.path) > 0.05  # the source's RMS is ~0.26
    assert probe(result.outputs["opus-mono"].path).channels == 1
    assert probe(result.outputs["opus-mono"].path).sample_rate == 48000
    assert probe(result.outputs["lq.mp3"].path).channels == 2
    # no temp files left behind
    assert not [p for p in (out / "work").iterdir() if p.name.endswith(".part")]


def test_tags_and_cover_kept_or_stripped(rendered, cover_bytes):
    _, result = rendered
    for key in ("hq.m4a", "lq.mp3"):
        info = probe(result.outputs[key].path)
        assert (info.title, info.artist, info.album) == (TAGS["title"], TAGS["artist"], TAGS["album"])
        assert extract_cover(result.outputs[key].path) == cover_bytes
    stripped = probe(result.outputs["v.ogg"].path)
    assert stripped.title is None and not stripped.has_cover


def test_m4a_has_moov_before_mdat(rendered):
    data = open(rendered[1].outputs["hq.m4a"].path, "rb").read()
    assert 0 < data.find(b"moov") < data.find(b"mdat")


def test_bitrates_roughly_honoured(rendered):
    _, result = rendered
    assert 110 <= result.outputs["lq.mp3"].avg_bitrate <= 150
    assert result.outputs["hq.m4a"].bitrate == 256


def test_preview_window_and_fades(rendered):
    _, result = rendered
    pv = result.outputs["pv.mp3"]
    # 4 s clip starting at 25 % of 12 s
    assert pv.capture_start == pytest.approx(3.0, abs=0.01)
    assert pv.capture_end == pytest.approx(7.0, abs=0.01)
    assert pv.full_duration == pytest.approx(12.0, abs=0.05)
    assert abs(probe(pv.path).duration - 4.0) < 0.05
    with av.open(pv.path) as c:
        samples = np.concatenate([f.to_ndarray()[0] for f in c.decode(c.streams.audio[0])])
    rate = 44100
    head = np.abs(samples[: int(0.1 * rate)]).max()
    middle = np.abs(samples[int(1.5 * rate) : int(2.5 * rate)]).max()
    tail = np.abs(samples[-int(0.05 * rate) :]).max()
    assert middle > 0.03
    assert head < middle * 0.5 and tail < middle * 0.5  # faded in and out


def test_levels_shape(rendered):
    levels = rendered[1].levels
    values = levels["levels"]
    assert levels["num_samples"] == len(values) == 320
    assert levels["metric"] == "peak"
    assert all(0.0 <= v <= 1.0 for v in values)
    assert levels["max"] == pytest.approx(1.0)
    first, second = np.mean(values[:150]), np.mean(values[170:])
    assert second > 4 * first  # the second half is 8x louder
    assert levels["min"] <= levels["avg"] <= levels["max"]
    json.dumps(levels)


def test_peaks_audiowaveform_schema(rendered):
    peaks = rendered[1].peaks
    assert {k: peaks[k] for k in ("version", "channels", "bits")} == {"version": 2, "channels": 1, "bits": 8}
    assert peaks["sample_rate"] == 44100 and peaks["samples_per_pixel"] == 512
    assert peaks["length"] == len(peaks["data"]) // 2 == -(-12 * 44100 // 512)
    data = np.array(peaks["data"])
    assert data.min() >= -128 and data.max() <= 127
    assert np.all(data[0::2] <= data[1::2])
    loud = data[1::2][-200:].max()
    assert 50 <= loud <= 80  # 0.5 amplitude * 128 (plus codec wiggle)
    json.dumps(peaks)


def test_loudness_present(rendered):
    loud = rendered[1].loudness
    assert -12 < loud["integrated_lufs"] < -4
    assert loud["true_peak_dbtp"] >= loud["sample_peak_dbfs"] - 0.01
    assert loud["gain_db"] <= -1.0 - loud["true_peak_dbtp"] + 0.01


def reference_lufs(amplitude: float, channels: int, freq: float = 1000.0, rate: int = 48000) -> float:
    """BS.1770 loudness of a steady sine, from the K-weighting filters' gain at ``freq``."""
    def biquad_gain(b, a):
        z = np.exp(-1j * 2 * np.pi * freq / rate)
        return abs((b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)) ** 2
    shelf = biquad_gain([1.53512485958697, -2.69169618940638, 1.19839281085285],
                        [1.0, -1.69065929318241, 0.73248077421585])
    highpass = biquad_gain([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])
    mean_square = amplitude ** 2 / 2 * shelf * highpass
    return -0.691 + 10 * np.log10(channels * mean_square)


def test_loudness_of_minus_20_dbfs_sine(tmp_path):
    amp = 10 ** (-20 / 20)
    src = ag.write_audio(tmp_path / "sine.wav", "wavf32", 6.0, 48000, 2, freq=1000.0, amp=amp)
    loud = render(src, [Loudness()]).loudness
    expected = reference_lufs(amp, 2)
    assert abs(expected - (-20.0)) < 0.1  # sanity of the reference itself
    assert abs(loud["integrated_lufs"] - expected) <= 0.5
    assert loud["true_peak_dbtp"] == pytest.approx(-20.0, abs=0.3)
    assert loud["gain_db"] == pytest.approx(6.0, abs=0.5)  # -14 - (-20)
    # a full-scale sine in one channel reads about -3 LUFS
    mono = ag.write_audio(tmp_path / "mono.wav", "wavf32", 6.0, 48000, 1, freq=1000.0, amp=1.0)
    loud = render(mono, [Loudness()]).loudness
    assert abs(loud["integrated_lufs"] - reference_lufs(1.0, 1)) <= 0.5
    assert loud["gain_db"] <= -1.0 - loud["true_peak_dbtp"] + 0.01  # limited by the peak


def test_silence_is_measured_without_crashing(tmp_path):
    src = ag.write_audio(tmp_path / "quiet.wav", "wav", 2.0, 44100, 2, "silence")
    result = render(src, [Levels(), Peaks(), Loudness()])
    assert result.levels["levels"] == [0.0] * 320
    assert result.loudness["integrated_lufs"] is None and result.loudness["gain_db"] == 0.0
    assert set(result.peaks["data"]) <= {-1, 0, 1}


def test_one_failing_output_does_not_stop_the_others(tmp_path, song):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = render(song, [
        Transcode(blocker / "x.mp3", AudioOptions("mp3", 64), name="bad"),
        Transcode(tmp_path / "good.mp3", AudioOptions("mp3", 64), name="good"),
        Levels(),
    ])
    assert not result.outputs["bad"].ok and result.outputs["bad"].error
    assert result.outputs["good"].ok and os.path.exists(result.outputs["good"].path)
    assert result.levels is not None
    assert not result.ok


def test_encoder_failure_mid_stream_is_isolated(tmp_path, song, monkeypatch):
    from tonearm.media import encoders

    calls = {"n": 0}
    real = encoders.EncoderSink.consume

    def flaky(self, frame):
        if self.name == "flaky":
            calls["n"] += 1
            if calls["n"] == 5:
                raise RuntimeError("disk on fire")
        return real(self, frame)

    monkeypatch.setattr(encoders.EncoderSink, "consume", flaky)
    result = render(song, [
        Transcode(tmp_path / "a.mp3", AudioOptions("mp3", 64), name="flaky"),
        Transcode(tmp_path / "b.m4a", AudioOptions("aac", 64), name="fine"),
    ])
    assert result.outputs["flaky"].error == "disk on fire"
    assert not (tmp_path / "a.mp3").exists()
    assert result.outputs["fine"].ok and abs(result.outputs["fine"].duration - 12.0) < 0.05


@pytest.mark.parametrize("fmt,rate", [("flac", 96000), ("wav", 8000), ("opus", 48000), ("aiff", 22050)])
def test_various_sources_render(tmp_path, fmt, rate):
    src = ag.write_audio(tmp_path / f"s{ag.FORMATS[fmt][3]}", fmt, 2.0, rate, 1)
    result = render(src, [
        Transcode(tmp_path / "o.m4a", AudioOptions("aac", 96)),
        Transcode(tmp_path / "o.mp3", AudioOptions("mp3", 24)),
        Levels(num_samples=50, metric="rms"),
    ])
    assert result.ok, {k: v.error for k, v in result.outputs.items()}
    for res in result.outputs.values():
        assert abs(probe(res.path).duration - 2.0) < 0.06
        assert res.sample_rate <= 48000
    assert len(result.levels["levels"]) == 50


def test_render_rejects_broken_sources(tmp_path):
    bad = ag.random_file(tmp_path / "noise.mp3", 20_000, seed=9)
    with pytest.raises(MediaInitError):
        render(bad, [Transcode(tmp_path / "x.mp3", AudioOptions("mp3", 64))])
    assert not (tmp_path / "x.mp3").exists()


def test_render_truncated_source_keeps_what_is_there(tmp_path, song):
    cut = ag.truncated_copy(song, tmp_path / "cut.mp3", 0.5)
    result = render(cut, [Transcode(tmp_path / "o.mp3", AudioOptions("mp3", 64)), Levels()])
    assert result.outputs["o.mp3"].ok
    assert 4.0 < result.duration < 7.0


def test_invalid_specs():
    with pytest.raises(MediaError):
        AudioOptions("wma", 128)
    with pytest.raises(MediaError):
        AudioOptions("mp3", 400)
    with pytest.raises(MediaError):
        PreviewWindow(preview_type="bars")
    with pytest.raises(MediaError):
        render("whatever.mp3", [Levels(), Levels()])
