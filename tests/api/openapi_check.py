"""Check real answers against the app's own /openapi.json, strictly.

The served document keeps objects open (clients generated from it accept fields added later);
here every object that lists its properties is closed, so an answer carrying a field the document
does not name fails, as does a missing required field, a wrong type, a null where none is allowed,
or a malformed uuid, date-time or absolute URL.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker

FORMATS = FormatChecker(["uuid", "date-time"])


@FORMATS.checks("uri", raises=ValueError)
def _absolute_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") and parts.netloc)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value)) and bool(
        dt.datetime.fromisoformat(value.replace("Z", "+00:00")))


def _resolve(node: Any, schemas: dict, seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            assert name not in seen, f"recursive schema {name}"
            return _resolve(schemas[name], schemas, (*seen, name))
        return {k: _resolve(v, schemas, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, schemas, seen) for v in node]
    return node


def _close(node: Any) -> None:
    if isinstance(node, dict):
        if "properties" in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


class Spec:
    """The document an app serves, with a strict validator per documented answer."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.schemas = doc.get("components", {}).get("schemas", {})
        self.seen: set[tuple[str, str]] = set()
        self._validators: dict[tuple[str, str, str], Draft202012Validator] = {}

    def operations(self) -> set[tuple[str, str]]:
        return {(m.upper(), p) for p, ops in self.doc["paths"].items() for m in ops}

    def _validator(self, method: str, path: str, status: int) -> Draft202012Validator | None:
        key = (method, path, str(status))
        if key not in self._validators:
            op = self.doc["paths"][path][method.lower()]
            responses = op["responses"]
            answer = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
            assert answer is not None, f"{method} {path}: status {status} is not documented"
            content = answer.get("content", {})
            schema = (content.get("application/json") or {}).get("schema")
            if schema is None:
                self._validators[key] = None
                return None
            strict = _resolve(copy.deepcopy(schema), self.schemas)
            _close(strict)
            self._validators[key] = Draft202012Validator(strict, format_checker=FORMATS)
        return self._validators[key]

    def check(self, method: str, path: str, response) -> Any:
        """Validate `response` (an httpx response) as the answer of `method path`; its JSON body."""
        self.seen.add((method, path))
        validator = self._validator(method, path, response.status_code)
        if validator is None:
            return None
        assert response.headers.get("content-type", "").startswith("application/json"), response.headers
        body = response.json()
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        where = f"{method} {path} → {response.status_code}"
        assert not errors, where + "\n" + "\n".join(
            f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:10])
        return body
