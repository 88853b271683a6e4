"""Turn buffered facts into event rows (in the recorder's thread): resolve the file, derive the
listener key under the day's salt, classify the user agent. The address is used here and dropped."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tonearm.analytics.facts import DeliveryFacts, PlayerFacts
from tonearm.analytics.listener import classify_agent, client_address, keyed, network_prefix
from tonearm.analytics.salts import day_of

PROBE = "bytes=0-1"
MAX_LISTENED = 3600.0  # one progress report never adds more than an hour


@dataclass(frozen=True)
class Context:
    salts: object  # SaltCache
    files: object  # InfoCache
    countries: object  # Countries
    trusted: tuple
    token_key: bytes


def _who(ctx: Context, item, info) -> dict:
    address = client_address(item.client, item.forwarded_for, ctx.trusted)
    prefix = network_prefix(address)
    salt = ctx.salts.get(day_of(item.at))
    agent = classify_agent(item.user_agent)
    return {
        "organization_id": info.organization_id, "collection_id": info.collection_id,
        "creator_id": info.creator_id, "track_id": info.track_id,
        "play_session_id": item.play_session_id,
        "listener_key": keyed(salt, "listener", prefix, item.user_agent or ""),
        "app": agent.app, "device": agent.device, "country": ctx.countries.lookup(address),
        "is_bot": agent.is_bot, "_network": keyed(salt, "network", prefix), "_watch": agent.is_watch,
        "at": dt.datetime.fromtimestamp(item.at, dt.UTC), "ts": int(item.at),
    }


def _delivery(db: Session, ctx: Context, item: DeliveryFacts) -> dict | None:
    info = ctx.files.get(db, storage_key=item.storage_key, track_id=item.track_id, variant=item.variant)
    if info is None:
        return None
    row = _who(ctx, item, info)
    token = None
    if item.feed_token:
        token = hmac.new(ctx.token_key, item.feed_token.encode(), hashlib.sha256).hexdigest()[:32]
    row.update(
        variant=info.variant, feed_token=token, network_key=row.pop("_network"), is_watch=row.pop("_watch"),
        method=item.method[:8], status=item.status,
        probe=(item.range_header or "").replace(" ", "").lower() == PROBE,
        range_start=max(0, item.range_start), bytes_sent=max(0, item.bytes_sent),
        object_size=info.size, audio_offset=info.audio_offset, bytes_per_second=info.bytes_per_second,
    )
    return row


def _player(db: Session, ctx: Context, item: PlayerFacts) -> dict | None:
    info = ctx.files.get(db, storage_key=None, track_id=item.track_id, variant=None)
    if info is None:
        return None
    row = _who(ctx, item, info)
    del row["_network"], row["_watch"]
    row.update(kind=item.kind, startup_ms=item.startup_ms, error_code=item.error_code,
               listened_seconds=min(MAX_LISTENED, max(0.0, float(item.listened_seconds or 0))))
    return row


def build(db: Session, ctx: Context, item) -> dict | None:
    return _delivery(db, ctx, item) if isinstance(item, DeliveryFacts) else _player(db, ctx, item)
