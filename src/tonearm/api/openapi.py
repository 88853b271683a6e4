"""Tonearm's /openapi.json: FastAPI's generated document, corrected to say what the server sends.

Every JSON answer is described field by field by the route's `response_model` (the stages'
response models, `http/models.py`); handlers return the envelope themselves, so FastAPI never
validates against them and the tests do (`tests/api/test_openapi_conformance.py`, schemathesis).
This module adds what FastAPI cannot see: every 4xx/5xx is the error envelope (never FastAPI's 422
shape: validation errors are 400 here), byte routes answer 200/206/304 with bytes, tus routes
answer 201/204 with headers only, the stats export is CSV, the share
route and `?redirect=1` downloads redirect, which operations take a Bearer key (AudioDN's
`BearerAuth`; the session-authorised ones take none), and links from create operations to the
reads and writes of what they created, so property-based tools (schemathesis) chain calls.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
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
NO_BEARER_UNDER = ("/v1/play/", "/v1/share/", "/u/", "/d/", "/e/", "/feeds/")

# tus 1.0 (uploads/tus_routes.py): answers are headers only; the state travels in Upload-Offset.
TUS_HEADERS = {name: {"description": text, "schema": {"type": "string"}} for name, text in (
    ("Tus-Resumable", "1.0.0"), ("Upload-Offset", "Bytes the server holds (fsynced)"),
    ("Upload-Expires", "While receiving: when the upload expires (HTTP date)"))}
TUS_ANSWERS = {
    ("/u/{track_id}/tus", "post"): {"201": {"description": "Created; `Location` is the signed upload URL "
                                            "(with creation-with-upload the body's bytes are already held)",
                                            "headers": {**TUS_HEADERS, "Location": {"schema": {"type": "string"}}}}},
    ("/u/{track_id}/tus/{upload_id}", "patch"): {"204": {"description": "The bytes are held", "headers": TUS_HEADERS}},
    ("/u/{track_id}/tus/{upload_id}", "delete"): {"204": {"description": "Terminated",
                                                          "headers": {"Tus-Resumable": TUS_HEADERS["Tus-Resumable"]}}},
    ("/u/{track_id}/tus/{upload_id}", "post"): {
        "204": {"description": "X-HTTP-Method-Override: PATCH or DELETE, as those", "headers": TUS_HEADERS},
        "200": {"description": "X-HTTP-Method-Override: HEAD, as HEAD (headers only: Upload-Length too)",
                "headers": TUS_HEADERS}},
}
CSV = {"text/csv": {"schema": {"type": "string"}}}

# POST path → (parameters its answer supplies: name → JSON pointer, operations that take them)
LINKS = {
    "/v1/collection": ({"collection_id": "/collection_id"},
                       ["/v1/collection/{collection_id}", "/v1/collection/{collection_id}/track"]),
    "/v1/creator": ({"creator_id": "/creator_id"}, ["/v1/creator/{creator_id}"]),
    "/v1/playlist": ({"playlist_id": "/playlist_id"}, ["/v1/playlist/{playlist_id}", "/v1/playlist/{playlist_id}/track"]),
    "/v1/track": ({"track_id": "/track_id"}, ["/v1/track/{track_id}"]),
    "/v1/variant": ({"variant_id": "/variant_id"}, ["/v1/variant/{variant_id}"]),
    "/v1/signing_key": ({"signing_key_id": "/signing_key_id"}, ["/v1/signing_key/{signing_key_id}"]),
    "/v1/upload_session": ({"upload_session_id": "/upload_session_id"},
                           ["/v1/upload_session/{upload_session_id}", "/v1/upload/{upload_session_id}/track"]),
    "/v1/upload/{upload_session_id}/track": ({"upload_session_id": "/upload_session_id", "track_id": "/track_id"},
                                             ["/v1/upload/{upload_session_id}/track/{track_id}"]),
    "/v1/play_session/{scope}": ({"play_session_id": "/play_session_id"}, ["/v1/play_session/{play_session_id}"]),
}


# AudioDN's Limit and Offset parameters (the handlers parse them leniently: "" is the default).
PAGING = {"limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
          "offset": {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _takes_bearer(path: str) -> bool:
    return path not in NO_BEARER and not path.startswith(NO_BEARER_UNDER)


def _fix_operation(path: str, method: str, op: dict) -> None:
    for param in op.get("parameters", ()):
        if param.get("in") == "query" and param.get("name") in PAGING:
            param["schema"] = dict(PAGING[param["name"]])
    responses = op.setdefault("responses", {})
    responses.pop("422", None)
    responses["4XX"] = _error("Error envelope: the request was refused")
    responses["5XX"] = _error("Error envelope: the server or its database is unavailable (503, retry) "
                              "or out of space (507)")
    for status, answer in responses.items():
        if status.startswith("2") and answer.get("description") == "Successful Response":
            answer["description"] = "Success"
    if (path, method) in TUS_ANSWERS:
        responses.pop("200", None)
        responses.update(TUS_ANSWERS[path, method])
    elif path == "/v1/stats/export.csv":
        responses["200"] = {"description": "One row per bucket (the series of GET /v1/stats)", "content": CSV}
    elif path == "/d/{name}":
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
    for source, (supplied, targets) in LINKS.items():
        create = paths.get(source, {}).get("post")
        if not create:
            continue
        links = {}
        for target in targets:
            for method, op in paths.get(target, {}).items():
                if op.get("operationId"):
                    links[f"{method}_{op['operationId']}"] = {
                        "operationId": op["operationId"],
                        "parameters": {name: f"$response.body#{pointer}" for name, pointer in supplied.items()
                                       if "{" + name + "}" in target},
                    }
        if links:
            create["responses"]["200"]["links"] = links


def _reachable(app: FastAPI) -> list:
    """The app's routes without those an earlier route with the same path and methods shadows (the
    podcasts stage extends PUT /v1/collection/{id} and PUT /v1/track/{id} ahead of the catalog's):
    FastAPI would otherwise document the later, unreachable one."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for ctx in routing.iter_route_contexts(app.routes):
        keys = {(str(getattr(ctx, "path_format", "")), m) for m in (getattr(ctx, "methods", None) or ())}
        if keys and keys <= seen:
            continue
        seen |= keys
        kept.append(ctx)
    return kept


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=_reachable(app))
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
