"""Pure ASGI middleware: request ids, CORS (incl. Private Network Access), bounded and strict
request bodies on /v1/, and refusals the client can read, for every response."""

from __future__ import annotations

import logging
import uuid

import anyio

from tonearm.http.jsonbody import MAX_JSON_BODY, NotFinite, is_json_media_type, loads
from tonearm.wire import dumps, request_id_var

log = logging.getLogger("tonearm.api")

ALLOW_METHODS = b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = b"Authorization, Content-Type, Accept-Language, Range, If-None-Match, If-Range, X-Requested-With"
EXPOSE_HEADERS = (b"Content-Length, Content-Range, Accept-Ranges, ETag, Content-Disposition, X-Request-Id, Retry-After, "
                  # tus resumable uploads (uploads/tus_proto.py EXPOSED): browsers on other origins read these
                  b"Location, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, "
                  b"Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires, Upload-Defer-Length")

# The HTTP parser (httptools) sets no bound of its own on request headers; a front proxy should
# (nginx: large_client_header_buffers), and the app refuses what is past these with a 431.
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_COUNT = 200
# A refusal sent while the body is still arriving (a 413, a 403 on a bad upload URL) is followed
# by reading and discarding the rest of the body, up to these bounds, before the connection is
# closed: as nginx's lingering close. Without it, a client that writes its whole body before
# reading (urllib, requests, httpx) sees "connection reset" or "broken pipe" instead of the answer.
DRAIN_BYTES = 16 * 1024 * 1024
DRAIN_SECONDS = 10.0
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class RequestContextMiddleware:
    """Assign an api_request_id, answer CORS preflights, add CORS headers to every response, cap
    request bodies on /v1/ routes at MAX_JSON_BODY bytes (413) and refuse non-JSON numbers in
    them (400), and linger after a refusal until the client has sent its body (bounded)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = str(uuid.uuid4())
        token = request_id_var.set(rid)
        try:
            await _Exchange(scope, receive, send, rid).run(self.app)
        finally:
            request_id_var.reset(token)


def _has_body(headers) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


class _Exchange:
    """One request and its answer, with what is known of the request body: whether the client
    is still sending it, and whether it was asked to (a client sending `Expect: 100-continue`
    sends nothing until the server reads, which uvicorn signals by its first receive())."""

    def __init__(self, scope, receive, send, rid: str):
        self.scope, self.rid = scope, rid
        self._receive, self._send = receive, send
        headers = scope["headers"]
        self.expects_continue = any(n == b"expect" and v.lower() == b"100-continue" for n, v in headers)
        self.body_done = not _has_body(headers)
        self.asked = False
        self.started = False
        self.linger = False

    async def receive(self):
        self.asked = True
        message = await self._receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.body_done = True
        return message

    async def send(self, message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            headers = list(message.get("headers", [])) + [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", EXPOSE_HEADERS),
                (b"x-request-id", self.rid.encode()),
            ]
            if message["status"] >= 400 and not self.body_done:  # refused while the body is owed
                headers = [(n, v) for n, v in headers if n.lower() != b"connection"]
                headers.append((b"connection", b"close"))
                # Drain only what the client was told to send: with `Expect: 100-continue` and
                # nothing read yet, no 100 went out, and the client sends no body after a 4xx.
                self.linger = self.asked or not self.expects_continue
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and self.linger and not message.get("more_body", False):
            self.linger = False
            await self._send({**message, "more_body": True})  # the whole answer is on its way
            await self._drain()
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await self._send(message)

    async def _drain(self) -> None:
        """Read and discard the rest of the body (at most DRAIN_BYTES, DRAIN_SECONDS)."""
        seen = 0
        with anyio.move_on_after(DRAIN_SECONDS):
            while not self.body_done and seen <= DRAIN_BYTES:
                message = await self.receive()
                seen += len(message.get("body", b""))

    async def answer(self, status: int, message: str) -> None:
        body = dumps({"ok": False, "message": message, "api_request_id": self.rid})
        await self.send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]})
        await self.send({"type": "http.response.body", "body": body})

    async def run(self, app) -> None:
        raw = self.scope["headers"]
        if len(raw) > MAX_HEADER_COUNT or sum(len(k) + len(v) for k, v in raw) > MAX_HEADER_BYTES:
            await self.answer(431, "Request headers too large")
            return
        if self.scope["method"] == "OPTIONS":
            headers = dict(raw)
            if b"access-control-request-method" in headers:
                await _preflight(headers, self._send)
                return
        receive = self.receive
        if self.scope["path"].startswith("/v1/") and self.scope["method"] in BODY_METHODS:
            receive = await self._api_body()
            if receive is None:
                return
        try:
            await app(self.scope, receive, self.send)
        except Exception:
            log.exception("unhandled error")
            if self.started:
                raise
            await self.answer(500, "Internal server error")

    async def _api_body(self):
        """Read a /v1/ body whole (at most MAX_JSON_BODY bytes); refuse a JSON body that holds
        NaN, Infinity or an out-of-range number; return a receive() that replays the body to the
        app, or None when answered (or the client left)."""
        for name, value in self.scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > MAX_JSON_BODY):
                await self._too_large()
                return None
        chunks, size, more = [], 0, True
        while more:
            message = await self.receive()
            if message["type"] != "http.request":
                return None  # the client is gone: nobody to answer
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > MAX_JSON_BODY:
                await self._too_large()
                return None
        body = b"".join(chunks)
        if body and is_json_media_type(_header(self.scope, b"content-type")):
            try:
                loads(body)
            except NotFinite as exc:
                await self.answer(400, exc.message)
                return None
            except (ValueError, RecursionError):
                pass  # malformed JSON: FastAPI's parser says so, as for any route
        return _replay(body, self.receive)

    async def _too_large(self) -> None:
        await self.answer(413, f"Request body exceeds {MAX_JSON_BODY} bytes")


def _header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _replay(body: bytes, receive):
    """The buffered body as one message, then the client's own receive (disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay():
        return pending.pop() if pending else await receive()

    return replay


async def _preflight(headers: dict[bytes, bytes], send) -> None:
    out = [
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", ALLOW_METHODS),
        (b"access-control-allow-headers", headers.get(b"access-control-request-headers") or ALLOW_HEADERS),
        (b"access-control-max-age", b"86400"),
        (b"vary", b"Access-Control-Request-Headers"),
        (b"content-length", b"0"),
    ]
    if headers.get(b"access-control-request-private-network", b"").lower() == b"true":
        out.append((b"access-control-allow-private-network", b"true"))
    await send({"type": "http.response.start", "status": 204, "headers": out})
    await send({"type": "http.response.body", "body": b""})
