"""Probing: what is this file, how long is it, is it usable audio at all?"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import av.error

from .errors import MediaInitError
from .source import (
    MAX_DURATION,
    audio_stream,
    check_frame,
    is_attached_pic,
    open_source,
    short_error,
)

#: Anything shorter is treated as truncated beyond use.
MIN_DURATION = 0.02
#: Packets decoded while looking for the first good audio frame.
FIRST_FRAME_PACKETS = 64
#: Files up to this size get a packet scan (demux only, no decoding) that
#: cross-checks the header duration; it catches truncation and VBR MP3s
#: without a Xing header.  Bigger files trust the header unless it is absurd.
SCAN_MAX_BYTES = 256 * 1024 * 1024
#: Raw elementary streams whose "header" duration is only a bitrate guess.
ESTIMATED_FORMATS = {"aac", "ac3", "eac3", "dts", "h264", "loas", "latm"}
#: Upper bound on packets read by any scan, whatever the file size.
SCAN_MAX_PACKETS = 2_000_000


@dataclass(frozen=True)
class Probe:
    duration: float
    codec: str
    format_name: str
    sample_rate: int
    channels: int
    bit_rate: int | None
    tags: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    has_cover: bool = False
    has_video: bool = False
    sample_format: str | None = None
    channel_layout: str | None = None
    suggested_extension: str = ""
    #: where ``duration`` came from: "header", "scan" or "bitrate".
    duration_source: str = "header"

    def to_dict(self) -> dict:
        return asdict(self)


def probe(path: str | os.PathLike) -> Probe:
    """Describe the audio in ``path``; raise :class:`MediaInitError` if unusable."""
    size = _size(path)
    with open_source(path) as container:
        stream = audio_stream(container)
        ctx = stream.codec_context
        first = _first_frame(container, stream)
        header = _header_duration(container, stream)
        tags = _tags(container, stream)
        has_cover = any(is_attached_pic(s) for s in container.streams)
        has_video = any(not is_attached_pic(s) for s in container.streams.video)
        fmt = container.format.name
        bit_rate = ctx.bit_rate or container.bit_rate or None
    if fmt in ESTIMATED_FORMATS:
        header = None  # raw streams: the header value is a bitrate guess
    duration, source = _duration(path, size, header, bit_rate)
    if duration < MIN_DURATION:
        raise MediaInitError("file contains no usable audio (too short or truncated)")
    if duration > MAX_DURATION:
        raise MediaInitError(f"duration {duration:.0f} s is beyond the supported maximum")
    if not bit_rate or bit_rate <= 0:
        bit_rate = int(size * 8 / duration) if duration > 0 else None
    return Probe(
        duration=round(duration, 6),
        codec=ctx.name,
        format_name=fmt,
        sample_rate=first.sample_rate,
        channels=len(first.layout.channels),
        bit_rate=bit_rate,
        tags=tags,
        title=tags.get("title"),
        artist=tags.get("artist") or tags.get("album_artist"),
        album=tags.get("album"),
        has_cover=has_cover,
        has_video=has_video,
        sample_format=first.format.name,
        channel_layout=first.layout.name,
        suggested_extension=suggest_extension(fmt, ctx.name, has_video),
        duration_source=source,
    )


def _size(path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError as exc:
        raise MediaInitError(f"cannot read file: {exc.strerror or exc}") from exc


def _first_frame(container, stream):
    """Decode until one non-empty frame appears: proof that this is audio."""
    errors = 0
    packets = 0
    last_error = "no audio frames"
    try:
        for packet in container.demux(stream):
            packets += 1
            try:
                frames = stream.codec_context.decode(packet)
            except av.error.FFmpegError as exc:
                errors += 1
                last_error = short_error(exc)
                frames = []
            for frame in frames:
                if frame.samples > 0:
                    check_frame(frame)
                    return frame
            if packets >= FIRST_FRAME_PACKETS:
                break
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        last_error = short_error(exc)
    raise MediaInitError(f"no decodable audio ({last_error})")


def _header_duration(container, stream) -> float | None:
    """Duration claimed by the stream or container header, if plausible."""
    candidates = []
    if stream.duration is not None and stream.time_base is not None:
        candidates.append(float(stream.duration * stream.time_base))
    if container.duration is not None:
        candidates.append(container.duration / 1_000_000)
    for value in candidates:
        if math.isfinite(value) and 0 < value <= MAX_DURATION:
            return value
    return None


def _duration(path, size: int, header: float | None, bit_rate: int | None):
    """Pick the duration: header, cross-checked by a packet scan when cheap."""
    if header is not None and size > SCAN_MAX_BYTES:
        return header, "header"
    scanned = scan_duration(path)
    if header is None:
        if scanned is not None:
            return scanned, "scan"
        if bit_rate:
            return size * 8 / bit_rate, "bitrate"
        raise MediaInitError("cannot determine duration")
    if scanned is None:
        return header, "header"
    # Encoder priming/padding makes a packet scan a little long; only a real
    # disagreement (truncated file, estimated VBR header) overrides the header.
    if abs(scanned - header) > max(0.25, 0.02 * header):
        return scanned, "scan"
    return header, "header"


def scan_duration(path, max_packets: int = SCAN_MAX_PACKETS) -> float | None:
    """Duration from packet timestamps of the audio stream (no decoding).

    Returns ``None`` when the packets carry no usable timestamps or the scan
    hit ``max_packets``.
    """
    try:
        with open_source(path) as container:
            stream = audio_stream(container)
            tb = stream.time_base
            start = None
            end = None
            count = 0
            for packet in container.demux(stream):
                count += 1
                if count > max_packets:
                    return None
                pts = packet.pts if packet.pts is not None else packet.dts
                if pts is None or packet.size == 0:
                    continue
                if start is None or pts < start:
                    start = pts
                stop = pts + (packet.duration or 0)
                if end is None or stop > end:
                    end = stop
    except MediaInitError:
        raise
    except (av.error.FFmpegError, OSError, ValueError):
        pass  # keep whatever was read before the damage
    if start is None or end is None or tb is None:
        return None
    value = float((end - max(start, 0)) * tb)
    return value if value > 0 else None


def _tags(container, stream) -> dict[str, str]:
    """Container + audio-stream metadata, keys lower-cased, values stripped."""
    tags: dict[str, str] = {}
    for source in (stream.metadata, container.metadata):
        for key, value in (source or {}).items():
            k = str(key).strip().lower()
            v = str(value).strip()
            if k and v and k not in tags:
                tags[k] = v[:1024]
    return tags


_EXTENSIONS = {
    "mp3": ".mp3",
    "flac": ".flac",
    "wav": ".wav",
    "w64": ".w64",
    "aiff": ".aiff",
    "adts": ".aac",
    "aac": ".aac",
    "caf": ".caf",
    "wv": ".wv",
    "ape": ".ape",
    "asf": ".wma",
    "amr": ".amr",
    "au": ".au",
}


def suggest_extension(format_name: str, codec: str, has_video: bool = False) -> str:
    """A file extension that matches the container (and codec where it matters)."""
    names = format_name.split(",")
    if "mov" in names or "mp4" in names:
        return ".mp4" if has_video else ".m4a"
    if "ogg" in names:
        return {"opus": ".opus", "flac": ".oga", "speex": ".spx"}.get(codec, ".ogg")
    if "matroska" in names or "webm" in names:
        if has_video:
            return ".webm" if codec in ("opus", "vorbis") else ".mkv"
        return ".webm" if codec in ("opus", "vorbis") else ".mka"
    for name in names:
        if name in _EXTENSIONS:
            return _EXTENSIONS[name]
    return "." + names[0] if names and names[0] else ".bin"
