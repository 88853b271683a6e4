"""The AudioDN response envelope: {"ok": true, "api_request_id", ...} / {"ok": false, "message", ...}."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse as StarletteJSONResponse

# Re-exported: these moved to the neutral tonearm.wire (domain modules import them from there).
from tonearm.wire import current_request_id, dumps, iso, request_id_var

__all__ = ["JSONResponse", "current_request_id", "dumps", "error", "iso", "ok", "request_id_var"]


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
