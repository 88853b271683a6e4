"""files[] in webhook payloads: every file of the track, each with a signed URL that fetches its
bytes until TONEARM_WEBHOOK_FILE_URL_TTL_SECONDS pass (signed anew for every attempt), also for
`error` and `init_error` (a real receiver; SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.audiogen import write_audio
from tests.helpers import create_collection, upload_bytes
from tests.receiver import Receiver
from tonearm.catalog.models import Track, TrackFile
from tonearm.db.session import session_scope
from tonearm.processing.tasks import process_track


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _ready_track(client, org, receiver, tmp_path) -> str:
    col = create_collection(client, org)
    client.put(f"/v1/organization/{org.id}", json={"webhook_url": receiver.url, "webhook_url_file": receiver.url},
               headers=org.headers)
    created = client.post("/v1/track", json={"collection_id": col["id"], "file_name": "a.wav"},
                          headers=org.headers).json()
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=3).read_bytes()
    assert upload_bytes(client, created["track_upload"]["upload_url"], audio).status_code == 200
    return created["track_id"]


def _payloads(receiver, event: str) -> list[dict]:
    return [p for p in (json.loads(b) for _, b in receiver.requests) if p["event"] == event]


def _stored(rt, file_id: str) -> bytes:
    with session_scope(rt.settings.database_url) as db:
        key = db.get(TrackFile, uuid.UUID(file_id)).storage_key
    with rt.storage.open(key) as fh:
        return fh.read()


def _fetch_all(client, files: list[dict]) -> int:
    """GET every made file's URL; each answers its stored bytes. Returns how many were fetched."""
    rt = client.app.state.runtime
    made = [f for f in files if f["is_success"]]
    for f in made:
        r = client.get(f["url"].replace("http://testserver", ""))
        assert r.status_code == 200, (f["variant"]["index"], r.text)
        assert r.content == _stored(rt, f["id"]) and len(r.content) == f["size"]
    assert all(f["url"] is None for f in files if not f["is_success"])
    return len(made)


def test_every_file_of_the_track_has_a_url_that_fetches(client, org, receiver, tmp_path):
    tid = _ready_track(client, org, receiver, tmp_path)
    (status,) = _payloads(receiver, "track.status_changed")
    with session_scope(client.app.state.runtime.settings.database_url) as db:
        rows = db.query(TrackFile).filter(TrackFile.track_id == uuid.UUID(tid)).all()
    assert {f["id"] for f in status["files"]} == {str(r.id) for r in rows}
    assert _fetch_all(client, status["files"]) >= 6  # original, hq, lq, preview, levels, waveform, peaks
    for f in status["files"]:
        query = parse_qs(urlsplit(f["url"]).query)
        issued = int(query["verify"][0].split("-")[0])
        assert int(query["expires"][0]) - issued in range(86400 - 1, 86400 + 2)  # the default TTL
    per_file = [p["file"] for p in _payloads(receiver, "track_file.created")]
    assert len(per_file) == len(status["files"]) and _fetch_all(client, per_file) == len(per_file)


def test_error_and_init_error_list_the_files_that_exist(client, org, settings, receiver, tmp_path):
    rt = client.app.state.runtime
    tid = _ready_track(client, org, receiver, tmp_path)
    (ready,) = _payloads(receiver, "track.status_changed")
    made = {f["variant"]["index"] for f in ready["files"]}
    with session_scope(settings.database_url) as db:  # a run that keeps dying, until it gives up
        track = db.get(Track, uuid.UUID(tid))
        track.track_status_id, track.attempts = "processing", settings.job_max_attempts
    process_track(rt, tid)
    error = _payloads(receiver, "track.status_changed")[-1]
    assert error["status"] == "error" and "gave up" in client.get(
        f"/v1/track/{tid}", headers=org.headers).json()["track"]["status_text"]
    assert {f["variant"]["index"] for f in error["files"]} == made and _fetch_all(client, error["files"])
    assert error["track"]["files_completed_at"] is None

    settings.max_duration_seconds = 1  # the next run refuses the audio: init_error
    assert client.post(f"/v1/track/{tid}/reprocess", headers=org.headers).status_code == 200
    init_error = _payloads(receiver, "track.status_changed")[-1]
    assert init_error["status"] == "init_error" and init_error["track"]["files_completed_at"] is None
    assert {f["variant"]["index"] for f in init_error["files"]} == made and _fetch_all(client, init_error["files"])


def test_an_expired_url_is_refused_and_a_redelivery_signs_anew(client, org, settings, receiver, tmp_path):
    settings.webhook_file_url_ttl_seconds = 1
    _ready_track(client, org, receiver, tmp_path)
    (status,) = _payloads(receiver, "track.status_changed")
    url = next(f["url"] for f in status["files"] if f["variant"]["index"] == "hq")
    expires = int(parse_qs(urlsplit(url).query)["expires"][0])
    while time.time() <= expires + 1:  # wait until the URL has expired
        time.sleep(0.2)
    r = client.get(url.replace("http://testserver", ""))
    assert r.status_code == 403 and "expired" in r.json()["message"]

    settings.webhook_file_url_ttl_seconds = 86400
    delivery_id = [h["X-Tonearm-Delivery"] for h, b in receiver.requests
                   if json.loads(b)["event"] == "track.status_changed"][0]
    r = client.post(f"/v1/webhook_delivery/{delivery_id}/redeliver", headers=org.headers)
    assert r.status_code == 200
    again = _payloads(receiver, "track.status_changed")[-1]
    assert _fetch_all(client, again["files"]) == len([f for f in status["files"] if f["is_success"]])
