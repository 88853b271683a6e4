"""Derived, read-only player colours (light/dark companions of player_color)."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=4096)
def light_dark(hex_color: str | None) -> tuple[str | None, str | None]:
    if not hex_color:
        return None, None
    try:
        from tonearm.media.colors import contrast_variants
    except ImportError:  # media layer not installed yet
        return hex_color, hex_color
    return tuple(contrast_variants(hex_color))  # type: ignore[return-value]
