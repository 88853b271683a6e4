"""The processing job end to end in-process: real audio in, real variants out."""

from __future__ import annotations

import io
import uuid

import av
import pytest
from sqlalchemy import func, select

from tests.audiogen import cover_jpeg, random_file, truncated_copy, write_audio
from tests.helpers import create_collection, upload_bytes
from tonearm.catalog.models import Track, TrackFile
from tonearm.db.session import session_scope
from tonearm.processing.tasks import process_track


def _upload(client, org, path, name="song.mp3", col=None):
    col = col or create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": name}, headers=org.headers).json()
    r = upload_bytes(client, created["track_upload"]["upload_url"], path.read_bytes())
    assert r.status_code == 200, r.text
    return created["track_id"], col


def _decode(client, url):
    body = client.get(url.replace("http://testserver", "")).content
    with av.open(io.BytesIO(body)) as c:
        stream = c.streams.audio[0]
        name = stream.codec_context.codec.name.replace("float", "")
        samples = sum(f.samples for f in c.decode(stream))
        return name, samples / stream.codec_context.sample_rate


def test_tagged_mp3_with_cover_becomes_ready(client, org, tmp_path):
    src = write_audio(tmp_path / "in.mp3", "mp3", seconds=3.0, tags={"title": "Sine Song", "artist": "Tester"},
                      cover=cover_jpeg(300, (200, 30, 40)))
    track_id, col = _upload(client, org, src)
    track = client.get(f"/v1/track/{track_id}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready", track["status_text"]
    assert abs(track["duration"] - 3.0) < 0.06
    assert track["player_title"] == "Sine Song" and track["player_subtitle"] == "Tester"
    assert track["player_color"] and track["image_colors"]
    loud = track["info"]["loudness"]
    assert loud["integrated_lufs"] is not None and loud["gain_db"] is not None
    assert track["files_completed_at"]

    play = client.post("/v1/play_session/track", json={"track_id": track_id, "variants": ["hq", "lq", "preview"]},
                       headers=org.headers).json()
    first = play["first_track"]
    assert [v["variant"]["index"] for v in first["variants"]] == ["hq", "lq", "preview"]
    hq, lq, preview = first["variants"]
    assert hq["path"].endswith(".m4a") and lq["path"].endswith(".mp3")
    name, seconds = _decode(client, hq["url"])
    assert name == "aac" and abs(seconds - 3.0) < 0.1
    name, seconds = _decode(client, lq["url"])
    assert name == "mp3" and abs(seconds - 3.0) < 0.1
    assert preview["data"]["duration"] == pytest.approx(3.0, abs=0.06)
    assert 0 <= preview["data"]["capture_start"] < preview["data"]["capture_end"] <= 3.01
    assert len(first["levels"]["levels"]) == 320
    assert all(0 <= x <= 1 for x in first["levels"]["levels"]) and max(first["levels"]["levels"]) > 0.1
    cover = first["cover_image"]
    assert {k: (v["width"], v["height"]) for k, v in cover.items()} == {
        "icon": (80, 80), "small": (200, 200), "regular": (400, 400), "large": (1200, 1200)}
    img = client.get(cover["small"]["url"].replace("http://testserver", ""))
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"
    assert play["first_track"]["normalization_gain_db"] == loud["gain_db"]

    with session_scope(client.app.state.runtime.settings.database_url) as db:
        rows = {f.variant_index: f for f in db.scalars(select(TrackFile).where(TrackFile.track_id == uuid.UUID(track_id)))}
    assert set(rows) == {"original", "hq", "lq", "preview", "levels", "waveform", "peaks", "cover"}
    assert all(r.is_success for r in rows.values())
    assert rows["waveform"].content_type == "image/png"


def test_running_twice_duplicates_nothing(client, org, tmp_path, settings):
    track_id, _ = _upload(client, org, write_audio(tmp_path / "a.wav", "wav", seconds=1.0), name="a.wav")
    with session_scope(settings.database_url) as db:
        before = db.scalar(select(func.count()).select_from(TrackFile).where(TrackFile.track_id == uuid.UUID(track_id)))
        track = db.get(Track, uuid.UUID(track_id))
        track.track_status_id = "processing"  # as if the job were delivered a second time
    process_track(client.app.state.runtime, track_id)
    with session_scope(settings.database_url) as db:
        after = db.scalar(select(func.count()).select_from(TrackFile).where(TrackFile.track_id == uuid.UUID(track_id)))
        assert db.get(Track, uuid.UUID(track_id)).track_status_id == "ready"
    assert before == after == 7  # no cover art: every variant but `cover`


@pytest.mark.parametrize("maker", ["random", "truncated", "text"])
def test_bad_files_end_in_init_error(client, org, tmp_path, maker):
    if maker == "random":
        path = random_file(tmp_path / "noise.mp3", 50_000)
    elif maker == "truncated":
        path = truncated_copy(write_audio(tmp_path / "full.flac", "flac", seconds=2.0), tmp_path / "cut.flac", 60)
    else:
        path = tmp_path / "page.wav"
        path.write_text("<html><body>not audio</body></html>")
    track_id, _ = _upload(client, org, path, name=path.name)
    track = client.get(f"/v1/track/{track_id}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "init_error"
    assert track["status_text"] and len(track["status_text"]) < 500


def test_added_variant_is_processed(client, org, tmp_path):
    track_id, _ = _upload(client, org, write_audio(tmp_path / "b.flac", "flac", seconds=2.0), name="b.flac")
    r = client.post(f"/v1/track/{track_id}/variant", json={"variant_type_id": "transcode", "index": "mobile",
                                                            "codec": "opus", "bitrate": 48, "is_stereo": False},
                    headers=org.headers)
    assert r.status_code == 200, r.text
    track = client.get(f"/v1/track/{track_id}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready"
    play = client.post("/v1/play_session/track", json={"track_id": track_id, "variants": ["mobile"]},
                       headers=org.headers).json()
    (v,) = play["first_track"]["variants"]
    name, seconds = _decode(client, v["url"])
    assert name in ("opus", "libopus") and abs(seconds - 2.0) < 0.1


def test_collection_cover_is_inherited(client, org, tmp_path):
    from tests.audiogen import cover_jpeg

    created = client.post("/v1/collection", json={"title": "Art"}, headers=org.headers).json()
    handle = created["collection_cover_upload"]["upload_url"].replace("http://testserver", "")
    assert client.post(handle, content=cover_jpeg(600, (20, 160, 60))).status_code == 200
    col = client.get(f"/v1/collection/{created['collection_id']}", headers=org.headers).json()["collection"]
    assert col["player_color"] and col["theme"]
    track_id, _ = _upload(client, org, write_audio(tmp_path / "plain.wav", "wav", seconds=1.0), name="plain.wav",
                          col=created["collection_id"])
    play = client.post("/v1/play_session/track", json={"track_id": track_id}, headers=org.headers).json()
    first = play["first_track"]
    assert first["cover_image"]["icon"]["width"] == 80
    assert client.get(first["cover_image"]["icon"]["url"].replace("http://testserver", "")).status_code == 200
    assert first["track"]["player_color"] == col["player_color"]
