"""Waveform videos (the ``waveform_video`` variant): an H.264 MP4 audiogram of one window of the
track, with its audio as AAC when asked.

Only the window is decoded (the source is seeked to it), twice: once to measure the window's
levels for the bars (:class:`tonearm.media.levels.AnalysisSink`), once to encode its audio while
the video frames are made in step with it. Frames are made and encoded one at a time, so memory
stays at a few pictures of the video's size whatever the length of the track or of the window,
and time is proportional to the window (at most :data:`~tonearm.media.specs.VIDEO_MAX_SECONDS`).
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import av.error

from . import audiogram
from .audiogram import Canvas
from .errors import MediaError
from .levels import AnalysisSink
from .preview import PreviewShaper, fade_length, window
from .probe import probe
from .source import audio_stream, check_frame, open_source, sanitize, short_error
from .specs import VIDEO_MAX_SECONDS, Levels, WaveformVideo

#: Audio is resampled to this rate for both the bars and the AAC track.
RATE = 44100
#: Give up on the window when this many packets in a row fail to decode.
MAX_DECODE_ERRORS = 200
#: x264 settings: a waveform over a still background compresses well at "veryfast".
X264_OPTIONS = {"preset": "veryfast", "crf": "23", "tune": "stillimage"}
SHORTEST = 0.1  # seconds; a window shorter than this is no video


def video_window(duration: float, spec: WaveformVideo) -> tuple[float, float]:
    """``(start, end)`` in seconds: the spec's preview-style window, cut to the maximum length."""
    start, end = window(duration, spec.window)
    return start, min(end, start + VIDEO_MAX_SECONDS)


def _seek(container, stream, start: float) -> bool:
    """Seek to the key frame at or before ``start``; False when the source cannot seek."""
    if start < 1.0 or stream.time_base is None:
        return False
    try:
        container.seek(int(start / stream.time_base), stream=stream, backward=True)
        return True
    except (av.error.FFmpegError, OSError, ValueError):
        return False


def _decoded(container, stream) -> Iterator:
    """Decoded frames; a damaged stretch is skipped, a damaged tail ends the stream."""
    packets = container.demux(stream)
    streak = 0
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except (av.error.FFmpegError, OSError, ValueError, EOFError):
            return
        try:
            frames = stream.codec_context.decode(packet)
            streak = 0
        except av.error.FFmpegError:
            streak += 1
            if streak >= MAX_DECODE_ERRORS:
                return
            continue
        yield from (f for f in frames if f.samples)


def window_frames(src, start: float, layout: str, *, seek: bool = True) -> Iterator[av.AudioFrame]:
    """Float planar frames at :data:`RATE` from about ``start`` on, with ``pts`` counted in samples
    from the start of the track (what :class:`PreviewShaper` wants). Without a usable seek (or
    when the seeked frames carry no time) the source is decoded from its start instead."""
    with open_source(src) as container:
        stream = audio_stream(container)
        seeked = seek and _seek(container, stream, start)
        offset = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        position = None if seeked else 0
        resampler, signature = None, None
        for frame in _decoded(container, stream):
            if position is None:
                if frame.time is None:
                    break  # no timestamps after a seek: start again from the top
                position = max(0, round((frame.time - offset) * RATE))
            sig = (frame.format.name, frame.layout.name, frame.sample_rate)
            if sig != signature:  # the first frame, or a format change mid-stream
                check_frame(frame)
                pending = resampler.resample(None) if resampler is not None else []
                resampler, signature = av.AudioResampler(format="fltp", layout=layout, rate=RATE), sig
            else:
                pending = []
            frame.pts = None
            for out in [*pending, *resampler.resample(sanitize(frame))]:
                out.pts, out.time_base = position, Fraction(1, RATE)
                position += out.samples
                yield out
        else:
            return
    yield from window_frames(src, start, layout, seek=False)


def _clip(src, start: float, end: float, layout: str, fade: float) -> Iterator[av.AudioFrame]:
    """The window's frames, trimmed (and faded by ``fade`` seconds at both ends), pts from 0."""
    shaper = PreviewShaper(start, end, RATE, fade)
    frames = window_frames(src, start, layout)
    try:
        for frame in frames:
            cut = shaper(frame)
            if cut is not None:
                yield cut
            if shaper.done:
                return
    finally:
        frames.close()


