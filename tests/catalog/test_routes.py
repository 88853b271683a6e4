"""Catalog over HTTP: organization, creators, collections, tracks, variants, and pagination."""

from __future__ import annotations

import re
import uuid

from tests.helpers import create_collection, create_track, make_ready_track

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


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


# ------------------------------------------------------------ organization


def test_get_organization(client, org, other_org):
    body = ok(client.get(f"/v1/organization/{org.id}", headers=org.headers))
    assert body["organization_id"] == str(org.id)
    o = body["organization"]
    assert o["id"] == str(org.id) and o["name"].startswith("Org ")
    for name in ("theme", "is_cover_overridable", "is_theme_overridable", "player_color", "player_color_light",
                 "player_color_dark", "player_subtitle"):
        assert name in o
    err(client.get(f"/v1/organization/{other_org.id}", headers=org.headers), 404)
    err(client.get(f"/v1/organization/{uuid.uuid4()}", headers=org.headers), 404)
    err(client.get("/v1/organization/not-a-uuid", headers=org.headers), 400)


def test_update_organization_partial(client, org, other_org):
    url = f"/v1/organization/{org.id}"
    o = ok(client.put(url, json={"player_color": "#3366CC", "player_subtitle": "Sub"}, headers=org.headers))["organization"]
    assert o["player_color"] == "#3366CC" and o["player_subtitle"] == "Sub"
    assert HEX.match(o["player_color_light"]) and HEX.match(o["player_color_dark"])
    name = o["name"]
    # Only the fields given change.
    o = ok(client.put(url, json={"name": "Renamed"}, headers=org.headers))["organization"]
    assert o["name"] == "Renamed" and o["player_color"] == "#3366CC" and o["player_subtitle"] == "Sub"
    assert name != "Renamed"
    o = ok(client.put(url, json={"is_cover_overridable": False, "theme": [{"hex": "#112233", "area": 0.5}]},
                      headers=org.headers))["organization"]
    assert o["is_cover_overridable"] is False and o["name"] == "Renamed"
    assert o["theme"][0]["hex"] == "#112233"
    assert ok(client.get(url, headers=org.headers))["organization"]["name"] == "Renamed"
    err(client.put(f"/v1/organization/{other_org.id}", json={"name": "x"}, headers=org.headers), 404)
    assert ok(client.get(f"/v1/organization/{other_org.id}", headers=other_org.headers))["organization"]["name"] != "x"


INVALID_ORG_UPDATES = [
    {"player_color": "red"},
    {"player_color": "#12345"},
    {"player_color": "#1234567"},
    {"player_color": "123456"},
    {"player_color": "#GGGGGG"},
    {"name": 5},
    {"name": ""},
    {"is_cover_overridable": "yes"},
    {"theme": [{"hex": "blue"}]},
    {"webhook_url": "ftp://x"},
]


def test_update_organization_invalid(client, org):
    before = ok(client.get(f"/v1/organization/{org.id}", headers=org.headers))["organization"]
    for body in INVALID_ORG_UPDATES:
        r = client.put(f"/v1/organization/{org.id}", json=body, headers=org.headers)
        assert r.status_code == 400, (body, r.text)
        err(r, 400)
    assert ok(client.get(f"/v1/organization/{org.id}", headers=org.headers))["organization"] == before


# ---------------------------------------------------------------- creators


