"""Upload sessions: create within the caller key's scope, look up (404/410), add tracks."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from tonearm.auth.service import Principal
from tonearm.catalog import tracks as tracks_service
from tonearm.catalog.models import Collection, Organization, Track
from tonearm.catalog.service import get_collection, get_creator
from tonearm.db.base import utcnow
from tonearm.errors import Forbidden, Gone, Invalid, NotFound
from tonearm.settings import Settings
from tonearm.uploads.models import UploadSession


def session_ttl(settings: Settings, expires_in) -> int:
    """Validate expires_in (seconds): default 3600, min 60, max 86400; anything else → 400."""
    if expires_in is None:
        return settings.session_ttl_default
    if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)) or expires_in != int(expires_in):
        raise Invalid("expires_in must be a whole number of seconds")
    value = int(expires_in)
    if not settings.session_ttl_min <= value <= settings.session_ttl_max:
        raise Invalid(f"expires_in must be between {settings.session_ttl_min} and {settings.session_ttl_max} seconds")
    return value


def create_session(
    db: Session,
    *,
    settings: Settings,
    principal: Principal,
    collection_id: uuid.UUID | None,
    creator_id: uuid.UUID | None,
    organization_index: str | None,
    metadata: dict | None,
    expires_in,
) -> tuple[UploadSession, Collection]:
    principal.require("api", "uploader")
    ttl = session_ttl(settings, expires_in)
    if principal.key_type == "uploader":
        if principal.collection_id is not None:
            if collection_id is not None and collection_id != principal.collection_id:
                raise Forbidden("This uploader key is scoped to another collection")
            collection_id = principal.collection_id
        if principal.creator_id is not None:
            if creator_id is not None and creator_id != principal.creator_id:
                raise Forbidden("This uploader key is scoped to another creator")
            creator_id = principal.creator_id
    if collection_id is None:
        raise Invalid("collection_id is required unless the API key is scoped to a collection")
    col = get_collection(db, organization_id=principal.organization_id, collection_id=collection_id)
    if principal.key_type == "uploader" and principal.creator_id is not None and col.creator_id not in (None, principal.creator_id):
        raise Forbidden("This uploader key is scoped to another creator")
    if creator_id is not None:
        get_creator(db, organization_id=principal.organization_id, creator_id=creator_id)
    session = UploadSession(
        id=uuid.uuid4(),
        organization_id=principal.organization_id,
        collection_id=col.id,
        creator_id=creator_id or col.creator_id,
        api_key_id=principal.key_id,
        organization_index=organization_index,
        metadata_=metadata,
        expires_at=utcnow() + dt.timedelta(seconds=ttl),
    )
    db.add(session)
    db.flush()
    return session, col


def get_live_session(db: Session, session_id: uuid.UUID) -> UploadSession:
    session = db.get(UploadSession, session_id)
    if session is None:
        raise NotFound("Upload session not found")
    if session.expires_at <= utcnow():
        raise Gone("This upload session has expired; create a new one")
    return session


def session_colors(db: Session, session: UploadSession) -> str | None:
    col = db.get(Collection, session.collection_id)
    if col is not None and col.player_color:
        return col.player_color
    org = db.get(Organization, session.organization_id)
    return org.player_color if org else None


def add_track(db: Session, *, session: UploadSession, fields: dict) -> Track:
    fields = dict(fields)
    file_name = fields.pop("file_name")
    if session.creator_id is not None:
        fields.setdefault("creator_id", session.creator_id)
    return tracks_service.create_track(
        db,
        organization_id=session.organization_id,
        collection_id=session.collection_id,
        file_name=file_name,
        fields=fields,
        upload_session_id=session.id,
    )
