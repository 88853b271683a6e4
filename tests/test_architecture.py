"""The shape of the source tree (docs/architecture.md): import-linter's contracts in pyproject.toml
hold, they would catch the cycles and upward imports found before, and files and functions stay small."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "tonearm"
LINT = Path(sys.executable).with_name("lint-imports")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _lint(src_root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src_root)}
    return subprocess.run([str(LINT), str(ROOT / "pyproject.toml"), "--no-cache"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_import_contracts_hold():
    run = _lint(ROOT / "src")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


# Each of these was in the tree before the architecture issue; putting one back must break a contract.
REGRESSIONS = [
    ("jobs/queue.py", "import tonearm.processing.tasks  # noqa\n", "Layers"),  # jobs runs stages
    ("webhooks/tasks.py", "from tonearm.processing import run  # noqa\n", "Layers"),  # sibling stage
    ("uploads/completion.py", "def _late():\n    from tonearm.uploads import receive  # noqa\n",
     "no import cycles"),  # a cycle hidden in a function-level import
    ("catalog/schemas.py", "from tonearm.api import app  # noqa\n", "Layers"),  # domain → api
    ("logging.py", "from tonearm.http import envelope  # noqa\n", "Layers"),
    ("delivery/serve.py", "from tonearm.catalog import models  # noqa\n", "Layers"),
    ("media/probe.py", "import sqlalchemy  # noqa\n", "media is pure"),
    ("client/_http.py", "from tonearm.settings import Settings  # noqa\n", "the SDK imports nothing"),
]


@pytest.mark.parametrize(("path", "line", "contract"), REGRESSIONS, ids=[r[0] + ":" + r[2] for r in REGRESSIONS])
def test_contracts_catch_a_reintroduced_import(tmp_path, path, line, contract):
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src", copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "tonearm" / path, "a") as fh:
        fh.write("\n\n" + line)
    run = _lint(copy)
    assert run.returncode != 0, run.stdout
    broken = run.stdout.split("Broken contracts")[-1]
    assert contract in broken, broken


def _python_files():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_files_are_small():
    long = {str(p.relative_to(SRC)): n for p in _python_files() if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES}
    assert long == {}


def test_long_functions_say_why():
    """A function over the limit carries a `# long: why` comment in its first lines."""
    unexplained = []
    for path in _python_files():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                head = "\n".join(lines[node.lineno - 1: node.lineno + 4])
                if length > MAX_FUNCTION_LINES and "# long:" not in head:
                    unexplained.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({length} lines)")
    assert unexplained == []


def _imported_names(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n.startswith("tonearm.")]


def test_no_private_names_across_packages():
    offenders = []
    for path in SRC.rglob("*.py"):
        package = path.relative_to(SRC).parts[0]
        for name in _imported_names(path):
            parts = name.split(".")
            if len(parts) > 2 and parts[1] != package and any(p.startswith("_") and p != "__init__" for p in parts[2:]):
                offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []
