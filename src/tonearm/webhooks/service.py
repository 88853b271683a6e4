"""Record webhook deliveries for track events (AudioDN payload shapes); the sender sends them (tasks.py).

Every `files[]` entry (and a Track File event's `file`) that was made carries a signed delivery URL
valid for TONEARM_WEBHOOK_FILE_URL_TTL_SECONDS; the sender signs them again for every attempt
(`fresh_urls`), so a retry or a redelivery days later still carries URLs that fetch."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from tonearm.catalog.colors import light_dark
from tonearm.catalog.models import Organization, Track, TrackFile, Variant
from tonearm.catalog.states import TERMINAL
from tonearm.catalog.tracks import variants_for_track
from tonearm.db.base import utcnow
from tonearm.jobs.runtime import Runtime
from tonearm.webhooks.models import DeliveryStatus, WebhookDelivery
from tonearm.wire import dumps, iso

Sign = Callable[[str], str]  # a delivery path (/d/…) → an absolute signed URL that expires


def file_signer(rt: Runtime) -> Sign:
    """Sign file paths with the delivery signer, valid for the configured TTL from now."""
    ttl = rt.settings.webhook_file_url_ttl_seconds
    return lambda path: rt.signer.url_for(path, expires_in=ttl)


def fresh_urls(payload: dict, sign: Sign) -> dict:
    """The payload with every made file's `url` signed anew (called for each attempt)."""
    files = [f for f in [*(payload.get("files") or []), payload.get("file")] if isinstance(f, dict)]
    if not files:
        return payload
    out = orjson.loads(dumps(payload))
    for f in [*(out.get("files") or []), out.get("file")]:
        if isinstance(f, dict) and f.get("is_success") and isinstance(f.get("path"), str):
            f["url"] = sign(f["path"])
    return out


def _file(sign: Sign | None, f: TrackFile, variant: Variant | None) -> dict:
    return {
        "id": f.id,
        "path": f.path,
        "url": sign(f.path) if f.is_success and sign is not None else None,
        "size": f.size,
        "content_type": f.content_type,
        "file_name": f.file_name,
        "is_public": f.is_public,
        "is_success": f.is_success,
        "status_text": f.status_text,
        "data": f.data if (f.data and len(str(f.data)) < 10_000) else None,
        "props": f.props,
        "variant": {
            "id": f.variant_id,
            "index": f.variant_index,
            "variant_type": {
                "id": variant.variant_type_id if variant else None,
                "viewer_id": variant.variant_type_id if variant else None,
                "title": variant.name if variant else None,
            },
            "is_required": variant.is_required is not False if variant else None,
        },
    }


def _track(t: Track) -> dict:
    light, dark = light_dark(t.player_color)
    return {
        "id": t.id, "track_status_id": t.track_status_id, "index": t.index,
        "organization_index": t.organization_index, "file_name": t.file_name,
        "file_name_original": t.file_name_original, "player_title": t.player_title,
        "player_subtitle": t.player_subtitle, "player_color": t.player_color,
        "player_color_light": light, "player_color_dark": dark, "order": t.order, "format": t.format,
        "metadata": t.metadata_, "duration": t.duration, "size": t.size,
        "files_completed_at": iso(t.files_completed_at),
    }


def record_track_events(
    db: Session, *, track: Track, previous_status: str | None, written: list[TrackFile], sign: Sign | None = None,
    status_event: bool = True,
) -> list[uuid.UUID]:
    """Create delivery rows, due now; return their ids (enqueue them after the commit: the sweep
    sends them anyway if the message never arrives).

    `status_event`: a Track Processing event (`webhook_url`, when the status is terminal) listing
    every file of the track; `written`: the files this step recorded, one Track File event each."""
    org = db.get(Organization, track.organization_id)
    if org is None:
        return []
    variants = {v.id: v for v in variants_for_track(db, track)}
    ids: list[uuid.UUID] = []
    base = {
        "organization_id": track.organization_id, "creator_id": track.creator_id,
        "collection_id": track.collection_id, "track_id": track.id,
    }
    if status_event and org.webhook_url and track.track_status_id in TERMINAL:
        rows = db.scalars(select(TrackFile).where(TrackFile.track_id == track.id).order_by(TrackFile.variant_index))
        payload = {
            "event": "track.status_changed", "status": track.track_status_id, "previous_status": previous_status,
            **base, "upload_session_id": track.upload_session_id, "track": _track(track),
            "files": [_file(sign, f, variants.get(f.variant_id)) for f in rows],
        }
        ids.append(add(db, org, org.webhook_url, "track.status_changed", payload, track_id=track.id))
    if org.webhook_url_file:
        for f in written:
            event = "track_file.created" if f.is_success else "track_file.failed"
            payload = {
                "event": event, "status": "success" if f.is_success else "failed", **base, "file_id": f.id,
                "message": f.status_text, "file": _file(sign, f, variants.get(f.variant_id)),
            }
            ids.append(add(db, org, org.webhook_url_file, event, payload, track_id=track.id))
    return ids


def add(db: Session, org: Organization, url: str, event: str, payload: dict, *,
        track_id: uuid.UUID | None = None) -> uuid.UUID:
    """One delivery row, pending and due now (flushed; the caller commits)."""
    row = WebhookDelivery(
        id=uuid.uuid4(), organization_id=org.id, track_id=track_id, event=event, url=url,
        payload=orjson.loads(dumps(payload)), status=DeliveryStatus.PENDING, next_attempt_at=utcnow(),
    )
    db.add(row)
    db.flush()
    return row.id
