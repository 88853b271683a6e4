"""Opening a source file and choosing its audio stream, with sanity guards."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import av
import av.error
import numpy as np

from .errors import MediaInitError

MIN_SAMPLE_RATE = 1_000
MAX_SAMPLE_RATE = 384_000
MAX_CHANNELS = 16
#: Longest source accepted (a very long audiobook still fits).
MAX_DURATION = 48 * 3600.0

ATTACHED_PIC = int(av.stream.Disposition.attached_pic)

# Exceptions PyAV/FFmpeg may throw at us for hostile input.
OPEN_ERRORS = (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError, EOFError)


def is_attached_pic(stream) -> bool:
    return bool(int(stream.disposition) & ATTACHED_PIC)


@contextlib.contextmanager
def open_source(path: str | os.PathLike) -> Iterator[av.container.InputContainer]:
    """Open ``path`` for demuxing; any failure becomes :class:`MediaInitError`."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise MediaInitError(f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise MediaInitError("file is empty")
    try:
        container = av.open(str(p), mode="r")
    except OPEN_ERRORS as exc:
        raise MediaInitError(f"not a recognised media file ({short_error(exc)})") from exc
    try:
        yield container
    finally:
        container.close()


def audio_stream(container):
    """Return the main audio stream after checking its headers are sane."""
    streams = [s for s in container.streams.audio if not is_attached_pic(s)]
    if not streams:
        raise MediaInitError("file has no audio stream")
    try:
        stream = container.streams.best("audio") or streams[0]
    except Exception:  # pragma: no cover - very old PyAV
        stream = streams[0]
    ctx = stream.codec_context
    if ctx is None or not getattr(ctx, "name", None):
        raise MediaInitError("audio codec is unknown")
    channels = ctx.channels
    if not 1 <= channels <= MAX_CHANNELS:
        raise MediaInitError(f"unsupported channel count {channels}")
    rate = ctx.sample_rate
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise MediaInitError(f"unsupported sample rate {rate} Hz")
    return stream


def check_frame(frame) -> None:
    """Decoded frames are authoritative: re-check what the headers claimed."""
    if not MIN_SAMPLE_RATE <= frame.sample_rate <= MAX_SAMPLE_RATE:
        raise MediaInitError(f"unsupported sample rate {frame.sample_rate} Hz")
    if not 1 <= len(frame.layout.channels) <= MAX_CHANNELS:
        raise MediaInitError(f"unsupported channel count {len(frame.layout.channels)}")


_FLOAT_TYPES = {"flt": np.float32, "fltp": np.float32, "dbl": np.float64, "dblp": np.float64}
#: Float samples beyond this magnitude are damage, not signal (full scale is 1.0).
MAX_FLOAT_MAGNITUDE = 16.0


def sanitize(frame):
    """Float frames with NaN, infinities or absurd magnitudes (a hostile float WAV) make some
    FFmpeg encoders abort the whole process; replace them with a clamped copy. Other frames pass."""
    dtype = _FLOAT_TYPES.get(frame.format.name)
    if dtype is None:
        return frame
    count = frame.samples * (1 if frame.format.is_planar else len(frame.layout.channels))
    for plane in frame.planes:
        values = np.frombuffer(plane, dtype=dtype, count=count)
        if not count:
            continue
        peak = max(values.max(), -values.min())  # no temporary array; NaN propagates through max/min
        if not peak <= MAX_FLOAT_MAGNITUDE:  # also true for NaN and infinities
            break
    else:
        return frame
    arr = np.clip(np.nan_to_num(frame.to_ndarray(), nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0).astype(dtype)
    fixed = av.AudioFrame.from_ndarray(arr, format=frame.format.name, layout=frame.layout.name)
    fixed.sample_rate = frame.sample_rate
    return fixed


def short_error(exc: BaseException) -> str:
    """A one-line description of an exception for ``reason`` strings."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    lines = text.strip().splitlines() or [type(exc).__name__]
    return lines[0].rstrip(".")[:160]
