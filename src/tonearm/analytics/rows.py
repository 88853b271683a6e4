"""Turn buffered facts into event rows (in the recorder's thread): resolve the file, derive the
listener key under the day's salt, classify the user agent. The address is used here and dropped."""

from __future__ import annotations

import datetime as dt
import functools
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
class Who:
    """What one (day, address, forwarded-for, user agent) yields: keys, app, device, country."""

    listener_key: str
    network_key: str
    app: str
    device: str
    country: str
    is_bot: bool
    is_watch: bool


class Identities:
    """`Who` per (UTC day, peer, `X-Forwarded-For`, user agent), kept in a bounded LRU: a
    listener's requests repeat these, and the address parsing, two HMACs, user-agent parse and
    country lookup are most of an event's cost. The cache lives in the flusher's memory only (it
    holds the addresses the buffer held anyway), is emptied when a new day starts, and is never
    written anywhere."""

    def __init__(self, salts, countries, trusted: tuple, size: int = 4096):
        self._salts, self._countries, self._trusted = salts, countries, trusted
        self._day = -1
        self._cached = functools.lru_cache(maxsize=size)(self._derive)

    def of(self, item) -> Who:
        day = int(item.at // 86400)
        if day > self._day:  # a new day: its salt makes every older entry useless
            self._day = day
            self._cached.cache_clear()
        return self._cached(day, item.client, item.forwarded_for, item.user_agent or "")

    def _derive(self, day: int, client: str | None, forwarded_for: str | None, user_agent: str) -> Who:
        address = client_address(client, forwarded_for, self._trusted)
        prefix = network_prefix(address)
        salt = self._salts.get(day_of(day * 86400))
        agent = classify_agent(user_agent)
        return Who(listener_key=keyed(salt, "listener", prefix, user_agent), network_key=keyed(salt, "network", prefix),
                   app=agent.app, device=agent.device, country=self._countries.lookup(address),
                   is_bot=agent.is_bot, is_watch=agent.is_watch)


@dataclass(frozen=True)
class Context:
    identities: Identities
    files: object  # InfoCache
    token_key: bytes


def _who(ctx: Context, item, info) -> tuple[dict, Who]:
    who = ctx.identities.of(item)
    return {
        "organization_id": info.organization_id, "collection_id": info.collection_id,
        "creator_id": info.creator_id, "track_id": info.track_id,
        "play_session_id": item.play_session_id, "listener_key": who.listener_key,
        "app": who.app, "device": who.device, "country": who.country, "is_bot": who.is_bot,
        "at": dt.datetime.fromtimestamp(item.at, dt.UTC), "ts": int(item.at),
    }, who


def _delivery(db: Session, ctx: Context, item: DeliveryFacts) -> dict | None:
    info = ctx.files.get(db, storage_key=item.storage_key, track_id=item.track_id, variant=item.variant)
    if info is None:
        return None
    row, who = _who(ctx, item, info)
    token = None
    if item.feed_token:
        token = hmac.new(ctx.token_key, item.feed_token.encode(), hashlib.sha256).hexdigest()[:32]
    row.update(
        variant=info.variant, feed_token=token, network_key=who.network_key, is_watch=who.is_watch,
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
    row, _ = _who(ctx, item, info)
    row.update(kind=item.kind, startup_ms=item.startup_ms, error_code=item.error_code,
               listened_seconds=min(MAX_LISTENED, max(0.0, float(item.listened_seconds or 0))))
    return row


def build(db: Session, ctx: Context, item) -> dict | None:
    return _delivery(db, ctx, item) if isinstance(item, DeliveryFacts) else _player(db, ctx, item)
