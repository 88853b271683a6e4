"""Tonearm's /openapi.json: FastAPI's generated document, corrected to say what the server sends.

Handlers return the AudioDN envelope directly, so FastAPI cannot see it. This module states it:
every JSON success carries {"ok": true, "api_request_id"}, every 4xx the error envelope (never
FastAPI's 422 shape: validation errors are 400 here), byte routes answer 200/206/304 with bytes,
the share route redirects, and links from create operations to the reads and writes of what they
created let property-based tools (schemathesis) chain calls.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
from fastapi.openapi.utils import get_openapi

SUCCESS = {
    "type": "object",
    "required": ["ok", "api_request_id"],
    "properties": {"ok": {"const": True}, "api_request_id": {"type": "string"}},
}
FAILURE = {
    "type": "object",
    "required": ["ok", "message", "api_request_id"],
    "properties": {
        "ok": {"const": False},
        "message": {"type": "string", "minLength": 1},
        "api_request_id": {"type": "string"},
    },
}
BYTES = {"*/*": {"schema": {"type": "string", "format": "binary"}}}

# create operation → (id field in its response, operations that take that id as a path parameter)
RESOURCES = {
    "collection": ["/v1/collection/{collection_id}", "/v1/collection/{collection_id}/track"],
    "creator": ["/v1/creator/{creator_id}"],
    "playlist": ["/v1/playlist/{playlist_id}", "/v1/playlist/{playlist_id}/track"],
    "track": ["/v1/track/{track_id}"],
    "variant": ["/v1/variant/{variant_id}"],
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _fix_operation(path: str, method: str, op: dict) -> None:
    responses = op.setdefault("responses", {})
    responses.pop("422", None)
    responses["4XX"] = _json(FAILURE, "Error envelope")
    if path == "/d/{name}":
        responses["200"] = {"description": "The file", "content": BYTES}
        responses["206"] = {"description": "Requested byte ranges", "content": BYTES}
        responses["304"] = {"description": "Not modified"}
    elif path == "/v1/share/{share_key}":
        responses.pop("200", None)
        responses["302"] = {"description": "Redirect to a freshly signed file URL"}
    elif path.startswith("/v1/") or path.startswith("/u/"):
        declared = (responses.get("200") or {}).get("content") or {}
        if not set(declared) - {"application/json"}:  # e.g. GET /v1/feeds.opml answers OPML, not JSON
            responses["200"] = _json(SUCCESS, "Success envelope")


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


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=_reachable(app))
        for path, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                if isinstance(op, dict):
                    _fix_operation(path, method, op)
        _add_links(doc.get("paths", {}))
        doc.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
        doc.get("components", {}).get("schemas", {}).pop("ValidationError", None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
