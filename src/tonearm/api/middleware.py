"""Pure ASGI middleware: request ids and CORS (incl. Private Network Access) for every response."""

from __future__ import annotations

import logging
import uuid

from tonearm.wire import dumps, request_id_var

log = logging.getLogger("tonearm.api")

ALLOW_METHODS = b"GET, HEAD, POST, PUT, DELETE, OPTIONS"
ALLOW_HEADERS = b"Authorization, Content-Type, Accept-Language, Range, If-None-Match, If-Range, X-Requested-With"
EXPOSE_HEADERS = b"Content-Length, Content-Range, Accept-Ranges, ETag, Content-Disposition, X-Request-Id, Retry-After"


MAX_JSON_BODY = 1024 * 1024  # API bodies are small JSON documents; bytes go to /u/ upload URLs
# The HTTP parser (httptools) sets no bound of its own on request headers; a front proxy should
# (nginx: large_client_header_buffers), and the app refuses what is past these with a 431.
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_COUNT = 200


class RequestContextMiddleware:
    """Assign an api_request_id, answer CORS preflights, add CORS headers to every response,
    and cap request bodies on /v1/ routes at MAX_JSON_BODY bytes (413)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = str(uuid.uuid4())
        token = request_id_var.set(rid)
        headers = dict(scope["headers"]) if scope["method"] == "OPTIONS" else None
        try:
            raw = scope["headers"]
            if len(raw) > MAX_HEADER_COUNT or sum(len(k) + len(v) for k, v in raw) > MAX_HEADER_BYTES:
                await _answer(send, rid, 431, "Request headers too large")
                return
            if headers is not None and b"access-control-request-method" in headers:
                await self._preflight(headers, send)
                return

            over = [False]

            async def send_wrapper(message):
                if over[0]:  # the body was cut at the cap: answer 413 whatever the app made of it
                    if message["type"] == "http.response.start":
                        await _too_large(send, rid)
                    return
                if message["type"] == "http.response.start":
                    extra = [
                        (b"access-control-allow-origin", b"*"),
                        (b"access-control-expose-headers", EXPOSE_HEADERS),
                        (b"x-request-id", rid.encode()),
                    ]
                    message["headers"] = list(message.get("headers", [])) + extra
                await send(message)

            if scope["path"].startswith("/v1/") and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
                receive = self._capped(scope, receive, over)
                if receive is None:
                    await _too_large(send, rid)
                    return
            started = [False]

            async def tracking_send(message):
                if message["type"] == "http.response.start":
                    started[0] = True
                await send_wrapper(message)

            try:
                await self.app(scope, receive, tracking_send)
            except Exception:
                log.exception("unhandled error")
                if started[0]:
                    raise
                await _server_error(send, rid)
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _capped(scope, receive, over: list[bool]):
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > MAX_JSON_BODY:
                    return None
        seen = 0

        async def capped_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_JSON_BODY:
                    over[0] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        return capped_receive

    @staticmethod
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


async def _server_error(send, rid: str) -> None:
    await _answer(send, rid, 500, "Internal server error")


async def _answer(send, rid: str, status: int, message: str) -> None:
    body = dumps({"ok": False, "message": message, "api_request_id": rid})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"access-control-allow-origin", b"*"),
        (b"access-control-expose-headers", EXPOSE_HEADERS),
        (b"x-request-id", rid.encode()),
    ]})
    await send({"type": "http.response.body", "body": body})


async def _too_large(send, rid: str) -> None:
    await _answer(send, rid, 413, f"Request body exceeds {MAX_JSON_BODY} bytes")
