"""Against a real server process: upload → signed webhook `ready` → play session → every variant
URL serves a file that decodes with the expected codec and duration."""

from __future__ import annotations

import io
import json
import time

import av
import httpx

from tests.audiogen import cover_jpeg, write_audio
from tests.e2e.server import ServerProcess
from tests.receiver import Receiver
from tonearm.webhooks.signing import verify

EXPECTED = {"hq": ("aac", "m4a"), "lq": ("mp3", "mp3"), "preview": ("mp3", "mp3")}


def _decode(data: bytes) -> tuple[str, float]:
    with av.open(io.BytesIO(data)) as c:
        s = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(s))
        return s.codec_context.codec.name.replace("float", ""), samples / s.codec_context.sample_rate


def test_upload_to_ready_to_playback(tmp_path):
    receiver = Receiver()
    srv = ServerProcess(tmp_path / "data").start()
    try:
        api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=30)
        col = api.post("/v1/collection", json={"title": "e2e"}).json()["collection"]
        org = api.get(f"/v1/organization/{col['organization_id']}").json()["organization"]
        api.put(f"/v1/organization/{org['id']}", json={"webhook_url": receiver.url})
        ses = api.post("/v1/upload_session", json={"collection_id": col["id"]}).json()["upload_session_id"]
        created = httpx.post(f"{srv.url}/v1/upload/{ses}/track", json={"file_name": "Song.ogg"}).json()
        audio = write_audio(tmp_path / "song.mp3", "mp3", seconds=12.0, tags={"title": "E2E"},
                            cover=cover_jpeg(500, (30, 90, 200)))
        t0 = time.time()
        assert httpx.put(created["track_upload"]["upload_url"], content=audio.read_bytes()).status_code == 200
        while time.time() - t0 < 60 and not receiver.requests:
            time.sleep(0.05)
        assert receiver.requests, "no webhook arrived"
        headers, body = receiver.requests[0]
        assert verify(org["webhook_secret"], body, headers["X-Tonearm-Signature"])
        event = json.loads(body)
        assert event["event"] == "track.status_changed" and event["status"] == "ready"
        assert event["track_id"] == created["track_id"]

        play = api.post("/v1/play_session/track", json={"track_id": created["track_id"],
                                                        "variants": ["hq", "lq", "preview"]}).json()
        first = play["first_track"]
        assert first["track"]["player_title"] == "E2E" and first["cover_image"]["regular"]["width"] == 400
        for v in first["variants"]:
            codec, ext = EXPECTED[v["variant"]["index"]]
            resp = httpx.get(v["url"])
            assert resp.status_code == 200 and v["path"].endswith("." + ext)
            got_codec, seconds = _decode(resp.content)
            expected_len = 12.0 if v["variant"]["index"] != "preview" else v["data"]["capture_end"] - v["data"]["capture_start"]
            assert got_codec == codec and abs(seconds - expected_len) < 0.15, (v["variant"], got_codec, seconds)
        assert len(first["levels"]["levels"]) == 320
    finally:
        srv.stop()
        receiver.close()
