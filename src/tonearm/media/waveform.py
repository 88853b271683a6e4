"""Static PNG waveform images (the ``waveform_image`` variant)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from .colors import parse_hex
from .errors import MediaError

DEFAULT_COLOR = "#3f3f46"


def _envelope(data) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) arrays in -1..1 from a levels dict, peaks dict or list."""
    if isinstance(data, dict) and "data" in data:  # audiowaveform peaks
        pairs = np.asarray(data["data"], dtype=np.float64).reshape(-1, 2)
        scale = float(2 ** (int(data.get("bits", 8)) - 1))
        return pairs[:, 0] / scale, pairs[:, 1] / scale
    values = data["levels"] if isinstance(data, dict) else data
    amp = np.clip(np.abs(np.asarray(values, dtype=np.float64)), 0.0, 1.0)
    return -amp, amp


def _columns(lo: np.ndarray, hi: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Resample the envelope to ``width`` columns (max-hold when shrinking)."""
    n = len(lo)
    if n == 0:
        return np.zeros(width), np.zeros(width)
    if n <= width:
        idx = np.minimum((np.arange(width) * n) // width, n - 1)
        return lo[idx], hi[idx]
    edges = (np.arange(width + 1) * n) // width
    return np.minimum.reduceat(lo, edges[:-1]), np.maximum.reduceat(hi, edges[:-1])


def waveform_png(
    levels_or_peaks,
    dest: str | os.PathLike,
    width: int = 1800,
    height: int = 280,
    color: str = DEFAULT_COLOR,
    background: str | None = None,
) -> dict:
    """Draw a centred, mirrored waveform and save it as PNG at ``dest``.

    ``levels_or_peaks`` is a :func:`render` levels dict (0-1 amplitudes,
    drawn symmetrically), a peaks dict (audiowaveform min/max pairs) or a
    plain list of 0-1 amplitudes.  The background is transparent unless
    ``background`` is given.  Returns ``{"path", "width", "height", "bytes"}``.
    """
    if not (1 <= width <= 20000 and 1 <= height <= 4000):
        raise MediaError("waveform size out of range")
    try:
        lo, hi = _envelope(levels_or_peaks)
    except (KeyError, TypeError, ValueError) as exc:
        raise MediaError("waveform data must be levels, peaks or a list of amplitudes") from exc
    lo, hi = _columns(np.clip(lo, -1, 1), np.clip(hi, -1, 1), width)
    mid = (height - 1) / 2.0
    top = np.floor(mid - hi * mid).astype(int)
    bottom = np.ceil(mid - lo * mid).astype(int)
    rows = np.arange(height)[:, None]
    mask = (rows >= top[None, :]) & (rows <= bottom[None, :])
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    if background is not None:
        rgba[...] = (*parse_hex(background), 255)
    rgba[mask] = (*parse_hex(color), 255)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part")
    Image.fromarray(rgba).save(tmp, "PNG", optimize=True)
    os.replace(tmp, dest)
    return {"path": str(dest), "width": width, "height": height, "bytes": dest.stat().st_size}
