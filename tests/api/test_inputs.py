"""Hostile JSON bodies get a 400/413 in the envelope, never a 500 or a stored row."""

from __future__ import annotations

import json

import pytest

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "body, status",
    [
        ('{"title":"a","metadata":{"x":' + "[" * 1000 + "]" * 1000 + "}}", 400),
        ("[" * 100_000 + "]" * 100_000, 400),
        (json.dumps({"title": "a", "metadata": {"x": "a" * 2_000_000}}), 413),
        (json.dumps({"title": "a\u0000b"}), 400),
        (json.dumps({"title": "a", "metadata": {"k\u0000": 1}}), 400),
        (json.dumps({"title": "a", "metadata": {"k": list(range(20_000))}}), 400),
        ('{"title": "a"', 400),
        ("\xff\xfe", 400),
        ("null", 400),
        ('"title"', 400),
        (json.dumps({"title": 5}), 400),
        (json.dumps({"title": ["a"]}), 400),
        (json.dumps({"title": "ok", "creator_id": "not-a-uuid"}), 400),
        (json.dumps({"title": "ok", "player_color": "red"}), 400),
        (json.dumps({"title": "ok", "is_cover_overridable": "true"}), 400),
        # found by schemathesis: values JSON can carry but the encoder/database cannot
        ('{"title": "a", "metadata": {"n": -4886091781667830104064}}', 400),
        ('{"title": "a", "metadata": {"n": 9223372036854775808}}', 400),
        ('{"title": "a\\ud8fb"}', 400),
        ('{"title": "a", "metadata": {"\\udc0b": 1}}', 400),
    ],
)
def test_bad_collection_bodies(client, org, body, status):
    before = client.get("/v1/collection", headers=org.headers).json()["count"]
    r = client.post("/v1/collection", content=body.encode("utf-8", "surrogateescape"), headers=org.headers | JSON)
    assert r.status_code == status, r.text[:200]
    err = r.json()
    assert err["ok"] is False and err["message"] and err["api_request_id"]
    assert client.get("/v1/collection", headers=org.headers).json()["count"] == before


def test_chunked_oversized_body_is_413(client, org):
    def gen():
        yield b'{"title": "a", "metadata": {"x": "'
        for _ in range(300):
            yield b"a" * 4096
        yield b'"}}'

    r = client.post("/v1/collection", content=gen(), headers=org.headers | JSON)
    assert r.status_code == 413 and r.json()["ok"] is False


def test_nul_in_file_name_rejected(client, org):
    col = client.post("/v1/collection", json={"title": "a"}, headers=org.headers).json()["collection_id"]
    r = client.post("/v1/track", json={"collection_id": col, "file_name": "a\u0000.mp3"}, headers=org.headers)
    assert r.status_code == 400


def test_bidi_and_long_file_names_are_cleaned(client, org):
    col = client.post("/v1/collection", json={"title": "a"}, headers=org.headers).json()["collection_id"]
    r = client.post("/v1/track", json={"collection_id": col, "file_name": "\u202egnp.mp3 \U0001f3b5"}, headers=org.headers)
    assert r.status_code == 200
    assert r.json()["track"]["file_name"] == "gnp.mp3 \U0001f3b5"
    long = "a" * 990 + ".flac"
    r = client.post("/v1/track", json={"collection_id": col, "file_name": long}, headers=org.headers)
    t = r.json()["track"]
    assert len(t["file_name"]) <= 255 and t["file_name"].endswith(".flac")
    assert t["file_name_original"] == long


# NaN, Infinity and numbers past the float range: Python's json module takes them, JSON does not.
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e309", "-1e309"]


@pytest.mark.parametrize("token", NON_FINITE)
@pytest.mark.parametrize("path", ["/v1/upload_session", "/v1/play_session/collection"])
def test_non_finite_expires_in_is_400_naming_the_field(client, org, path, token):
    col = client.post("/v1/collection", json={"title": "a"}, headers=org.headers).json()["collection_id"]
    body = f'{{"collection_id": "{col}", "expires_in": {token}}}'
    r = client.post(path, content=body, headers=org.headers | JSON)
    assert r.status_code == 400, r.text
    err = r.json()
    assert err["ok"] is False and err["api_request_id"]
    assert err["message"].startswith("expires_in: must be a finite number"), err["message"]


