"""Layering: delivery builds on storage, settings and the wire helpers only; playback's
non-route modules do not reach into the API layer; web imports playback's public names."""

from __future__ import annotations

import ast
from pathlib import Path

import tonearm

SRC = Path(tonearm.__file__).parent
DELIVERY_MAY_IMPORT = ("tonearm.delivery", "tonearm.storage", "tonearm.settings", "tonearm.errors", "tonearm.wire")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n.startswith("tonearm.")]


def test_delivery_depends_only_on_storage_settings_and_wire():
    offenders = [f"{p.name}: {n}" for p in (SRC / "delivery").glob("*.py") for n in _imports(p)
                 if not n.startswith(DELIVERY_MAY_IMPORT)]
    assert offenders == []


def test_playback_helpers_do_not_import_the_api_layer():
    modules = ("payload.py", "cache.py", "models.py", "service.py")
    offenders = [f"{m}: {n}" for m in modules for n in _imports(SRC / "playback" / m) if n.startswith("tonearm.api")]
    assert offenders == []


def test_no_private_names_across_packages():
    offenders = []
    for path in SRC.rglob("*.py"):
        package = path.relative_to(SRC).parts[0]
        for name in _imports(path):
            parts = name.split(".")
            if len(parts) > 2 and parts[1] != package and any(p.startswith("_") and p != "__init__" for p in parts[2:]):
                offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []
