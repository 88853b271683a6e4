"""UrlSigner: the one way to build and check signed URLs, byte for byte delivery/signing.py's format."""

from __future__ import annotations

import datetime as dt
import types

import pytest

from tonearm.delivery.signing import sign_path, verify_path
from tonearm.delivery.urls import UrlSigner
from tonearm.errors import Forbidden

SECRET = "s3cret"
ISSUED = 1700000000


@pytest.fixture
def signer() -> UrlSigner:
    return UrlSigner(SECRET, "https://cdn.example/")


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("tonearm.delivery.signing.time.time", lambda: ISSUED + 0.25)


def _split(url: str) -> tuple[str, str]:
    path, _, query = url.partition("?")
    return path, query


def test_path_and_url_are_sign_path(signer):
    params = {"expires": 2000000000, "download": 1}
    assert signer.path("/d/a_hq.m4a", params, issued=ISSUED) == sign_path(SECRET, "/d/a_hq.m4a", params, issued=ISSUED)
    assert signer.url("/d/a_hq.m4a", params, issued=ISSUED) == "https://cdn.example" + sign_path(
        SECRET, "/d/a_hq.m4a", params, issued=ISSUED)
    assert signer.path("/d/x", issued=ISSUED) == sign_path(SECRET, "/d/x", {}, issued=ISSUED)
    assert signer.public_url == "https://cdn.example"


def test_url_until_signs_expires_first(signer, frozen):
    at = dt.datetime.fromtimestamp(ISSUED + 600, dt.UTC)
    expected = "https://cdn.example" + sign_path(SECRET, "/u/t", {"expires": ISSUED + 600, "max": 5})
    assert signer.url_until("/u/t", at, max=5) == expected  # what uploads/handles.py builds today
    assert signer.url_until("/u/t", ISSUED + 600, max=5) == expected
    assert "?expires=1700000600&max=5&verify=1700000000-" in expected


def test_url_for_is_relative_to_now(signer, frozen):
    url = signer.url_for("/d/a_lq.mp3", expires_in=3600)
    assert url == "https://cdn.example" + sign_path(SECRET, "/d/a_lq.mp3", {"expires": ISSUED + 3600})
    assert signer.verify(*_split(url.removeprefix(signer.public_url))) == {"expires": str(ISSUED + 3600)}


def test_verify_is_verify_path(signer):
    path, query = _split(signer.path("/d/a_b.mp3", {"expires": ISSUED + 60, "filename": "a b.mp3"}, issued=ISSUED))
    want = {"expires": str(ISSUED + 60), "filename": "a b.mp3"}
    assert signer.verify(path, query, now=ISSUED) == verify_path(SECRET, path, query, now=ISSUED) == want
    with pytest.raises(Forbidden, match="expired"):
        signer.verify(path, query, now=ISSUED + 61)
    with pytest.raises(Forbidden):
        UrlSigner("other", "https://cdn.example").verify(path, query, now=ISSUED)
    with pytest.raises(Forbidden):
        signer.verify(path + "x", query, now=ISSUED)


def test_verify_request_reads_the_raw_query(signer):
    path, query = _split(signer.path("/u/t/cover", {"expires": ISSUED + 60, "name": "é&x"}, issued=ISSUED))
    request = types.SimpleNamespace(url=types.SimpleNamespace(path=path), scope={"query_string": query.encode("latin-1")})
    assert signer.verify_request(request, now=ISSUED) == {"expires": str(ISSUED + 60), "name": "é&x"}
    bare = types.SimpleNamespace(url=types.SimpleNamespace(path=path), scope={})
    with pytest.raises(Forbidden, match="Missing"):
        signer.verify_request(bare, now=ISSUED)


def test_repr_keeps_the_secret(signer):
    assert SECRET not in repr(signer) and "cdn.example" in repr(signer)
