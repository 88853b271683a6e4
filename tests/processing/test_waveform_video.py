"""The `waveform_video` variant end to end (SQLite and PostgreSQL): configured for an organization
(POST /v1/variant) or a track (POST /v1/track/{id}/variant), made by the processing job, listed in
play payloads and served as video/mp4; bad options answer 400 when the recipe is defined."""

from __future__ import annotations

import io

import av
import pytest

from tests.audiogen import cover_jpeg, write_audio
from tests.helpers import create_collection, upload_bytes

VIDEO = {"variant_type_id": "waveform_video", "index": "audiogram", "width": 480, "height": 270, "fps": 10,
         "background_color": "#000000", "progress_color": "#22cc88"}


def _upload(client, org, path, name):
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": name}, headers=org.headers).json()
    assert upload_bytes(client, created["track_upload"]["upload_url"], path.read_bytes()).status_code == 200
    return created["track_id"]


def _probe(body: bytes) -> dict:
    with av.open(io.BytesIO(body)) as c:
        v = c.streams.video[0].codec_context
        out = {"video": v.name, "size": (v.width, v.height), "audio": [s.codec_context.name for s in c.streams.audio],
               "frames": sum(1 for _ in c.decode(video=0))}
    return out


def _video_of(client, org, track_id, index):
    play = client.post("/v1/play_session/track", json={"track_id": track_id, "variants": ["hq", index]},
                       headers=org.headers)
    assert play.status_code == 200, play.text
    variants = {v["variant"]["index"]: v for v in play.json()["first_track"]["variants"]}
    assert set(variants) == {"hq", index}
    video = variants[index]
    got = client.get(video["url"].replace("http://testserver", ""))
    assert got.status_code == 200 and got.headers["content-type"] == "video/mp4"
    return video, _probe(got.content)


def test_org_video_variant_reaches_ready_with_audio(client, org, tmp_path):
    r = client.post("/v1/variant", json=VIDEO, headers=org.headers)
    assert r.status_code == 200, r.text
    assert r.json()["variant"]["variant_type_id"] == "waveform_video"
    src = write_audio(tmp_path / "in.mp3", "mp3", seconds=8.0, tags={"title": "Audiogram"}, cover=cover_jpeg(200))
    tid = _upload(client, org, src, "in.mp3")
    track = client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready", track["status_text"]
    video, got = _video_of(client, org, tid, "audiogram")
    assert video["path"].endswith(".mp4") and video["content_type"] == "video/mp4"
    # default window: the organization's preview (30 s from 25 %, at most 100 %): the whole 8 s
    assert video["data"]["capture_start"] == 0 and video["data"]["capture_end"] == pytest.approx(8.0, abs=0.1)
    assert video["props"]["codec"] == "h264" and video["props"]["audio_codec"] == "aac"
    assert (video["props"]["width"], video["props"]["height"], video["props"]["fps"]) == (480, 270, 10)
    assert got["video"] == "h264" and got["size"] == (480, 270) and got["audio"] == ["aac"]
    assert abs(got["frames"] - 80) <= 1


def test_track_video_variant_without_audio_and_own_window(client, org, tmp_path):
    src = write_audio(tmp_path / "in.wav", "wav", seconds=6.0)
    tid = _upload(client, org, src, "in.wav")
    body = {**VIDEO, "index": "clip", "is_embed_audio": False, "is_show_cover": False,
            "preview_seconds": 2, "preview_start_percent": 50, "preview_max_percent": 100}
    r = client.post(f"/v1/track/{tid}/variant", json=body, headers=org.headers)
    assert r.status_code == 200, r.text
    settings = r.json()["variant"]["settings"]
    assert settings["is_embed_audio"] is False and "bitrate" not in settings and settings["preview_seconds"] == 2
    track = client.get(f"/v1/track/{tid}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready", track["status_text"]
    video, got = _video_of(client, org, tid, "clip")
    assert video["data"]["capture_start"] == pytest.approx(3.0) and video["data"]["capture_end"] == pytest.approx(5.0)
    assert got["audio"] == [] and got["size"] == (480, 270) and abs(got["frames"] - 20) <= 1
    assert video["props"]["audio_codec"] is None


def test_video_is_not_in_the_default_ladder(client, org):
    listed = client.get("/v1/variant?limit=200", headers=org.headers).json()["variants"]
    assert listed and "waveform_video" not in {v["variant_type_id"] for v in listed}


@pytest.mark.parametrize("bad", [
    {"width": 481}, {"height": 271}, {"width": 7680, "height": 4320}, {"width": 1920, "height": 1920},
    {"width": 64}, {"width": "480"}, {"fps": 0}, {"fps": 120}, {"fps": 2.5},
    {"background_color": "black"}, {"waveform_color": "#12345"}, {"progress_color": "#gg0000"},
    {"text_color": 16777215}, {"is_embed_audio": "yes"},
])
def test_bad_video_options_answer_400(client, org, bad):
    r = client.post("/v1/variant", json={**VIDEO, **bad}, headers=org.headers)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["ok"] is False and body["message"] and body["api_request_id"]
