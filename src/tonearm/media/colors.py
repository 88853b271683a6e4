"""Colour palettes from cover art and WCAG-contrast helpers for theming.

* :func:`palette` -- dominant colours of an image (Pillow median-cut
  quantisation of a small thumbnail), as AudioDN ``ImageColor`` dicts.
* :func:`player_color` -- the most vibrant palette entry.
* :func:`contrast_variants` -- ``(light, dark)`` companions of a colour that
  keep a WCAG contrast ratio of at least 3:1 against a light (#f4f4f5) and a
  dark (#000000) background.
"""

from __future__ import annotations

import colorsys
import math
import re
from typing import TYPE_CHECKING

from .errors import MediaError

if TYPE_CHECKING:
    from .images import ImageSource

LIGHT_BACKGROUND = "#f4f4f5"
DARK_BACKGROUND = "#000000"
MIN_CONTRAST = 3.0
DARK_LUMINANCE = 0.179
THUMBNAIL = 100

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class InvalidColor(MediaError, ValueError):
    """Not a ``#rgb``/``#rrggbb`` colour."""


def parse_hex(value: str) -> tuple[int, int, int]:
    m = _HEX.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise InvalidColor(f"invalid colour {value!r}")
    digits = m.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, int(round(c)))):02x}" for c in rgb)


def _channel(c: float) -> float:
    c /= 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str | tuple[int, int, int]) -> float:
    """WCAG 2.x relative luminance (0 = black, 1 = white)."""
    if isinstance(color, tuple) and len(color) == 3:
        r, g, b = color
    else:
        r, g, b = parse_hex(color)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str | tuple, b: str | tuple) -> float:
    """WCAG contrast ratio between two colours, 1.0-21.0."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def is_dark(color: str) -> bool:
    """True when white text reads better on it (luminance <= 0.179)."""
    return relative_luminance(color) <= DARK_LUMINANCE


def _hls(color: str) -> tuple[float, float, float]:
    r, g, b = parse_hex(color)
    return colorsys.rgb_to_hls(r / 255.0, g / 255.0, b / 255.0)


def _from_hls(h: float, l: float, s: float) -> str:
    return to_hex(c * 255.0 for c in colorsys.hls_to_rgb(h, min(1.0, max(0.0, l)), s))


def _adjust(color: str, background: str, darken: bool) -> str:
    """Move HSL lightness (hue and saturation kept) just far enough for the
    contrast against ``background`` to reach :data:`MIN_CONTRAST`."""
    color = to_hex(parse_hex(color))
    if contrast_ratio(color, background) >= MIN_CONTRAST:
        return color
    h, l, s = _hls(color)
    ok, bad = (0.0, l) if darken else (1.0, l)  # the extreme always passes
    for _ in range(40):
        mid = (ok + bad) / 2
        if contrast_ratio(_from_hls(h, mid, s), background) >= MIN_CONTRAST + 0.02:
            ok = mid
        else:
            bad = mid
    result = _from_hls(h, ok, s)
    step = -0.005 if darken else 0.005
    while contrast_ratio(result, background) < MIN_CONTRAST:  # rounding guard
        ok += step
        result = _from_hls(h, ok, s)
    return result


def contrast_variants(color: str) -> tuple[str, str]:
    """``(light, dark)``: ``color`` adjusted for light and dark backgrounds.

    ``light`` has contrast >= 3.0 against #f4f4f5 (darkened if needed),
    ``dark`` has contrast >= 3.0 against #000000 (lightened if needed).
    Colours that already qualify are returned unchanged (lower-case hex).
    """
    return (_adjust(color, LIGHT_BACKGROUND, darken=True),
            _adjust(color, DARK_BACKGROUND, darken=False))


def describe(rgb: tuple[int, int, int], area: float) -> dict:
    """An ``ImageColor`` dict for one colour."""
    r, g, b = rgb
    h, l, s = colorsys.rgb_to_hls(r / 255.0, g / 255.0, b / 255.0)
    return {
        "hex": to_hex(rgb),
        "area": round(area, 4),
        "lightness": round(l, 4),
        "saturation": round(s, 4),
        "hue": round(h * 360.0, 1),
        "red": r,
        "green": g,
        "blue": b,
        "intensity": round(relative_luminance(rgb), 4),
        "active": False,
    }


def palette(image: ImageSource, max_colors: int = 8) -> list[dict]:
    """Dominant colours of ``image``, largest area first.

    ``area`` is the fraction (0-1) of the picture the colour covers,
    ``lightness``/``saturation`` are HSL (0-1), ``hue`` is in degrees,
    ``intensity`` is the WCAG relative luminance, and ``active`` marks the
    entry :func:`player_color` selects.
    """
    from PIL import Image  # here, not at the top: the contrast helpers serve the API without Pillow or numpy

    from .images import load_rgb

    img = load_rgb(image).copy()
    # NEAREST sampling keeps real pixel colours (no blends at edges).
    img.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.NEAREST)
    quant = img.quantize(colors=max(1, min(max_colors, 64)), method=Image.Quantize.MEDIANCUT)
    flat = quant.getpalette() or []
    counts: dict[tuple[int, int, int], int] = {}
    for count, index in quant.getcolors(maxcolors=256) or []:
        rgb = tuple(flat[3 * index : 3 * index + 3])
        if len(rgb) == 3:
            counts[rgb] = counts.get(rgb, 0) + count
    total = sum(counts.values()) or 1
    colors = [describe(rgb, n / total) for rgb, n in counts.items()]
    colors.sort(key=lambda c: (-c["area"], c["hex"]))
    chosen = player_color(colors)
    for c in colors:
        if c["hex"] == chosen:
            c["active"] = True
            break
    return colors


def _chroma(c: dict) -> float:
    return (max(c["red"], c["green"], c["blue"]) - min(c["red"], c["green"], c["blue"])) / 255.0


def player_color(colors: list[dict]) -> str | None:
    """The most vibrant colour: highest ``chroma * sqrt(area)``.

    Near-greys (chroma < 0.12), near-blacks (lightness < 0.1) and near-whites
    (lightness > 0.92) are skipped unless nothing else is left, in which case
    the largest colour wins.  ``None`` for an empty palette.
    """
    if not colors:
        return None
    vivid = [c for c in colors
             if _chroma(c) >= 0.12 and 0.1 <= c["lightness"] <= 0.92 and c["area"] > 0]
    if not vivid:
        return max(colors, key=lambda c: c["area"])["hex"]
    return max(vivid, key=lambda c: _chroma(c) * math.sqrt(c["area"]))["hex"]
