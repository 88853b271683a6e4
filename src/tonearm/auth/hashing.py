"""API key material: generation, peppered HMAC-SHA256 digests, constant-time checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "tnm_"


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(secret_key: str, api_key: str) -> str:
    """HMAC-SHA256 of the key with the server's secret as pepper (hex)."""
    return hmac.new(secret_key.encode(), api_key.encode(), hashlib.sha256).hexdigest()


def matches(secret_key: str, api_key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret_key, api_key), stored_digest)


def display_prefix(api_key: str) -> str:
    return api_key[:10]
