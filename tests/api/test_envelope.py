"""The AudioDN envelope on every answer, CORS (incl. Private Network Access), and the meta routes."""

from __future__ import annotations

import uuid

from starlette.testclient import TestClient

from tests.conftest import bearer
from tests.helpers import create_collection, create_track, make_ready_track


def assert_error(r, status: int, message: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"ok", "message", "api_request_id"}, body
    assert body["ok"] is False and isinstance(body["message"], str) and body["message"]
    uuid.UUID(body["api_request_id"])
    if message is not None:
        assert body["message"] == message
    return body


def assert_cors(r) -> None:
    assert r.headers.get("access-control-allow-origin") == "*", (r.status_code, r.request.url, dict(r.headers))


def raw_json(client, method, path, content: bytes, headers) -> object:
    return client.request(method, path, content=content, headers={**headers, "Content-Type": "application/json"})


# ----------------------------------------------------------------- bodies


def test_malformed_json_is_400(client, org):
    col = create_collection(client, org)
    for method, path in (("POST", "/v1/collection"), ("PUT", f"/v1/collection/{col['id']}"), ("POST", "/v1/track")):
        for content in (b"{bad", b'{"title": "x",}', b"{'title': 'x'}", b'{"title": "x"'):
            r = raw_json(client, method, path, content, org.headers)
            assert_error(r, 400, "Malformed JSON body")
            assert_cors(r)
    assert client.get(f"/v1/collection/{col['id']}", headers=org.headers).json()["collection"]["title"] == "Album"


def test_non_object_json_bodies_are_400(client, org):
    col = create_collection(client, org)
    for method, path in (("POST", "/v1/collection"), ("PUT", f"/v1/collection/{col['id']}"),
                         ("POST", "/v1/creator"), ("POST", "/v1/playlist")):
        for content in (b'[{"title": "x"}]', b"[]", b'"title"', b"42", b"null"):
            r = raw_json(client, method, path, content, org.headers)
            assert_error(r, 400)
    # Nothing was created along the way.
    assert client.get("/v1/collection", headers=org.headers).json()["count"] == 1


def test_missing_body_is_400(client, org):
    assert_error(client.post("/v1/collection", headers=org.headers), 400)


def test_malformed_json_on_session_routes(client, org):
    col = create_collection(client, org)
    sid = client.post("/v1/upload_session", json={"collection_id": col["id"]}, headers=org.headers).json()["upload_session_id"]
    assert_error(raw_json(client, "POST", f"/v1/upload/{sid}/track", b"{nope", {}), 400, "Malformed JSON body")
    assert_error(raw_json(client, "POST", f"/v1/upload/{sid}/track", b'["a.mp3"]', {}), 400)


# ----------------------------------------------------------- routing errors


def test_unknown_route_is_404_envelope(client, org):
    for path, headers in [(p, h) for p in ("/v1/nope", "/v1/collection/x/y/z", "/nope", "/v2/collection", "/v1")
                          for h in ({}, org.headers)]:
        r = client.get(path, headers=headers)
        assert_error(r, 404)
        assert_cors(r)


WRONG_METHODS = [
    ("DELETE", "/v1/collection"),
    ("PATCH", "/v1/collection"),
    ("PUT", "/v1/creator"),
    ("PUT", "/v1/variant"),
    ("DELETE", "/v1/upload_session"),
    ("PUT", "/v1/play_session/collection"),
    ("POST", "/healthz"),
]


def test_wrong_method_is_405_envelope(client, org):
    for method, path in WRONG_METHODS:
        r = client.request(method, path, headers=org.headers)
        assert_error(r, 405)
        assert_cors(r)
        allow = {m.strip() for m in r.headers["allow"].split(",")}
        assert allow and method not in allow, (method, path, allow)


