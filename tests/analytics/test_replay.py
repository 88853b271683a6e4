"""A synthetic request log with known answers, replayed through a real app on SQLite and
PostgreSQL: IAB downloads, plays, player events, rollups, the stats routes, and no address kept."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from tests.analytics.replay import BOT, DESKTOP, OVERCAST, PHONE, WATCH, Replay
from tests.conftest import bearer
from tonearm.analytics import tasks
from tonearm.analytics.models import DailySalt, DeliveryEvent, HourlyStat
from tonearm.analytics.rollup import aggregate
from tonearm.db.session import session_scope
from tonearm.models import Base

DAY1 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
NAT = "198.51.100.7"
ADDRESSES = [NAT, "192.0.2.1", "203.0.113.50", "198.18.0.99", "198.51.100.20", "66.249.66.1"]


@pytest.fixture
def log(settings, queue, org, caplog):
    caplog.set_level(logging.DEBUG)
    rp = Replay(settings, queue, org, DAY1 + 9 * H)
    rp.tracks = {name: rp.track() for name in "ABDE"}
    rp.tracks["C"] = rp.track(variants=(("hq", 64),))
    rp.session()
    a, b, c, d, e = (rp.tracks[n] for n in "ABCDE")
    ua, ub, uc, ud, ue = rp.url(a), rp.url(b), rp.url(c, "hq"), rp.url(d), rp.url(e)
    t = DAY1 + 10 * H
    # A: one listener's ranges add up once; a second app behind the same NAT counts again;
    # probes and a bot never count
    rp.fetch(ua, t, NAT, OVERCAST, "bytes=0-499999")
    rp.fetch(ua, t + 5 * M, NAT, OVERCAST, "bytes=400000-899999")
    rp.fetch(ua, t + 6 * M, NAT, OVERCAST, "bytes=900000-999999")
    rp.fetch(ua, t + 3 * H, NAT, OVERCAST)
    rp.fetch(ua, t + 10 * M, NAT, PHONE)
    for i in range(3):
        rp.fetch(ua, t + i * M, "192.0.2.1", DESKTOP, "bytes=0-1")
    rp.fetch(ua, t, "66.249.66.1", BOT)
    # B: 900 000 bytes of 128 kbit/s is less than a minute; C: 500 000 bytes of 64 kbit/s is more
    rp.fetch(ub, t, NAT, OVERCAST, "bytes=0-899999")
    rp.fetch(uc, t, NAT, OVERCAST, "bytes=0-499999")
    # D: the window boundary (UTC midnight)
    rp.fetch(ud, DAY2 - M, NAT, OVERCAST)
    rp.fetch(ud, DAY2 + M, NAT, OVERCAST)
    rp.fetch(ud, DAY2 + 30 * M, NAT, OVERCAST)
    # E: an Apple Watch behind the phone's network is a duplicate; one on its own is not
    rp.fetch(ue, t, "203.0.113.50", PHONE)
    rp.fetch(ue, t + M, "203.0.113.50", WATCH)
    rp.fetch(ue, t + M, "198.18.0.99", WATCH)
    # player events: A plays without `complete`; B plays to the end (a batched payload)
    rp.event(a, t, {"type": "play", "startup_ms": 420})
    rp.event(a, t + M, {"type": "progress", "listened_seconds": 15})
    rp.event(a, t + 2 * M, {"type": "progress", "listened_seconds": 10.5})
    rp.event(b, t, {"events": [{"type": "play", "startup_ms": 800}, {"type": "progress", "listened_seconds": 15},
                               {"type": "complete"}]})
    rp.flush()
    with rp.rt.unit() as db:
        tasks.prune  # noqa: B018  (the job below prunes; aggregate every hour of both days first)
        from tonearm.analytics.rollup import aggregate

        aggregate(db, DAY1, DAY2 + 23 * H, now=DAY2 + 23 * H)
    return rp


def _day(rp, track: str, day: dt.datetime) -> dict:
    r = rp.http.get("/v1/stats", params={"track_id": rp.tracks[track], "from": day.date().isoformat(),
                                         "to": (day + dt.timedelta(days=1)).date().isoformat()},
                    headers=rp.org.headers)
    assert r.status_code == 200, r.text
    return r.json()["totals"]


def test_downloads_follow_the_iab_rules(log):
    assert _day(log, "A", DAY1)["downloads"] == 2  # Overcast once (4 requests), the phone app once
    assert _day(log, "B", DAY1)["downloads"] == 0  # < 1 min at 128 kbit/s
    assert _day(log, "C", DAY1)["downloads"] == 1  # > 1 min at 64 kbit/s
    assert _day(log, "D", DAY1)["downloads"] == 1 and _day(log, "D", DAY2)["downloads"] == 1
    assert _day(log, "E", DAY1)["downloads"] == 2  # the watch next to the phone is dropped


def test_plays_listened_seconds_completion_and_startup(log):
    a, b = _day(log, "A", DAY1), _day(log, "B", DAY1)
    assert (a["plays"], a["completions"], a["listened_seconds"]) == (1, 0, 25.5)  # no `complete` sent
    assert a["completion_rate"] == 0 and a["startup_ms_p50"] == 500  # 420 ms, in the ≤ 500 ms bucket
    assert (b["plays"], b["completions"], b["completion_rate"]) == (1, 1, 1.0)
    # C and E sent no `play`: their session fetched ≥ 30 s of audio, so one play each
    assert _day(log, "C", DAY1)["plays"] == 1 and _day(log, "E", DAY1)["plays"] == 1


def test_rollups_are_idempotent_and_hourly(log):
    with session_scope(log.settings.database_url) as db:
        before = sorted((r.hour, str(r.track_id), r.app, r.plays, r.downloads, r.listeners)
                        for r in db.scalars(select(HourlyStat)))
    with log.rt.unit() as db:
        aggregate(db, DAY1 + 10 * H, DAY1 + 10 * H, now=DAY2)  # one hour again
        aggregate(db, DAY1, DAY2 + 23 * H, now=DAY2)  # everything again
    with session_scope(log.settings.database_url) as db:
        after = sorted((r.hour, str(r.track_id), r.app, r.plays, r.downloads, r.listeners)
                       for r in db.scalars(select(HourlyStat)))
    assert before == after and before
    r = log.http.get("/v1/stats", params={"from": "2026-11-01", "to": "2026-11-03", "interval": "hour"},
                     headers=log.org.headers)
    hours = {s["time"][:13] for s in r.json()["series"]}
    assert "2026-11-01T10" in hours and "2026-11-01T23" in hours and "2026-11-02T00" in hours


def test_retention_prunes_raw_events_and_past_salts(log):
    with log.rt.unit() as db:
        assert db.scalar(select(DailySalt.day).where(DailySalt.day == "2026-11-01")) is not None
    tasks.rollup(log.rt, now=DAY2 + 25 * H)  # the job, the next day: salts of past days go
    with log.rt.unit() as db:
        assert db.scalars(select(DailySalt.day)).all() == []
        assert db.scalar(select(DeliveryEvent.id).limit(1)) is not None  # still within 30 days
    tasks.rollup(log.rt, now=DAY2 + dt.timedelta(days=31))
    with log.rt.unit() as db:
        assert db.scalar(select(DeliveryEvent.id).limit(1)) is None
        assert db.scalar(select(HourlyStat.id).limit(1)) is not None  # rollups stay


def test_no_address_in_the_database_or_the_logs(log, caplog):
    text = []
    with session_scope(log.settings.database_url) as db:
        for table in Base.metadata.sorted_tables:
            text.extend(repr(tuple(row)) for row in db.execute(table.select()))
    dump = "\n".join(text)
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    for address in ADDRESSES:
        assert address not in dump
        assert address not in logged
    assert "198.51.100." not in dump


def test_stats_need_an_api_key_and_sane_filters(log):
    player = log.org.key("player")
    assert log.http.get("/v1/stats", headers=bearer(player)).status_code == 403
    assert log.http.get("/v1/stats").status_code == 401
    for bad in ({"interval": "week"}, {"from": "yesterday"}, {"collection_id": "x"},
                {"from": "2026-11-03", "to": "2026-11-01"}):
        r = log.http.get("/v1/stats", params=bad, headers=log.org.headers)
        assert r.status_code == 400 and r.json()["ok"] is False, (bad, r.text)
    r = log.http.get("/v1/stats/export.csv", params={"from": "2026-11-01", "to": "2026-11-03"},
                     headers=log.org.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("time,plays,listeners,downloads") and len(lines) == 3


def test_player_events_are_checked(log):
    a = log.tracks["A"]
    other = "00000000-0000-4000-8000-000000000000"
    assert log.http.post(f"/v1/play/{log.sid}/{other}/event", json={"type": "play"}).status_code == 404
    assert log.http.post(f"/v1/play/{other}/{a}/event", json={"type": "play"}).status_code == 404
    for bad in ({"type": "dance"}, {"events": []}, {"type": "play", "startup_ms": -1}, [1, 2], "x",
                {"events": [{"type": "progress"}] * 51}):
        r = log.http.post(f"/v1/play/{log.sid}/{a}/event", json=bad)
        assert r.status_code == 400, (bad, r.text)
    # sendBeacon sends text/plain
    r = log.http.post(f"/v1/play/{log.sid}/{a}/event", content=b'{"type":"complete"}',
                      headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert r.status_code == 202 and r.json()["accepted"] == 1
