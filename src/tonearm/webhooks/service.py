"""Record webhook deliveries for track events (AudioDN payload shapes); the sender sends them (tasks.py)."""

from __future__ import annotations

import uuid

import orjson
from sqlalchemy.orm import Session

from tonearm.catalog.colors import light_dark
from tonearm.catalog.models import Organization, Track, TrackFile, Variant
from tonearm.catalog.states import TERMINAL
from tonearm.db.base import utcnow
from tonearm.webhooks.models import DeliveryStatus, WebhookDelivery
from tonearm.wire import dumps, iso


def _file(public_url: str, f: TrackFile, variant: Variant | None) -> dict:
    return {
        "id": f.id,
        "path": f.path,
        "url": None if not f.is_success else public_url + f.path,
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
    db: Session, *, public_url: str, track: Track, previous_status: str | None, files: list[TrackFile],
    variants: dict[uuid.UUID, Variant],
) -> list[uuid.UUID]:
    """Create delivery rows, due now; return their ids (enqueue them after the commit: the sweep
    sends them anyway if the message never arrives)."""
    org = db.get(Organization, track.organization_id)
    if org is None:
        return []
    ids: list[uuid.UUID] = []
    base = {
        "organization_id": track.organization_id, "creator_id": track.creator_id,
        "collection_id": track.collection_id, "track_id": track.id,
    }
    if org.webhook_url and track.track_status_id in TERMINAL:
        payload = {
            "event": "track.status_changed", "status": track.track_status_id, "previous_status": previous_status,
            **base, "upload_session_id": track.upload_session_id, "track": _track(track),
            "files": [_file(public_url, f, variants.get(f.variant_id)) for f in files],
        }
        ids.append(_add(db, org, track, org.webhook_url, "track.status_changed", payload))
    if org.webhook_url_file:
        for f in files:
            event = "track_file.created" if f.is_success else "track_file.failed"
            payload = {
                "event": event, "status": "success" if f.is_success else "failed", **base, "file_id": f.id,
                "message": f.status_text, "file": _file(public_url, f, variants.get(f.variant_id)),
            }
            ids.append(_add(db, org, track, org.webhook_url_file, event, payload))
    return ids


def _add(db: Session, org: Organization, track: Track, url: str, event: str, payload: dict) -> uuid.UUID:
    row = WebhookDelivery(
        id=uuid.uuid4(), organization_id=org.id, track_id=track.id, event=event, url=url,
        payload=orjson.loads(dumps(payload)), status=DeliveryStatus.PENDING, next_attempt_at=utcnow(),
    )
    db.add(row)
    db.flush()
    return row.id