def test_bad_uuid_in_path_is_400(client, org):
    for path in ("/v1/collection/abc", "/v1/track/123", "/v1/creator/x", "/v1/variant/hq", "/v1/playlist/p",
                 "/v1/upload_session/s", "/v1/play_session/s"):
        assert_error(client.get(path, headers=org.headers), 400)


# ---------------------------------------------------------------- success


def test_success_bodies_carry_ok_and_request_id(client, org, settings):
    col = create_collection(client, org)
    tid = make_ready_track(client, org, settings, col["id"])["track_id"]
    responses = [
        client.get(f"/v1/organization/{org.id}", headers=org.headers),
        client.get("/v1/collection", headers=org.headers),
        client.get(f"/v1/track/{tid}", headers=org.headers),
        client.post("/v1/creator", json={"organization_index": "c"}, headers=org.headers),
        client.post("/v1/upload_session", json={"collection_id": col["id"]}, headers=org.headers),
        client.post("/v1/play_session/track", json={"track_id": tid}, headers=org.headers),
        client.post("/v1/api_key", json={"title": "p", "api_key_type_id": "player"}, headers=org.headers),
    ]
    ids = set()
    for r in responses:
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert body["ok"] is True
        uuid.UUID(body["api_request_id"])
        # The same id is exposed as a header, for support requests.
        assert r.headers["x-request-id"] == body["api_request_id"]
        assert_cors(r)
        ids.add(body["api_request_id"])
    assert len(ids) == len(responses)  # one id per request


def test_error_request_id_matches_header(client):
    r = client.get("/v1/collection")
    body = assert_error(r, 401)
    assert r.headers["x-request-id"] == body["api_request_id"]
    assert client.get("/v1/collection").json()["api_request_id"] != body["api_request_id"]


def test_minted_key_works(client, org):
    r = client.post("/v1/api_key", json={"title": "p", "api_key_type_id": "player"}, headers=org.headers)
    body = r.json()
    assert body["key"]["api_key_type_id"] == "player" and body["key"]["organization_id"] == str(org.id)
    assert "key_hash" not in body["key"] and body["api_key"] not in str(body["key"])
    # A player key opens play sessions but cannot read the catalog.
    assert client.get("/v1/collection", headers=bearer(body["api_key"])).status_code == 403


# ------------------------------------------------------------------- CORS


def test_cors_on_every_kind_of_response(client, org, other_org, settings):
    col = create_collection(client, org)
    created = make_ready_track(client, org, settings, col["id"])
    tid = created["track_id"]
    share = org.key("share", collection_id=uuid.UUID(col["id"]), track_id=uuid.UUID(tid), variants=["lq"])
    redirect = client.get(f"/v1/share/{share}", follow_redirects=False)
    assert redirect.status_code == 302
    ps = client.post("/v1/play_session/track", json={"track_id": tid, "variants": ["lq"]}, headers=org.headers).json()
    file_url = ps["first_track"]["variants"][0]["url"].removeprefix("http://testserver")
    responses = [
        client.get("/v1/collection", headers=org.headers),  # 200
        client.get("/v1/collection"),  # 401
        client.get("/v1/collection", headers=bearer(org.key("player"))),  # 403
        client.get(f"/v1/collection/{col['id']}", headers=other_org.headers),  # 404
        client.post("/v1/collection", json={}, headers=org.headers),  # 400
        client.post(f"/v1/track/{create_track(client, org, col['id'])['track_id']}/variant",
                    json={"variant_type_id": "transcode", "index": "v1"}, headers=org.headers),  # 422
        client.post(f"/v1/track/{tid}/variant", json={"variant_type_id": "transcode", "index": "hq"},
                    headers=org.headers),  # 409
        redirect,  # 302
        client.get(file_url),  # 200 bytes
        client.get(file_url, headers={"Range": "bytes=0-9"}),  # 206
        client.get(file_url.split("?")[0]),  # 403 unsigned
        client.put(created["track_upload"]["upload_url"].removeprefix("http://testserver"), content=b"again"),  # 403 used
        client.get("/healthz"),
        client.get("/openapi.json"),
    ]
    statuses = [r.status_code for r in responses]
    assert statuses == [200, 401, 403, 404, 400, 422, 409, 302, 200, 206, 403, 403, 200, 200]
    for r in responses:
        assert_cors(r)
        if r.status_code >= 400:
            assert_error(r, r.status_code)