def test_creator_crud(client, org, other_org):
    err(client.post("/v1/creator", json={}, headers=org.headers), 400)
    err(client.post("/v1/creator", json={"metadata": {"a": 1}}, headers=org.headers), 400)
    err(client.post("/v1/creator", json={"organization_index": 5}, headers=org.headers), 400)
    body = ok(client.post("/v1/creator", json={"organization_index": "artist-1", "metadata": {"genre": "jazz"}},
                          headers=org.headers))
    cid = body["creator_id"]
    c = body["creator"]
    assert c["id"] == cid and c["organization_id"] == str(org.id)
    assert c["organization_index"] == "artist-1" and c["metadata"] == {"genre": "jazz"}
    uuid.UUID(c["folder_id"])
    assert ok(client.get(f"/v1/creator/{cid}", headers=org.headers))["creator"] == c
    # Partial update: metadata only keeps the organization_index.
    c2 = ok(client.put(f"/v1/creator/{cid}", json={"metadata": {"genre": "funk"}}, headers=org.headers))["creator"]
    assert c2["metadata"] == {"genre": "funk"} and c2["organization_index"] == "artist-1"
    c3 = ok(client.put(f"/v1/creator/{cid}", json={"organization_index": "artist-2"}, headers=org.headers))["creator"]
    assert c3["metadata"] == {"genre": "funk"} and c3["organization_index"] == "artist-2"
    err(client.put(f"/v1/creator/{cid}", json={"organization_index": ""}, headers=org.headers), 400)
    # Another organization cannot see it.
    for method in ("GET", "PUT", "DELETE"):
        kw = {"json": {"metadata": {}}} if method == "PUT" else {}
        err(client.request(method, f"/v1/creator/{cid}", headers=other_org.headers, **kw), 404)
        err(client.request(method, f"/v1/creator/{uuid.uuid4()}", headers=org.headers, **kw), 404)
        err(client.request(method, "/v1/creator/123", headers=org.headers, **kw), 400)
    deleted = ok(client.delete(f"/v1/creator/{cid}", headers=org.headers))
    assert deleted["creator_id"] == cid and deleted["deleted_creator"]["id"] == cid
    assert deleted["deleted_creator"]["organization_index"] == "artist-2"
    err(client.get(f"/v1/creator/{cid}", headers=org.headers), 404)
    err(client.delete(f"/v1/creator/{cid}", headers=org.headers), 404)


def test_deleting_a_creator_detaches_its_collections(client, org):
    cid = ok(client.post("/v1/creator", json={"organization_index": "a"}, headers=org.headers))["creator_id"]
    col = ok(client.post("/v1/collection", json={"title": "X", "creator_id": cid}, headers=org.headers))["collection"]
    assert col["creator_id"] == cid
    ok(client.delete(f"/v1/creator/{cid}", headers=org.headers))
    assert ok(client.get(f"/v1/collection/{col['id']}", headers=org.headers))["collection"]["creator_id"] is None


# ------------------------------------------------------------- collections


def test_collection_crud(client, org, other_org):
    cid = ok(client.post("/v1/creator", json={"organization_index": "a"}, headers=org.headers))["creator_id"]
    body = ok(client.post("/v1/collection", json={
        "title": "Album", "creator_id": cid, "organization_index": "alb-1", "metadata": {"year": 1999},
        "player_color": "#AA0000",
    }, headers=org.headers))
    col_id = body["collection_id"]
    col = body["collection"]
    assert col["id"] == col_id and col["title"] == "Album" and col["creator_id"] == cid
    assert col["organization_index"] == "alb-1" and col["metadata"] == {"year": 1999}
    assert col["player_color"] == "#AA0000" and HEX.match(col["player_color_light"]) and HEX.match(col["player_color_dark"])
    assert col["has_cover"] is False
    handle = body["collection_cover_upload"]
    assert handle["method"] == "POST" and f"/u/collection/{col_id}/cover" in handle["upload_url"]
    got = ok(client.get(f"/v1/collection/{col_id}", headers=org.headers))["collection"]
    assert got["title"] == "Album" and got["track_count"] == 0
    upd = ok(client.put(f"/v1/collection/{col_id}", json={"title": "Renamed"}, headers=org.headers))["collection"]
    assert upd["title"] == "Renamed" and upd["creator_id"] == cid and upd["metadata"] == {"year": 1999}
    assert upd["player_color"] == "#AA0000"
    upd = ok(client.put(f"/v1/collection/{col_id}", json={"creator_id": None}, headers=org.headers))["collection"]
    assert upd["creator_id"] is None and upd["title"] == "Renamed"
    cover = ok(client.post(f"/v1/collection/{col_id}/cover", headers=org.headers))
    assert cover["collection_cover_upload"]["method"] == "POST"
    for method, path in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("GET", "/track"), ("POST", "/cover")):
        kw = {"json": {"title": "t"}} if method == "PUT" else {}
        err(client.request(method, f"/v1/collection/{col_id}{path}", headers=other_org.headers, **kw), 404)
        err(client.request(method, f"/v1/collection/{uuid.uuid4()}{path}", headers=org.headers, **kw), 404)
        err(client.request(method, f"/v1/collection/xyz{path}", headers=org.headers, **kw), 400)


