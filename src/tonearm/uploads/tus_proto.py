"""tus 1.0.0 on the wire (tus.io/protocols/resumable-upload): headers, their parsing, the
protocol's own status codes. No state here; uploads/tus.py and tus_routes.py use it."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from email.utils import format_datetime

from tonearm.errors import ApiError, Invalid

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,expiration,checksum,termination"
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
OFFSET_TYPE = "application/offset+octet-stream"
MAX_METADATA = 4000
# Every tus header a browser on another origin must be able to read (api/middleware.py exposes them).
EXPOSED = ("Location", "Tus-Resumable", "Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm",
           "Upload-Offset", "Upload-Length", "Upload-Metadata", "Upload-Expires", "Upload-Defer-Length")

_METADATA_KEY = re.compile(r"^[A-Za-z0-9._~!#$%&'*+^`|-]{1,100}$")  # no spaces, no commas


class PreconditionFailed(ApiError):
    status = 412
    default = "Unsupported tus version: this server speaks tus 1.0.0"


class UnsupportedMediaType(ApiError):
    status = 415
    default = f"PATCH bodies must be sent as Content-Type: {OFFSET_TYPE}"


class Locked(ApiError):
    status = 423
    default = "Another request is writing to this upload; retry shortly"


class ChecksumMismatch(ApiError):
    status = 460
    default = "Checksum Mismatch: the chunk was discarded; send it again"


def capabilities(max_size: int) -> dict[str, str]:
    return {"Tus-Resumable": VERSION, "Tus-Version": VERSION, "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(max_size), "Tus-Checksum-Algorithm": ",".join(CHECKSUMS)}


def check_version(headers) -> None:
    if headers.get("tus-resumable") != VERSION:
        raise PreconditionFailed(headers={"Tus-Version": VERSION})


def whole_number(value: str | None, name: str) -> int:
    if value is None:
        raise Invalid(f"The {name} header is required")
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise Invalid(f"{name} must be a whole number of bytes")
    return int(value)


def metadata(value: str | None) -> str | None:
    """Check Upload-Metadata (`key base64,key base64`); kept as sent, returned on HEAD."""
    if value is None or not value.strip():
        return None
    if len(value) > MAX_METADATA:
        raise Invalid(f"Upload-Metadata is limited to {MAX_METADATA} characters")
    seen = set()
    for pair in value.split(","):
        parts = pair.strip().split(" ")
        if len(parts) > 2 or not _METADATA_KEY.match(parts[0]) or parts[0] in seen:
            raise Invalid("Upload-Metadata must be comma-separated `key base64value` pairs with unique keys")
        seen.add(parts[0])
        if len(parts) == 2:
            try:
                base64.b64decode(parts[1], validate=True)
            except (binascii.Error, ValueError):
                raise Invalid(f"Upload-Metadata value of {parts[0]!r} is not base64") from None
    return value.strip()


def checksum(value: str | None):
    """Upload-Checksum `algorithm base64digest` → (a fresh hash object, expected digest), or None."""
    if value is None:
        return None
    parts = value.strip().split(" ")
    if len(parts) != 2 or parts[0].lower() not in CHECKSUMS:
        raise Invalid(f"Upload-Checksum must be `algorithm base64digest` with algorithm one of {', '.join(CHECKSUMS)}")
    try:
        digest = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("Upload-Checksum digest is not base64") from None
    return CHECKSUMS[parts[0].lower()](), digest


def http_date(when: dt.datetime) -> str:
    return format_datetime(when.astimezone(dt.timezone.utc), usegmt=True)
