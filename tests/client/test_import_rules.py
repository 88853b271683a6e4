"""The SDK stands alone: importing tonearm.client pulls in no server package, SQLAlchemy or FastAPI."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import tonearm.client

FORBIDDEN = ("tonearm.api", "tonearm.db", "tonearm.catalog", "tonearm.auth", "tonearm.uploads", "tonearm.playback",
             "tonearm.delivery", "tonearm.webhooks", "tonearm.settings", "sqlalchemy", "fastapi", "starlette")


def _loaded_after_import(module: str) -> list[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(proc.stdout)


def test_importing_the_sdk_loads_no_server_code():
    loaded = _loaded_after_import("tonearm.client")
    assert "tonearm.client" in loaded and "httpx" in loaded and "pydantic" in loaded
    bad = [m for m in loaded if m.startswith(FORBIDDEN)]
    assert bad == []


def test_the_check_would_notice_a_server_import():
    # the same probe sees the server packages when they are imported
    loaded = _loaded_after_import("tonearm.catalog.schemas")
    assert any(m.startswith(FORBIDDEN) for m in loaded)


def test_sdk_sources_import_only_the_sdk_from_tonearm():
    root = Path(tonearm.client.__file__).parent
    offenders = []
    for src in root.glob("*.py"):
        for node in ast.walk(ast.parse(src.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{src.name}: {n}" for n in names if n.startswith("tonearm") and not n.startswith("tonearm.client")]
    assert offenders == []
