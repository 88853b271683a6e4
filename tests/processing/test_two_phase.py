"""Two-phase readiness: a track is `ready` (first webhook, files_completed_at null) as soon as its
required variants exist; its optional variants are made after, and then files_completed_at is
stamped and a second delivery is sent. A real huey consumer in this process, SQLite and PostgreSQL,
a real webhook receiver."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import select

from tests.audiogen import write_audio
from tests.helpers import create_collection, upload_bytes
from tests.processing.test_variant_adds import consumer, queue, settings  # noqa: F401  (fixtures)
from tests.receiver import Receiver
from tonearm.catalog.models import TrackFile
from tonearm.db.session import session_scope
from tonearm.media import MediaError
from tonearm.processing import renderers
from tonearm.webhooks import signing

OPTIONAL = {"variant_type_id": "transcode", "codec": "mp3", "bitrate": 96, "is_required": False}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _status_events(receiver, secret, count: int, timeout: float = 120) -> list[dict]:
    """The track.status_changed payloads, once `count` have come (each signature checked)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = []
        for headers, body in list(receiver.requests):
            if headers["X-ADN-Event"] == "track.status_changed":
                assert signing.verify(secret, body, headers["X-Tonearm-Signature"])
                found.append(json.loads(body))
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{len(found)} of {count} track.status_changed deliveries came")


def _setup(client, org, receiver, tmp_path) -> tuple[str, str, bytes]:
    r = client.put(f"/v1/organization/{org.id}", json={"webhook_url": receiver.url}, headers=org.headers)
    secret = r.json()["organization"]["webhook_secret"]
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "a.wav"}, headers=org.headers).json()
    return secret, created, write_audio(tmp_path / "a.wav", "wav", seconds=4.0).read_bytes()


def _by_index(payload: dict) -> dict[str, dict]:
    return {f["variant"]["index"]: f for f in payload["files"]}


def _two_phases(events: list[dict], optional: str) -> tuple[dict, dict]:
    early = [e for e in events if e["track"]["files_completed_at"] is None]
    done = [e for e in events if e["track"]["files_completed_at"] is not None]
    assert len(early) == 1 and len(done) == 1, events
    (early,), (done,) = early, done
    assert early["status"] == "ready" and early["previous_status"] in ("processing", "fallback")
    assert optional not in _by_index(early)  # ready before the optional variant was made
    assert {"hq", "lq", "preview", "levels"} <= {i for i, f in _by_index(early).items() if f["is_success"]}
    assert done["status"] == "ready" and done["previous_status"] == "ready"
    return early, done


def test_optional_variant_sends_ready_then_files_complete(client, org, consumer, receiver, tmp_path):
    r = client.post("/v1/variant", json={**OPTIONAL, "index": "opt-96"}, headers=org.headers)
    assert r.status_code == 200 and r.json()["variant"]["is_required"] is False
    secret, created, audio = _setup(client, org, receiver, tmp_path)
    assert upload_bytes(client, created["track_upload"]["upload_url"], audio).status_code == 200
    _, done = _two_phases(_status_events(receiver, secret, 2), "opt-96")
    opt = _by_index(done)["opt-96"]
    assert opt["is_success"] and opt["url"] and opt["variant"]["is_required"] is False
    track = client.get(f"/v1/track/{created['track_id']}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready" and track["files_completed_at"] == done["track"]["files_completed_at"]


def test_failed_optional_variant_stamps_with_its_reason(client, org, consumer, receiver, tmp_path, monkeypatch):
    real = renderers.render

    def render(src, specs, **kw):
        if any(getattr(s, "name", None) == "opt-bad" for s in specs):
            raise MediaError("the optional encoder gave up")
        return real(src, specs, **kw)

    monkeypatch.setattr(renderers, "render", render)
    client.post("/v1/variant", json={**OPTIONAL, "index": "opt-bad"}, headers=org.headers)
    secret, created, audio = _setup(client, org, receiver, tmp_path)
    upload_bytes(client, created["track_upload"]["upload_url"], audio)
    _, done = _two_phases(_status_events(receiver, secret, 2), "opt-bad")
    bad = _by_index(done)["opt-bad"]
    assert not bad["is_success"] and bad["url"] is None and "optional encoder gave up" in bad["status_text"]
    track = client.get(f"/v1/track/{created['track_id']}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready" and track["files_completed_at"]  # an optional failure: still ready


def test_optional_add_to_a_ready_track_and_required_adds_meanwhile(client, org, settings, consumer, receiver,
                                                                   tmp_path):
    secret, created, audio = _setup(client, org, receiver, tmp_path)
    tid = created["track_id"]
    upload_bytes(client, created["track_upload"]["upload_url"], audio)
    (first,) = _status_events(receiver, secret, 1)
    assert first["status"] == "ready" and first["track"]["files_completed_at"]  # nothing optional: one delivery
    r = client.post(f"/v1/track/{tid}/variant", json={**OPTIONAL, "index": "late-96"}, headers=org.headers)
    assert r.status_code == 200 and r.json()["variant"]["is_required"] is False
    for n, bitrate in enumerate((48, 64, 80)):  # required adds while the optional one is being made
        body = {"variant_type_id": "transcode", "index": f"req-{bitrate}", "codec": "mp3", "bitrate": bitrate}
        assert client.post(f"/v1/track/{tid}/variant", json=body, headers=org.headers).status_code == 200
        time.sleep(0.3)
    deadline = time.time() + 120
    while time.time() < deadline:
        track = client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]
        if track["files_completed_at"] and track["track_status_id"] == "ready":
            break
        time.sleep(0.1)
    with session_scope(settings.database_url) as db:
        made = {f.variant_index: f.is_success for f in db.scalars(select(TrackFile).where(
            TrackFile.track_id == uuid.UUID(tid)))}
    assert all(made.get(i) for i in ("late-96", "req-48", "req-64", "req-80")), made
    assert track["track_status_id"] == "ready" and track["files_completed_at"], track
    events = _status_events(receiver, secret, 3)
    last = max(events, key=lambda e: (e["track"]["files_completed_at"] or "", len(e["files"])))
    assert {"late-96", "req-48", "req-64", "req-80"} <= set(_by_index(last))
