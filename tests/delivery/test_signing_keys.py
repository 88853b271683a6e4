"""URL Signing keys against a real server: a delivery URL signed by a Cloudflare-Worker-style script
(Web Crypto, run by Node) plays; too old, from the future, out of its collection or revoked → 403."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.audiogen import write_audio
from tests.e2e.server import ServerProcess

SIGNER = Path(__file__).with_name("worker_sign.mjs")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _sign(url: str, secret: str, issued: int | None = None) -> str:
    args = [NODE, str(SIGNER), url, secret] + ([str(issued)] if issued is not None else [])
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=30).stdout.strip()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("signing") / "data").start()
    yield srv
    srv.stop()


def _ready_track(api: httpx.Client, tmp_path) -> tuple[dict, str]:
    col = api.post("/v1/collection", json={"title": "Signed"}).json()["collection_id"]
    created = api.post("/v1/track", json={"collection_id": col, "file_name": "a.wav"}).json()
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=1.5).read_bytes()
    assert httpx.put(created["track_upload"]["upload_url"], content=audio, timeout=30).status_code == 200
    deadline = time.time() + 60
    while time.time() < deadline:
        track = api.get(f"/v1/track/{created['track_id']}").json()["track"]
        if track["track_status_id"] == "ready":
            return track, col
        time.sleep(0.2)
    raise AssertionError(track)


def test_self_signed_delivery(server, tmp_path):
    api = httpx.Client(base_url=server.url, headers=server.headers, timeout=30)
    track, col = _ready_track(api, tmp_path)
    made = api.post("/v1/signing_key", json={"title": "edge"}).json()
    assert made["ok"] and made["secret"].startswith("tnmsig_")
    secret, key_id = made["secret"], made["signing_key_id"]
    listed = api.get("/v1/signing_key").json()
    assert [k["id"] for k in listed["signing_keys"]] == [key_id] and secret not in str(listed)

    base = track["base_url"]
    url = _sign(f"{base}_lq.mp3", secret)
    r = httpx.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg" and len(r.content) > 1000
    assert httpx.get(url, headers={"Range": "bytes=0-99"}).status_code == 206
    assert httpx.get(_sign(f"{base}_128.mp3", secret)).content == r.content  # AudioDN's documented path
    assert httpx.get(_sign(f"{base}_lq.mp3?download=1", secret)).status_code == 200

    now = int(time.time())
    for bad, why in ((_sign(f"{base}_lq.mp3", secret, now - 2 * 86400), "max age"),
                     (_sign(f"{base}_lq.mp3", secret, now + 3600), "future"),
                     (_sign(f"{base}_lq.mp3", "tnmsig_not-the-secret"), "Invalid"),
                     (url.replace("_lq.mp3", "_hq.m4a"), "Invalid")):  # the signature covers the path
        r = httpx.get(bad)
        assert r.status_code == 403 and why in r.json()["message"], (why, r.text)

    other = api.post("/v1/collection", json={"title": "Elsewhere"}).json()["collection_id"]
    scoped = api.post("/v1/signing_key", json={"title": "other", "collection_id": other}).json()["secret"]
    assert httpx.get(_sign(f"{base}_lq.mp3", scoped)).status_code == 403  # scoped to another collection
    mine = api.post("/v1/signing_key", json={"collection_id": col, "max_age_seconds": 60}).json()["secret"]
    assert httpx.get(_sign(f"{base}_lq.mp3", mine)).status_code == 200
    assert httpx.get(_sign(f"{base}_lq.mp3", mine, now - 120)).status_code == 403  # its own 60 s max age

    assert api.delete(f"/v1/signing_key/{key_id}").json()["signing_key"]["revoked_at"]
    assert httpx.get(url).status_code == 403  # revoked: refused at once


def test_signing_keys_need_an_api_key(server):
    assert httpx.post(f"{server.url}/v1/signing_key", json={"title": "x"}).status_code == 401
    r = httpx.post(f"{server.url}/v1/signing_key", json={"max_age_seconds": 5}, headers=server.headers)
    assert r.status_code == 400 and "max_age_seconds" in r.json()["message"]
