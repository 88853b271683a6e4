"""POST /v1/track/{id}/variant never fails a healthy track nor loses a variant: adds in a row and
adds while a run is working all end with every wanted variant made and the track `ready`
(a real huey consumer in this process; SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import select

from tests.audiogen import cover_jpeg, write_audio
from tests.fixtures import app_with_queue  # noqa: F401  (the `app` fixture)
from tests.helpers import create_collection, upload_bytes
from tonearm.catalog import tracks as tracks_module
from tonearm.catalog.models import Track, TrackFile
from tonearm.db.session import session_scope
from tonearm.processing import run as run_module
from tonearm.processing import tasks as tasks_module
from tonearm.settings import Settings

BITRATES = [32, 40, 48, 56, 64, 80, 96, 112, 160, 192]


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    queue = (f"huey-sqlite://{tmp_path / 'queue.db'}" if database_url.startswith("sqlite")
             else f"{database_url.replace('+psycopg', '')}?queue=adds-{uuid.uuid4().hex[:8]}")
    return Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key="adds-" + uuid.uuid4().hex,
                    public_url="http://testserver", queue_url=queue, reap_interval_seconds=1)


@pytest.fixture
def queue():
    return None  # the app opens the settings' queue


@pytest.fixture
def consumer(app):
    running = app.state.runtime.queue.start_consumer(workers=2, reap_interval=1)
    yield running
    running.stop(graceful=True)


def _wait(client, org, tid: str, timeout: float = 90) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        track = client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]
        if track["track_status_id"] in ("ready", "incomplete", "error", "init_error"):
            return track
        time.sleep(0.1)
    raise AssertionError(f"track {tid} still {track['track_status_id']}")


def _made(settings, tid: str) -> dict[str, bool]:
    with session_scope(settings.database_url) as db:
        rows = db.scalars(select(TrackFile).where(TrackFile.track_id == uuid.UUID(tid)))
        return {r.variant_index: r.is_success for r in rows}


def _uploaded_track(client, org, tmp_path) -> str:
    """A track with 4 s of audio uploaded (its first run under way); its id."""
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "a.wav"}, headers=org.headers).json()
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=4.0).read_bytes()
    assert upload_bytes(client, created["track_upload"]["upload_url"], audio).status_code == 200
    return created["track_id"]


@pytest.mark.parametrize(("adds", "gap"), [(1, 0), (3, 0), (10, 0), (4, 0.4)], ids=["1", "3", "10", "4-apart"])
def test_variant_adds_end_ready_with_every_variant(client, org, settings, consumer, tmp_path, adds, gap):
    tid = _uploaded_track(client, org, tmp_path)
    if gap:
        time.sleep(0.3)  # the first run is working when the adds come
    else:
        assert _wait(client, org, tid)["track_status_id"] == "ready"
    wanted = []
    for n in range(adds):
        index = f"mp3-{BITRATES[n]}"
        body = {"variant_type_id": "transcode", "index": index, "codec": "mp3", "bitrate": BITRATES[n]}
        r = client.post(f"/v1/track/{tid}/variant", json=body, headers=org.headers)
        assert r.status_code == 200, r.text
        wanted.append(index)
        time.sleep(gap)
    track = _wait(client, org, tid)
    made = _made(settings, tid)
    assert track["track_status_id"] == "ready", track["status_text"]
    assert all(made.get(index) for index in wanted), made
    with session_scope(settings.database_url) as db:
        assert db.get(Track, uuid.UUID(tid)).attempts == 0


def _gate_settle(monkeypatch, index: str) -> tuple[threading.Event, threading.Event]:
    """Hold the run step that records `index` until `read` is set, then let it settle and set
    `settled`: the caller's other side sets `read` once it has read the track, waits for `settled`."""
    read, settled = threading.Event(), threading.Event()
    real = run_module.finish

    def finish(rt, track_id, **kw):
        if not any(rec.variant.index == index for rec in kw.get("records") or []):
            return real(rt, track_id, **kw)
        assert read.wait(30), "the other side never read the track"
        try:
            return real(rt, track_id, **kw)
        finally:
            settled.set()

    monkeypatch.setattr(run_module, "finish", finish)
    return read, settled


