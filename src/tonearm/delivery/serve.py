"""Send an object's bytes once the URL is verified: HEAD, Range (206/416, multiple ranges), ETag/304,
Content-Type per extension, attachment downloads, or an S3 redirect / nginx X-Accel-Redirect.
The `/d/…` routes that verify and resolve names are in playback/delivery.py; CORS is the
middleware's."""

from __future__ import annotations

import hashlib
import time
from email.utils import formatdate
from urllib.parse import quote

from fastapi import Request
from starlette.responses import FileResponse, Response

from tonearm.delivery import modes
from tonearm.delivery.ranges import parse_range
from tonearm.errors import Invalid, NotFound
from tonearm.storage.mime import content_type


def _etag(size: int, mtime: float) -> str:
    return '"' + hashlib.sha1(f"{mtime}-{size}".encode()).hexdigest()[:20] + '"'


def _disposition(filename: str) -> str:
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def serve(request: Request, key: str, name: str, params: dict[str, str]) -> Response:
    """The bytes of the object `key` as `name` (whose extension sets the type), after the caller
    verified the URL: redirect, accel, 304, Range or the whole file."""
    settings, storage = request.app.state.runtime.settings, request.app.state.runtime.storage
    ext = name.rsplit(".", 1)[-1]
    media_type = content_type(ext)
    if settings.delivery == "redirect":  # S3 answers 404, Range and conditional requests itself
        expires = int(params.get("expires") or 0)
        ttl = min(settings.s3_get_seconds, expires - int(time.time())) if expires else settings.s3_get_seconds
        disposition = _disposition(params.get("filename") or name) if params.get("download") == "1" else None
        return modes.redirect(storage, key, max(1, ttl), content_type=media_type, disposition=disposition)
    info = storage.stat(key)
    if info is None:
        raise NotFound("No such file")
    etag = _etag(info.size, info.mtime)
    expires = int(params.get("expires") or 0)
    max_age = max(0, min(86400, expires - int(time.time()))) if expires else 3600
    headers = {
        "ETag": etag,
        "Cache-Control": f"private, max-age={max_age}",
        "Accept-Ranges": "bytes",
        "Last-Modified": formatdate(info.mtime, usegmt=True),
    }
    if params.get("download") == "1":
        headers["Content-Disposition"] = _disposition(params.get("filename") or name)
    inm = request.headers.get("if-none-match")
    if inm and (inm.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in inm.split(",")]):
        return Response(status_code=304, headers=headers)
    if settings.delivery == "accel":  # nginx handles Range from the file itself
        return modes.accel(settings.accel_prefix, key, headers, media_type)
    rng = request.headers.get("range")
    ranges = None
    if rng is not None:
        if len(request.headers.getlist("range")) > 1:
            raise Invalid("Only one Range header is allowed")
        ranges = parse_range(rng, info.size)
    path = storage.local_path(key)
    if path is None:
        return modes.stream(storage, key, info.size, ranges, headers, media_type, head=request.method == "HEAD")
    return FileResponse(path, media_type=media_type, headers=headers)



class Metered(Response):
    """`inner`, sent as is; once sent (or cut off), `on_done(status, first_byte, bytes_sent)` with
    what really left: the status, the first byte's offset (from Content-Range) and the body bytes."""

    def __init__(self, inner: Response, on_done):
        self.inner, self.on_done = inner, on_done
        self.status_code, self.background = inner.status_code, None
        self.raw_headers = inner.raw_headers

    async def __call__(self, scope, receive, send) -> None:
        status, first, sent = self.inner.status_code, 0, 0

        async def counting(message):
            nonlocal status, first, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-range" and value.startswith(b"bytes ") and b"-" in value:
                        first = int(value[6:].split(b"-", 1)[0] or 0)
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.inner(scope, receive, counting)
        finally:
            self.on_done(status, first, sent)