INVALID_COLLECTIONS = [
    {},
    {"title": ""},
    {"title": None},
    {"title": 5},
    {"title": ["a"]},
    {"title": "ok", "metadata": "x"},
    {"title": "ok", "is_cover_overridable": "yes"},
    {"title": "ok", "creator_id": "not-a-uuid"},
    {"title": "ok", "player_color": "blue"},
    {"title": "ok", "organization_index": 7},
]


def test_create_collection_invalid(client, org):
    for body in INVALID_COLLECTIONS:
        r = client.post("/v1/collection", json=body, headers=org.headers)
        assert r.status_code == 400, (body, r.text)
        err(r, 400)
    assert ok(client.get("/v1/collection", headers=org.headers))["count"] == 0


def test_update_collection_invalid(client, org):
    col = create_collection(client, org)
    for body in ({"title": ""}, {"title": 5}, {"metadata": []}, {"player_color": "#12"}):
        err(client.put(f"/v1/collection/{col['id']}", json=body, headers=org.headers), 400)
    assert ok(client.get(f"/v1/collection/{col['id']}", headers=org.headers))["collection"]["title"] == "Album"


def test_collection_creator_of_another_org_is_404(client, org, other_org):
    foreign = ok(client.post("/v1/creator", json={"organization_index": "x"}, headers=other_org.headers))["creator_id"]
    err(client.post("/v1/collection", json={"title": "A", "creator_id": foreign}, headers=org.headers), 404)
    err(client.post("/v1/collection", json={"title": "A", "creator_id": str(uuid.uuid4())}, headers=org.headers), 404)
    col = create_collection(client, org)
    err(client.put(f"/v1/collection/{col['id']}", json={"creator_id": foreign}, headers=org.headers), 404)
    assert ok(client.get("/v1/collection", headers=org.headers))["count"] == 1


def test_collection_tracks_in_order_and_delete_removes_them(client, org, settings):
    col = create_collection(client, org)
    other = create_collection(client, org, "Other")
    ids = [create_track(client, org, col["id"], f"{n}.mp3")["track_id"] for n in range(3)]
    keep = create_track(client, org, other["id"])["track_id"]
    body = ok(client.get(f"/v1/collection/{col['id']}/track", headers=org.headers))
    assert body["collection_id"] == col["id"] and body["count"] == 3
    assert [t["id"] for t in body["tracks"]] == ids
    assert [t["order"] for t in body["tracks"]] == [0, 1, 2]
    assert ok(client.get(f"/v1/collection/{col['id']}", headers=org.headers))["collection"]["track_count"] == 3
    # Reordering via PUT track order changes the listing.
    ok(client.put(f"/v1/track/{ids[0]}", json={"order": 10}, headers=org.headers))
    listed = ok(client.get(f"/v1/collection/{col['id']}/track", headers=org.headers))["tracks"]
    assert [t["id"] for t in listed] == ids[1:] + ids[:1]
    deleted = ok(client.delete(f"/v1/collection/{col['id']}", headers=org.headers))
    assert deleted["collection_id"] == col["id"] and deleted["deleted_collection"]["title"] == "Album"
    err(client.get(f"/v1/collection/{col['id']}", headers=org.headers), 404)
    err(client.get(f"/v1/collection/{col['id']}/track", headers=org.headers), 404)
    for tid in ids:
        err(client.get(f"/v1/track/{tid}", headers=org.headers), 404)
    ok(client.get(f"/v1/track/{keep}", headers=org.headers))


