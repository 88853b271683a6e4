"""probe(): durations, stream facts, tags, cover detection, and rejection."""

from __future__ import annotations

import av
import pytest

from tests import audiogen as ag
from tests.media.conftest import PROBE_CASES, TAGS
from tonearm.media import MediaError, MediaInitError, extract_cover, probe

EXTENSIONS = {
    "mp3": ".mp3", "m4a": ".m4a", "aac": ".aac", "flac": ".flac", "wav": ".wav",
    "wav24": ".wav", "wavf32": ".wav", "ogg": ".ogg", "opus": ".opus", "webm": ".webm",
    "aiff": ".aiff",
}
CODECS = {
    "mp3": "mp3", "m4a": "aac", "aac": "aac", "flac": "flac", "wav": "pcm_s16le",
    "wav24": "pcm_s24le", "wavf32": "pcm_f32le", "ogg": "vorbis", "opus": "opus",
    "webm": "opus", "aiff": "pcm_s16be",
}


def decoded_seconds(path) -> float:
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        return sum(f.samples for f in c.decode(s)) / s.codec_context.sample_rate


@pytest.mark.parametrize("fmt", sorted(PROBE_CASES))
def test_probe_each_format(fixtures, fmt):
    rate, seconds = PROBE_CASES[fmt]
    info = probe(fixtures[fmt])
    assert abs(info.duration - seconds) <= 0.05, (info.duration, info.duration_source)
    assert abs(info.duration - decoded_seconds(fixtures[fmt])) <= 0.05
    assert info.sample_rate == rate
    assert info.channels == 2
    assert info.codec.startswith(CODECS[fmt])
    assert info.suggested_extension == EXTENSIONS[fmt]
    assert info.bit_rate and info.bit_rate > 0
    assert all(k == k.lower() for k in info.tags)
    if fmt != "aac":  # raw ADTS has nowhere to keep tags
        assert info.title == TAGS["title"]
    if fmt not in ("aac", "aiff"):  # FFmpeg's AIFF muxer writes only the name chunk
        assert info.artist == TAGS["artist"] and info.album == TAGS["album"]
    assert info.has_cover is (fmt in ("mp3", "m4a", "flac"))
    assert not info.has_video


@pytest.mark.parametrize("fmt", ["mp3", "m4a", "flac"])
def test_extract_cover_returns_embedded_bytes(fixtures, cover_bytes, fmt):
    assert extract_cover(fixtures[fmt]) == cover_bytes


def test_extract_cover_none_without_picture(fixtures):
    assert extract_cover(fixtures["wav"]) is None


@pytest.mark.parametrize("rate", [8000, 16000, 96000])
def test_probe_mono_and_odd_rates(tmp_path, rate):
    path = ag.write_audio(tmp_path / "m.flac", "flac", 1.0, rate, 1)
    info = probe(path)
    assert info.channels == 1 and info.sample_rate == rate
    assert abs(info.duration - 1.0) <= 0.05


def test_probe_video_with_audio(tmp_path):
    info = probe(ag.write_video(tmp_path / "v.mp4", 2.0, with_audio=True))
    assert info.has_video and info.codec == "aac"
    assert abs(info.duration - 2.0) <= 0.05
    assert info.suggested_extension == ".mp4"


def test_probe_truncated_half_reports_shorter_duration(tmp_path, fixtures):
    cut = ag.truncated_copy(fixtures["wav"], tmp_path / "half.wav", 0.5)
    info = probe(cut)
    assert 0.8 < info.duration < 1.2  # 2 s file cut in half


BROKEN = {
    "empty": lambda d, f: ag.empty_file(d / "empty.mp3"),
    "random_mp3": lambda d, f: ag.random_file(d / "random.mp3", 50_000, seed=3),
    "random_bin": lambda d, f: ag.random_file(d / "random.bin", 200_000, seed=4),
    "random_small": lambda d, f: ag.random_file(d / "r.wav", 300, seed=5),
    "text": lambda d, f: (d / "notes.txt").write_text("hello " * 500) and d / "notes.txt",
    "png": lambda d, f: (d / "pic.mp3").write_bytes(ag.cover_jpeg()) and d / "pic.mp3",
    "video_only": lambda d, f: ag.write_video(d / "v0.mp4", 1.0, with_audio=False),
    "m4a_moov_cut": lambda d, f: ag.truncated_copy(f["m4a"], d / "cut.m4a", 0.5),
    "mp3_head_only": lambda d, f: ag.truncated_copy(f["mp3"], d / "cut.mp3", 200),
    "flac_head_only": lambda d, f: ag.truncated_copy(f["flac"], d / "cut.flac", 100),
    "wav_header_only": lambda d, f: ag.truncated_copy(f["wav"], d / "cut.wav", 60),
    "missing": lambda d, f: d / "does-not-exist.mp3",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_inputs_raise_init_error(tmp_path, fixtures, case):
    path = BROKEN[case](tmp_path, fixtures)
    with pytest.raises(MediaError) as info:
        probe(path)
    assert isinstance(info.value, MediaInitError)
    assert info.value.init is True
    assert info.value.reason


def test_absurd_header_channels(tmp_path, fixtures):
    """A WAV whose fmt chunk claims 0 channels is rejected, not crashed on."""
    data = bytearray(fixtures["wav"].read_bytes())
    fmt_at = data.find(b"fmt ")
    data[fmt_at + 10 : fmt_at + 12] = (0).to_bytes(2, "little")
    bad = tmp_path / "zero_channels.wav"
    bad.write_bytes(bytes(data))
    with pytest.raises(MediaInitError):
        probe(bad)


def test_absurd_header_sample_rate(tmp_path, fixtures):
    data = bytearray(fixtures["wav"].read_bytes())
    fmt_at = data.find(b"fmt ")
    data[fmt_at + 12 : fmt_at + 16] = (2_000_000).to_bytes(4, "little")
    bad = tmp_path / "fast.wav"
    bad.write_bytes(bytes(data))
    with pytest.raises(MediaInitError):
        probe(bad)


def test_media_error_is_not_init_by_default():
    err = MediaError("encoder exploded")
    assert err.init is False and str(err) == "encoder exploded"
