"""Property-based run of schemathesis over Tonearm's own /openapi.json against a real server.

Every operation, its coverage/fuzzing phases and the stateful phase (links from create operations):
no 5xx, every response conforms to the documented schema (success and error envelopes) and status
codes. Bounded: TONEARM_SCHEMATHESIS_EXAMPLES examples per operation (default 10), fixed seed
unless TONEARM_SCHEMATHESIS_SEED says otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.server import ServerProcess


def test_schemathesis_finds_no_server_errors_or_schema_violations(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        st = Path(sys.executable).with_name("st")
        cmd = [
            str(st), "run", f"{server.url}/openapi.json",
            "-H", f"Authorization: Bearer {server.key}",
            "-c", "not_a_server_error,response_schema_conformance,status_code_conformance",
            "-n", os.environ.get("TONEARM_SCHEMATHESIS_EXAMPLES", "10"),
            "--seed", os.environ.get("TONEARM_SCHEMATHESIS_SEED", "1"),
        ]
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "NO_COLOR": "1"})
        summary = proc.stdout[-6000:]
        assert proc.returncode == 0, summary
        tail = summary.split("Test cases:")[-1]
        assert " passed" in tail and "failure" not in tail, summary
    finally:
        server.stop()
    log = (tmp_path / "data" / "server.log").read_text()
    assert "Traceback" not in log, log[-4000:]
