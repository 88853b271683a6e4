"""Webhook signatures (Stripe-style): `X-Tonearm-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

To verify: split the header, recompute the HMAC over `f"{t}.".encode() + raw_body` with the
organization's webhook secret, compare in constant time, and reject timestamps older than your
tolerance (5 minutes by default) to stop replays."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Tonearm-Signature"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t, sig = parts.get("t", ""), parts.get("v1", "")
    if not t.isdigit() or not sig:
        return False
    now = time.time() if now is None else now
    if abs(now - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sig)
