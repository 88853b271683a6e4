"""The AudioDN response envelope: {"ok": true, "api_request_id", ...} / {"ok": false, "message", ...}."""

from __future__ import annotations

import contextvars
import datetime as dt
import uuid
from typing import Any

import orjson
from starlette.responses import JSONResponse as StarletteJSONResponse

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


class JSONResponse(StarletteJSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def ok(status_code: int = 200, **payload: Any) -> JSONResponse:
    body = {"ok": True, "api_request_id": current_request_id()}
    body.update(payload)
    return JSONResponse(body, status_code=status_code)


def error(status_code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"ok": False, "message": message, "api_request_id": current_request_id()}
    return JSONResponse(body, status_code=status_code, headers=headers)
