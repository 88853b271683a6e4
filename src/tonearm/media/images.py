"""Safe image loading: size guard, first frame, EXIF orientation, RGB.

Pillow's own decompression-bomb guard is a process-wide setting
(``Image.MAX_IMAGE_PIXELS``) that we leave alone; instead the header size is
checked against :data:`MAX_PIXELS` right after ``Image.open`` (which reads
only the header) and before any pixel data is decoded.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .errors import MediaError

#: Largest accepted image (50 megapixels).
MAX_PIXELS = 50_000_000
#: Largest accepted encoded image file.
MAX_BYTES = 64 * 1024 * 1024

_PIL_ERRORS = (
    OSError, SyntaxError, ValueError, TypeError, EOFError, struct.error, zlib.error,
    IndexError, KeyError, Image.DecompressionBombError, MemoryError,
)

ImageSource = str | os.PathLike | bytes | bytearray | Image.Image


def _open(src: ImageSource) -> Image.Image:
    if isinstance(src, (bytes, bytearray)):
        if not src:
            raise MediaError("image is empty")
        if len(src) > MAX_BYTES:
            raise MediaError("image file is too large")
        return Image.open(io.BytesIO(bytes(src)))
    path = Path(src)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaError(f"cannot read image: {exc.strerror or exc}") from exc
    if size == 0:
        raise MediaError("image is empty")
    if size > MAX_BYTES:
        raise MediaError("image file is too large")
    return Image.open(path)


def load_rgb(src: ImageSource, draft: tuple[int, int] | None = None) -> Image.Image:
    """Open, validate and normalise an image to an upright 8-bit RGB image.

    Rejects (with :class:`MediaError`) unreadable, truncated and oversized
    images.  Animated images yield their first frame; EXIF orientation is
    applied; CMYK, 16-bit, palette and alpha images become RGB (transparent
    areas are composited on white).  ``draft`` lets JPEG decoding shrink
    huge images cheaply while loading (to no smaller than that size).
    """
    if isinstance(src, Image.Image):
        img = src
    else:
        try:
            img = _open(src)
        except MediaError:
            raise
        except Image.UnidentifiedImageError as exc:
            raise MediaError("not a recognised image") from exc
        except Image.DecompressionBombError as exc:
            raise MediaError("image is too large (decompression bomb)") from exc
        except _PIL_ERRORS as exc:
            raise MediaError(f"invalid image ({type(exc).__name__})") from exc
    width, height = img.size
    if width <= 0 or height <= 0:
        raise MediaError("image has no pixels")
    if width * height > MAX_PIXELS:
        raise MediaError(f"image is too large ({width}x{height} pixels)")
    try:
        if getattr(img, "n_frames", 1) > 1:
            img.seek(0)
        if draft and img.format == "JPEG":
            img.draft("RGB", draft)
        img.load()
        img = ImageOps.exif_transpose(img) or img
        return to_rgb(img)
    except MediaError:
        raise
    except _PIL_ERRORS as exc:
        raise MediaError(f"invalid or truncated image ({type(exc).__name__})") from exc


def to_rgb(img: Image.Image) -> Image.Image:
    """8-bit RGB copy of ``img`` whatever its mode."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        if mode == "F":
            top = max(1.0, float(arr.max(initial=1.0)))
        grey = np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")