PREFLIGHT_PATHS = ["/v1/collection", "/v1/track/" + str(uuid.uuid4()), "/v1/play_session/collection",
                   "/v1/upload/" + str(uuid.uuid4()) + "/track", "/d/whatever.mp3", "/nope"]


def test_preflight(client):
    for path in PREFLIGHT_PATHS:
        r = client.options(path, headers={
            "Origin": "https://player.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type",
        })
        assert r.status_code == 204, (path, r.text)
        assert r.content == b""
        assert r.headers["access-control-allow-origin"] == "*"
        methods = {m.strip() for m in r.headers["access-control-allow-methods"].split(",")}
        assert {"GET", "POST", "PUT", "DELETE", "OPTIONS"} <= methods
        allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
        assert {"authorization", "content-type"} <= allowed
        assert "access-control-allow-private-network" not in r.headers


def test_preflight_without_request_headers_still_allows_auth_and_json(client):
    r = client.options("/v1/collection", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed


def test_private_network_preflight(client):
    r = client.options("/v1/play_session/collection", headers={
        "Origin": "https://public.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
        "Access-Control-Request-Private-Network": "true",
    })
    assert r.status_code == 204
    assert r.headers["access-control-allow-private-network"] == "true"
    assert r.headers["access-control-allow-origin"] == "*"


def test_upload_url_answers_its_own_preflight(client, org):
    col = create_collection(client, org)
    created = create_track(client, org, col["id"])
    url = created["track_upload"]["upload_url"].removeprefix("http://testserver")
    r = client.options(url, headers={
        "Origin": "https://uploader.example",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type",
        "Access-Control-Request-Private-Network": "true",
    })
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "PUT" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-private-network"] == "true"
    cover = created["track_cover_upload"]["upload_url"].removeprefix("http://testserver")
    r = client.options(cover, headers={"Origin": "https://u.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204 and "POST" in r.headers["access-control-allow-methods"]
    # The preflight did not consume the single-use URL.
    put = client.put(url, content=b"ID3" + b"\x00" * 64)
    assert put.status_code == 200, put.text
    assert_cors(put)


def test_cors_exposes_headers_players_need(client, org):
    r = client.get("/v1/collection", headers=org.headers)
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"content-length", "content-range", "accept-ranges", "x-request-id"} <= exposed


def test_500_is_enveloped_with_cors(app):
    @app.get("/v1/test-crash")
    def crash():
        raise RuntimeError("boom")

    c = TestClient(app, raise_server_exceptions=False)
    r = c.get("/v1/test-crash")
    body = assert_error(r, 500, "Internal server error")
    assert "boom" not in r.text
    assert_cors(r)
    assert r.headers["x-request-id"] == body["api_request_id"]


def test_500_body_is_an_envelope(app):
    @app.get("/v1/test-crash")
    def crash():
        raise RuntimeError("secret detail")

    r = TestClient(app, raise_server_exceptions=False).get("/v1/test-crash")
    assert_error(r, 500, "Internal server error")
    assert "secret detail" not in r.text


# ------------------------------------------------------------------- meta


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True and isinstance(body["version"], str) and body["version"]
    assert_cors(r)


def test_openapi_and_docs_are_served(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ("/v1/collection", "/v1/track/{track_id}", "/v1/play_session/{scope}", "/v1/upload_session",
                 "/v1/playlist", "/v1/api_key", "/v1/variant"):
        assert path in paths, path
    docs = client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert "/openapi.json" in docs.text
