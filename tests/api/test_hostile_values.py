"""Hostile values in every field, generated from the app's own /openapi.json.

For every numeric field of every JSON body (nested objects, array items and the free-form
`metadata` included) and every query parameter: NaN, Infinity, -Infinity, 1e309, 1e20, -1, true,
"1". For every string field, query parameter and path parameter: NUL, a lone surrogate (the JSON
escape "\\ud800"), 100 000 characters, an RTL override (U+202E), CR/LF with a header after it.
Each value goes into an otherwise valid body (BASE below) with real ids, one at a time.

Every answer is a 2xx or a 4xx in the error envelope, never a 5xx; NaN/Infinity/1e309 are a 400
naming the field; no response header carries the input. One app per database backend serves all
cases; the test is parametrized by operation.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from tests.conftest import BACKENDS, Org, _pg_database
from tonearm.api.app import create_app
from tonearm.db.migrate import upgrade
from tonearm.db.session import session_scope
from tonearm.jobs.queue import MemoryQueue
from tonearm.models import metadata
from tonearm.settings import Settings

MARK = "\u2063tnm-value\u2063"  # stands in for the value in a body until the JSON text is built
NUMBERS = {  # name → JSON text
    "NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "1e309": "1e309",
    "1e20": "1e20", "-1": "-1", "true": "true", '"1"': '"1"',
}
NON_FINITE = {"NaN", "Infinity", "-Infinity", "1e309"}
LONG = "L" * 100_000
STRINGS = {  # name → (JSON text, raw query/path text)
    "NUL": ('"tnm\\u0000x"', "tnm%00x"),
    "surrogate": ('"tnm\\ud800x"', "tnm%ED%A0%80x"),
    "100k": (f'"{LONG}"', LONG),
    "RTL": ('"tnm\u202eevil"', quote("tnm\u202eevil")),
    "CRLF": ('"tnm\\r\\nX-Injected: 1"', quote("tnm\r\nX-Injected: 1")),
}
QUERY_NUMBERS = {name: quote(value.strip('"')) for name, value in NUMBERS.items()}
# What must never show up in a response header: the values themselves or what they would inject.
LEAKS = (b"\r", b"\n", b"\x00", "\u202e".encode(), b"tnm", b"X-Injected", b"LLLLLLLLLL")

# A valid body per operation, so that each hostile value meets the code behind the validation.
# Operations missing here get {} (the schema walk still covers their fields).
BASE = {
    "POST /v1/play_session/{scope}": lambda ids: {"collection_id": ids["collection_id"]},
    "POST /v1/upload_session": lambda ids: {"collection_id": ids["collection_id"]},
    "POST /v1/upload/{upload_session_id}/track": lambda ids: {"file_name": "a.mp3"},
    "POST /v1/api_key": lambda ids: {"title": "k", "api_key_type_id": "player"},
    "POST /v1/creator": lambda ids: {"organization_index": "c-" + uuid.uuid4().hex},
    "POST /v1/collection": lambda ids: {"title": "t"},
    "POST /v1/track": lambda ids: {"collection_id": ids["collection_id"], "file_name": "a.mp3"},
    "POST /v1/track/{track_id}/variant": lambda ids: {"variant_type_id": "transcode", "index": _index()},
    "POST /v1/variant": lambda ids: {"variant_type_id": "transcode", "index": _index()},
    "POST /v1/playlist": lambda ids: {"title": "p"},
    "POST /v1/playlist/{playlist_id}/track": lambda ids: {"track_ids": [ids["track_id"]]},
}


def _index() -> str:
    return "v" + uuid.uuid4().hex[:12]


def _schema_doc() -> dict:
    """The document the app serves, built once at collection time to name the parameters."""
    folder = Path(tempfile.mkdtemp(prefix="tonearm-openapi-"))
    url = f"sqlite:///{folder / 'schema.db'}"
    app = create_app(Settings(data_dir=folder / "data", database_url=url, secret_key="schema",
                              public_url="http://testserver", queue_url="memory://"), queue=MemoryQueue())
    return app.openapi()


DOC = _schema_doc()
OPERATIONS = sorted(f"{m.upper()} {p}" for p, ops in DOC["paths"].items() for m in ops if m != "parameters")


def _kinds(schema: dict, components: dict) -> tuple[set[str], list[tuple[tuple, dict]]]:
    """The scalar kinds a schema admits ("number", "string") and the sub-schemas to walk into
    (segment, schema): object properties, array items (segment 0), free-form objects ("k")."""
    if "$ref" in schema:
        return _kinds(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    kinds: set[str] = set()
    inner: list[tuple[tuple, dict]] = []
    for sub in schema.get("anyOf", []) + schema.get("oneOf", []):
        k, i = _kinds(sub, components)
        kinds |= k
        inner += i
    kind = schema.get("type")
    if kind in ("integer", "number"):
        kinds.add("number")
    elif kind == "string":
        kinds.add("string")
    elif kind == "array" and "items" in schema:
        inner.append(((0,), schema["items"]))
    elif kind == "object" or "properties" in schema:
        for name, prop in schema.get("properties", {}).items():
            inner.append(((name,), prop))
        if schema.get("additionalProperties") is True or not schema.get("properties"):
            inner.append((("k",), {"anyOf": [{"type": "number"}, {"type": "string"}]}))
    return kinds, inner


def body_fields(schema: dict, components: dict, path: tuple = (), depth: int = 0) -> list[tuple[tuple, str]]:
    """(path, kind) of every numeric and string leaf of a body schema."""
    if depth > 6:
        return []
    kinds, inner = _kinds(schema, components)
    out = [(path, kind) for kind in sorted(kinds) if path]
    for segment, sub in inner:
        out += body_fields(sub, components, path + segment, depth + 1)
    return out


def _place(body: dict, path: tuple, value) -> dict:
    """A copy of body with value at path (dicts and lists created on the way)."""
    out = copy.deepcopy(body)
    node = out
    for here, nxt in itertools.pairwise(path):
        fresh = [] if isinstance(nxt, int) else {}
        if isinstance(here, int):
            node[:] = [fresh]
            node = node[0]
        else:
            child = node.get(here)
            if not isinstance(child, (dict, list)) or isinstance(nxt, int) != isinstance(child, list):
                node[here] = fresh
            node = node[here]
    if isinstance(path[-1], int):
        node[:] = [value]
    else:
        node[path[-1]] = value
    return out


@dataclass
class Env:
    client: TestClient
    org: Org
    ids: dict[str, str]


def _ids(client, org) -> dict[str, str]:
    h = org.headers
    col = client.post("/v1/collection", json={"title": "hostile"}, headers=h).json()["collection_id"]
    track = client.post("/v1/track", json={"collection_id": col, "file_name": "a.mp3"}, headers=h).json()
    variant = client.post("/v1/variant", json={"variant_type_id": "transcode", "index": _index()}, headers=h).json()
    return {
        "collection_id": col, "track_id": track["track_id"], "scope": "collection",
        "playlist_id": client.post("/v1/playlist", json={"title": "p"}, headers=h).json()["playlist_id"],
        "creator_id": client.post("/v1/creator", json={"organization_index": "c1"}, headers=h).json()["creator_id"],
        "organization_id": str(org.id), "variant_id": variant["variant_id"],
        "upload_session_id": client.post("/v1/upload_session", json={"collection_id": col},
                                         headers=h).json()["upload_session_id"],
        "play_session_id": str(uuid.uuid4()), "play_track_id": str(uuid.uuid4()), "variant_index": "hq",
    }


@pytest.fixture(scope="module", autouse=True)
def long_urls():
    """httpx refuses URLs past 64 KiB on the client side; the 100 000-character query and path
    values are for the server to refuse."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(httpx._urlparse, "MAX_URL_LENGTH", 1_000_000)
        yield


