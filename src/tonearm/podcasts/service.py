"""Shows, episodes, transcripts and subscribers: the logic, no HTTP. Services flush, never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tonearm.catalog.models import Collection, Track
from tonearm.db.base import utcnow
from tonearm.db.paging import paged
from tonearm.errors import Conflict, Forbidden, NotFound
from tonearm.podcasts import content
from tonearm.podcasts.models import Episode, Show, Subscriber, Transcript

# podcast:guid is the UUIDv5 of the feed URL (scheme and trailing slashes removed) in this namespace.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def feed_path(collection_id: uuid.UUID) -> str:
    return f"/feeds/{collection_id}.xml"


def podcast_guid(feed_url: str) -> uuid.UUID:
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return uuid.uuid5(PODCAST_GUID_NAMESPACE, bare)


def get_show(db: Session, collection_id: uuid.UUID) -> Show | None:
    return db.get(Show, collection_id)


def set_show(db: Session, *, col: Collection, fields: dict[str, Any], public_url: str) -> Show:
    """Create or update the show of `col` with the given `podcast` fields (absent = unchanged)."""
    show = db.get(Show, col.id)
    if show is None:
        show = Show(collection_id=col.id, organization_id=col.organization_id, categories=[], funding=[],
                    guid=podcast_guid(public_url + feed_path(col.id)))
        db.add(show)
    if fields.get("description") is not None:
        fields["description"] = content.clean_html(fields["description"])  # as episodes' show notes
    if "categories" in fields:
        fields["categories"] = [[c["category"], c.get("subcategory")] for c in fields["categories"] or []]
    if "type" in fields:
        fields["show_type"] = fields.pop("type")
    if fields.get("guid") is None:
        fields.pop("guid", None)  # stable once set: null never clears it
    for name in ("language", "explicit", "show_type", "locked", "complete", "private", "funding", "categories"):
        if name in fields and fields[name] is None:
            fields.pop(name)  # these have defaults; null leaves them as they are
    if "slug" in fields and fields["slug"] is not None:
        taken = db.scalar(select(Show.collection_id).where(Show.slug == fields["slug"], Show.collection_id != col.id))
        if taken is not None:
            raise Conflict(f"The feed slug {fields['slug']!r} is taken")
    for name, value in fields.items():
        setattr(show, name, value)
    show.updated_at = utcnow()  # the feed's cache key moves even when only catalog fields changed
    db.flush()
    return show


def show_by_key(db: Session, key: str) -> Show | None:
    """The show named by a feed URL's key: a collection id or a slug."""
    try:
        return db.get(Show, uuid.UUID(key))
    except ValueError:
        return db.scalar(select(Show).where(Show.slug == key)) if key else None


# ----------------------------------------------------------------- episodes


def get_episode(db: Session, track_id: uuid.UUID) -> Episode | None:
    return db.get(Episode, track_id)


def _published(ep: Episode, track: Track, now: dt.datetime) -> bool:
    return (ep.pub_date or track.created_at) <= now


def set_episode(db: Session, *, track: Track, fields: dict[str, Any]) -> Episode:
    """Create or update the episode of `track`. The GUID can change only while it is unpublished."""
    ep = db.get(Episode, track.id)
    if ep is None:
        ep = Episode(track_id=track.id, collection_id=track.collection_id, guid=str(track.id), soundbites=[],
                     persons=[], episode_type="full")
        db.add(ep)
    now = utcnow()
    if fields.get("guid") is not None and fields["guid"] != ep.guid:
        if _published(ep, track, now):
            raise Conflict("An episode's GUID cannot change once it is published")
    else:
        fields.pop("guid", None)
    if fields.get("description") is not None:
        fields["description"] = content.clean_html(fields["description"])
    if fields.get("pub_date") is not None and fields["pub_date"].tzinfo is None:
        fields["pub_date"] = fields["pub_date"].replace(tzinfo=dt.UTC)
    if "chapters" in fields:
        set_chapters(ep, fields.pop("chapters"), track.duration)
    for name in ("episode_type", "soundbites", "persons"):
        if name in fields and fields[name] is None:
            fields.pop(name)
    for name, value in fields.items():
        setattr(ep, name, value)
    ep.collection_id = track.collection_id
    ep.updated_at = now
    db.flush()
    return ep


