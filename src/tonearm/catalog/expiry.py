"""Lifetimes of sessions handed to clients (upload sessions and play sessions share the rule)."""

from __future__ import annotations

import math

from tonearm.errors import Invalid
from tonearm.settings import Settings


def session_ttl(settings: Settings, expires_in) -> int:
    """Validate expires_in (seconds): default 3600, min 60, max 86400; anything else → 400."""
    if expires_in is None:
        return settings.session_ttl_default
    if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)):
        raise Invalid("expires_in must be a whole number of seconds")
    if isinstance(expires_in, float) and not math.isfinite(expires_in):  # int(NaN) would raise
        raise Invalid("expires_in must be a finite number of seconds")
    if expires_in != int(expires_in):
        raise Invalid("expires_in must be a whole number of seconds")
    value = int(expires_in)
    if not settings.session_ttl_min <= value <= settings.session_ttl_max:
        raise Invalid(f"expires_in must be between {settings.session_ttl_min} and {settings.session_ttl_max} seconds")
    return value
