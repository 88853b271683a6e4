"""Wire helpers every layer may use: timestamps as AudioDN writes them, JSON bytes, the request id.

Nothing here knows about HTTP frameworks or the database; the API envelope (http/envelope.py),
the webhook sender and the JSON logs all build on it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import uuid
from typing import Any

import orjson

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("api_request_id", default="")


def current_request_id() -> str:
    rid = request_id_var.get()
    if not rid:
        rid = str(uuid.uuid4())
        request_id_var.set(rid)
    return rid


def _default(obj: Any) -> Any:
    if isinstance(obj, uuid.UUID):
        return str(obj)
    if isinstance(obj, dt.datetime):
        return iso(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def dumps(payload: Any) -> bytes:
    try:
        return orjson.dumps(payload, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError as exc:
        # orjson stops at 64-bit integers. PostgreSQL's jsonb keeps numbers as `numeric` and gives
        # a whole float back as an integer (metadata {"n": 1e30} reads back as 10**30): the
        # standard library writes any integer, exactly.
        if "64-bit" not in str(exc):
            raise
        return json.dumps(payload, default=_default, ensure_ascii=False, separators=(",", ":")).encode()
