"""Playlists: CRUD, ordered track lists, cross-organization checks, and playlist play sessions."""

from __future__ import annotations

import uuid

import pytest
from starlette.testclient import TestClient

from tests.helpers import create_collection, create_track, make_ready_track


def ok(r, status: int = 200) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["ok"] is True and isinstance(body["api_request_id"], str)
    return body


def err(r, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["ok"] is False and isinstance(body["message"], str) and body["message"]
    assert isinstance(body["api_request_id"], str)
    return body


@pytest.fixture
def tracks(client, org):
    col = create_collection(client, org)
    return [create_track(client, org, col["id"], f"{n}.mp3")["track_id"] for n in range(4)]


def _create(client, org, **body) -> dict:
    return ok(client.post("/v1/playlist", json=body, headers=org.headers))


def test_create_get_and_list(client, org, other_org, tracks):
    a, b, c, _ = tracks
    body = _create(client, org, title="Mix", organization_index="pl-1", metadata={"mood": "calm"}, track_ids=[c, a, b])
    pid = body["playlist_id"]
    pl = body["playlist"]
    assert pl["id"] == pid and pl["organization_id"] == str(org.id) and pl["title"] == "Mix"
    assert pl["organization_index"] == "pl-1" and pl["metadata"] == {"mood": "calm"}
    assert pl["track_ids"] == [c, a, b] and pl["track_count"] == 3
    got = ok(client.get(f"/v1/playlist/{pid}", headers=org.headers))
    assert got["playlist_id"] == pid and got["playlist"]["track_ids"] == [c, a, b]
    empty = _create(client, org, title="Empty")["playlist"]
    assert empty["track_ids"] == [] and empty["track_count"] == 0
    listed = ok(client.get("/v1/playlist", headers=org.headers))
    assert listed["count"] == 2 and [p["id"] for p in listed["playlists"]] == [pid, empty["id"]]
    assert listed["playlists"][0]["track_ids"] == [c, a, b]
    assert ok(client.get("/v1/playlist", headers=other_org.headers))["count"] == 0


def test_playlist_tracks_listing_in_order(client, org, tracks):
    a, b, c, d = tracks
    pid = _create(client, org, title="Mix", track_ids=[d, b, a, c])["playlist_id"]
    body = ok(client.get(f"/v1/playlist/{pid}/track", headers=org.headers))
    assert body["playlist_id"] == pid and body["count"] == 4
    assert [t["id"] for t in body["tracks"]] == [d, b, a, c]
    assert [t["position"] for t in body["tracks"]] == [0, 1, 2, 3]
    assert body["tracks"][0]["file_name"] == "3.mp3" and body["tracks"][0]["base_path"].startswith("/d/")
    page = ok(client.get(f"/v1/playlist/{pid}/track?limit=2&offset=1", headers=org.headers))
    assert page["count"] == 4 and page["limit"] == 2 and page["offset"] == 1
    assert [t["id"] for t in page["tracks"]] == [b, a] and [t["position"] for t in page["tracks"]] == [1, 2]
    for bad in ("limit=0", "limit=201", "offset=-1", "limit=x"):
        err(client.get(f"/v1/playlist/{pid}/track?{bad}", headers=org.headers), 400)


def test_update_title_and_replace_order(client, org, tracks):
    a, b, c, d = tracks
    pid = _create(client, org, title="Mix", metadata={"k": 1}, track_ids=[a, b, c])["playlist_id"]
    pl = ok(client.put(f"/v1/playlist/{pid}", json={"title": "Renamed"}, headers=org.headers))["playlist"]
    assert pl["title"] == "Renamed" and pl["track_ids"] == [a, b, c] and pl["metadata"] == {"k": 1}
    pl = ok(client.put(f"/v1/playlist/{pid}", json={"track_ids": [c, d, a]}, headers=org.headers))["playlist"]
    assert pl["title"] == "Renamed" and pl["track_ids"] == [c, d, a] and pl["track_count"] == 3
    assert [t["id"] for t in ok(client.get(f"/v1/playlist/{pid}/track", headers=org.headers))["tracks"]] == [c, d, a]
    pl = ok(client.put(f"/v1/playlist/{pid}", json={"track_ids": []}, headers=org.headers))["playlist"]
    assert pl["track_ids"] == [] and pl["title"] == "Renamed"
    for body in ({"title": ""}, {"title": 5}, {"track_ids": "x"}, {"track_ids": ["nope"]}, {"metadata": []}):
        err(client.put(f"/v1/playlist/{pid}", json=body, headers=org.headers), 400)


def test_add_tracks_at_position_and_remove(client, org, tracks):
    a, b, c, d = tracks
    pid = _create(client, org, title="Mix", track_ids=[a, b])["playlist_id"]
    pl = ok(client.post(f"/v1/playlist/{pid}/track", json={"track_ids": [c]}, headers=org.headers))["playlist"]
    assert pl["track_ids"] == [a, b, c]  # no position: appended
    pl = ok(client.post(f"/v1/playlist/{pid}/track", json={"track_ids": [d], "position": 1}, headers=org.headers))["playlist"]
    assert pl["track_ids"] == [a, d, b, c]
    pl = ok(client.post(f"/v1/playlist/{pid}/track", json={"track_ids": [c, a], "position": 0}, headers=org.headers))["playlist"]
    assert pl["track_ids"] == [c, a, a, d, b, c]
    pl = ok(client.delete(f"/v1/playlist/{pid}/track/{a}", headers=org.headers))["playlist"]
    assert pl["track_ids"] == [c, d, b, c]  # every occurrence removed
    pl = ok(client.post(f"/v1/playlist/{pid}/track", json={"track_ids": [a], "position": 99}, headers=org.headers))["playlist"]
    assert pl["track_ids"] == [c, d, b, c, a]  # past the end: appended
    assert ok(client.get(f"/v1/playlist/{pid}", headers=org.headers))["playlist"]["track_ids"] == [c, d, b, c, a]
    listing = ok(client.get(f"/v1/playlist/{pid}/track", headers=org.headers))
    assert [t["id"] for t in listing["tracks"]] == [c, d, b, c, a] and listing["count"] == 5
    for body in ({"track_ids": []}, {}, {"track_ids": [a], "position": -1}, {"track_ids": [a], "position": "1"},
                 {"track_ids": ["x"]}):
        err(client.post(f"/v1/playlist/{pid}/track", json=body, headers=org.headers), 400)
    err(client.delete(f"/v1/playlist/{pid}/track/not-a-uuid", headers=org.headers), 400)


def test_delete_playlist(client, org, tracks):
    pid = _create(client, org, title="Mix", track_ids=tracks[:2])["playlist_id"]
    body = ok(client.delete(f"/v1/playlist/{pid}", headers=org.headers))
    assert body["playlist_id"] == pid and body["deleted_playlist"]["id"] == pid
    assert body["deleted_playlist"]["track_ids"] == tracks[:2]
    for method, suffix in (("GET", ""), ("DELETE", ""), ("GET", "/track")):
        err(client.request(method, f"/v1/playlist/{pid}{suffix}", headers=org.headers), 404)
    err(client.put(f"/v1/playlist/{pid}", json={"title": "x"}, headers=org.headers), 404)
    # The tracks themselves are untouched.
    for tid in tracks[:2]:
        ok(client.get(f"/v1/track/{tid}", headers=org.headers))


def test_deleting_a_track_drops_it_from_playlists(client, org, tracks):
    a, b, c, _ = tracks
    pid = _create(client, org, title="Mix", track_ids=[a, b, c])["playlist_id"]
    ok(client.delete(f"/v1/track/{b}", headers=org.headers))
    assert ok(client.get(f"/v1/playlist/{pid}", headers=org.headers))["playlist"]["track_ids"] == [a, c]
    listing = ok(client.get(f"/v1/playlist/{pid}/track", headers=org.headers))
    assert [t["id"] for t in listing["tracks"]] == [a, c] and listing["count"] == 2


def test_create_invalid(client, org, tracks):
    for body in ({}, {"title": ""}, {"title": 3}, {"title": "x", "track_ids": "abc"}, {"title": "x", "track_ids": [1]},
                 {"title": "x", "creator_id": "nope"}, {"title": "x", "metadata": "m"}):
        err(client.post("/v1/playlist", json=body, headers=org.headers), 400)
    assert ok(client.get("/v1/playlist", headers=org.headers))["count"] == 0


def test_unknown_and_foreign_tracks_are_404(client, org, other_org, tracks):
    a = tracks[0]
    foreign_col = create_collection(client, other_org)
    foreign = create_track(client, other_org, foreign_col["id"])["track_id"]
    for bad in (str(uuid.uuid4()), foreign):
        err(client.post("/v1/playlist", json={"title": "x", "track_ids": [a, bad]}, headers=org.headers), 404)
    assert ok(client.get("/v1/playlist", headers=org.headers))["count"] == 0  # nothing half-created
    pid = _create(client, org, title="Mix", track_ids=[a])["playlist_id"]
    for bad in (str(uuid.uuid4()), foreign):
        err(client.put(f"/v1/playlist/{pid}", json={"track_ids": [bad]}, headers=org.headers), 404)
        err(client.post(f"/v1/playlist/{pid}/track", json={"track_ids": [bad]}, headers=org.headers), 404)
    assert ok(client.get(f"/v1/playlist/{pid}", headers=org.headers))["playlist"]["track_ids"] == [a]
    foreign_creator = ok(client.post("/v1/creator", json={"organization_index": "x"}, headers=other_org.headers))["creator_id"]
    err(client.post("/v1/playlist", json={"title": "x", "creator_id": foreign_creator}, headers=org.headers), 404)
    err(client.put(f"/v1/playlist/{pid}", json={"creator_id": foreign_creator}, headers=org.headers), 404)


def test_unknown_and_foreign_playlists_are_404(client, org, other_org, tracks):
    pid = _create(client, org, title="Mix", track_ids=tracks[:1])["playlist_id"]
    calls = [
        ("GET", f"/v1/playlist/{{}}", None),
        ("PUT", f"/v1/playlist/{{}}", {"title": "x"}),
        ("DELETE", f"/v1/playlist/{{}}", None),
        ("GET", f"/v1/playlist/{{}}/track", None),
        ("POST", f"/v1/playlist/{{}}/track", {"track_ids": [tracks[0]]}),
        ("DELETE", f"/v1/playlist/{{}}/track/{tracks[0]}", None),
    ]
    for method, template, body in calls:
        kw = {"json": body} if body is not None else {}
        err(client.request(method, template.format(uuid.uuid4()), headers=org.headers, **kw), 404)
        err(client.request(method, template.format(pid), headers=other_org.headers, **kw), 404)
        err(client.request(method, template.format("not-a-uuid"), headers=org.headers, **kw), 400)
    pl = ok(client.get(f"/v1/playlist/{pid}", headers=org.headers))["playlist"]
    assert pl["title"] == "Mix" and pl["track_ids"] == tracks[:1]


def test_playlist_creator(client, org):
    cid = ok(client.post("/v1/creator", json={"organization_index": "a"}, headers=org.headers))["creator_id"]
    pl = _create(client, org, title="Mix", creator_id=cid)["playlist"]
    assert pl["creator_id"] == cid
    pl = ok(client.put(f"/v1/playlist/{pl['id']}", json={"creator_id": None}, headers=org.headers))["playlist"]
    assert pl["creator_id"] is None


def test_update_title_null_is_400(client, org):
    pid = _create(client, org, title="Mix")["playlist_id"]
    c = TestClient(client.app, raise_server_exceptions=False)
    err(c.put(f"/v1/playlist/{pid}", json={"title": None}, headers=org.headers), 400)


# ----------------------------------------------------------- play sessions


def test_play_session_follows_playlist_order(client, org, settings):
    col_a = create_collection(client, org, "A")
    col_b = create_collection(client, org, "B")
    t1 = make_ready_track(client, org, settings, col_a["id"])["track_id"]
    t2 = make_ready_track(client, org, settings, col_a["id"])["track_id"]
    t3 = make_ready_track(client, org, settings, col_b["id"])["track_id"]
    pending = create_track(client, org, col_b["id"])["track_id"]  # never uploaded: not playable
    pid = _create(client, org, title="Mix", track_ids=[t3, pending, t1, t2])["playlist_id"]
    r = client.post("/v1/play_session/playlist", json={"playlist_id": pid, "variants": ["lq", "hq"]}, headers=org.headers)
    body = ok(r)
    assert body["play_session"]["scope"] == "playlist" and body["play_session"]["playlist_id"] == pid
    assert [t["id"] for t in body["tracks"]] == [t3, t1, t2]
    assert [t["order"] for t in body["tracks"]] == [0, 1, 2]
    first = body["first_track"]
    assert first["track_id"] == t3 and first["track"]["id"] == t3
    assert [v["variant"]["index"] for v in first["variants"]] == ["lq", "hq"]
    sid = body["play_session_id"]
    again = ok(client.get(f"/v1/play_session/{sid}"))
    assert [t["id"] for t in again["tracks"]] == [t3, t1, t2]
    # Each member track resolves within the session; a non-member (or unplayable) does not.
    for tid in (t1, t2, t3):
        assert ok(client.get(f"/v1/play/{sid}/{tid}"))["track"]["id"] == tid
    other = make_ready_track(client, org, settings, col_a["id"])["track_id"]
    err(client.get(f"/v1/play/{sid}/{other}"), 404)
    err(client.get(f"/v1/play/{sid}/{pending}"), 404)
    # Reordering the playlist changes the order of a new session.
    ok(client.put(f"/v1/playlist/{pid}", json={"track_ids": [t2, t1]}, headers=org.headers))
    body = ok(client.post("/v1/play_session/playlist", json={"playlist_id": pid}, headers=org.headers))
    assert [t["id"] for t in body["tracks"]] == [t2, t1] and body["first_track"]["track_id"] == t2


def test_play_session_playlist_errors(client, org, other_org, settings):
    col = create_collection(client, org)
    pending = create_track(client, org, col["id"])["track_id"]
    empty = _create(client, org, title="Empty")["playlist_id"]
    unplayable = _create(client, org, title="Pending", track_ids=[pending])["playlist_id"]
    for pid in (empty, unplayable):
        err(client.post("/v1/play_session/playlist", json={"playlist_id": pid}, headers=org.headers), 422)
    err(client.post("/v1/play_session/playlist", json={}, headers=org.headers), 400)
    err(client.post("/v1/play_session/playlist", json={"playlist_id": "x"}, headers=org.headers), 400)
    err(client.post("/v1/play_session/playlist", json={"playlist_id": str(uuid.uuid4())}, headers=org.headers), 404)
    t = make_ready_track(client, org, settings, col["id"])["track_id"]
    pid = _create(client, org, title="Mix", track_ids=[t])["playlist_id"]
    err(client.post("/v1/play_session/playlist", json={"playlist_id": pid}, headers=other_org.headers), 404)