def test_delete_collection_removes_stored_files(client, org, settings):
    from pathlib import Path

    col = create_collection(client, org)
    make_ready_track(client, org, settings, col["id"])
    root = Path(settings.storage_url.removeprefix("file://"))
    assert any(p.is_file() for p in root.rglob("*"))
    ok(client.delete(f"/v1/collection/{col['id']}", headers=org.headers))
    assert not any(p.is_file() for p in root.rglob("*"))


# ------------------------------------------------------------------ tracks


def test_create_track_shape(client, org):
    col = create_collection(client, org)
    body = ok(client.post("/v1/track", json={
        "collection_id": col["id"], "file_name": "dir/My Song.mp3", "player_title": "My Song",
        "metadata": {"isrc": "X"}, "organization_index": "trk-1",
    }, headers=org.headers))
    tid = body["track_id"]
    t = body["track"]
    assert t["id"] == tid and t["collection_id"] == col["id"] and t["organization_id"] == str(org.id)
    assert t["track_status_id"] == "initialized"
    assert t["file_name"] == "My Song.mp3" and t["player_title"] == "My Song"
    assert t["metadata"] == {"isrc": "X"} and t["organization_index"] == "trk-1"
    assert t["base_path"] == f"/d/{t['index']}" and t["base_url"] == f"http://testserver/d/{t['index']}"
    up = body["track_upload"]
    assert up["method"] == "PUT" and up["upload_url"].startswith(f"http://testserver/u/{tid}?")
    assert isinstance(up["ttl"], int) and 0 < up["ttl"] <= 3600 and up["expires_at"].endswith("Z")
    assert t["upload_url"] == up["upload_url"]
    cover = body["track_cover_upload"]
    assert cover["method"] == "POST" and cover["upload_url"].startswith(f"http://testserver/u/{tid}/cover?")
    assert isinstance(cover["ttl"], int) and cover["expires_at"]
    got = ok(client.get(f"/v1/track/{tid}", headers=org.headers))
    assert got["track_id"] == tid and got["track"]["index"] == t["index"]
    assert got["track"]["base_path"] == t["base_path"] and "upload_url" not in got["track"]
    handle = ok(client.post(f"/v1/track/{tid}/cover", headers=org.headers))["track_cover_upload"]
    assert handle["method"] == "POST" and f"/u/{tid}/cover" in handle["upload_url"]


INVALID_TRACKS = [
    {"file_name": "a.mp3"},
    {"collection_id": "nope", "file_name": "a.mp3"},
    {"file_name": 5, "collection_id": "COL"},
    {"collection_id": "COL"},
    {"collection_id": "COL", "file_name": ""},
    {"collection_id": "COL", "file_name": "a.mp3", "player_color": "x"},
    {"collection_id": "COL", "file_name": "a.mp3", "file_size": -1},
    {"collection_id": "COL", "file_name": "a.mp3", "metadata": 3},
]


def test_create_track_invalid(client, org):
    col = create_collection(client, org)
    for body in INVALID_TRACKS:
        body = {k: (col["id"] if v == "COL" else v) for k, v in body.items()}
        r = client.post("/v1/track", json=body, headers=org.headers)
        assert r.status_code == 400, (body, r.text)
        err(r, 400)
    assert ok(client.get(f"/v1/collection/{col['id']}/track", headers=org.headers))["count"] == 0


def test_create_track_in_unknown_or_foreign_collection(client, org, other_org):
    foreign = create_collection(client, other_org)
    for cid in (foreign["id"], str(uuid.uuid4())):
        err(client.post("/v1/track", json={"collection_id": cid, "file_name": "a.mp3"}, headers=org.headers), 404)