@pytest.fixture(scope="module", params=BACKENDS)
def env(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tonearm.db'}"
        upgrade(url)
    else:
        url = _pg_database()
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=url,
                        secret_key="test-secret-" + uuid.uuid4().hex, public_url="http://testserver",
                        queue_url="memory://")
    with TestClient(create_app(settings, queue=MemoryQueue()), raise_server_exceptions=False) as client:
        org = Org(settings)
        yield Env(client, org, _ids(client, org))
    if request.param != "sqlite":
        tables = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables))
        with session_scope(url) as db:
            db.execute(text(f"TRUNCATE {tables} CASCADE"))


def _problems(r, case: str) -> list[str]:
    out = []
    if r.status_code >= 500 or r.status_code < 200 or 300 <= r.status_code < 400:
        out.append(f"{case}: status {r.status_code} {r.text[:200]}")
    elif r.status_code >= 400:
        try:
            env = r.json()
        except ValueError:
            env = {}
        if not (env.get("ok") is False and env.get("message") and env.get("api_request_id")):
            out.append(f"{case}: {r.status_code} without the envelope: {r.text[:200]}")
    for name, value in r.headers.raw:
        if len(value) > 4096 or any(leak in value for leak in LEAKS):
            out.append(f"{case}: header {name!r} carries the input: {value[:120]!r}")
    return out


