"""The show's artwork: which stored image the feed names, and Apple's size rules as warnings."""

from __future__ import annotations

import io

MIN_SIDE, MAX_SIDE = 1400, 3000
_MAGIC = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
HEADER_BYTES = 512 * 1024


def _source_info(storage, key: str) -> tuple[str, int, int] | None:
    """(format, width, height) of the uploaded cover if it is a JPEG or PNG, read from its first bytes."""
    try:
        with storage.open(key, 0, HEADER_BYTES) as fh:
            head = fh.read(HEADER_BYTES)
    except OSError:
        return None
    fmt = next((f for magic, f in _MAGIC.items() if head.startswith(magic)), None)
    if fmt is None:
        return None
    from PIL import Image, UnidentifiedImageError  # here: the API process need not hold Pillow until a feed asks

    try:
        width, height = Image.open(io.BytesIO(head)).size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return fmt, width, height


def feed_image(storage, col) -> tuple[str, str] | None:
    """(storage key, extension) of the image the feed names: the uploaded cover when it is a JPEG or
    PNG (Apple's formats, full size), else the largest processed size; None without a cover."""
    if col.cover_key and (info := _source_info(storage, col.cover_key)) is not None:
        return col.cover_key, info[0]
    large = (col.cover_sizes or {}).get("large")
    if isinstance(large, dict) and large.get("key"):
        return large["key"], "jpg"
    return None


def warnings(storage, col) -> list[str]:
    """Apple's artwork rules the show's cover breaks (empty when it meets them)."""
    if not col.cover_key:
        return ["no cover image: Apple Podcasts requires square artwork of 1400×1400 to 3000×3000 pixels "
                "(upload one with POST /v1/collection/{id}/cover)"]
    info = _source_info(storage, col.cover_key)
    if info is None:
        large = (col.cover_sizes or {}).get("large") or {}
        return [f"the cover is not a JPEG or PNG; the feed names a {large.get('width', '?')}×"
                f"{large.get('height', '?')} JPEG, under Apple's 1400×1400 minimum"]
    _, width, height = info
    out = []
    if width < MIN_SIDE or height < MIN_SIDE:
        out.append(f"the cover is {width}×{height}: Apple Podcasts wants at least {MIN_SIDE}×{MIN_SIDE}")
    if width > MAX_SIDE or height > MAX_SIDE:
        out.append(f"the cover is {width}×{height}: Apple Podcasts wants at most {MAX_SIDE}×{MAX_SIDE}")
    if width != height:
        out.append(f"the cover is {width}×{height}: Apple Podcasts wants square artwork")
    return out