def window_levels(src, start: float, end: float, layout: str, count: int) -> list[float]:
    """``count`` peak levels (0-1, loudest = 1) of the window, from the same analysis as the
    track's own levels."""
    sink = AnalysisSink((RATE, layout, "fltp"), Levels(num_samples=count), None, end - start)
    for frame in _clip(src, start, end, layout, 0.0):
        sink.consume(frame)
    sink.finish()
    if sink.samples == 0:
        raise MediaError("no decodable audio in the video's window")
    return sink.levels()["levels"]


class _Writer:
    """The MP4 being written: an H.264 stream and, when audio is embedded, an AAC one."""

    def __init__(self, path: Path, spec: WaveformVideo, layout: str) -> None:
        self.container = av.open(str(path), "w", format="mp4",
                                 container_options={"movflags": "+faststart", "fflags": "+bitexact"})
        video = self.container.add_stream("libx264", rate=spec.fps, options=dict(X264_OPTIONS))
        video.width, video.height, video.pix_fmt = spec.width, spec.height, "yuv420p"
        self.video = video
        self.audio = None
        if spec.embed_audio:
            audio = self.container.add_stream("aac", rate=RATE, options={"aac_coder": "fast"})
            audio.layout, audio.format = layout, "fltp"
            audio.bit_rate = spec.audio_bitrate * 1000
            audio.time_base = Fraction(1, RATE)
            self.audio = audio
        self.frames = 0

    def picture(self, yuv) -> None:
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = self.frames
        self.frames += 1
        self.container.mux(self.video.encode(frame))

    def sound(self, frame) -> None:
        self.container.mux(self.audio.encode(frame))

    def close(self) -> None:
        self.container.mux(self.video.encode(None))
        if self.audio is not None:
            self.container.mux(self.audio.encode(None))
        self.container.close()


def _encode(writer: _Writer, canvas: Canvas, src, spec: WaveformVideo, start: float, end: float,
            layout: str) -> None:
    """Pictures in step with the audio: before each audio frame goes in, every picture whose time
    it reaches has been made. Without audio, just the pictures."""
    length = end - start
    total = max(1, round(length * spec.fps))

    def pictures_until(seconds: float) -> None:
        while writer.frames < total and writer.frames / spec.fps < seconds:
            writer.picture(canvas.frame(writer.frames / max(1, total - 1)))

    if writer.audio is not None:
        fade = fade_length(spec.window, length)
        for frame in _clip(src, start, end, layout, fade):
            pictures_until((frame.pts + frame.samples) / RATE)
            writer.sound(frame)
    pictures_until(math.inf)


def waveform_video(src: str | os.PathLike, spec: WaveformVideo, *, title: str | None = None,
                   cover: str | os.PathLike | None = None, duration: float | None = None,
                   channels: int | None = None) -> dict:
    """Render the audiogram of ``src`` to ``spec.dest``; ``duration`` and ``channels`` come from
    :func:`probe` when not given. ``cover`` is an image file (an unreadable one is left out).
    Returns ``{"path", "width", "height", "fps", "frames", "duration", "capture_start",
    "capture_end", "has_audio", "bytes"}``; raises :class:`MediaError`."""
    if duration is None or channels is None:
        info = probe(src)
        duration, channels = info.duration, info.channels
    start, end = video_window(duration, spec)
    if end - start < SHORTEST:
        raise MediaError("the audio is too short for a waveform video")
    layout = "stereo" if channels >= 2 else "mono"
    dest = Path(spec.dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        bars = audiogram.layout(spec.width, spec.height, cover=False, title=False).bars  # same wave width
        levels = window_levels(src, start, end, layout, bars)
        canvas = Canvas(spec, levels, title=title, cover=cover)
        writer = _Writer(tmp, spec, layout)
        try:
            _encode(writer, canvas, src, spec, start, end, layout)
        finally:
            writer.close()
        os.replace(tmp, dest)
    except (av.error.FFmpegError, ValueError) as exc:
        raise MediaError(f"waveform video failed ({short_error(exc)})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return {"path": str(dest), "width": spec.width, "height": spec.height, "fps": spec.fps,
            "frames": writer.frames, "duration": round(writer.frames / spec.fps, 3),
            "capture_start": round(start, 3), "capture_end": round(end, 3),
            "has_audio": writer.audio is not None, "bytes": dest.stat().st_size}
