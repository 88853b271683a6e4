"""Upload handles {method, upload_url, ttl, expires_at}: signed, expiring URLs to Tonearm itself,
or, with S3 storage, presigned URLs straight to the bucket (a PUT for audio, a POST form with
`fields` for covers) plus a signed `complete_url` to tell Tonearm the bytes have landed.

They live beside the delivery URLs because every stage that answers with one (catalog: POST
/v1/track, POST /v1/collection; uploads: the upload session routes) sits above this layer."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from tonearm.db.base import utcnow
from tonearm.http.models import Out, Timestamp, Url
from tonearm.jobs.runtime import Runtime
from tonearm.settings import Settings
from tonearm.storage import can_presign, keys
from tonearm.wire import iso

MAX_COVER_BYTES = 25 * 1024 * 1024


class MultipartPart(Out):
    part_number: int
    size: int
    url: Url


class UploadHandle(Out):
    """Where to send bytes (AudioDN's UploadHandle). With S3 storage, `upload_url` is the bucket's
    presigned URL and the Tonearm additions `complete_url`, `multipart_url` (audio) and `fields`
    (the form fields of a cover POST) are present."""

    method: Literal["PUT", "POST"]
    upload_url: Url
    ttl: int
    expires_at: Timestamp
    fields: dict[str, str] = None
    complete_url: Url = None
    multipart_url: Url = None


class ResumableHandle(Out):
    """Tonearm extension: a tus 1.0 creation URL for the track (signed, bound to it) and the chunk
    size the server suggests for PATCH requests."""

    protocol: Literal["tus"]
    url: Url
    expires_at: Timestamp
    chunk_size: int


def _expiry(settings: Settings, expires_at: dt.datetime | None) -> dt.datetime:
    return expires_at or utcnow() + dt.timedelta(seconds=settings.session_ttl_default)


def _ttl(expires_at: dt.datetime) -> int:
    return max(0, int((expires_at - utcnow()).total_seconds()))


def _signed(rt: Runtime, path: str, expires_at: dt.datetime, extra: dict | None = None) -> str:
    return rt.upload_signer.url_until(path, expires_at, **(extra or {}))


def _handle(rt: Runtime, method: str, path: str, expires_at: dt.datetime, extra: dict | None = None) -> dict:
    return {
        "method": method,
        "upload_url": _signed(rt, path, expires_at, extra),
        "ttl": _ttl(expires_at),
        "expires_at": iso(expires_at),
    }


def _s3_expiry(settings: Settings, expires_at: dt.datetime | None) -> dt.datetime:
    """Presigned URLs live as long as the session, capped by TONEARM_S3_PRESIGN_SECONDS."""
    cap = utcnow() + dt.timedelta(seconds=settings.s3_presign_seconds)
    return min(_expiry(settings, expires_at), cap).replace(microsecond=0)


def complete_url(rt: Runtime, path: str, expires_at: dt.datetime, extra: dict | None = None) -> str:
    # A client that finishes its PUT just before the URL expires may still say so a little later.
    return _signed(rt, path, expires_at + dt.timedelta(seconds=rt.settings.session_ttl_default), extra)


def upload_limit(settings: Settings, track) -> int:
    limit = settings.max_upload_bytes
    if track.upload_max_bytes:
        limit = min(limit, track.upload_max_bytes)
    return limit


def track_upload_handle(rt: Runtime, track, expires_at: dt.datetime | None = None) -> dict:
    settings, storage = rt.settings, rt.storage
    if can_presign(storage):
        exp = _s3_expiry(settings, expires_at)
        return {
            "method": "PUT",
            # a declared file_size is signed in as Content-Length: S3 refuses any other size
            "upload_url": storage.presign_put(keys.original(track.index), max(1, _ttl(exp)),
                                              content_length=track.upload_max_bytes or None),
            "ttl": _ttl(exp),
            "expires_at": iso(exp),
            "complete_url": complete_url(rt, f"/u/{track.id}/complete", exp),
            "multipart_url": _signed(rt, f"/u/{track.id}/multipart", exp),  # Tonearm extension
        }
    return _handle(rt, "PUT", f"/u/{track.id}", _expiry(settings, expires_at), {"max": upload_limit(settings, track)})


def track_resumable_handle(rt: Runtime, track, expires_at: dt.datetime | None = None) -> dict:
    """Tonearm extension: a tus 1.0 creation URL for the track (uploads/tus_routes.py), in both
    storage modes (on S3 the server turns the chunks into multipart parts)."""
    exp = _expiry(rt.settings, expires_at)
    return {"protocol": "tus", "url": _signed(rt, f"/u/{track.id}/tus", exp), "expires_at": iso(exp),
            "chunk_size": rt.settings.tus_chunk_bytes}


def _cover_post(rt: Runtime, key: str, complete_path: str, expires_at: dt.datetime | None) -> dict:
    exp = _s3_expiry(rt.settings, expires_at)
    form = rt.storage.presign_post(key, max(1, _ttl(exp)), max_bytes=MAX_COVER_BYTES, content_type_prefix="image/")
    return {
        "method": "POST",
        "upload_url": form["url"],
        "fields": form["fields"],
        "ttl": _ttl(exp),
        "expires_at": iso(exp),
        "complete_url": complete_url(rt, complete_path, exp),
    }


def track_cover_handle(rt: Runtime, track, expires_at: dt.datetime | None = None) -> dict:
    if can_presign(rt.storage):
        return _cover_post(rt, keys.cover_upload(track.index), f"/u/{track.id}/cover/complete", expires_at)
    return _handle(rt, "POST", f"/u/{track.id}/cover", _expiry(rt.settings, expires_at))


def collection_cover_handle(rt: Runtime, collection, expires_at: dt.datetime | None = None) -> dict:
    if can_presign(rt.storage):
        return _cover_post(rt, keys.collection_cover_upload(collection.id),
                           f"/u/collection/{collection.id}/cover/complete", expires_at)
    return _handle(rt, "POST", f"/u/collection/{collection.id}/cover", _expiry(rt.settings, expires_at))
