"""One signer for every URL Tonearm hands out (upload, cover, delivery, download)."""

from __future__ import annotations

import time

from tonearm.delivery.signing import sign_path, verify_path


class UrlSigner:
    def __init__(self, secret: str, public_url: str) -> None:
        self._secret = secret
        self.public_url = public_url.rstrip("/")

    def path(self, path: str, params: dict, *, issued: int | None = None) -> str:
        return sign_path(self._secret, path, params, issued=issued)

    def url(self, path: str, params: dict, *, issued: int | None = None) -> str:
        return self.public_url + self.path(path, params, issued=issued)

    def url_for(self, path: str, *, expires_in: int, **params) -> str:
        return self.url(path, {"expires": int(time.time()) + expires_in, **params})

    def verify(self, path: str, raw_query: str, *, now: float | None = None) -> dict[str, str]:
        return verify_path(self._secret, path, raw_query, now=now)
