"""Black box: the seed flows against a real `tonearm serve` process over HTTP."""

from __future__ import annotations

import io
import uuid

import av
import httpx
import pytest

from tests.audiogen import write_audio
from tests.e2e.server import ServerProcess
from tests.helpers import add_variant_file
from tonearm.settings import Settings


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # No job consumer: the test records the hq variant itself (the seed flows predate processing,
    # which tests/e2e/test_processing_e2e.py covers); a worker would race it for the same file.
    srv = ServerProcess(tmp_path_factory.mktemp("e2e") / "data", args=["--no-worker"]).start()
    yield srv
    srv.stop()


def test_upload_then_play_then_download(server, tmp_path):
    api = httpx.Client(base_url=server.url, headers=server.headers, timeout=30)
    col = api.post("/v1/collection", json={"title": "E2E album"}).json()
    assert col["ok"] is True
    col_id = col["collection_id"]
    ses = api.post("/v1/upload_session", json={"collection_id": col_id, "expires_in": 600}).json()
    sid = ses["upload_session_id"]

    anon = httpx.Client(timeout=30)  # session-authorised routes: no Bearer
    created = anon.post(f"{server.url}/v1/upload/{sid}/track", json={"file_name": "tone.flac"}).json()
    assert created["ok"] is True, created
    track_id = created["track_id"]
    audio = write_audio(tmp_path / "tone.flac", "flac", seconds=2.0)
    with open(audio, "rb") as fh:
        put = anon.put(created["track_upload"]["upload_url"], content=fh)
    assert put.status_code == 200, put.text
    track = api.get(f"/v1/track/{track_id}").json()["track"]
    assert track["track_status_id"] in ("processing", "ready", "fallback", "fallback_processing")
    assert track["size"] == audio.stat().st_size

    # Stand-in for the processing pipeline: a real AAC file recorded as the hq variant.
    settings = Settings(data_dir=server.data_dir, secret_key="e2e-secret")
    m4a = write_audio(tmp_path / "hq.m4a", "m4a", seconds=2.0)
    add_variant_file(settings, track_id, "hq", m4a.read_bytes(), "m4a", codec="aac", bitrate=256)

    pl = api.post("/v1/playlist", json={"title": "Mix", "track_ids": [track_id]}).json()
    for scope, body in (
        ("collection", {"collection_id": col_id}),
        ("track", {"track_id": track_id}),
        ("playlist", {"playlist_id": pl["playlist_id"]}),
    ):
        play = api.post(f"/v1/play_session/{scope}", json={**body, "variants": ["hq"], "is_downloadable": True}).json()
        assert play["ok"] is True, play
        assert play["first_track"]["track_id"] == track_id
        (variant,) = play["first_track"]["variants"]
        url = variant["url"]
        assert url.startswith(server.url + "/d/")

    head = anon.get(url, headers={"Range": "bytes=0-1023", "Origin": "https://player.example"})
    assert head.status_code == 206 and len(head.content) == 1024
    assert head.headers["access-control-allow-origin"] == "*"
    full = anon.get(url)
    with av.open(io.BytesIO(full.content)) as c:
        assert c.streams.audio[0].codec_context.name == "aac"
        assert abs(float(c.duration / 1_000_000) - 2.0) < 0.1

    psid = play["play_session_id"]
    assert anon.get(f"{server.url}/v1/play/{psid}/{track_id}").status_code == 200
    dl = anon.get(f"{server.url}/v1/play/{psid}/{track_id}/hq/download").json()
    assert dl["download"]["variant"] == "hq"
    got = anon.get(dl["download"]["url"])
    assert got.status_code == 200 and got.content == full.content
    assert got.headers["content-disposition"].startswith("attachment;") and "tone.m4a" in got.headers["content-disposition"]
    assert anon.get(f"{server.url}/v1/play/{psid}/{uuid.uuid4()}").status_code == 404


def test_cli_keys_create_prints_only_the_key(server):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "tonearm.cli.main", "keys", "create", "--type", "player", "--title", "web"],
        env=server.env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip()
    assert "\n" not in key and key.startswith("tnm_")
    col = httpx.post(f"{server.url}/v1/collection", json={"title": "x"}, headers=server.headers).json()
    r = httpx.get(f"{server.url}/v1/collection/{col['collection_id']}", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403
    bad = subprocess.run(
        [sys.executable, "-m", "tonearm.cli.main", "keys", "create", "--type", "root", "--title", "x"],
        env=server.env, capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode != 0 and bad.stdout == ""


def test_bootstrap_key_file_when_unset(tmp_path):
    srv = ServerProcess(tmp_path / "data")
    srv.env.pop("TONEARM_BOOTSTRAP_KEY")
    srv.start()
    try:
        key_file = tmp_path / "data" / "bootstrap-key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        key = key_file.read_text().strip()
        assert httpx.get(f"{srv.url}/v1/collection", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert key in srv.log.read_text()  # printed once on first start
    finally:
        srv.stop()
