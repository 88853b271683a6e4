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
