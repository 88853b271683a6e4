"""bench/load_mixed.py at a small scale as a test: uploaders and listeners at once, zero errors,
every upload processed. (The full 50 x 10 with 200 listeners is the benchmark's default.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "load_mixed.py"


@pytest.mark.slow
def test_uploads_and_listeners_at_once_without_errors():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--uploaders", "8", "--tracks", "3", "--listeners", "30",
                           "--seconds", "1.0", "--max-seconds", "300", "--json"],
                          capture_output=True, text=True, timeout=600)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["errors"] == 0, report
    assert report["ready"] == report["uploads"] == 24, report
    assert report["listener_requests"] > 0 and report["server_tracebacks"] == 0, report
    assert proc.returncode == 0, proc.stderr[-3000:]
