"""AudioDN's documented variant path `{base_url}_128.mp3`: reachable as `{base_url}_{bitrate}.{ext}`
for the one transcode variant with that bitrate and container, signed like any delivery URL."""

from __future__ import annotations

import time

import pytest

from tests.audiogen import write_audio
from tests.helpers import create_collection, upload_bytes
from tonearm.jobs.queue import ImmediateQueue


@pytest.fixture
def queue():
    return ImmediateQueue()


def test_bitrate_paths_reach_the_variant(client, org, tmp_path):
    col = create_collection(client, org)["id"]
    created = client.post("/v1/track", json={"collection_id": col, "file_name": "a.wav"}, headers=org.headers).json()
    audio = write_audio(tmp_path / "a.wav", "wav", seconds=1.5).read_bytes()
    assert upload_bytes(client, created["track_upload"]["upload_url"], audio).status_code == 200
    track = client.get(f"/v1/track/{created['track_id']}", headers=org.headers).json()["track"]
    assert track["track_status_id"] == "ready"
    base = track["base_path"]
    signer = client.app.state.runtime.signer
    exp = {"expires": int(time.time()) + 600}

    by_index = client.get(signer.path(f"{base}_lq.mp3", exp))
    by_bitrate = client.get(signer.path(f"{base}_128.mp3", exp))
    assert by_bitrate.status_code == 200 and by_bitrate.headers["content-type"] == "audio/mpeg"
    assert by_bitrate.content == by_index.content  # lq, not the 128 kbps preview clip
    hq = client.get(signer.path(f"{base}_256.m4a", exp))
    assert hq.status_code == 200 and hq.content == client.get(signer.path(f"{base}_hq.m4a", exp)).content
    ranged = client.get(signer.path(f"{base}_128.mp3", exp), headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100

    assert client.get(signer.path(f"{base}_320.mp3", exp)).status_code == 404  # no such rung
    assert client.get(f"{base}_128.mp3").status_code == 403  # unsigned
    assert client.get(signer.path(f"{base}_128.mp3", {"expires": int(time.time()) - 5})).status_code == 403
    assert client.head(signer.path(f"{base}_128.mp3", exp)).status_code == 200
