"""Verify Tonearm webhook deliveries (client-side; independent of the server code).

Header: ``X-Tonearm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>``."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Tonearm-Signature"
DEFAULT_TOLERANCE = 300


def verify_webhook(secret: str, body: bytes | str, header: str | None, *, tolerance: int = DEFAULT_TOLERANCE,
                   now: float | None = None) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its timestamp is within ``tolerance`` seconds.

    Pass the raw request body (bytes, before any JSON parsing)."""
    if not header or not secret:
        return False
    if isinstance(body, str):
        body = body.encode()
    t, signatures = "", []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            t = value
        elif name == "v1":
            signatures.append(value)
    if not t.isdigit() or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    ok = False
    for sig in signatures:  # compare every candidate, in constant time each
        ok |= hmac.compare_digest(expected, sig)
    return ok
