"""Strict JSON request bodies (RFC 8259): the one parser every JSON body goes through.

Python's `json.loads` (what Starlette's `Request.json()` and so FastAPI use) accepts the tokens
`NaN`, `Infinity` and `-Infinity`, which are not JSON, and turns numbers past the float range
(`1e309`) into infinities. Neither can be stored, compared or encoded again. `loads` parses exactly
as `json.loads` does and refuses both with a message naming the field ("expires_in: must be a
finite number (NaN is not JSON)"). The API middleware applies it to every JSON body on `/v1/`;
routes that parse a body themselves call `read_json`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tonearm.errors import Invalid, TooLarge

MAX_JSON_BODY = 1024 * 1024  # API bodies are small JSON documents; bytes go to /u/ upload URLs
MALFORMED = "Malformed JSON body"
_TOKENS = ("NaN", "Infinity", "-Infinity")


class NotFinite(ValueError):
    """A body that parsed only thanks to Python's extensions: `message` names the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Refused:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def is_json_media_type(content_type: str | None) -> bool:
    """What FastAPI parses as JSON: `application/json` or `application/*+json` (parameters ignored)."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    main, _, sub = media.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def loads(raw: bytes | str) -> Any:
    """`json.loads(raw)`, except that NaN/Infinity and out-of-range numbers raise `NotFinite`.

    Other failures are json.loads's own (JSONDecodeError, UnicodeDecodeError, RecursionError)."""
    refused: list[_Refused] = []

    def constant(token: str) -> _Refused:
        refused.append(_Refused(token))
        return refused[-1]

    def number(text: str) -> float | _Refused:
        value = float(text)
        if math.isfinite(value):
            return value
        refused.append(_Refused(text))
        return refused[-1]

    value = json.loads(raw, parse_constant=constant, parse_float=number)
    if refused:
        raise NotFinite(_message(value, refused[0]))
    return value


def _message(value: Any, first: _Refused) -> str:
    path = _path_to(value, first)
    what = f"{first.text} is not JSON" if first.text in _TOKENS else f"{first.text} is out of range"
    if path:
        return f"{path}: must be a finite number ({what})"
    if first.text in _TOKENS:
        return f"{MALFORMED}: NaN/Infinity are not JSON"
    return f"{MALFORMED}: {what}"


def _path_to(value: Any, target: _Refused) -> str:
    """The dotted path (`metadata.levels.2`) of `target` inside `value`; "" at the top. Iterative:
    the parser allows deeper nesting than a recursive walk would."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if item is target:
            return ".".join(path)
        if isinstance(item, dict):
            stack.extend((v, (*path, str(k))) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, (*path, str(i))) for i, v in enumerate(item))
    return ""


async def read_json(request, limit: int = MAX_JSON_BODY) -> Any:
    """The request's body (at most `limit` bytes, else 413) through `loads`; any parse failure is
    a 400 (`Invalid`) in the envelope."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"Request body exceeds {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    try:
        return loads(body)
    except NotFinite as exc:
        raise Invalid(exc.message) from None
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise Invalid(MALFORMED) from None
