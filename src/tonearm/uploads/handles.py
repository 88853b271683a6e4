"""Upload handles {method, upload_url, ttl, expires_at}: signed, expiring URLs to Tonearm itself."""

from __future__ import annotations

import datetime as dt

from tonearm.api.envelope import iso
from tonearm.db.base import utcnow
from tonearm.delivery.signing import sign_path
from tonearm.settings import Settings


def _expiry(settings: Settings, expires_at: dt.datetime | None) -> dt.datetime:
    return expires_at or utcnow() + dt.timedelta(seconds=settings.session_ttl_default)


def _handle(settings: Settings, method: str, path: str, expires_at: dt.datetime, extra: dict | None = None) -> dict:
    exp = int(expires_at.timestamp())
    params: dict = {"expires": exp}
    params.update(extra or {})
    url = settings.public_url + sign_path(settings.secret_key, path, params)
    return {
        "method": method,
        "upload_url": url,
        "ttl": max(0, int((expires_at - utcnow()).total_seconds())),
        "expires_at": iso(expires_at),
    }


def track_upload_handle(settings: Settings, track, expires_at: dt.datetime | None = None) -> dict:
    limit = settings.max_upload_bytes
    if track.upload_max_bytes:
        limit = min(limit, track.upload_max_bytes)
    return _handle(settings, "PUT", f"/u/{track.id}", _expiry(settings, expires_at), {"max": limit})


def track_cover_handle(settings: Settings, track, expires_at: dt.datetime | None = None) -> dict:
    return _handle(settings, "POST", f"/u/{track.id}/cover", _expiry(settings, expires_at))


def collection_cover_handle(settings: Settings, collection, expires_at: dt.datetime | None = None) -> dict:
    return _handle(settings, "POST", f"/u/collection/{collection.id}/cover", _expiry(settings, expires_at))