def test_variant_added_while_the_run_settles_is_made(client, org, settings, consumer, tmp_path, monkeypatch):
    """The interleaving behind the flaky `4-apart` run, made certain with two gates: the add request
    has read the track (status `processing`, a run making an earlier add) when that run settles it
    `ready` and lets its lease go; only then does the add write its variant and the new wanted set.
    The add's job must find work to do (the track waiting again), and the new variant must be made."""
    tid = _uploaded_track(client, org, tmp_path)
    assert _wait(client, org, tid)["track_status_id"] == "ready"

    read, settled = _gate_settle(monkeypatch, "mp3-32")  # the run making mp3-32 settles once the add has read
    real_add = tracks_module.add_track_variant

    def add_track_variant(db, *, track, index, **kw):  # the second add writes only after that settle
        if index == "mp3-40":
            assert track.track_status_id == "processing"  # what this request read
            read.set()
            assert settled.wait(30), "the run never settled"
        return real_add(db, track=track, index=index, **kw)

    monkeypatch.setattr(tracks_module, "add_track_variant", add_track_variant)
    for bitrate in (32, 40):
        body = {"variant_type_id": "transcode", "index": f"mp3-{bitrate}", "codec": "mp3", "bitrate": bitrate}
        r = client.post(f"/v1/track/{tid}/variant", json=body, headers=org.headers)
        assert r.status_code == 200, r.text
    assert settled.is_set()
    track = _wait(client, org, tid)
    assert track["track_status_id"] == "ready", track["status_text"]
    assert _made(settings, tid).get("mp3-40"), _made(settings, tid)
    with session_scope(settings.database_url) as db:
        row = db.get(Track, uuid.UUID(tid))
        assert row.attempts == 0 and row.files_completed_at is not None


def _plan_settled(settings, tid: str, plan: int, timeout: float = 90) -> Track:
    """The track once its plan is `plan` and no run holds it (its status settled)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with session_scope(settings.database_url) as db:
            row = db.get(Track, uuid.UUID(tid))
            if row.plan_version == plan and row.lease_token is None and row.track_status_id in ("ready", "incomplete"):
                return row
        time.sleep(0.1)
    raise AssertionError(f"track {tid} never settled at plan {plan}")


def test_cover_arriving_while_the_run_settles_is_made(client, org, settings, consumer, tmp_path, monkeypatch):
    """The same interleaving for a cover uploaded after the audio: the cover job has read the track
    (`processing`) when the run making an added variant settles it; the cover must still be made."""
    tid = _uploaded_track(client, org, tmp_path)
    assert _wait(client, org, tid)["track_status_id"] == "ready"
    assert "cover" not in _made(settings, tid)  # no art anywhere yet
    with session_scope(settings.database_url) as db:
        plan = db.get(Track, uuid.UUID(tid)).plan_version

    read, settled = _gate_settle(monkeypatch, "mp3-32")  # the run making mp3-32 settles once the cover job has read
    real_variants = tasks_module.variants_for_track

    def variants_for_track(db, track):  # process_cover: after its read of the track, before its writes
        assert track.track_status_id == "processing"
        read.set()
        assert settled.wait(30), "the run never settled"
        return real_variants(db, track)

    monkeypatch.setattr(tasks_module, "variants_for_track", variants_for_track)
    body = {"variant_type_id": "transcode", "index": "mp3-32", "codec": "mp3", "bitrate": 32}
    assert client.post(f"/v1/track/{tid}/variant", json=body, headers=org.headers).status_code == 200
    handle = client.post(f"/v1/track/{tid}/cover", headers=org.headers).json()["track_cover_upload"]
    r = client.post(handle["upload_url"].replace("http://testserver", ""), content=cover_jpeg(300, (200, 30, 40)),
                    headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 200, r.text
    row = _plan_settled(settings, tid, plan + 2)
    made = _made(settings, tid)
    assert row.track_status_id == "ready" and made.get("mp3-32") and made.get("cover"), made
    assert row.cover_sizes and row.attempts == 0 and row.files_completed_at is not None
