"""Retries against a scripted local HTTP server: idempotent calls retry on 5xx/429, a POST never does."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tonearm.client import AsyncTonearm, Tonearm, TonearmConnectionError, TonearmError
from tonearm.client.errors import NotFoundError


class Scripted:
    """Answers each request with the next (status, headers, body) of a script; counts requests."""

    def __init__(self):
        self.script: list[tuple[int, dict, dict]] = []
        self.requests: list[tuple[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                outer.requests.append((self.command, self.path))
                status, headers, body = outer.script.pop(0) if outer.script else (200, {}, {"ok": True})
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self, *script):
        self.script = list(script)
        self.requests = []


UNAVAILABLE = (503, {}, {"ok": False, "message": "Try later", "api_request_id": "r-503"})
COLLECTION = {"ok": True, "collection_id": "c1", "collection": {"id": "c1", "title": "Retried"}}


@pytest.fixture(scope="module")
def fake():
    srv = Scripted()
    yield srv
    srv.httpd.shutdown()


def test_get_is_retried_after_503(fake):
    fake.reset(UNAVAILABLE, UNAVAILABLE, (200, {}, COLLECTION))
    with Tonearm(fake.url, "k", retries=3, backoff=0.01) as tn:
        col = tn.collections.get("c1")
    assert col.title == "Retried"
    assert fake.requests == [("GET", "/v1/collection/c1")] * 3


def test_retries_run_out(fake):
    fake.reset(UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, (200, {}, COLLECTION))
    with Tonearm(fake.url, "k", retries=2, backoff=0.01) as tn, pytest.raises(TonearmError) as info:
        tn.collections.get("c1")
    assert info.value.status == 503 and info.value.message == "Try later"
    assert info.value.api_request_id == "r-503"
    assert len(fake.requests) == 3  # 1 + 2 retries


def test_post_is_never_retried(fake):
    fake.reset(UNAVAILABLE, (200, {}, COLLECTION))
    with Tonearm(fake.url, "k", retries=3, backoff=0.01) as tn, pytest.raises(TonearmError) as info:
        tn.collections.create("Once")
    assert info.value.status == 503
    assert fake.requests == [("POST", "/v1/collection")]


def test_put_and_delete_are_retried(fake):
    fake.reset(UNAVAILABLE, (200, {}, COLLECTION), (502, {}, {}), (200, {}, {"ok": True, "deleted_collection": COLLECTION["collection"]}))
    with Tonearm(fake.url, "k", retries=3, backoff=0.01) as tn:
        tn.collections.update("c1", title="x")
        tn.collections.delete("c1")
    assert [m for m, _ in fake.requests] == ["PUT", "PUT", "DELETE", "DELETE"]


def test_429_honours_retry_after(fake):
    fake.reset((429, {"Retry-After": "1"}, {"ok": False, "message": "Slow down"}), (200, {}, COLLECTION))
    start = time.monotonic()
    with Tonearm(fake.url, "k", retries=3, backoff=0.01) as tn:
        tn.collections.get("c1")
    assert time.monotonic() - start >= 0.95
    assert len(fake.requests) == 2


def test_4xx_is_not_retried(fake):
    fake.reset((404, {}, {"ok": False, "message": "Collection not found", "api_request_id": "r-404"}))
    with Tonearm(fake.url, "k", retries=3, backoff=0.01) as tn, pytest.raises(NotFoundError):
        tn.collections.get("c1")
    assert len(fake.requests) == 1


def test_async_client_retries_too(fake):
    fake.reset(UNAVAILABLE, (200, {}, COLLECTION), UNAVAILABLE)

    async def main():
        async with AsyncTonearm(fake.url, "k", retries=3, backoff=0.01) as tn:
            col = await tn.collections.get("c1")
            with pytest.raises(TonearmError):
                await tn.collections.create("Once")
            return col

    assert asyncio.run(main()).id == "c1"
    assert [m for m, _ in fake.requests] == ["GET", "GET", "POST"]


def test_connection_errors_are_retried_then_raised():
    start = time.monotonic()
    with Tonearm("http://127.0.0.1:1", "k", retries=2, backoff=0.2) as tn, pytest.raises(TonearmConnectionError) as info:
        tn.collections.list()
    assert time.monotonic() - start >= 0.55  # 0.2 + 0.4 of backoff: it did retry
    assert info.value.status is None and "127.0.0.1:1" in str(info.value)
    assert isinstance(info.value, TonearmError)
