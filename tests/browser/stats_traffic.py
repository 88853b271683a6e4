"""Listening traffic for the Statistics view: real `/d/` requests and player events against a
running server, or synthetic events spread over past days (screenshots), then a rollup."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tonearm.analytics import DeliveryFacts, PlayerFacts
from tonearm.analytics.recorder import Recorder
from tonearm.analytics.rollup import aggregate
from tonearm.runtime import build_runtime
from tonearm.settings import Settings

APPS = ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
        "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)",
        "AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS 17_0 like Mac OS X; en_us)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"]


def runtime_of(data_dir: Path, secret: str):
    return build_runtime(Settings(data_dir=data_dir, secret_key=secret, queue_url="memory://"))


def live(srv, api: httpx.Client, collection_id: str, track_ids: list[str]) -> None:
    """Real requests: each track fetched whole by a few listeners (X-Forwarded-For from loopback,
    which is trusted), and a play with its events."""
    sid = api.post("/v1/play_session/collection", json={"collection_id": collection_id,
                                                        "variants": ["lq"]}).json()["play_session_id"]
    for n, tid in enumerate(track_ids):
        url = api.get(f"/v1/play/{sid}/{tid}").json()["variants"][0]["url"]
        path = urlsplit(url)
        for k in range(n + 2):
            httpx.get(f"{srv.url}{path.path}?{path.query}", headers={
                "User-Agent": APPS[k % len(APPS)], "X-Forwarded-For": f"198.51.{100 + k}.7"}).raise_for_status()
        httpx.post(f"{srv.url}/v1/play/{sid}/{tid}/event", headers={"User-Agent": APPS[0]}, json={"events": [
            {"type": "play", "startup_ms": 180 + 60 * n}, {"type": "progress", "listened_seconds": 6},
            {"type": "complete"}]}).raise_for_status()


def synthetic(rt, track_ids: list[str], days: int = 21, seed: int = 7) -> None:
    """Events over the past `days` days written through the recorder (for a fuller picture)."""
    rng, rec = random.Random(seed), Recorder(rt)
    now = dt.datetime.now(dt.UTC)
    for d in range(days, 0, -1):
        for n, tid in enumerate(track_ids):
            for _ in range(rng.randint(2, 14) // (n + 1) + 1):
                at = (now - dt.timedelta(days=d, hours=rng.randint(0, 23))).timestamp()
                ua = rng.choice(APPS)
                ip = f"203.0.{rng.randint(0, 250)}.{rng.randint(1, 250)}"
                rec.offer(DeliveryFacts(status=200, bytes_sent=5_000_000, track_id=uuid.UUID(tid), variant="lq",
                                        user_agent=ua, client=ip, at=at))
                sid = uuid.uuid4()
                for kind, extra in (("play", {"startup_ms": rng.randint(120, 900)}),
                                    ("progress", {"listened_seconds": rng.randint(20, 160)}), ("complete", {})):
                    if kind == "complete" and rng.random() < 0.4:
                        continue
                    rec.offer(PlayerFacts(kind=kind, track_id=uuid.UUID(tid), play_session_id=sid, user_agent=ua,
                                          client=ip, at=at + 2, **extra))
        rec.flush()


def roll(rt, days: int = 1) -> None:
    now = dt.datetime.now(dt.UTC)
    with rt.unit() as db:
        aggregate(db, now - dt.timedelta(days=days), now, now=now)
