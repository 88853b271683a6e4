"""URL signing: AudioDN's verify=<issued>-<sig> scheme plus Tonearm's expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from tonearm.delivery.signing import sign_path, verify_path
from tonearm.errors import Forbidden

SECRET = "s3cret"


def _split(url: str) -> tuple[str, str]:
    path, _, query = url.partition("?")
    return path, query


def test_matches_audiodn_scheme():
    url = sign_path(SECRET, "/d/abc_128.mp3", {"expires": 2000000000}, issued=1700000000)
    path, query = _split(url)
    assert query.endswith("verify=" + query.rsplit("verify=", 1)[1]) and query.rsplit("&", 1)[1].startswith("verify=")
    mac = hmac.new(SECRET.encode(), b"/d/abc_128.mp3?expires=2000000000" + b"1700000000", hashlib.sha256).digest()
    expected = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert query == f"expires=2000000000&verify=1700000000-{expected}"
    assert verify_path(SECRET, path, query, now=1700000100) == {"expires": "2000000000"}


def test_without_params():
    url = sign_path(SECRET, "/d/x_hq.m4a", {}, issued=1700000000)
    path, query = _split(url)
    assert query.startswith("verify=")
    assert verify_path(SECRET, path, query, now=1700000000) == {}


def test_every_byte_matters():
    url = sign_path(SECRET, "/d/abc_hq.m4a", {"expires": 2000000000, "download": 1}, issued=1700000000)
    path, query = _split(url)
    for i in range(len(path)):
        bad = path[:i] + ("x" if path[i] != "x" else "y") + path[i + 1:]
        with pytest.raises(Forbidden):
            verify_path(SECRET, bad, query, now=1700000000)
    for i in range(len(query)):
        ch = query[i]
        bad = query[:i] + ("A" if ch != "A" else "B") + query[i + 1:]
        with pytest.raises(Forbidden):
            verify_path(SECRET, path, bad, now=1700000000)
    with pytest.raises(Forbidden):
        verify_path("other", path, query, now=1700000000)
    with pytest.raises(Forbidden):
        verify_path(SECRET, path, query + "&extra=1", now=1700000000)


def test_expiry_and_future_issue():
    url = sign_path(SECRET, "/d/a_b.mp3", {"expires": 1700000060}, issued=1700000000)
    path, query = _split(url)
    verify_path(SECRET, path, query, now=1700000060)
    with pytest.raises(Forbidden, match="expired"):
        verify_path(SECRET, path, query, now=1700000061)
    future = sign_path(SECRET, "/d/a_b.mp3", {}, issued=1800000000)
    with pytest.raises(Forbidden):
        verify_path(SECRET, *_split(future), now=1700000000)
