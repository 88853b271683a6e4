"""The rollup's streaming pass on SQLite and PostgreSQL: byte ranges merge across the hours of a
day and across fetch batches, a single re-aggregated hour still sees its day's earlier requests,
and the player-side numbers come out per hour and app."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from tonearm.analytics import rollup
from tonearm.analytics.models import DeliveryEvent, HourlyStat, PlayerEvent
from tonearm.analytics.rollup import aggregate
from tonearm.db.session import session_scope

DAY = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
BPS = 16_000  # 128 kbit/s: a minute is 960 000 bytes, 30 s is 480 000
ORG, COL, TRACK, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
SID = uuid.uuid4()


def _who(at: dt.datetime, track=TRACK, listener="L1", app="Overcast", sid=None) -> dict:
    return dict(at=at, ts=int(at.timestamp()), organization_id=ORG, collection_id=COL, creator_id=None,
                track_id=track, play_session_id=sid, listener_key=listener, app=app, device="mobile", country="",
                is_bot=False)


def delivery(at, start, sent, variant="lq", **who) -> dict:
    return dict(_who(at, **who), variant=variant, feed_token=None, network_key="N1", method="GET", status=206,
                probe=False, range_start=start, bytes_sent=sent, object_size=4_000_000, audio_offset=0,
                bytes_per_second=BPS, is_watch=False)


def player(at, kind, startup_ms=None, listened=0.0, **who) -> dict:
    return dict(_who(at, **who), kind=kind, startup_ms=startup_ms, listened_seconds=listened, error_code=None)


def _load(url: str, deliveries: list[dict], players: list[dict] = ()) -> None:
    with session_scope(url) as db:
        if deliveries:
            db.execute(DeliveryEvent.__table__.insert(), deliveries)
        if players:
            db.execute(PlayerEvent.__table__.insert(), list(players))


def _hours(url: str, first: dt.datetime, last: dt.datetime) -> dict:
    with session_scope(url) as db:
        aggregate(db, first, last, now=DAY + dt.timedelta(days=1))
    with session_scope(url) as db:
        return {(r.hour.hour, r.track_id, r.app): r for r in db.scalars(select(HourlyStat))}


def test_ranges_merge_across_hours_and_one_hour_alone_sees_the_earlier_ones(database_url):
    _load(database_url, [
        delivery(DAY + 9 * H, 0, 500_000),  # 500 000 bytes
        delivery(DAY + 10 * H, 0, 500_000),  # the same range again: still 500 000
        delivery(DAY + 11 * H, 400_000, 560_000),  # union 0–960 000: one minute, the download
        delivery(DAY + 12 * H, 0, 4_000_000),  # after the download: nothing more
        delivery(DAY + 9 * H, 0, 959_999, variant="hq"),  # another file's bytes never add to lq's
    ])
    rows = _hours(database_url, DAY + 11 * H, DAY + 11 * H)  # only hour 11, as the periodic job may
    assert [(h, r.downloads) for (h, *_), r in rows.items()] == [(11, 1)]
    rows = _hours(database_url, DAY, DAY + 23 * H)
    assert {h: r.downloads for (h, *_), r in rows.items()} == {9: 0, 10: 0, 11: 1, 12: 0}
    assert all(r.listeners == 1 for r in rows.values())


def test_state_carries_across_fetch_batches(database_url, monkeypatch):
    monkeypatch.setattr(rollup, "BATCH", 2)
    rows = [delivery(DAY + 8 * H + dt.timedelta(minutes=i), i * 100_000, 100_000) for i in range(12)]
    _load(database_url, rows)  # 100 000 bytes a request: the 10th (9 h 09) reaches 1 000 000 ≥ 960 000
    # a session without a `play` event: 30 s (480 000 bytes) on its 5th request
    _load(database_url, [delivery(DAY + 8 * H + dt.timedelta(minutes=30 + i), i * 100_000, 100_000, sid=SID,
                                  listener="L2", track=OTHER) for i in range(6)])
    out = _hours(database_url, DAY, DAY + 23 * H)
    assert (out[(8, TRACK, "Overcast")].downloads, out[(8, OTHER, "Overcast")].plays) == (1, 1)
    assert out[(8, OTHER, "Overcast")].downloads == 0  # 600 000 bytes: less than a minute


def test_a_play_event_anywhere_in_the_day_replaces_the_session_play(database_url):
    _load(database_url, [delivery(DAY + 8 * H, 0, 1_000_000, sid=SID)],
          [player(DAY + 15 * H, "play", startup_ms=300, sid=SID)])
    out = _hours(database_url, DAY, DAY + 23 * H)
    assert out[(8, TRACK, "Overcast")].plays == 0 and out[(8, TRACK, "Overcast")].downloads == 1
    assert out[(15, TRACK, "Overcast")].plays == 1


def test_player_numbers_per_hour_and_app(database_url):
    _load(database_url, [delivery(DAY + 10 * H, 0, 10, listener="L9")], [
        player(DAY + 10 * H, "play", startup_ms=100),
        player(DAY + 10 * H, "play", startup_ms=900, listener="L2"),
        player(DAY + 10 * H, "play", startup_ms=-5, listener="L2"),  # no startup value kept
        player(DAY + 10 * H, "progress", listened=15.25),
        player(DAY + 10 * H, "progress", listened=10.0, app="Chrome"),
        player(DAY + 10 * H, "complete"),
        dict(player(DAY + 10 * H, "play", startup_ms=50, listener="bot"), is_bot=True),
    ])
    out = _hours(database_url, DAY, DAY + 23 * H)
    a, b = out[(10, TRACK, "Overcast")], out[(10, TRACK, "Chrome")]
    assert (a.plays, a.completions, a.listened_seconds, a.listeners) == (3, 1, 15.25, 3)  # L1, L2, L9
    assert (a.startup_p50_ms, a.startup_p95_ms, sum(a.startup_hist)) == (100, 900, 2)
    assert (b.plays, b.listened_seconds, b.listeners, b.startup_hist) == (0, 10.0, 1, None)
    assert (a.organization_id, a.collection_id, a.creator_id) == (ORG, COL, None)


@pytest.mark.parametrize("batch", [1, 3])
def test_batches_do_not_change_the_rows(database_url, monkeypatch, batch):
    _load(database_url, [delivery(DAY + (i % 24) * H, (i % 5) * 300_000, 400_000, listener=f"L{i % 7}",
                                  sid=SID if i % 3 == 0 else None) for i in range(60)])
    whole = {k: (r.downloads, r.plays, r.listeners) for k, r in _hours(database_url, DAY, DAY + 23 * H).items()}
    monkeypatch.setattr(rollup, "BATCH", batch)
    small = {k: (r.downloads, r.plays, r.listeners) for k, r in _hours(database_url, DAY, DAY + 23 * H).items()}
    assert whole == small and sum(d for d, _, _ in whole.values()) == 7