def test_update_track_partial_and_errors(client, org, other_org):
    col = create_collection(client, org)
    col2 = create_collection(client, org, "Second")
    foreign = create_collection(client, other_org)
    tid = create_track(client, org, col["id"], "a.mp3")["track_id"]
    t = ok(client.put(f"/v1/track/{tid}", json={"player_title": "T"}, headers=org.headers))["track"]
    assert t["player_title"] == "T" and t["file_name"] == "a.mp3" and t["collection_id"] == col["id"]
    t = ok(client.put(f"/v1/track/{tid}", json={"metadata": {"k": 1}, "player_color": "#00FF00"}, headers=org.headers))["track"]
    assert t["player_title"] == "T" and t["metadata"] == {"k": 1} and t["player_color"] == "#00FF00"
    assert HEX.match(t["player_color_light"]) and HEX.match(t["player_color_dark"])
    t = ok(client.put(f"/v1/track/{tid}", json={"collection_id": col2["id"]}, headers=org.headers))["track"]
    assert t["collection_id"] == col2["id"] and t["player_title"] == "T"
    err(client.put(f"/v1/track/{tid}", json={"collection_id": foreign["id"]}, headers=org.headers), 404)
    err(client.put(f"/v1/track/{tid}", json={"collection_id": None}, headers=org.headers), 400)
    for body in ({"file_name": ""}, {"player_color": "x"}, {"order": -1}, {"order": "1"}, {"is_dark": 1, "file_name": 3}):
        err(client.put(f"/v1/track/{tid}", json=body, headers=org.headers), 400)
    assert ok(client.get(f"/v1/track/{tid}", headers=org.headers))["track"]["collection_id"] == col2["id"]


def test_track_unknown_foreign_and_bad_ids(client, org, other_org):
    col = create_collection(client, org)
    tid = create_track(client, org, col["id"])["track_id"]
    variant = {"variant_type_id": "transcode", "index": "v1"}
    calls = [("GET", "", None), ("PUT", "", {"player_title": "x"}), ("DELETE", "", None),
             ("POST", "/cover", None), ("POST", "/variant", variant)]
    for method, suffix, body in calls:
        kw = {"json": body} if body is not None else {}
        err(client.request(method, f"/v1/track/{uuid.uuid4()}{suffix}", headers=org.headers, **kw), 404)
        err(client.request(method, f"/v1/track/{tid}{suffix}", headers=other_org.headers, **kw), 404)
        err(client.request(method, f"/v1/track/not-a-uuid{suffix}", headers=org.headers, **kw), 400)
    ok(client.get(f"/v1/track/{tid}", headers=org.headers))


def test_delete_track(client, org, settings):
    from pathlib import Path

    col = create_collection(client, org)
    tid = make_ready_track(client, org, settings, col["id"])["track_id"]
    other = create_track(client, org, col["id"])["track_id"]
    body = ok(client.delete(f"/v1/track/{tid}", headers=org.headers))
    assert body["track_id"] == tid and body["deleted_track"]["id"] == tid
    err(client.get(f"/v1/track/{tid}", headers=org.headers), 404)
    err(client.delete(f"/v1/track/{tid}", headers=org.headers), 404)
    listed = ok(client.get(f"/v1/collection/{col['id']}/track", headers=org.headers))
    assert listed["count"] == 1 and [t["id"] for t in listed["tracks"]] == [other]
    root = Path(settings.storage_url.removeprefix("file://"))
    assert not any(p.is_file() for p in root.rglob("*"))


# ---------------------------------------------------------------- variants


def test_default_variant_ladder(client, org, other_org):
    body = ok(client.get("/v1/variant", headers=org.headers))
    indexes = [v["index"] for v in body["variants"]]
    for index in ("original", "hq", "lq", "preview", "levels", "waveform", "peaks", "cover"):
        assert index in indexes
    assert body["count"] == len(indexes) and body["limit"] == 50 and body["offset"] == 0
    hq = next(v for v in body["variants"] if v["index"] == "hq")
    assert hq["track_id"] is None and hq["is_default"] is True
    got = ok(client.get(f"/v1/variant/{hq['id']}", headers=org.headers))
    assert got["variant_id"] == hq["id"] and got["variant"] == hq
    err(client.get(f"/v1/variant/{hq['id']}", headers=other_org.headers), 404)
    err(client.get(f"/v1/variant/{uuid.uuid4()}", headers=org.headers), 404)
    err(client.get("/v1/variant/hq", headers=org.headers), 400)
    other_ids = {v["id"] for v in ok(client.get("/v1/variant", headers=other_org.headers))["variants"]}
    assert not other_ids & {v["id"] for v in body["variants"]}


