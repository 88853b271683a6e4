"""tonearm.logging: one JSON object per line with time/level/logger/message/request_id, and no
API key, bearer token or URL signature ever reaches a log line (JSON or text)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tonearm.logging import (
    JsonFormatter,
    RedactFilter,
    TextFormatter,
    configure,
    redact,
)
from tonearm.wire import request_id_var

KEY = "tnm_" + "Zx9_secretsecretsecretsecret-0123456789"


@pytest.fixture
def restore_logging():
    names = ["", "uvicorn", "uvicorn.access", "uvicorn.error", "huey", "tonearm.access"]
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level, logging.getLogger(n).propagate)
             for n in names}
    yield
    for n, (handlers, level, propagate) in saved.items():
        lg = logging.getLogger(n)
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate = propagate


def _logger(formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactFilter())
    lg = logging.getLogger("tonearm.test." + type(formatter).__name__)
    lg.handlers[:] = [handler]
    lg.propagate = False
    lg.setLevel(logging.DEBUG)
    return lg, stream


def test_json_line_fields_and_request_id():
    lg, stream = _logger(JsonFormatter())
    token = request_id_var.set("req-123")
    try:
        lg.info("track %s is %s", "abc", "ready", extra={"track_id": "abc"})
    finally:
        request_id_var.reset(token)
    lg.warning("outside a request")
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first["message"] == "track abc is ready" and first["level"] == "info"
    assert first["logger"] == "tonearm.test.JsonFormatter" and first["time"].endswith("Z")
    assert first["request_id"] == "req-123" and first["track_id"] == "abc"
    assert "request_id" not in second and second["level"] == "warning"


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_secrets_never_reach_the_line(formatter):
    lg, stream = _logger(formatter)
    lg.warning("bad key %s", KEY)
    lg.warning("headers: %s", {"authorization": f"Bearer {KEY}", "Cookie": "session=abc123"})
    lg.warning("Authorization: Basic dXNlcjpwYXNz")
    lg.warning("GET /d/x.m4a?expires=99&verify=1700000000-c2lnbmF0dXJl HTTP/1.1")
    lg.warning("presigned https://s3/b/k?X-Amz-Credential=AKIA123&X-Amz-Signature=deadbeef")
    try:
        raise ValueError(f"key {KEY} rejected")
    except ValueError:
        lg.exception("failed")
    out = stream.getvalue()
    for secret in (KEY, "secretsecret", "dXNlcjpwYXNz", "abc123", "c2lnbmF0dXJl", "deadbeef", "AKIA123"):
        assert secret not in out
    assert "[redacted]" in out and "expires=99" in out  # the rest of the line survives
    assert "ValueError" in out  # the traceback is kept, redacted


def test_redact_leaves_ordinary_text_alone():
    text = "track 4f9c ready in 1.2 s (hq, lq); tokens counted: 3"
    assert redact(text) == text


def test_app_requests_log_json_with_request_id_and_no_key(restore_logging, capsys, client, org):
    configure("json", "info")
    r = client.get("/v1/collection", headers=org.headers)
    assert r.status_code == 200
    client.get("/v1/collection?key=" + org.api_key, headers={"Authorization": f"Bearer {org.api_key}"})
    logging.getLogger("tonearm.api").warning("request from %s", f"Bearer {org.api_key}")
    err = capsys.readouterr().err
    assert org.api_key not in err
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    access = [rec for rec in records if rec["logger"] == "tonearm.access"]
    assert access[0]["request_id"] == r.headers["x-request-id"]
    assert access[0]["route"] == "/v1/collection" and access[0]["status"] == 200 and access[0]["method"] == "GET"
    assert all("?" not in rec["path"] for rec in access)  # query strings (signatures) are not logged
