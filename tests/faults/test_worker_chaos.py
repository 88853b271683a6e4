"""bench/chaos_worker.py as a test: 100 uploads while the worker is SIGKILLed at least 5 times at
random moments — every track ready, no variant duplicated, no original lost or altered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "chaos_worker.py"


@pytest.mark.slow
def test_hundred_uploads_survive_five_worker_kills():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--uploads", "100", "--kills", "5", "--json"],
                          capture_output=True, text=True, timeout=900)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["kills"] >= 5, report
    assert report["ready"] == report["uploads"] == report["tracks"] == 100, report
    assert report["duplicated_variants"] == 0 and report["lost_originals"] == 0, report
    assert proc.returncode == 0, proc.stderr[-3000:]