@pytest.mark.parametrize("token", NON_FINITE)
def test_non_finite_metadata_is_refused_not_stored_as_null(client, org, token):
    before = client.get("/v1/collection", headers=org.headers).json()["count"]
    body = '{"title": "a", "metadata": {"levels": [0.5, ' + token + "]}}"
    r = client.post("/v1/collection", content=body, headers=org.headers | JSON)
    assert r.status_code == 400, r.text
    assert r.json()["message"].startswith("metadata.levels.1: must be a finite number"), r.text
    assert client.get("/v1/collection", headers=org.headers).json()["count"] == before


@pytest.mark.parametrize("body, message", [
    ("NaN", "Malformed JSON body: NaN/Infinity are not JSON"),
    ("[Infinity]", "0: must be a finite number (Infinity is not JSON)"),
    ("1e999", "Malformed JSON body: 1e999 is out of range"),
])
def test_non_finite_at_the_top(client, org, body, message):
    r = client.post("/v1/collection", content=body, headers=org.headers | JSON)
    assert r.status_code == 400 and r.json()["message"] == message, r.text


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "application/merge-patch+json",
                                   "APPLICATION/JSON"])
def test_every_json_media_type_is_strict(client, org, ctype):
    r = client.post("/v1/collection", content='{"title": "a", "metadata": {"x": NaN}}',
                    headers=org.headers | {"content-type": ctype})
    assert r.status_code == 400 and "metadata.x" in r.json()["message"], r.text


def test_finite_numbers_still_pass(client, org):
    body = '{"title": "a", "metadata": {"x": 1.7976931348623157e308, "y": -0.0, "z": 1e-400}}'
    r = client.post("/v1/collection", content=body, headers=org.headers | JSON)
    assert r.status_code == 200, r.text
    assert r.json()["collection"]["metadata"] == {"x": 1.7976931348623157e308, "y": -0.0, "z": 0.0}


def _multipart_url(client, org) -> str:
    col = client.post("/v1/collection", json={"title": "a"}, headers=org.headers).json()["collection_id"]
    track = client.post("/v1/track", json={"collection_id": col, "file_name": "a.mp3"}, headers=org.headers).json()
    return client.app.state.runtime.upload_signer.url_for(f"/u/{track['track_id']}/multipart", expires_in=600)


@pytest.mark.parametrize("body, status, message", [
    ('{"size": NaN}', 400, "size: must be a finite number (NaN is not JSON)"),
    ('{"size": 1e309}', 400, "size: must be a finite number (1e309 is out of range)"),
    ('{"size": ', 400, "Malformed JSON body"),
    ("[" * 100_000 + "]" * 100_000, 400, "Malformed JSON body"),  # json.loads: RecursionError, was a 500
    ('{"size": "' + "a" * (2 * 1024 * 1024) + '"}', 413, "Request body exceeds 1048576 bytes"),
    ('{"size": 1000}', 400, "Multipart uploads need S3 storage"),  # the strict parse let it through
])
def test_signed_multipart_route_parses_strictly(client, org, body, status, message):
    r = client.post(_multipart_url(client, org), content=body, headers=JSON)
    assert r.status_code == status, r.text[:300]
    assert r.json()["ok"] is False and r.json()["message"] == message


def test_session_ttl_refuses_non_finite_floats(settings):
    from tonearm.catalog.expiry import session_ttl
    from tonearm.errors import Invalid

    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(Invalid, match="finite"):
            session_ttl(settings, value)
    assert session_ttl(settings, 120.0) == 120


def test_input_models_refuse_non_finite_floats():
    from pydantic import ValidationError

    from tonearm.http.inputs import Input

    with pytest.raises(ValidationError, match="finite"):
        Input.model_validate({"metadata": {"x": float("nan")}})
