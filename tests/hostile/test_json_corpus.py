"""Wrong JSON types on every field of every JSON body, bad ids, bad paging and expiry values:
always a 4xx in the error envelope, never a 5xx. Generated from the app's own OpenAPI document so a
new field is covered the day it is added."""

from __future__ import annotations

import pytest

from tests.helpers import create_collection

VALUES = [12345, 1.5, -(10**30), "abc", True, {"a": 1}, ["x"]]


def _json_type(value) -> set[str]:
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, int):
        return {"integer", "number"}
    if isinstance(value, float):
        return {"number"}
    if isinstance(value, str):
        return {"string"}
    return {"object"} if isinstance(value, dict) else {"array"}


def _types(schema: dict, components: dict) -> set[str]:
    if "$ref" in schema:
        return _types(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if "type" in schema:
        return {schema["type"]}
    out: set[str] = set()
    for sub in schema.get("anyOf", []) + schema.get("oneOf", []):
        out |= _types(sub, components)
    return out


def _field_cases(client):
    doc = client.app.openapi()
    components = doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json")
            if not body:
                continue
            schema = components[body["schema"]["$ref"].rsplit("/", 1)[-1]]
            for field, prop in schema.get("properties", {}).items():
                allowed = _types(prop, components)
                if not allowed:
                    continue  # free-form (metadata): any JSON is fine
                for value in VALUES:
                    if not _json_type(value) & allowed:
                        yield method, path, field, value


@pytest.fixture
def ids(client, org):
    col = create_collection(client, org)["id"]
    track = client.post("/v1/track", json={"collection_id": col, "file_name": "a.mp3"}, headers=org.headers).json()
    playlist = client.post("/v1/playlist", json={"title": "p"}, headers=org.headers).json()["playlist_id"]
    creator = client.post("/v1/creator", json={"organization_index": "c1"}, headers=org.headers).json()["creator_id"]
    session = client.post("/v1/upload_session", json={"collection_id": col}, headers=org.headers).json()
    return {"collection_id": col, "track_id": track["track_id"], "playlist_id": playlist, "creator_id": creator,
            "organization_id": str(org.id), "upload_session_id": session["upload_session_id"], "scope": "collection"}


def test_wrong_types_on_every_field(client, org, ids):
    seen, failures = 0, []
    for method, path, field, value in _field_cases(client):
        url = path.format(**ids)
        r = client.request(method.upper(), url, json={field: value}, headers=org.headers)
        seen += 1
        body = r.json()
        if not (400 <= r.status_code < 500 and body.get("ok") is False and body.get("message")):
            failures.append((method, path, field, value, r.status_code, r.text[:200]))
    assert seen > 150, seen  # every JSON body of the API, several wrong values per field
    assert not failures, failures[:10]


@pytest.mark.parametrize("url", [
    "/v1/track/not-a-uuid", "/v1/collection/123", "/v1/playlist/%00", "/v1/creator/" + "f" * 500,
    "/v1/play/xyz/abc", "/v1/play_session/00000000-0000-0000-0000-00000000000g",
    "/v1/upload_session/../../etc/passwd", "/v1/track/%2e%2e%2f%2e%2e",
])
def test_bad_ids(client, org, url):
    r = client.get(url, headers=org.headers)
    assert r.status_code in (400, 404), (url, r.status_code, r.text)
    assert r.json()["ok"] is False


@pytest.mark.parametrize("query", [
    "limit=-1", "limit=0", "limit=201", "limit=100000000000000000000", "limit=abc", "offset=-1",
    "offset=99999999999999999999999", "offset=1e3", "limit=1&limit=2&limit=%00",
])
def test_bad_paging(client, org, query):
    r = client.get(f"/v1/collection?{query}", headers=org.headers)
    assert r.status_code == 400 or (r.status_code == 200 and query.startswith("limit=1&")), (query, r.text)
    assert (r.json()["ok"] is False) == (r.status_code == 400)


@pytest.mark.parametrize("expires_in", [-5, 0, 59, 10**12, "soon", 1.5e300, None, [], {}])
def test_bad_expires_in(client, org, ids, expires_in):
    r = client.post("/v1/play_session/collection", json={"collection_id": ids["collection_id"],
                                                         "expires_in": expires_in}, headers=org.headers)
    if expires_in is None:  # null means the default lifetime: no complaint about it
        assert r.status_code in (200, 422) and "expires_in" not in r.text, r.text  # 422: nothing processed yet
        return
    assert r.status_code == 400, (expires_in, r.text)
    assert r.json()["ok"] is False and "expires_in" in r.json()["message"]


@pytest.mark.parametrize("name, status", [
    ("../../etc/passwd", 200), ("a\u0000b.mp3", 400), ("x" * 1001, 400), ("\U0001f3b5\u202e.mp3", 200),
    ("", 400), ("con.mp3", 200), ("a/b\\c.mp3", 200),
])
def test_file_names(client, org, ids, name, status):
    r = client.post("/v1/track", json={"collection_id": ids["collection_id"], "file_name": name}, headers=org.headers)
    assert r.status_code == status, (name, r.text)
    if status == 200:
        url = r.json()["track_upload"]["upload_url"]
        assert "/u/" in url and ".." not in url and "etc" not in url  # names never reach storage paths