def follow_collection(db: Session, track: Track) -> bool:
    """Keep the episode's collection the track's (after a move); True when it changed (flushed)."""
    ep = db.get(Episode, track.id)
    if ep is None or ep.collection_id == track.collection_id:
        return False
    ep.collection_id = track.collection_id
    db.flush()
    return True


def set_chapters(ep: Episode, data: dict | None, duration: float | None) -> None:
    ep.chapters = None if data is None else content.check_chapters(data, duration)
    ep.has_chapters = data is not None


def ensure_episode(db: Session, track: Track) -> Episode:
    return get_episode(db, track.id) or set_episode(db, track=track, fields={})


def transcripts_of(db: Session, track_id: uuid.UUID) -> list[Transcript]:
    return list(db.scalars(select(Transcript).where(Transcript.track_id == track_id).order_by(Transcript.language)))


def put_transcript(db: Session, *, track: Track, language: str, body: bytes) -> Transcript:
    fmt, text = content.transcript_format(body)
    row = db.scalar(select(Transcript).where(Transcript.track_id == track.id, Transcript.language == language))
    if row is None:
        row = Transcript(track_id=track.id, language=language, format=fmt, body=text)
        db.add(row)
    else:
        row.format, row.body, row.created_at = fmt, text, utcnow()
    ensure_episode(db, track).updated_at = utcnow()
    db.flush()
    return row


def delete_transcript(db: Session, *, track: Track, language: str) -> None:
    row = db.scalar(select(Transcript).where(Transcript.track_id == track.id, Transcript.language == language))
    if row is None:
        raise NotFound("No transcript in this language")
    db.delete(row)
    ensure_episode(db, track).updated_at = utcnow()
    db.flush()


# -------------------------------------------------------------- subscribers


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_subscriber(db: Session, *, col: Collection, fields: dict[str, Any]) -> tuple[Subscriber, str]:
    """A new subscriber and its feed token (shown once; only its SHA-256 is stored)."""
    token = secrets.token_urlsafe(24)
    if fields.get("expires_at") is not None and fields["expires_at"].tzinfo is None:
        fields["expires_at"] = fields["expires_at"].replace(tzinfo=dt.UTC)
    sub = Subscriber(collection_id=col.id, token_hash=token_hash(token), **fields)
    db.add(sub)
    try:
        db.flush()
    except IntegrityError:  # pragma: no cover - 192 random bits do not collide
        raise Conflict("Try again") from None
    return sub, token


def list_subscribers(db: Session, *, col: Collection, limit: int, offset: int) -> tuple[int, list[Subscriber]]:
    return paged(db, Subscriber, Subscriber.collection_id == col.id, order_by=(Subscriber.created_at, Subscriber.id),
                 limit=limit, offset=offset)


def get_subscriber(db: Session, *, col: Collection, subscriber_id: uuid.UUID) -> Subscriber:
    sub = db.get(Subscriber, subscriber_id)
    if sub is None or sub.collection_id != col.id:
        raise NotFound("Subscriber not found")
    return sub


def revoke_subscriber(db: Session, *, sub: Subscriber) -> None:
    if sub.revoked_at is None:
        sub.revoked_at = utcnow()
    db.flush()


def check_token(db: Session, *, collection_id: uuid.UUID, token: str | None) -> Subscriber:
    """The live subscriber whose feed token this is, for this show; else Forbidden (403)."""
    if not token or len(token) > 100:
        raise Forbidden("This feed needs a subscriber token")
    digest = token_hash(token)
    sub = db.scalar(select(Subscriber).where(Subscriber.token_hash == digest))
    if sub is None or not hmac.compare_digest(sub.token_hash, digest) or sub.collection_id != collection_id:
        raise Forbidden("Unknown subscriber token")
    if sub.revoked_at is not None:
        raise Forbidden("This subscription was revoked")
    if sub.expires_at is not None and sub.expires_at <= utcnow():
        raise Forbidden("This subscription has expired")
    return sub