def _body_cases(op: str, ids: dict[str, str]):
    method, path = op.split(" ", 1)
    content = (DOC["paths"][path][method.lower()].get("requestBody") or {}).get("content", {})
    if "application/json" not in content:
        return
    components = DOC["components"]["schemas"]
    for field, kind in body_fields(content["application/json"]["schema"], components):
        values = NUMBERS if kind == "number" else {k: v[0] for k, v in STRINGS.items()}
        for name, literal in values.items():
            base = BASE.get(op, lambda _ids: {})(ids)
            raw = json.dumps(_place(base, field, MARK), ensure_ascii=False).replace(json.dumps(MARK, ensure_ascii=False), literal)
            yield field, name, raw


def _url(path: str, ids: dict[str, str], override: dict[str, str] | None = None) -> str:
    values = {**{k: quote(v) for k, v in ids.items()}, **(override or {})}
    for segment in re.findall(r"{(\w+)}", path):  # also two in one segment: /e/…/{variant}.{ext}
        values.setdefault(segment, "x")
    return path.format(**values)


def _parameter_cases(op: str, ids: dict[str, str]):
    """(description, url) with one query or path parameter set to a hostile value."""
    method, path = op.split(" ", 1)
    for param in DOC["paths"][path][method.lower()].get("parameters", []):
        strings = {k: v[1] for k, v in STRINGS.items()}
        if param["in"] == "query":
            for name, raw in {**QUERY_NUMBERS, **strings}.items():
                yield f"?{param['name']}={name}", f"{_url(path, ids)}?{param['name']}={raw}"
        elif param["in"] == "path":
            for name, raw in strings.items():
                yield f"{{{param['name']}}}={name}", _url(path, ids, {param["name"]: raw})


@pytest.mark.parametrize("op", OPERATIONS)
def test_hostile_values(env, op):
    client, headers = env.client, env.org.headers
    method, path = op.split(" ", 1)
    problems, sent = [], 0
    for field, name, raw in _body_cases(op, env.ids):
        where = ".".join(map(str, field))
        r = client.request(method, _url(path, env.ids), content=raw.encode("utf-8", "surrogatepass"),
                           headers={**headers, "Content-Type": "application/json"})
        sent += 1
        case = f"{op} {where}={name}"
        problems += _problems(r, case)
        if name in NON_FINITE and not (r.status_code == 400 and where in r.json().get("message", "")):
            problems.append(f"{case}: expected a 400 naming {where}, got {r.status_code} {r.text[:200]}")
    for case, url in _parameter_cases(op, env.ids):
        r = client.request(method, url, headers=headers)
        sent += 1
        problems += _problems(r, f"{op} {case}")
    assert not problems, "\n".join(problems[:20])
    if method != "GET" and "application/json" in str(DOC["paths"][path][method.lower()].get("requestBody")):
        assert sent >= 5, (op, sent)


def test_the_walk_covers_the_served_schema(env):
    """The operations above are the ones /openapi.json serves, the walk finds the fields, and
    every JSON body is on /v1/, where the middleware parses it strictly."""
    served = env.client.get("/openapi.json").json()
    assert sorted(f"{m.upper()} {p}" for p, ops in served["paths"].items() for m in ops) == OPERATIONS
    components = served["components"]["schemas"]
    numbers = strings = 0
    for path, ops in served["paths"].items():
        for method, op in ops.items():
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                assert path.startswith("/v1/"), (method, path)
                fields = body_fields(content["application/json"]["schema"], components)
                numbers += sum(kind == "number" for _, kind in fields)
                strings += sum(kind == "string" for _, kind in fields)
    assert numbers >= 40 and strings >= 80, (numbers, strings)
    assert ("expires_in",) in [f for f, k in body_fields(
        served["paths"]["/v1/upload_session"]["post"]["requestBody"]["content"]["application/json"]["schema"],
        components) if k == "number"]
