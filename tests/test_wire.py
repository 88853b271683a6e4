"""tonearm.wire: the neutral wire helpers."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid

from tonearm import wire
from tonearm.wire import dumps


def test_iso_and_dumps():
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert wire.iso(when) == "2024-05-06T05:08:09Z"
    assert wire.iso(None) is None
    uid = uuid.UUID(int=1)
    assert wire.dumps({"id": uid, "at": when}) == f'{{"id":"{uid}","at":"2024-05-06T05:08:09Z"}}'.encode()


def test_request_id_is_made_once_per_context():
    token = wire.request_id_var.set("")
    try:
        rid = wire.current_request_id()
        assert rid and wire.current_request_id() == rid == wire.request_id_var.get()
    finally:
        wire.request_id_var.reset(token)


def test_wire_imports_no_server_layer():
    code = "import json, sys, tonearm.wire; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert not [m for m in out.split('"') if m.startswith(("tonearm.api", "starlette", "fastapi", "sqlalchemy"))]


def test_dumps_writes_integers_beyond_64_bits():
    # PostgreSQL's jsonb hands back a whole float such as 1e30 as the integer 10**30.
    assert dumps({"n": 10**30, "at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC), "s": "é"}) == \
        '{"n":1000000000000000000000000000000,"at":"2025-01-01T00:00:00Z","s":"é"}'.encode()
    assert json.loads(dumps([-(2**64), 2**64])) == [-(2**64), 2**64]
