"""Content types by file extension: the one table for what processing records on a track file
and what delivery sends. Extensions are lower case, without the dot."""

from __future__ import annotations

DEFAULT = "application/octet-stream"

MIME: dict[str, str] = {
    "m4a": "audio/mp4",
    "mp4": "video/mp4",  # an original with video, a waveform video; audio-only MP4 is .m4a
    "aac": "audio/aac",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/ogg",
    "webm": "audio/webm",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "aif": "audio/aiff",
    "aiff": "audio/aiff",
    "json": "application/json",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "bin": DEFAULT,
}


def content_type(ext: str) -> str:
    """The content type for an extension (`mp3`, not `.mp3`); unknown ones are plain bytes."""
    return MIME.get(ext, DEFAULT)
