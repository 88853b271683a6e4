"""The README's "from zero to a playing link" snippets, run as written against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.audiogen import write_audio
from tests.e2e.server import ServerProcess

README = Path(__file__).resolve().parents[1] / "README.md"


def _block(lang: str, after: str) -> str:
    text = README.read_text()
    start = text.index(after)
    match = re.compile(rf"```{lang}\n(.*?)```", re.S).search(text, start)
    assert match, f"no ```{lang} block after {after!r} in README.md"
    return match.group(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("readme") / "data").start()
    yield srv
    srv.stop()


def test_three_shell_lines_give_a_playing_link(server, tmp_path):
    script = _block("sh", "## From zero to a playing link")
    lines = [ln for ln in script.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(lines) == 3, "the README promises three lines"
    # The README is run from the project folder after `make run`: recreate what it relies on.
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bootstrap-key").write_text(server.key + "\n")
    (tmp_path / "music").mkdir()
    for n in range(2):
        write_audio(tmp_path / "music" / f"song{n}.mp3", "mp3", seconds=1.5, freq=300 + 100 * n)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env.update(TONEARM_URL=server.url, NO_COLOR="1", COLUMNS="120",
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    links = re.findall(r"(http://127\.0\.0\.1:\d+/embed/[0-9a-f-]{36})", proc.stdout)
    assert links, proc.stdout
    page = httpx.get(links[-1], timeout=10)
    assert page.status_code == 200, page.text[:300]
    assert "tonearm-player" in page.text


def test_python_snippet_plays(server, tmp_path):
    code = _block("python", "The same from Python")
    write_audio(tmp_path / "song.mp3", "mp3", seconds=1.5, freq=440)
    proc = subprocess.run([sys.executable, "-c", f"api_key = {server.key!r}\n" + code.replace(
        "http://127.0.0.1:8000", server.url)], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    # first_track carries signed delivery URLs of the processed variants.
    assert re.search(r"/d/[0-9a-f]{16}_hq\.m4a\?", proc.stdout), proc.stdout
