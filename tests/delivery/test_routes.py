"""Serving variant bytes: Range, HEAD, ETag/304, content types, CORS, tamper and expiry."""

from __future__ import annotations

import pytest

from tests.helpers import create_collection, make_ready_track

DATA = bytes(range(256)) * 400  # 102400 bytes


@pytest.fixture
def urls(client, org, settings):
    col = create_collection(client, org)
    make_ready_track(client, org, settings, col["id"], data=DATA)
    body = client.post("/v1/play_session/collection", json={"collection_id": col["id"], "variants": ["hq", "lq"]},
                       headers=org.headers).json()
    return [v["url"].replace("http://testserver", "") for v in body["first_track"]["variants"]]


def test_full_get_and_headers(client, urls):
    hq, lq = urls
    r = client.get(hq, headers={"Origin": "https://example.org"})
    assert r.status_code == 200 and r.content == DATA
    assert r.headers["content-type"] == "audio/mp4"
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["access-control-allow-origin"] == "*"
    assert "content-range" in r.headers["access-control-expose-headers"].lower()
    assert r.headers["etag"]
    assert client.get(lq).headers["content-type"] == "audio/mpeg"
    h = client.head(hq)
    assert h.status_code == 200 and h.content == b"" and int(h.headers["content-length"]) == len(DATA)


def test_ranges(client, urls):
    hq = urls[0]
    r = client.get(hq, headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == DATA[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(DATA)}"
    r = client.get(hq, headers={"Range": "bytes=-50"})
    assert r.status_code == 206 and r.content == DATA[-50:]
    r = client.get(hq, headers={"Range": f"bytes={len(DATA) - 10}-"})
    assert r.content == DATA[-10:]
    # Seeking around: several independent requests.
    for start in (0, 5000, 99000, 51234):
        r = client.get(hq, headers={"Range": f"bytes={start}-{start + 1023}"})
        assert r.status_code == 206 and r.content == DATA[start:start + 1024]
    multi = client.get(hq, headers={"Range": "bytes=0-9,200-209"})
    assert multi.status_code == 206 and multi.headers["content-type"].startswith("multipart/byteranges")
    assert DATA[0:10] in multi.content and DATA[200:210] in multi.content
    for bad in (f"bytes={len(DATA)}-", "bytes=-0"):
        r = client.get(hq, headers={"Range": bad})
        assert r.status_code == 416, bad
        assert r.headers["content-range"] == f"bytes */{len(DATA)}"
        assert r.json()["ok"] is False
    for bad in ("items=0-1", "bytes=5-2"):
        r = client.get(hq, headers={"Range": bad})
        assert r.status_code == 400 and r.json()["ok"] is False
    many = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 400, 2))
    assert client.get(hq, headers={"Range": many}).status_code == 400


def test_etag_304(client, urls):
    hq = urls[0]
    etag = client.get(hq).headers["etag"]
    r = client.get(hq, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    assert client.get(hq, headers={"If-None-Match": '"other"'}).status_code == 200


def test_tamper_and_unknown(client, urls):
    hq = urls[0]
    path, _, query = hq.partition("?")
    assert client.get(path).status_code == 403
    assert client.get(path.replace("_hq.m4a", "_lq.mp3") + "?" + query).status_code == 403
    exp = query.split("expires=")[1].split("&")[0]
    assert client.get(path + "?" + query.replace(exp, str(int(exp) + 1))).status_code == 403
    r = client.get("/d/../../etc/passwd?verify=1-x")
    assert r.status_code in (403, 404)


def test_expired_url(client, urls, monkeypatch):
    import time

    hq = urls[0]
    real = time.time()
    monkeypatch.setattr("tonearm.delivery.signing.time.time", lambda: real + 86400 * 2)
    r = client.get(hq)
    assert r.status_code == 403 and "expired" in r.json()["message"]
