"""Cover art: pulling the embedded picture out of audio, and resizing covers.

Resizing policy: every output is a centre-cropped square.  Sources smaller
than a target size ARE upscaled (LANCZOS) so that every size always exists
and clients never need a fallback; a 300 px cover simply looks soft at
1200 px.  Outputs are baseline-compatible progressive JPEG (quality 85) and,
on request, WebP.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import av.error
from PIL import Image

from .errors import MediaError
from .images import ImageSource, load_rgb
from .source import is_attached_pic, open_source

COVER_SIZES: dict[str, int] = {"icon": 80, "small": 200, "regular": 400, "large": 1200}
JPEG_QUALITY = 85
WEBP_QUALITY = 80
#: Embedded pictures bigger than this are ignored.
MAX_COVER_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class EmbeddedCover:
    data: bytes
    codec: str  # FFmpeg codec name of the picture, e.g. "mjpeg", "png"
    width: int
    height: int


def extract_cover_info(path: str | os.PathLike) -> EmbeddedCover | None:
    """The first attached picture in ``path`` (ID3 APIC, MP4 ``covr``, FLAC
    PICTURE, Matroska cover...), or ``None`` when there is none.

    Raises :class:`MediaInitError` when ``path`` is not a readable media file.
    """
    with open_source(path) as container:
        pics = [s for s in container.streams if is_attached_pic(s)]
        if not pics:
            return None
        stream = pics[0]
        ctx = stream.codec_context
        try:
            for packet in container.demux(stream):
                if packet.stream is stream and packet.size:
                    data = bytes(packet)
                    if len(data) > MAX_COVER_BYTES:
                        return None
                    return EmbeddedCover(
                        data, ctx.name if ctx else "", ctx.width if ctx else 0,
                        ctx.height if ctx else 0,
                    )
        except (av.error.FFmpegError, OSError, ValueError):
            return None
    return None


def extract_cover(path: str | os.PathLike) -> bytes | None:
    """Bytes of the embedded cover picture (usually JPEG or PNG), or ``None``."""
    info = extract_cover_info(path)
    return info.data if info else None


def square_crop(img: Image.Image) -> Image.Image:
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    return img.crop((left, top, left + side, top + side))


def cover_sizes(
    src: ImageSource,
    dest_dir: str | os.PathLike,
    *,
    basename: str = "cover",
    sizes: dict[str, int] | None = None,
    webp: bool = False,
) -> dict:
    """Write square JPEG (and optionally WebP) renditions of ``src``.

    Returns ``{"width", "height" (of the source after orientation),
    "sizes": {name: {"path", "width", "height", "bytes", "format"},
    ...}}``; WebP files appear as ``"<name>_webp"`` entries.  Raises
    :class:`MediaError` for invalid, truncated or oversized images.
    """
    sizes = sizes or COVER_SIZES
    img = load_rgb(src, draft=(max(sizes.values()),) * 2)
    width, height = img.size
    square = square_crop(img)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    out: dict[str, dict] = {}
    # Largest first, each step resampled from the square source for quality.
    for name, side in sorted(sizes.items(), key=lambda kv: -kv[1]):
        resized = square if square.size == (side, side) else square.resize(
            (side, side), Image.Resampling.LANCZOS
        )
        out[name] = _save(resized, dest / f"{basename}_{name}.jpg", "JPEG")
        if webp:
            out[f"{name}_webp"] = _save(resized, dest / f"{basename}_{name}.webp", "WEBP")
    return {"width": width, "height": height, "sizes": out}


def _save(img: Image.Image, path: Path, fmt: str) -> dict:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.save(buf, fmt, quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        img.save(buf, fmt, quality=WEBP_QUALITY, method=4)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)
    return {"path": str(path), "width": img.width, "height": img.height,
            "bytes": len(buf.getvalue()), "format": fmt.lower()}


def cover_for_embedding(cover: EmbeddedCover) -> EmbeddedCover | None:
    """A cover the MP3/MP4 muxers accept (JPEG or PNG), re-encoding other
    picture formats to JPEG; ``None`` if the picture is unusable."""
    try:
        img = load_rgb(cover.data)
    except MediaError:
        return None
    if cover.codec in ("mjpeg", "png"):
        return EmbeddedCover(cover.data, cover.codec, img.width, img.height)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return EmbeddedCover(buf.getvalue(), "mjpeg", img.width, img.height)
