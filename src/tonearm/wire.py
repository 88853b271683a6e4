"""What every layer writes on the wire: ISO-8601 UTC timestamps, JSON bytes (UUIDs and datetimes
included), and the current request's id. Neutral ground: imports nothing from Tonearm."""

from __future__ import annotations

import contextvars
import datetime as dt
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
    return orjson.dumps(payload, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
