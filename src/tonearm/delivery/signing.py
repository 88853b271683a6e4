"""HMAC-signed URLs, AudioDN style: `verify=<issued>-<b64url HMAC-SHA256(secret, path + search + issued)>`,
appended last. Tonearm adds an `expires` parameter (inside the signed part) and checks it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qsl, urlencode

from tonearm.errors import Forbidden

MAX_CLOCK_SKEW = 300


def _sig(secret: str, message: str) -> str:
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def sign_path(secret: str, path: str, params: dict[str, str | int], *, issued: int | None = None) -> str:
    """Return `path?params&verify=...` (relative; prefix PUBLIC_URL to hand out)."""
    issued = int(time.time()) if issued is None else issued
    search = "?" + urlencode([(k, str(v)) for k, v in params.items()]) if params else ""
    verify = f"{issued}-{_sig(secret, path + search + str(issued))}"
    return f"{path}{search}{'&' if search else '?'}verify={verify}"


def verify_path(secret: str, path: str, raw_query: str, *, now: float | None = None) -> dict[str, str]:
    """Check a signed URL's path and raw query; return its parameters or raise Forbidden."""
    now = time.time() if now is None else now
    if "verify=" not in raw_query:
        raise Forbidden("Missing URL signature")
    if raw_query.startswith("verify="):
        search, verify = "", raw_query[len("verify="):]
    else:
        head, sep, verify = raw_query.rpartition("&verify=")
        if not sep:
            raise Forbidden("Malformed URL signature")
        search = "?" + head
    issued_s, dash, sig = verify.partition("-")
    if not dash or not issued_s.isdigit() or len(issued_s) > 12 or not sig or len(sig) > 64:
        raise Forbidden("Malformed URL signature")
    expected = _sig(secret, path + search + issued_s)
    if not hmac.compare_digest(expected.encode(), sig.encode()):
        raise Forbidden("Invalid URL signature")
    if int(issued_s) > now + MAX_CLOCK_SKEW:
        raise Forbidden("URL signature issued in the future")
    params = dict(parse_qsl(search[1:], keep_blank_values=True)) if search else {}
    expires = params.get("expires")
    if expires is not None:
        if not expires.isdigit() or int(expires) < now:
            raise Forbidden("This signed URL has expired")
    return params
