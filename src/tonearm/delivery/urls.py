"""Every signed URL Tonearm hands out or accepts goes through one UrlSigner.

The wire format is delivery/signing.py's (AudioDN style): `verify=<issued>-<b64url HMAC>` appended
last, with `expires` (when given) inside the signed part. A signer holds the secret and the public
base URL; each process's `Runtime` carries the one (`rt.signer`)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from tonearm.delivery.signing import sign_path, verify_path
from tonearm.errors import Forbidden

Params = dict[str, str | int]


class UrlSigner:
    """Signs paths (relative or absolute on `public_url`) and verifies them; stateless otherwise."""

    __slots__ = ("_secret", "_accepted", "public_url")

    def __init__(self, secret: str, public_url: str, *, previous: tuple[str, ...] = ()):
        """`secret` signs; `previous` secrets are still accepted (a key rotation's grace period)."""
        self._secret = secret
        self._accepted = (secret, *[p for p in previous if p and p != secret])
        self.public_url = public_url.rstrip("/")

    def __repr__(self) -> str:
        return f"UrlSigner(public_url={self.public_url!r})"

    def path(self, path: str, params: Params | None = None, *, issued: int | None = None) -> str:
        """`path?params&verify=...`, relative (for redirects within Tonearm, or tests)."""
        return sign_path(self._secret, path, dict(params or {}), issued=issued)

    def url(self, path: str, params: Params | None = None, *, issued: int | None = None) -> str:
        """The signed path on `public_url`: what clients are handed."""
        return self.public_url + self.path(path, params, issued=issued)

    def url_until(self, path: str, expires: int | dt.datetime, **params: str | int) -> str:
        """An absolute URL valid until `expires` (a Unix time or an aware datetime); `expires` is
        signed first, then `params` in the order given."""
        if isinstance(expires, dt.datetime):
            expires = int(expires.timestamp())
        return self.url(path, {"expires": int(expires), **params})

    def url_for(self, path: str, *, expires_in: int, **params: str | int) -> str:
        """An absolute URL valid for `expires_in` seconds from now."""
        return self.url_until(path, int(time.time()) + expires_in, **params)

    def verify(self, path: str, raw_query: str, *, now: float | None = None) -> dict[str, str]:
        """The signed parameters of `path?raw_query` (without `verify`), or Forbidden (403):
        missing, malformed or wrong signature, issued in the future, past `expires`, or no
        `expires` at all (every URL Tonearm issues expires)."""
        for n, secret in enumerate(self._accepted):
            try:
                params = verify_path(secret, path, raw_query, now=now)
            except Forbidden as exc:
                if exc.message != "Invalid URL signature" or n == len(self._accepted) - 1:
                    raise
                continue
            if "expires" not in params:
                raise Forbidden("This signed URL has no expiry")
            return params
        raise Forbidden("Invalid URL signature")

    def verify_request(self, request: Any, *, now: float | None = None) -> dict[str, str]:
        """`verify` on a (Starlette) request's path and raw, undecoded query string."""
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        return self.verify(request.url.path, raw_query, now=now)
