"""Response models: what /openapi.json says each JSON answer holds, field by field.

Handlers build plain dicts and return the envelope themselves (`envelope.ok`), so these models
are never instantiated on a request: they are the documentation of those dicts, given to the route
decorators as `response_model=` (FastAPI skips validation when a handler returns a Response), and
`tests/api/test_openapi_conformance.py` checks real answers against them with every object closed,
so a field a handler sends but no model names fails a test.

Conventions (AudioDN's OpenAPI names and types win):
- a field without a default is always present (`required`); `X | None` means it may be null;
- a field with a default (`= None`) is sometimes absent (its default is not shown in the schema);
- objects stay open (`additionalProperties` allowed), so a client generated from this document
  accepts fields added later. To add a field to an answer, add it to the model here.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

HEX = r"^#[0-9A-Fa-f]{6}$"
HexColor = Annotated[str, Field(pattern=HEX)]
Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
Path = Annotated[str, Field(json_schema_extra={"format": "uri-reference"})]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Json = dict[str, Any]


def _drop_defaults(schema: dict[str, Any]) -> None:
    # An absent field has no value a client should assume: show that it is optional, not a default.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class Out(BaseModel):
    """Base of every response model (documentation only; see the module docstring)."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_drop_defaults)


class OkEnvelope(Out):
    """Every JSON success: `ok` is true and `api_request_id` is also the X-Request-Id header."""

    ok: Literal[True]
    api_request_id: uuid.UUID


class Page(OkEnvelope):
    """A page of a list: `count` is the total, `limit` and `offset` echo the request."""

    count: int
    limit: int
    offset: int

