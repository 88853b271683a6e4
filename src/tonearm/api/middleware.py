"""Pure ASGI middleware: request ids and CORS (incl. Private Network Access) for every response."""

from __future__ import annotations

import uuid

from tonearm.api.envelope import request_id_var

ALLOW_METHODS = b"GET, HEAD, POST, PUT, DELETE, OPTIONS"
ALLOW_HEADERS = b"Authorization, Content-Type, Accept-Language, Range, If-None-Match, If-Range, X-Requested-With"
EXPOSE_HEADERS = b"Content-Length, Content-Range, Accept-Ranges, ETag, Content-Disposition, X-Request-Id, Retry-After"


class RequestContextMiddleware:
    """Assign an api_request_id, answer CORS preflights, add CORS headers to every response."""

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
            if headers is not None and b"access-control-request-method" in headers:
                await self._preflight(headers, send)
                return

            async def send_wrapper(message):
                if message["type"] == "http.response.start":
                    extra = [
                        (b"access-control-allow-origin", b"*"),
                        (b"access-control-expose-headers", EXPOSE_HEADERS),
                        (b"x-request-id", rid.encode()),
                    ]
                    message["headers"] = list(message.get("headers", [])) + extra
                await send(message)

            await self.app(scope, receive, send_wrapper)
        finally:
            request_id_var.reset(token)

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