INVALID_VARIANT_BODIES = [
    {"variant_type_id": "transcode", "index": "v1", "bitrate": 500},
    {"variant_type_id": "transcode", "index": "v1", "bitrate": 8},
    {"variant_type_id": "transcode", "index": "v1", "bitrate": "128"},
    {"variant_type_id": "transcode", "index": "v1", "codec": "wav"},
    {"variant_type_id": "transcode", "index": "x"},
    {"variant_type_id": "transcode", "index": "Bad Index"},
    {"variant_type_id": "transcode", "index": 12},
    {"variant_type_id": "transcode"},
    {"index": "v1"},
    {"variant_type_id": "original", "index": "v1"},
    {"variant_type_id": "levels", "index": "v1"},
    {"variant_type_id": "transcode", "index": "levels"},
    {"variant_type_id": "transcode", "index": "original"},
    {"variant_type_id": "transcode", "index": "v1", "is_stereo": "yes"},
    {"variant_type_id": "preview", "index": "v1", "preview_type": "minutes"},
    {"variant_type_id": "preview", "index": "v1", "preview_start_percent": 150},
    {"variant_type_id": "preview", "index": "v1", "preview_min_percent": 60, "preview_max_percent": 40},
]


def test_add_variant_invalid_body(client, org, settings, queue):
    col = create_collection(client, org)
    tid = make_ready_track(client, org, settings, col["id"])["track_id"]
    queue.jobs.clear()
    for body in INVALID_VARIANT_BODIES:
        r = client.post(f"/v1/track/{tid}/variant", json=body, headers=org.headers)
        assert r.status_code == 400, (body, r.text)
        err(r, 400)
    err(client.post(f"/v1/track/{tid}/variant", content=b"[]", headers={**org.headers, "Content-Type": "application/json"}), 400)
    err(client.post(f"/v1/track/{tid}/variant", headers=org.headers), 400)
    assert queue.jobs == []
    assert ok(client.get(f"/v1/variant?track_id={tid}", headers=org.headers))["count"] == 0
    assert ok(client.get(f"/v1/track/{tid}", headers=org.headers))["track"]["track_status_id"] == "ready"


def test_add_variant_without_source_is_422(client, org, queue):
    col = create_collection(client, org)
    tid = create_track(client, org, col["id"])["track_id"]
    err(client.post(f"/v1/track/{tid}/variant", json={"variant_type_id": "transcode", "index": "v1"},
                    headers=org.headers), 422)
    assert queue.jobs == []
    assert ok(client.get(f"/v1/track/{tid}", headers=org.headers))["track"]["track_status_id"] == "initialized"
    assert ok(client.get(f"/v1/variant?track_id={tid}", headers=org.headers))["count"] == 0


