"""Signed URLs under attack at the route level: any one-character change to a delivery URL's path
or query fails, a download cannot be forged from a play URL, and upload URLs are single use."""

from __future__ import annotations

import pytest

from tests.helpers import (
    create_collection,
    create_track,
    make_ready_track,
    upload_bytes,
)


@pytest.fixture
def play(client, org, settings):
    col = create_collection(client, org)["id"]
    track = make_ready_track(client, org, settings, col)
    r = client.post("/v1/play_session/collection", json={"collection_id": col}, headers=org.headers)
    assert r.status_code == 200, r.text
    return r.json(), track


def _swap(ch: str) -> str:
    return "b" if ch != "b" else "c"


def test_every_single_character_change_is_refused(client, play):
    url = play[0]["first_track"]["variants"][0]["url"].replace("http://testserver", "")
    assert client.get(url).status_code == 200
    start = url.index("/d/") + 3
    refused = 0
    for i in range(start, len(url)):
        if url[i] in "?&=":
            continue
        forged = url[:i] + _swap(url[i]) + url[i + 1:]
        r = client.get(forged)
        assert r.status_code in (400, 403, 404), (i, forged, r.status_code)
        assert r.json()["ok"] is False
        refused += 1
    assert refused > 40


def test_download_cannot_be_forged_from_a_play_url(client, play):
    session, _track = play
    assert session["play_session"].get("is_downloadable") in (False, None)
    url = session["first_track"]["variants"][0]["url"].replace("http://testserver", "")
    for extra in ("&download=1", "&download=1&filename=x.mp3", "&filename=x.mp3"):
        r = client.get(url + extra)
        assert r.status_code == 403, (extra, r.status_code)
        assert "content-disposition" not in r.headers
    sid, tid = session["play_session_id"], session["first_track"]["track_id"]
    r = client.get(f"/v1/play/{sid}/{tid}/hq/download")
    assert r.status_code == 403 and r.json()["ok"] is False


def test_upload_url_is_single_use_and_bound_to_its_track(client, org):
    col = create_collection(client, org)["id"]
    a, b = create_track(client, org, col, "a.mp3"), create_track(client, org, col, "b.mp3")
    url_a = a["track_upload"]["upload_url"]
    # a's signature does not open b's URL
    forged = url_a.replace(a["track_id"], b["track_id"])
    assert upload_bytes(client, forged, b"ID3" + b"\0" * 100).status_code == 403
    assert upload_bytes(client, url_a, b"ID3" + b"\1" * 100).status_code == 200
    again = upload_bytes(client, url_a, b"ID3" + b"\2" * 100)
    assert again.status_code == 403 and again.json()["ok"] is False
