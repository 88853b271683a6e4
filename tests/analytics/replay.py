"""A real app (TestClient over create_app) whose runtime clock the test moves, and helpers to
replay a synthetic request log against its `/d/` URLs and player event endpoint."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from tests.helpers import add_variant_file, create_collection, create_track, upload_bytes
from tonearm import analytics
from tonearm.api.app import create_app
from tonearm.runtime import build_runtime

MB3 = b"\xff\xfb" + bytes(3_000_000 - 2)
DESKTOP = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
PHONE = "AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS 17_0 like Mac OS X; en_us)"
WATCH = "atc/1.0 watchOS/9.0 model/Watch6,1 hwp/t8301 build/20R362 (6; dt:272) AirPodcasts/1.0"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> float:
        return self.now.timestamp()

    def at(self, when: dt.datetime) -> "Clock":
        self.now = when
        return self


class Replay:
    """The app, an org's collection, and a play session over it."""

    def __init__(self, settings, queue, org, start: dt.datetime):
        self.clock = Clock(start)
        rt = build_runtime(settings, queue=queue)
        self.rt = dataclasses.replace(rt, clock=self.clock)
        self.app = create_app(runtime=self.rt)
        self.http = TestClient(self.app, client=("127.0.0.1", 50000))  # behind a loopback proxy (trusted)
        self.settings, self.org = settings, org
        self.collection = create_collection(self.http, org)["id"]
        self.sid = None

    def track(self, variants=(("lq", 128),)) -> str:
        created = create_track(self.http, self.org, self.collection)
        assert upload_bytes(self.http, created["track_upload"]["upload_url"], b"ID3-original").status_code == 200
        for index, kbps in variants:
            add_variant_file(self.settings, created["track_id"], index, MB3, "mp3", bitrate=kbps)
        return created["track_id"]

    def session(self) -> str:
        r = self.http.post("/v1/play_session/collection", json={"collection_id": self.collection,
                           "variants": ["lq", "hq"]}, headers=self.org.headers)
        assert r.status_code == 200, r.text
        self.sid = r.json()["play_session_id"]
        return self.sid

    def url(self, track_id: str, variant: str = "lq") -> str:
        r = self.http.get(f"/v1/play/{self.sid}/{track_id}")
        assert r.status_code == 200, r.text
        url = next(v["url"] for v in r.json()["variants"] if v["variant"]["index"] == variant)
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}"

    def fetch(self, url: str, when: dt.datetime, ip: str, ua: str, rng: str | None = None, method: str = "GET"):
        self.clock.at(when)
        headers = {"X-Forwarded-For": ip, "User-Agent": ua}
        if rng:
            headers["Range"] = rng
        r = self.http.request(method, url, headers=headers)
        assert r.status_code in (200, 206), r.text
        return r

    def event(self, track_id: str, when: dt.datetime, body, ip: str = "198.51.100.20", ua: str = DESKTOP):
        self.clock.at(when)
        r = self.http.post(f"/v1/play/{self.sid}/{track_id}/event", json=body,
                           headers={"X-Forwarded-For": ip, "User-Agent": ua})
        assert r.status_code == 202, r.text
        return r.json()

    def flush(self) -> None:
        analytics.recorder(self.app).flush()
