"""tonearm.media must stay a pure layer: no web/db frameworks, no other tonearm packages."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import tonearm.media

FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "pydantic", "alembic", "psycopg", "huey",
             "httpx", "uvicorn")
MEDIA_DIR = Path(tonearm.media.__file__).parent


def test_sources_import_only_allowed_modules():
    for path in MEDIA_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: stays inside tonearm.media
                    assert node.level == 1, (path.name, node.module)
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in FORBIDDEN, (path.name, name)
                if top == "tonearm":
                    assert name.startswith("tonearm.media"), (path.name, name)


def test_importing_media_loads_no_forbidden_modules():
    code = (
        "import sys, json, tonearm.media;"
        "print(json.dumps(sorted(m for m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout)
    for name in modules:
        assert name.split(".")[0] not in FORBIDDEN, name
        if name.startswith("tonearm"):
            assert name == "tonearm" or name.startswith("tonearm.media"), name