def test_add_variant_success_and_conflicts(client, org, other_org, settings, queue):
    col = create_collection(client, org)
    tid = make_ready_track(client, org, settings, col["id"])["track_id"]
    assert ok(client.get(f"/v1/track/{tid}", headers=org.headers))["track"]["track_status_id"] == "ready"
    queue.jobs.clear()
    body = ok(client.post(f"/v1/track/{tid}/variant", json={
        "variant_type_id": "transcode", "index": "opus-64", "codec": "opus", "bitrate": 64,
    }, headers=org.headers))
    assert body["track_id"] == tid
    uuid.UUID(body["variant_id"]) and uuid.UUID(body["job_id"])
    v = body["variant"]
    assert v["id"] == body["variant_id"] and v["index"] == "opus-64" and v["track_id"] == tid
    assert v["variant_type_id"] == "transcode" and v["settings"]["codec"] == "opus" and v["settings"]["bitrate"] == 64
    assert v["is_default"] is False
    assert queue.jobs == [("processing.track", tid)]
    track = ok(client.get(f"/v1/track/{tid}", headers=org.headers))["track"]
    assert track["track_status_id"] == "processing" and track["status"] == "processing"
    listed = ok(client.get(f"/v1/variant?track_id={tid}", headers=org.headers))
    assert listed["count"] == 1 and [x["id"] for x in listed["variants"]] == [body["variant_id"]]
    assert ok(client.get(f"/v1/variant/{body['variant_id']}", headers=org.headers))["variant"]["index"] == "opus-64"
    # The org ladder is unchanged by a track-specific variant.
    assert "opus-64" not in [x["index"] for x in ok(client.get("/v1/variant", headers=org.headers))["variants"]]
    # Duplicates: the same track index again, and every index of the org ladder.
    for index in ("opus-64", "hq", "lq", "preview"):
        err(client.post(f"/v1/track/{tid}/variant", json={"variant_type_id": "transcode", "index": index},
                        headers=org.headers), 409)
    assert queue.jobs == [("processing.track", tid)]
    # A preview variant with its own settings.
    pv = ok(client.post(f"/v1/track/{tid}/variant", json={
        "variant_type_id": "preview", "index": "clip", "preview_type": "percent", "preview_percent": 10,
    }, headers=org.headers))["variant"]
    assert pv["variant_type_id"] == "preview" and pv["settings"]["preview_percent"] == 10
    # Another organization's key cannot list this track's variants.
    err(client.get(f"/v1/variant?track_id={tid}", headers=other_org.headers), 404)


def test_same_variant_index_on_two_tracks(client, org, settings):
    col = create_collection(client, org)
    t1 = make_ready_track(client, org, settings, col["id"])["track_id"]
    t2 = make_ready_track(client, org, settings, col["id"])["track_id"]
    for tid in (t1, t2):
        ok(client.post(f"/v1/track/{tid}/variant", json={"variant_type_id": "transcode", "index": "extra"},
                       headers=org.headers))


# -------------------------------------------------------------- pagination


def _make(client, org, settings, kind: str, n: int) -> tuple[str, list[str], str]:
    """Create n items for a list route; return (path, ids in listing order, list key)."""
    h = org.headers
    if kind == "creators":
        ids = [ok(client.post("/v1/creator", json={"organization_index": f"c{i}"}, headers=h))["creator_id"] for i in range(n)]
        return "/v1/creator", ids, "creators"
    if kind == "collections":
        ids = [create_collection(client, org, f"C{i}")["id"] for i in range(n)]
        return "/v1/collection", ids, "collections"
    if kind == "collection_tracks":
        col = create_collection(client, org)
        ids = [create_track(client, org, col["id"])["track_id"] for _ in range(n)]
        return f"/v1/collection/{col['id']}/track", ids, "tracks"
    if kind == "variants":
        ids = [v["id"] for v in ok(client.get("/v1/variant?limit=200", headers=h))["variants"]]
        return "/v1/variant", ids, "variants"
    if kind == "track_variants":
        col = create_collection(client, org)
        tid = make_ready_track(client, org, settings, col["id"])["track_id"]
        ids = [ok(client.post(f"/v1/track/{tid}/variant", json={"variant_type_id": "transcode", "index": f"v{i}"},
                              headers=h))["variant_id"] for i in range(n)]
        return f"/v1/variant?track_id={tid}", ids, "variants"
    if kind == "playlists":
        ids = [ok(client.post("/v1/playlist", json={"title": f"P{i}"}, headers=h))["playlist_id"] for i in range(n)]
        return "/v1/playlist", ids, "playlists"
    if kind == "playlist_tracks":
        col = create_collection(client, org)
        tracks = [create_track(client, org, col["id"])["track_id"] for _ in range(n)]
        tracks.reverse()
        pid = ok(client.post("/v1/playlist", json={"title": "P", "track_ids": tracks}, headers=h))["playlist_id"]
        return f"/v1/playlist/{pid}/track", tracks, "tracks"
    raise AssertionError(kind)


