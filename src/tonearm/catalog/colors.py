"""Derived, read-only player colours: light/dark companions of player_color (contrast ≥ 3.0)."""

from __future__ import annotations

import functools

from tonearm.media.colors import contrast_variants


@functools.lru_cache(maxsize=4096)
def light_dark(hex_color: str | None) -> tuple[str | None, str | None]:
    if not hex_color:
        return None, None
    light, dark = contrast_variants(hex_color)
    return light, dark
