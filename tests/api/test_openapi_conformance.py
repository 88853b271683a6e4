"""Every JSON answer of a realistic run matches /openapi.json field by field (objects closed).

Real audio is uploaded and processed inline (covers, levels, previews, transcodes), so play
payloads carry every field; each operation the document lists is called at least once (S3-only
operations are checked in S3 mode by tests/scale) and its answers, errors included, are validated
against the served document with `tests/api/openapi_check.Spec`. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.api.openapi_check import Spec
from tests.audiogen import cover_jpeg, write_audio
from tests.fixtures import app_with_queue  # noqa: F401  (the `app` fixture: jobs run inline)
from tests.receiver import Receiver
from tonearm import analytics
from tonearm.analytics.rollup import aggregate
from tonearm.jobs.queue import ImmediateQueue

S3_ONLY = {
    ("POST", "/u/{track_id}/complete"), ("POST", "/u/{track_id}/multipart"),
    ("POST", "/u/{track_id}/cover/complete"), ("POST", "/u/collection/{collection_id}/cover/complete"),
}
# Not JSON: bytes (tests/delivery), the share redirect, podcast feeds, enclosures and OPML (tests/podcasts),
# the stats CSV, and tus answers (headers only; called below all the same, tests/uploads has the protocol).
TUS = {("POST", "/u/{track_id}/tus"), ("PATCH", "/u/{track_id}/tus/{upload_id}"),
       ("DELETE", "/u/{track_id}/tus/{upload_id}"), ("POST", "/u/{track_id}/tus/{upload_id}")}
NOT_JSON = {("GET", "/d/{name}"), ("GET", "/v1/share/{share_key}"), ("GET", "/feeds/{key}.xml"),
            ("GET", "/e/{collection_id}/{track_id}/{variant}.{ext}"), ("GET", "/v1/feeds.opml"),
            ("GET", "/v1/stats/export.csv"), *TUS}


@pytest.fixture
def queue():
    return ImmediateQueue()


class Api:
    """Calls by operation (method + documented path) and validates each answer."""

    def __init__(self, client, spec: Spec, headers: dict):
        self.client, self.spec, self.headers = client, spec, headers

    def __call__(self, method: str, template: str, *, status: int = 200, url: str | None = None,
                 headers: dict | None = None, query: dict | None = None, **kwargs):
        path = url or template.format(**kwargs.pop("ids", {}))
        r = self.client.request(method, path, params=query, headers=self.headers if headers is None else headers,
                                **kwargs)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text[:300]}"
        return self.spec.check(method, template, r)


def local(url: str) -> str:
    return url.replace("http://testserver", "")


@pytest.fixture
def api(client, org):
    return Api(client, Spec(client.get("/openapi.json").json()), org.headers)


def _catalog(api: Api, org, receiver: Receiver) -> dict:
    api("GET", "/healthz", headers={})
    o = {"organization_id": org.id}
    api("GET", "/v1/organization/{organization_id}", ids=o)
    api("PUT", "/v1/organization/{organization_id}", ids=o, json={"webhook_url": receiver.url,
                                                                    "theme": [{"hex": "#112233"}]})
    creator = api("POST", "/v1/creator", json={"organization_index": "artist-1", "metadata": {"a": 1}})
    c = {"creator_id": creator["creator_id"]}
    api("GET", "/v1/creator", query={"limit": 5})
    api("GET", "/v1/creator/{creator_id}", ids=c)
    api("PUT", "/v1/creator/{creator_id}", ids=c, json={"metadata": {"b": 2}})
    col = api("POST", "/v1/collection", json={"title": "Album", "creator_id": c["creator_id"], "player_color": "#3366ff"})
    ids = {"collection_id": col["collection_id"], **c}
    cover = local(col["collection_cover_upload"]["upload_url"])
    api("POST", "/u/collection/{collection_id}/cover", url=cover, headers={}, content=cover_jpeg(400, (20, 160, 60)))
    api("GET", "/v1/collection", query={"offset": 0})
    api("GET", "/v1/collection/{collection_id}", ids=ids)
    api("PUT", "/v1/collection/{collection_id}", ids=ids, json={"player_subtitle": "Sub", "metadata": {"x": [1]}})
    api("POST", "/v1/collection/{collection_id}/cover", ids=ids)
    return ids


def _tracks(api: Api, ids: dict, tmp_path) -> dict:
    song = write_audio(tmp_path / "song.mp3", "mp3", seconds=3.0, tags={"title": "Sine"},
                       cover=cover_jpeg(300, (200, 30, 40)))
    created = api("POST", "/v1/track", json={"collection_id": ids["collection_id"], "file_name": "song.mp3",
                                              "player_subtitle": "Live"})
    t = {"track_id": created["track_id"]}
    api("PUT", "/u/{track_id}", url=local(created["track_upload"]["upload_url"]), headers={},
        content=song.read_bytes())
    track = api("GET", "/v1/track/{track_id}", ids=t)["track"]
    assert track["track_status_id"] == "ready", track
    cover = api("POST", "/v1/track/{track_id}/cover", ids=t)["track_cover_upload"]
    api("POST", "/u/{track_id}/cover", url=local(cover["upload_url"]), headers={}, content=cover_jpeg(200))
    api("PUT", "/v1/track/{track_id}", ids=t, json={"player_title": "Title", "order": 2})
    api("GET", "/v1/collection/{collection_id}/track", ids=ids)
    variant = api("POST", "/v1/track/{track_id}/variant", ids=t, json={"variant_type_id": "preview",
                                                                        "index": "teaser", "preview_seconds": 1})
    api("GET", "/v1/variant", query={"track_id": t["track_id"]})
    api("GET", "/v1/variant/{variant_id}", ids={"variant_id": variant["variant_id"]})
    org_variant = api("POST", "/v1/variant", json={"variant_type_id": "transcode", "index": "mob", "codec": "opus",
                                                    "bitrate": 48})
    api("DELETE", "/v1/variant/{variant_id}", ids={"variant_id": org_variant["variant_id"]})
    api("POST", "/v1/track/{track_id}/reprocess", ids=t)
    return {**ids, **t}


def _uploads(api: Api, ids: dict, tmp_path) -> None:
    made = api("POST", "/v1/upload_session", json={"collection_id": ids["collection_id"], "metadata": {"k": "v"},
                                                    "track": {"file_name": "inline.wav"}})
    assert made["track_upload"]["method"] == "PUT"
    s = {"upload_session_id": made["upload_session_id"]}
    api("POST", "/v1/upload_session", json={"collection_id": ids["collection_id"]})
    api("GET", "/v1/upload_session/{upload_session_id}", ids=s, headers={})
    added = api("POST", "/v1/upload/{upload_session_id}/track", ids=s, headers={}, json={"file_name": "b.wav"})
    st = {**s, "track_id": added["track_id"]}
    api("GET", "/v1/upload/{upload_session_id}/track/{track_id}", ids=st, headers={})
    wav = write_audio(tmp_path / "b.wav", "wav", seconds=1.0)
    api("PUT", "/u/{track_id}", url=local(added["track_upload"]["upload_url"]), headers={}, content=wav.read_bytes())
    status = api("GET", "/v1/upload/{upload_session_id}/track/{track_id}", ids=st, headers={})
    assert status["track_status_id"] == "ready" and status["duration"]
    _resumable(api, made, s, tmp_path)


def _resumable(api: Api, made: dict, s: dict, tmp_path) -> None:
    """tus: create, PATCH half, HEAD and PATCH (POST with X-HTTP-Method-Override), then a second
    upload terminated with DELETE. Answers are headers only; Spec checks each status is documented."""
    tus = {"Tus-Resumable": "1.0.0"}
    chunk = {**tus, "Content-Type": "application/offset+octet-stream"}
    data = write_audio(tmp_path / "inline.wav", "wav", seconds=1.0).read_bytes()
    created = api.client.post(local(made["track_upload_resumable"]["url"]), headers={**tus, "Upload-Length": str(len(data))})
    api.spec.check("POST", "/u/{track_id}/tus", created)
    assert created.status_code == 201, created.text
    at = local(created.headers["location"])
    half = len(data) // 2
    api("PATCH", "/u/{track_id}/tus/{upload_id}", url=at, status=204, content=data[:half],
        headers={**chunk, "Upload-Offset": "0"})
    head = api.client.post(at, headers={**tus, "X-HTTP-Method-Override": "HEAD"})
    api.spec.check("POST", "/u/{track_id}/tus/{upload_id}", head)
    assert head.status_code == 200 and head.headers["upload-offset"] == str(half), head.headers
    api("POST", "/u/{track_id}/tus/{upload_id}", url=at, status=204, content=data[half:],
        headers={**chunk, "Upload-Offset": str(half), "X-HTTP-Method-Override": "PATCH"})
    other = api("POST", "/v1/upload/{upload_session_id}/track", ids=s, headers={}, json={"file_name": "c.wav"})
    created = api.client.post(local(other["track_upload_resumable"]["url"]), headers={**tus, "Upload-Length": "10"})
    assert created.status_code == 201, created.text
    api("DELETE", "/u/{track_id}/tus/{upload_id}", url=local(created.headers["location"]), status=204, headers=tus)


def _playback(api: Api, ids: dict) -> None:
    pl = api("POST", "/v1/playlist", json={"title": "Mix", "track_ids": [ids["track_id"]]})
    p = {"playlist_id": pl["playlist_id"]}
    for scope, body in (("collection", {"collection_id": ids["collection_id"], "is_downloadable": True,
                                        "variants": ["hq", "lq", "preview", "teaser"]}),
                        ("track", {"track_id": ids["track_id"]}), ("playlist", p)):
        play = api("POST", "/v1/play_session/{scope}", ids={"scope": scope}, json=body)
    first = api("POST", "/v1/play_session/{scope}", ids={"scope": "collection"},
                json={"collection_id": ids["collection_id"], "is_downloadable": True,
                      "variants": ["hq", "lq", "preview", "teaser"]})["first_track"]
    assert first["cover_image"] and first["levels"] and first["loudness"]
    assert {v["variant"]["index"] for v in first["variants"]} >= {"hq", "lq", "preview", "teaser"}
    assert any(v["data"] for v in first["variants"]), "a preview carries its window"
    sid = play["play_session_id"]
    session = api("GET", "/v1/play_session/{play_session_id}", ids={"play_session_id": sid}, headers={})
    pt = {"play_session_id": sid, "play_track_id": session["tracks"][0]["id"]}
    api("GET", "/v1/play/{play_session_id}/{play_track_id}", ids=pt, headers={})
    event = "/v1/play/{play_session_id}/{play_track_id}/event"
    api("POST", event, ids=pt, headers={}, status=202, json={"type": "play", "startup_ms": 300})
    api("POST", event, ids=pt, headers={}, status=202,
        json={"events": [{"type": "progress", "listened_seconds": 2.5}, {"type": "complete"}]})
    ps = {"play_session_id": _downloadable(api, ids), "play_track_id": ids["track_id"]}
    dl = "/v1/play/{play_session_id}/{play_track_id}/{variant_index}/download"
    api("GET", dl, ids={**ps, "variant_index": "hq"}, headers={})
    api("GET", dl, ids={**ps, "variant_index": "hq"}, headers={}, query={"redirect": "1"}, status=302,
        follow_redirects=False)
    api("GET", "/v1/playlist", query={"limit": 1})
    api("GET", "/v1/playlist/{playlist_id}", ids=p)
    api("PUT", "/v1/playlist/{playlist_id}", ids=p, json={"title": "Mix 2"})
    api("POST", "/v1/playlist/{playlist_id}/track", ids=p, json={"track_ids": [ids["track_id"]], "position": 0})
    api("GET", "/v1/playlist/{playlist_id}/track", ids=p)
    api("DELETE", "/v1/playlist/{playlist_id}/track/{track_id}", ids={**p, "track_id": ids["track_id"]})
    api("DELETE", "/v1/playlist/{playlist_id}", ids=p)


def _downloadable(api: Api, ids: dict) -> str:
    return api("POST", "/v1/play_session/{scope}", ids={"scope": "track"},
               json={"track_id": ids["track_id"], "is_downloadable": True})["play_session_id"]


def _keys_and_hooks(api: Api, ids: dict) -> None:
    api("POST", "/v1/api_key", json={"title": "p", "api_key_type_id": "player", "collection_id": ids["collection_id"],
                                     "variants": ["hq"]})
    made = api("POST", "/v1/signing_key", json={"title": "edge", "max_age_seconds": 600})
    api("GET", "/v1/signing_key")
    api("DELETE", "/v1/signing_key/{signing_key_id}", ids={"signing_key_id": made["signing_key_id"]})
    deliveries = api("GET", "/v1/webhook_delivery", query={"track_id": ids["track_id"]})["webhook_deliveries"]
    assert deliveries, "processing recorded webhook deliveries"
    api("POST", "/v1/webhook_delivery/{delivery_id}/redeliver", ids={"delivery_id": deliveries[0]["id"]})


def _stats(api: Api) -> None:
    """After the player events: written and rolled up, so the series and splits have entries."""
    app = api.client.app
    analytics.recorder(app).flush()
    now = dt.datetime.now(dt.UTC)
    with app.state.runtime.unit() as db:
        aggregate(db, now - dt.timedelta(hours=1), now, now=now)
    stats = api("GET", "/v1/stats", query={"interval": "hour"})
    assert stats["totals"]["plays"] >= 1 and stats["series"] and stats["top_tracks"], stats
    csv = api.client.get("/v1/stats/export.csv", headers=api.headers)
    api.spec.check("GET", "/v1/stats/export.csv", csv)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    api("GET", "/v1/stats", query={"interval": "week"}, status=400)


def _errors(api: Api, ids: dict) -> None:
    api("GET", "/v1/track/{track_id}", ids={"track_id": uuid.uuid4()}, status=404)
    api("POST", "/v1/collection", json={"title": 5}, status=400)
    api("GET", "/v1/collection", headers={}, status=401)
    api("POST", "/v1/api_key", json={"title": "k", "api_key_type_id": "api"}, status=403)
    api("POST", "/v1/track/{track_id}/variant", ids={"track_id": ids["track_id"]},
        json={"variant_type_id": "transcode", "index": "hq"}, status=409)


def _podcasts(api: Api, ids: dict) -> None:
    show = api("PUT", "/v1/collection/{collection_id}", ids=ids, json={"podcast": {"title": "Show", "private": True}})
    assert show["collection"]["podcast"]["title"] == "Show"
    api("GET", "/v1/collection/{collection_id}/podcast", ids=ids)
    ep = api("PUT", "/v1/track/{track_id}", ids=ids, json={"episode": {"title": "Ep 1", "episode_number": 1}})
    assert ep["track"]["episode"]["title"] == "Ep 1"
    api("PUT", "/v1/track/{track_id}/chapters", ids=ids,
        json={"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"}]})
    t = {**ids, "language": "en"}
    api("PUT", "/v1/track/{track_id}/transcript/{language}", ids=t, headers={**api.headers, "Content-Type": "text/vtt"},
        content=b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n")
    api("GET", "/v1/track/{track_id}/episode", ids=ids)
    api("DELETE", "/v1/track/{track_id}/transcript/{language}", ids=t)
    sub = api("POST", "/v1/collection/{collection_id}/subscriber", ids=ids, json={"title": "Listener"})
    api("GET", "/v1/collection/{collection_id}/subscriber", ids=ids)
    api("DELETE", "/v1/collection/{collection_id}/subscriber/{subscriber_id}",
        ids={**ids, "subscriber_id": sub["subscriber_id"]})


def _deletes(api: Api, ids: dict) -> None:
    api("DELETE", "/v1/track/{track_id}", ids=ids)
    api("DELETE", "/v1/collection/{collection_id}", ids=ids)
    api("DELETE", "/v1/creator/{creator_id}", ids=ids)


def test_every_answer_matches_the_document(api, org, tmp_path):
    receiver = Receiver()
    try:
        ids = _catalog(api, org, receiver)
        ids = _tracks(api, ids, tmp_path)
        _uploads(api, ids, tmp_path)
        _playback(api, ids)
        _stats(api)
        _keys_and_hooks(api, ids)
        _errors(api, ids)
        _podcasts(api, ids)
        _deletes(api, ids)
    finally:
        receiver.close()
    missing = api.spec.operations() - api.spec.seen - S3_ONLY - NOT_JSON
    assert not missing, f"operations never exercised: {sorted(missing)}"


def test_large_whole_numbers_in_metadata_read_back(api):
    """Found by schemathesis on PostgreSQL: jsonb returns 2.8e150 as a 151-digit integer, which the
    JSON encoder refused (a 500 on every read of that creator)."""
    made = api("POST", "/v1/creator", json={"organization_index": "big", "metadata": {"n": 2.8e150, "m": [1e20]}})
    c = {"creator_id": made["creator_id"]}
    meta = api("GET", "/v1/creator/{creator_id}", ids=c)["creator"]["metadata"]
    assert float(meta["n"]) == 2.8e150 and [float(x) for x in meta["m"]] == [1e20]  # jsonb: 28 and 149 zeros
    api("DELETE", "/v1/creator/{creator_id}", ids=c)


def test_every_operation_names_its_answer(client):
    """Each JSON route has a response model (a named schema) and an operationId; the 30 operations
    of AudioDN's OpenAPI keep AudioDN's operationIds."""
    doc = client.get("/openapi.json").json()
    unnamed, ids = [], {}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ids[(method, path)] = op.get("operationId")
            success = min((s for s in op["responses"] if s.startswith("2")), default="200")  # 202: player events
            ok = op["responses"].get(success, {}).get("content", {})
            schema = (ok.get("application/json") or {}).get("schema", {})
            if (method.upper(), path) not in NOT_JSON and "$ref" not in schema:
                unnamed.append(f"{method.upper()} {path}")
            assert op["responses"]["4XX"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert not unnamed, f"no response_model: {unnamed}"
    audiodn = {  # AudioDN's openapi.json: (method, path) → operationId
        ("post", "/v1/api_key"): "createApiKey", ("get", "/v1/organization/{organization_id}"): "getOrganization",
        ("put", "/v1/organization/{organization_id}"): "updateOrganization", ("get", "/v1/creator"): "listCreators",
        ("post", "/v1/creator"): "createCreator", ("get", "/v1/creator/{creator_id}"): "getCreator",
        ("put", "/v1/creator/{creator_id}"): "updateCreator", ("delete", "/v1/creator/{creator_id}"): "deleteCreator",
        ("get", "/v1/collection"): "listCollections", ("post", "/v1/collection"): "createCollection",
        ("get", "/v1/collection/{collection_id}"): "getCollection",
        ("put", "/v1/collection/{collection_id}"): "updateCollection",
        ("delete", "/v1/collection/{collection_id}"): "deleteCollection",
        ("get", "/v1/collection/{collection_id}/track"): "listCollectionTracks",
        ("post", "/v1/collection/{collection_id}/cover"): "createCollectionCover", ("post", "/v1/track"): "createTrack",
        ("get", "/v1/track/{track_id}"): "getTrack", ("put", "/v1/track/{track_id}"): "updateTrack",
        ("delete", "/v1/track/{track_id}"): "deleteTrack", ("post", "/v1/track/{track_id}/cover"): "createTrackCover",
        ("post", "/v1/track/{track_id}/variant"): "addTrackVariant", ("post", "/v1/upload_session"): "createUploadSession",
        ("get", "/v1/upload_session/{upload_session_id}"): "getUploadSession",
        ("post", "/v1/upload/{upload_session_id}/track"): "createUploadSessionTrack",
        ("post", "/v1/play_session/{scope}"): "createPlaySession",
        ("get", "/v1/play_session/{play_session_id}"): "getPlaySession",
        ("get", "/v1/play/{play_session_id}/{play_track_id}"): "getPlayTrack",
        ("get", "/v1/play/{play_session_id}/{play_track_id}/{variant_index}/download"): "downloadPlayTrackVariant",
        ("get", "/v1/variant"): "listVariants", ("get", "/v1/variant/{variant_id}"): "getVariant",
    }
    assert len(audiodn) == 30 and {k: ids.get(k) for k in audiodn} == audiodn
    assert doc["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    assert doc["paths"]["/v1/play/{play_session_id}/{play_track_id}"]["get"]["security"] == []