LISTS = ["creators", "collections", "collection_tracks", "variants", "track_variants", "playlists", "playlist_tracks"]


def test_pagination(client, org, settings):
    for kind in LISTS:
        _check_pages(client, org, settings, kind)


def _check_pages(client, org, settings, kind):
    path, ids, key = _make(client, org, settings, kind, 5)
    sep = "&" if "?" in path else "?"
    total = len(ids)
    first = ok(client.get(path, headers=org.headers))
    assert first["limit"] == 50, kind
    assert first["offset"] == 0 and first["count"] == total, kind
    assert [o["id"] for o in first[key]] == ids, kind
    seen: list[str] = []
    for offset in range(0, total + 2, 2):
        page = ok(client.get(f"{path}{sep}limit=2&offset={offset}", headers=org.headers))
        assert page["count"] == total and page["limit"] == 2 and page["offset"] == offset
        got = [o["id"] for o in page[key]]
        assert len(got) == min(2, max(0, total - offset))
        assert not set(got) & set(seen)
        seen += got
    assert seen == ids
    beyond = ok(client.get(f"{path}{sep}offset={total + 10}", headers=org.headers))
    assert beyond[key] == [] and beyond["count"] == total
    assert len(ok(client.get(f"{path}{sep}limit=1", headers=org.headers))[key]) == 1
    ok(client.get(f"{path}{sep}limit=200", headers=org.headers))
    for bad in ("limit=0", "limit=201", "limit=-1", "limit=abc", "limit=1.5", "offset=-1", "offset=abc"):
        body = err(client.get(f"{path}{sep}{bad}", headers=org.headers), 400)
        assert bad.split("=")[0] in body["message"], (kind, bad, body)


def test_default_limit_is_50(client, org):
    ids = [ok(client.post("/v1/creator", json={"organization_index": f"c{i}"}, headers=org.headers))["creator_id"]
           for i in range(51)]
    body = ok(client.get("/v1/creator", headers=org.headers))
    assert body["count"] == 51 and len(body["creators"]) == 50
    assert [c["id"] for c in body["creators"]] == ids[:50]
    rest = ok(client.get("/v1/creator?offset=50", headers=org.headers))
    assert [c["id"] for c in rest["creators"]] == ids[50:]
    assert len(ok(client.get("/v1/creator?limit=200", headers=org.headers))["creators"]) == 51


def test_lists_are_per_organization(client, org, other_org):
    create_collection(client, org)
    ok(client.post("/v1/creator", json={"organization_index": "a"}, headers=org.headers))
    assert ok(client.get("/v1/collection", headers=other_org.headers))["count"] == 0
    assert ok(client.get("/v1/creator", headers=other_org.headers))["count"] == 0


# ------------------------------------------------- explicit nulls (known bugs)


NULL_CASES = [
    ("organization", "name"),
    ("organization", "is_cover_overridable"),
    ("creator", "organization_index"),
    ("collection", "title"),
    ("collection", "is_theme_overridable"),
    ("track", "file_name"),
    ("track", "order"),
    ("track", "is_cover_overridable"),
]


def test_update_with_null_for_required_field_is_400(client, org):
    from starlette.testclient import TestClient

    col = create_collection(client, org)
    creator = ok(client.post("/v1/creator", json={"organization_index": "a"}, headers=org.headers))["creator_id"]
    track = create_track(client, org, col["id"])["track_id"]
    urls = {
        "organization": f"/v1/organization/{org.id}",
        "creator": f"/v1/creator/{creator}",
        "collection": f"/v1/collection/{col['id']}",
        "track": f"/v1/track/{track}",
    }
    c = TestClient(client.app, raise_server_exceptions=False)
    wrong = []
    for resource, field in NULL_CASES:
        r = c.put(urls[resource], json={field: None}, headers=org.headers)
        if r.status_code != 400:
            wrong.append(f"PUT {resource} {{{field!r}: null}} -> {r.status_code}")
    assert not wrong, "\n".join(wrong)
