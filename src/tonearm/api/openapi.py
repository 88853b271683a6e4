"""Tonearm's /openapi.json: FastAPI's generated document, corrected to say what the server sends.

Every JSON answer is described field by field by the route's `response_model` (the stages'
response models, `http/models.py`); handlers return the envelope themselves, so FastAPI never
validates against them and the tests do (`tests/api/test_openapi_conformance.py`, schemathesis).
This module adds what FastAPI cannot see: every 4xx/5xx is the error envelope (never FastAPI's 422
shape: validation errors are 400 here), byte routes answer 200/206/304 with bytes, the share
route and `?redirect=1` downloads redirect, which operations take a Bearer key (AudioDN's
`BearerAuth`; the session-authorised ones take none), and links from create operations to the
reads and writes of what they created, so property-based tools (schemathesis) chain calls.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR = {
    "type": "object",
    "description": "AudioDN's error envelope",
    "required": ["ok", "message", "api_request_id"],
    "properties": {
        "ok": {"type": "boolean", "const": False},
        "message": {"type": "string", "minLength": 1},
        "api_request_id": {"type": "string", "format": "uuid"},
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
BYTES = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
BEARER = {"type": "http", "scheme": "bearer",
          "description": "An API key: API Access for management; Player or Uploader keys for sessions"}

# Authorised by a session id, a signed URL or a key in the path: no Authorization header.
NO_BEARER = {"/v1/upload_session/{upload_session_id}", "/v1/upload/{upload_session_id}/track",
             "/v1/upload/{upload_session_id}/track/{track_id}", "/v1/play_session/{play_session_id}", "/healthz"}
NO_BEARER_UNDER = ("/v1/play/", "/v1/share/", "/u/", "/d/")

# create operation → (id field in its response, operations that take that id as a path parameter)
RESOURCES = {
    "collection": ["/v1/collection/{collection_id}", "/v1/collection/{collection_id}/track"],
    "creator": ["/v1/creator/{creator_id}"],
    "playlist": ["/v1/playlist/{playlist_id}", "/v1/playlist/{playlist_id}/track"],
    "track": ["/v1/track/{track_id}"],
    "variant": ["/v1/variant/{variant_id}"],
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _takes_bearer(path: str) -> bool:
    return path not in NO_BEARER and not path.startswith(NO_BEARER_UNDER)


def _fix_operation(path: str, method: str, op: dict) -> None:
    responses = op.setdefault("responses", {})
    responses.pop("422", None)
    responses["4XX"] = _error("Error envelope: the request was refused")
    responses["5XX"] = _error("Error envelope: the server or its database is unavailable (503, retry) "
                              "or out of space (507)")
    ok = responses.get("200")
    if ok is not None and ok.get("description") == "Successful Response":
        ok["description"] = "Success"
    if path == "/d/{name}":
        responses["200"] = {"description": "The file", "content": BYTES}
        responses["206"] = {"description": "Requested byte ranges", "content": BYTES}
        responses["304"] = {"description": "Not modified"}
    elif path == "/v1/share/{share_key}":
        responses.pop("200", None)
        responses["302"] = {"description": "Redirect to a freshly signed file URL"}
    elif path.endswith("/download"):
        responses["302"] = {"description": "With `redirect=1`: redirect to the signed download URL"}
    if not _takes_bearer(path):
        op["security"] = []


def _add_links(paths: dict) -> None:
    for name, targets in RESOURCES.items():
        create = paths.get(f"/v1/{name}", {}).get("post")
        if not create:
            continue
        links = {}
        for target in targets:
            for method, op in paths.get(target, {}).items():
                if op.get("operationId"):
                    links[f"{method}_{op['operationId']}"] = {
                        "operationId": op["operationId"],
                        "parameters": {f"{name}_id": f"$response.body#/{name}_id"},
                    }
        if links:
            create["responses"]["200"]["links"] = links


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            if isinstance(op, dict):
                _fix_operation(path, method, op)
    _add_links(doc.get("paths", {}))
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Error"] = ERROR
    components["securitySchemes"] = {"BearerAuth": BEARER}
    doc["security"] = [{"BearerAuth": []}]
    return doc


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
