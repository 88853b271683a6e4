"""Property-based run of schemathesis over Tonearm's own /openapi.json against a real server.

Every operation, its examples/coverage/fuzzing phases and the stateful phase (links from create
operations), on SQLite and on PostgreSQL: no 5xx; every answer conforms to the documented schema
(each operation's response model field by field, and the error envelope), status code and content
type. Bounded: TONEARM_SCHEMATHESIS_EXAMPLES examples per operation (default 10), fixed seed unless
TONEARM_SCHEMATHESIS_SEED says otherwise. Field-by-field strictness over processed tracks (which
schemathesis cannot upload) is tests/api/test_openapi_conformance.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, PG_URL
from tests.e2e.server import ServerProcess
from tonearm.db.migrate import upgrade

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


@pytest.fixture(params=BACKENDS)
def server_env(request):
    """The server's database: its own SQLite file, or a private PostgreSQL database."""
    if request.param == "sqlite":
        yield {}
        return
    name = f"tonearm_st_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    try:
        yield {"TONEARM_DATABASE_URL": url}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_schemathesis_finds_no_server_errors_or_schema_violations(tmp_path, server_env):
    server = ServerProcess(tmp_path / "data", env=server_env).start()
    try:
        st = Path(sys.executable).with_name("st")
        cmd = [
            str(st), "run", f"{server.url}/openapi.json",
            "-H", f"Authorization: Bearer {server.key}",
            "-c", CHECKS,
            "-n", os.environ.get("TONEARM_SCHEMATHESIS_EXAMPLES", "10"),
            "--seed", os.environ.get("TONEARM_SCHEMATHESIS_SEED", "1"),
        ]
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "NO_COLOR": "1"})
        (tmp_path / "schemathesis.log").write_text(proc.stdout)
        failures = proc.stdout.partition("= FAILURES =")[2].partition("= WARNINGS =")[0]
        summary = (failures[:12000] + "\n…\n" if failures else "") + proc.stdout[-3000:]
        assert proc.returncode == 0, summary
        tail = summary.split("Test cases:")[-1]
        assert " passed" in tail and "failure" not in tail, summary
        operations = re.search(r"Selected: (\d+)/(\d+)", proc.stdout)
        assert operations and operations.group(1) == operations.group(2), summary
    finally:
        server.stop()
    log = (tmp_path / "data" / "server.log").read_text()
    assert "Traceback" not in log, log[-4000:]
