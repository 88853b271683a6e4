"""Each web component, with the modules it imports, stays within 30 KB minified + gzip.

Measured conservatively: comments and indentation stripped (no identifier mangling), then gzip -9."""

from __future__ import annotations

import gzip
import re

import pytest

from tonearm.web.routes import STATIC_DIR

BUDGET = 30 * 1024
COMPONENTS = STATIC_DIR / "components"


def _imports(name: str, seen: set[str]) -> set[str]:
    if name in seen:
        return seen
    seen.add(name)
    for dep in re.findall(r"""^import [^'"]*['"]\./([\w-]+\.js)['"]""", (COMPONENTS / name).read_text(), re.M):
        _imports(dep, seen)
    return seen


def _stripped(src: str) -> str:
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    src = re.sub(r"^\s*//.*$", "", src, flags=re.M)
    return re.sub(r"\n\s*", "\n", src)


@pytest.mark.parametrize("component", ["player.js", "uploader.js", "recorder.js", "waveform.js"])
def test_component_budget(component):
    files = _imports(component, set())
    assert "shared.js" in files
    size = len(gzip.compress("".join(_stripped((COMPONENTS / f).read_text()) for f in sorted(files)).encode(), 9))
    assert 1000 < size <= BUDGET, (component, sorted(files), size)
