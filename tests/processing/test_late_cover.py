"""A cover uploaded after the audio is processed re-makes the cover variant and settles the track
again (ready, files_completed_at stamped), whatever run was going on."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.audiogen import cover_jpeg, write_audio
from tests.helpers import create_collection, upload_bytes
from tonearm.catalog.models import Track, TrackFile
from tonearm.db.session import session_scope


def test_late_cover_is_made_and_the_track_settles_again(client, org, settings, tmp_path):
    col = create_collection(client, org)
    created = client.post("/v1/track", json={"collection_id": col["id"], "file_name": "a.wav"},
                          headers=org.headers).json()
    tid = uuid.UUID(created["track_id"])
    upload_bytes(client, created["track_upload"]["upload_url"],
                 write_audio(tmp_path / "a.wav", "wav", seconds=2).read_bytes())
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)
        assert track.track_status_id == "ready" and track.cover_sizes is None
        plan = track.plan_version
    handle = client.post(f"/v1/track/{tid}/cover", headers=org.headers).json()["track_cover_upload"]
    r = client.post(handle["upload_url"].replace("http://testserver", ""), content=cover_jpeg(300, (200, 30, 40)),
                    headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 200, r.text
    with session_scope(settings.database_url) as db:
        track = db.get(Track, tid)
        assert track.track_status_id == "ready" and track.files_completed_at is not None
        assert track.cover_sizes and track.plan_version == plan + 1 and track.lease_expires_at is None
        cover = db.scalar(select(TrackFile).where(TrackFile.track_id == tid, TrackFile.variant_index == "cover"))
        assert cover is not None and cover.is_success
