"""Waveform videos (media.video): H.264 (+ AAC) MP4 audiograms of a window of the track, decoded
back with PyAV."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests import audiogen as ag
from tonearm.media import MediaError, WaveformVideo, waveform_video
from tonearm.media.audiogram import layout
from tonearm.media.specs import PreviewWindow


def _streams(path: Path) -> dict:
    with av.open(str(path)) as c:
        video = c.streams.video[0]
        out = {"video": video.codec_context.name, "size": (video.codec_context.width, video.codec_context.height),
               "audio": [s.codec_context.name for s in c.streams.audio],
               "frames": sum(1 for _ in c.decode(video=0))}
    with av.open(str(path)) as c:
        if c.streams.audio:
            stream = c.streams.audio[0]
            out["audio_seconds"] = sum(f.samples for f in c.decode(stream)) / stream.codec_context.sample_rate
    return out


def _frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    out = {}
    with av.open(str(path)) as c:
        for n, frame in enumerate(c.decode(video=0)):
            if n in wanted:
                out[n] = frame.to_ndarray(format="rgb24").astype(np.int16)
    return out


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    """12 s stereo MP3 whose loudness rises, with a title tag and embedded cover."""
    d = tmp_path_factory.mktemp("video")
    t = np.arange(12 * 44100) / 44100
    wave = (np.sin(2 * np.pi * 330 * t) * np.linspace(0.05, 0.9, t.size)).astype(np.float32)
    return ag.write_audio(d / "song.mp3", "mp3", samples=np.stack([wave, wave]), rate=44100,
                          tags={"title": "Rising"}, cover=ag.cover_jpeg(300))


@pytest.fixture(scope="module")
def cover(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cover") / "cover.jpg"
    path.write_bytes(ag.cover_jpeg(400, (30, 160, 90)))
    return path


def test_video_with_audio_is_h264_and_aac_of_the_window(song, cover, tmp_path):
    spec = WaveformVideo(dest=tmp_path / "v.mp4", width=640, height=360, fps=20,
                         window=PreviewWindow(preview_seconds=6, preview_max_percent=100, preview_start_percent=25))
    made = waveform_video(song, spec, title="Rising — a test", cover=cover)
    assert made["capture_start"] == pytest.approx(3.0, abs=0.01) and made["capture_end"] == pytest.approx(9.0, abs=0.01)
    got = _streams(tmp_path / "v.mp4")
    assert got["video"] == "h264" and got["size"] == (640, 360)
    assert abs(got["frames"] - 20 * 6) <= 1 and made["frames"] == got["frames"]
    assert got["audio"] == ["aac"] and abs(got["audio_seconds"] - 6.0) < 0.1
    assert made["has_audio"] is True and made["duration"] == pytest.approx(6.0, abs=0.05)


def test_video_without_audio_has_no_audio_stream(song, tmp_path):
    spec = WaveformVideo(dest=tmp_path / "v.mp4", width=320, height=320, fps=10, embed_audio=False)
    made = waveform_video(song, spec, title=None, cover=None)
    got = _streams(tmp_path / "v.mp4")
    assert got["video"] == "h264" and got["size"] == (320, 320) and got["audio"] == []
    # default window: the default ladder's preview (30 s from 25 %), cut to the 12 s track
    assert made["capture_start"] == 0.0 and made["capture_end"] == pytest.approx(12.0, abs=0.05)
    assert abs(got["frames"] - 10 * 12) <= 1 and made["has_audio"] is False


def test_playhead_moves_and_the_rest_stays(song, cover, tmp_path):
    spec = WaveformVideo(dest=tmp_path / "v.mp4", width=640, height=360, fps=10, embed_audio=False,
                         window=PreviewWindow(preview_seconds=8, preview_max_percent=100, preview_start_percent=0))
    waveform_video(song, spec, title="Rising", cover=cover)
    early, late = 3, 75
    frames = _frames(tmp_path / "v.mp4", {early, late})
    box = layout(640, 360, cover=True, title=True).wave
    x_early = box.x0 + round(early / 79 * box.width)
    x_late = box.x0 + round(late / 79 * box.width)
    region = (slice(box.y0 + 2, box.y1 - 2), slice(x_early + 8, x_late - 8))  # played late, not early
    diff = np.abs(frames[late][region] - frames[early][region]).sum(axis=2)
    assert (diff > 60).mean() > 0.2  # the bars there changed colour
    above = (slice(0, box.y0 - 4), slice(None))  # cover and title: the same picture in both
    assert np.abs(frames[late][above] - frames[early][above]).mean() < 2.0
    amber = np.array([0xF5, 0x9E, 0x0B])  # the default progress colour fills the played bars
    def amber_share(frame):
        return (np.abs(frame[region].reshape(-1, 3) - amber).sum(axis=1) < 60).mean()

    assert amber_share(frames[early]) < 0.01 and amber_share(frames[late]) > 0.1


def test_two_hour_input_renders_only_the_window(tmp_path):
    src = tmp_path / "long.flac"
    out = av.open(str(src), "w", format="flac")
    stream = out.add_stream("flac", rate=8000)
    stream.layout, stream.format = "mono", "s16"
    tone = (np.sin(2 * np.pi * 220 * np.arange(80000) / 8000) * 8000).astype(np.int16).reshape(1, -1)
    for n in range(720):  # 720 x 10 s
        frame = av.AudioFrame.from_ndarray(tone, format="s16", layout="mono")
        frame.sample_rate, frame.pts = 8000, n * 80000
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
    out.close()
    spec = WaveformVideo(dest=tmp_path / "v.mp4", width=320, height=180, fps=5)
    made = waveform_video(src, spec, title="Two hours")
    assert made["capture_start"] == pytest.approx(1800.0) and made["capture_end"] == pytest.approx(1830.0)
    got = _streams(tmp_path / "v.mp4")
    assert abs(got["frames"] - 150) <= 1 and abs(got["audio_seconds"] - 30.0) < 0.2


def test_a_window_longer_than_the_limit_is_cut(song, tmp_path, monkeypatch):
    from tonearm.media import video

    monkeypatch.setattr(video, "VIDEO_MAX_SECONDS", 2.0)
    spec = WaveformVideo(dest=tmp_path / "v.mp4", width=160, height=128, fps=10, embed_audio=False)
    made = waveform_video(song, spec)
    assert made["capture_end"] - made["capture_start"] == pytest.approx(2.0) and made["frames"] == 20


def test_unreadable_cover_and_mono_source_still_render(tmp_path):
    src = ag.write_audio(tmp_path / "mono.wav", "wav", seconds=2.0, channels=1)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not really a jpeg")
    made = waveform_video(src, WaveformVideo(dest=tmp_path / "v.mp4", width=256, height=144, fps=10),
                          title="x" * 300, cover=bad)
    got = _streams(tmp_path / "v.mp4")
    assert got["audio"] == ["aac"] and made["frames"] == 20


@pytest.mark.parametrize("options", [
    {"width": 641}, {"height": 361}, {"width": 4000}, {"width": 100}, {"width": 1920, "height": 1920},
    {"fps": 0}, {"fps": 61}, {"background_color": "red"}, {"text_color": "#12345g"}, {"audio_bitrate": 999},
])
def test_bad_options_are_refused(tmp_path, options):
    with pytest.raises(MediaError):
        WaveformVideo(dest=tmp_path / "v.mp4", **options)


def test_silent_and_unreadable_sources(tmp_path):
    silent = ag.write_audio(tmp_path / "s.wav", "wav", seconds=1.0, kind="silence")
    made = waveform_video(silent, WaveformVideo(dest=tmp_path / "s.mp4", width=160, height=128, fps=5))
    assert made["frames"] == 5
    junk = ag.random_file(tmp_path / "junk.mp3")
    with pytest.raises(MediaError):
        waveform_video(junk, WaveformVideo(dest=tmp_path / "j.mp4"))
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize("fmt", ["mp3", "flac"])
def test_embedded_audio_is_the_window_of_the_source(tmp_path, fmt):
    """A sine whose amplitude grows 0.04 per second: the video's audio, 2 s into a window that
    starts at 10 s, has the level of the source (decoded from its start) at 12 s; a seek off by
    a second would be 8 % off."""
    rate = 44100
    t = np.arange(20 * rate) / rate
    wave = (np.sin(2 * np.pi * 440 * t) * 0.04 * t).astype(np.float32)
    src = ag.write_audio(tmp_path / f"ramp.{fmt}", fmt, samples=np.stack([wave, wave]), rate=rate)
    spec = WaveformVideo(dest=tmp_path / "v.mp4", width=160, height=128, fps=5,
                         window=PreviewWindow(preview_seconds=4, preview_max_percent=100, preview_start_percent=50))
    made = waveform_video(src, spec)
    assert made["capture_start"] == pytest.approx(10.0)

    def rms_at(path, seconds):
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)  # FLAC decodes to s16
        with av.open(str(path)) as c:
            samples = np.concatenate([out.to_ndarray()[0] for f in c.decode(c.streams.audio[0])
                                      for out in resampler.resample(f)])
        middle = samples[int((seconds - 0.1) * rate):int((seconds + 0.1) * rate)].astype(np.float64)
        return float(np.sqrt(np.mean(middle ** 2)))

    assert rms_at(tmp_path / "v.mp4", 2.0) == pytest.approx(rms_at(src, 12.0), rel=0.03)


@pytest.mark.parametrize("size", [(128, 1920), (1920, 128), (128, 128), (1080, 1920), (1920, 1080), (1280, 720)])
def test_layout_keeps_everything_inside_the_frame(size):
    width, height = size
    for cover in (True, False):
        for title in (True, False):
            lay = layout(width, height, cover=cover, title=title)
            boxes = [b for b in (lay.cover, lay.title, lay.wave) if b is not None]
            assert all(0 <= b.x0 < b.x1 <= width and 0 <= b.y0 < b.y1 <= height for b in boxes), (cover, title, lay)
            assert lay.wave.y0 >= max((b.y1 for b in boxes[:-1]), default=0)  # below the cover and title
            assert lay.wave.x0 % 2 == 0 and lay.wave.y0 % 2 == 0 and lay.bars >= 1
