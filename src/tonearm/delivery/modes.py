"""How /d/{name} hands out bytes once the Tonearm signature checks out (TONEARM_DELIVERY):

direct    this process sends the bytes (Range, HEAD); from S3 it streams a ranged GET through
redirect  302 to a short-lived presigned S3 GET URL (S3 storage only)
accel     an empty response with X-Accel-Redirect; nginx sends the file (local storage only)
"""

from __future__ import annotations

from collections.abc import Iterator

from starlette.responses import RedirectResponse, Response, StreamingResponse

from tonearm.storage import can_presign

MODES = ("direct", "redirect", "accel")
CHUNK = 256 * 1024


class DeliveryConfigError(ValueError):
    """A TONEARM_DELIVERY value that cannot work with the configured storage."""


def check_mode(mode: str, storage) -> None:
    """Refuse impossible combinations at startup, with a message that says what to change."""
    if mode not in MODES:
        raise DeliveryConfigError(f"TONEARM_DELIVERY must be one of {', '.join(MODES)}; got {mode!r}")
    if mode == "redirect" and not can_presign(storage):
        raise DeliveryConfigError(
            "TONEARM_DELIVERY=redirect needs S3 storage (TONEARM_STORAGE_URL=s3://bucket/prefix): "
            "there is nothing to redirect to for files on local disk; use direct or accel")
    if mode == "accel" and (can_presign(storage) or getattr(storage, "root", None) is None):
        raise DeliveryConfigError(
            "TONEARM_DELIVERY=accel needs local storage (TONEARM_STORAGE_URL=file://...) served by nginx; "
            "with S3 storage use redirect or direct")


def redirect(storage, key: str, ttl: int, *, content_type: str, disposition: str | None) -> Response:
    url = storage.presign_get(key, ttl, content_type=content_type, disposition=disposition)
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


def accel(prefix: str, key: str, headers: dict, content_type: str) -> Response:
    out = dict(headers)
    out["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + key
    out.pop("Accept-Ranges", None)  # nginx answers Range itself and says so
    return Response(b"", status_code=200, headers=out, media_type=content_type)


def _chunks(fh) -> Iterator[bytes]:
    try:
        while chunk := fh.read(CHUNK):
            yield chunk
    finally:
        fh.close()


def stream(storage, key: str, size: int, ranges: list[tuple[int, int]] | None, headers: dict, content_type: str,
           *, head: bool) -> Response:
    """Send bytes read from storage (no local path): the whole object, or one range (206).
    Several ranges are answered with the whole object (RFC 9110 lets a server ignore Range)."""
    out = dict(headers)
    status, start, length = 200, 0, size
    if ranges and len(ranges) == 1:
        start, end = ranges[0]
        status, length = 206, end - start
        out["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    out["Content-Length"] = str(length)
    if head:
        return Response(b"", status_code=status, headers=out, media_type=content_type)
    body = storage.open(key, start, length)
    response = StreamingResponse(_chunks(body), status_code=status, headers=out, media_type=content_type)
    return response
