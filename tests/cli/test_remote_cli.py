"""The remote half of the `tonearm` CLI, run as a subprocess against a real server."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import av
import pytest

from tests.audiogen import random_file, write_audio
from tests.e2e.server import ServerProcess

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("cli") / "data").start()
    yield srv
    srv.stop()


def _env(server, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONEARM_")}
    env.update(TONEARM_URL=server.url, TONEARM_API_KEY=server.key, COLUMNS="120", NO_COLOR="1")
    env.update(extra)
    return env


def tonearm(server, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tonearm.cli.main", *args], env=env or _env(server),
                          capture_output=True, text=True, timeout=timeout)


def _json(proc: subprocess.CompletedProcess):
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def music(tmp_path_factory):
    root = tmp_path_factory.mktemp("music")
    (root / "disc2").mkdir()
    for n, (name, fmt) in enumerate((("a.mp3", "mp3"), ("b.wav", "wav"), ("c.flac", "flac"),
                                     ("disc2/d.ogg", "ogg"), ("disc2/e.m4a", "m4a"))):
        write_audio(root / name, fmt, seconds=2.0, freq=330 + 110 * n)
    (root / "notes.txt").write_text("liner notes")
    return root


@pytest.fixture(scope="module")
def album(server, music):
    """The folder uploaded once with --wait: (collection id, that run, the tracks listed afterwards)."""
    col = _json(tonearm(server, "collections", "create", "CLI album", "--json"))["id"]
    first = tonearm(server, "upload", str(music), "--collection", col, "--wait", "--concurrency", "3")
    tracks = _json(tonearm(server, "tracks", "list", "--collection", col, "--json"))
    return col, first, tracks


def test_upload_folder_wait_then_rerun_skips(server, music, album):
    col, first, tracks = album
    assert first.returncode == 0, first.stderr + first.stdout
    assert "skipping" in first.stderr and "notes.txt" in first.stderr
    assert "5 uploaded" in first.stdout and "0 failed" in first.stdout
    assert sorted(t["file_name"] for t in tracks) == ["a.mp3", "b.wav", "c.flac", "d.ogg", "e.m4a"]
    assert {t["track_status_id"] for t in tracks} == {"ready"}
    assert all(len(t["metadata"]["sha256"]) == 64 for t in tracks)

    again = tonearm(server, "upload", str(music), "--collection", col, "--json")
    report = _json(again)
    assert report["ok"] is True and report["uploaded"] == 0 and report["skipped"] == 5
    assert {f["result"] for f in report["files"]} == {"skipped"}
    assert {f["track_id"] for f in report["files"]} == {t["id"] for t in tracks}
    assert "already uploaded" in again.stderr

    shown = _json(tonearm(server, "collections", "show", col, "--json"))
    assert shown["title"] == "CLI album" and len(shown["tracks"]) == 5  # nothing new
    listed = _json(tonearm(server, "collections", "list", "--json"))
    assert col in [c["id"] for c in listed]


def test_play_and_download(server, album, tmp_path):
    col, _, tracks = album
    track_id = tracks[0]["id"]
    play = _json(tonearm(server, "play", "--collection", col, "--json"))
    assert play["link"] == f"{server.url}/embed/{play['play_session_id']}"
    assert sorted(play["track_ids"]) == sorted(t["id"] for t in tracks) and play["expires_at"]

    ses = _json(tonearm(server, "play", "--track", track_id, "--downloadable", "--json"))
    out = tmp_path / "song.m4a"
    got = _json(tonearm(server, "download", "--session", ses["play_session_id"], "--track", track_id,
                        "--variant", "hq", "-o", str(out), "--json"))
    assert got["path"] == str(out) and out.stat().st_size == got["size"] > 1000
    with av.open(str(out)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        assert sum(1 for _ in container.decode(audio=0)) > 50

    refused = tonearm(server, "download", "--session", play["play_session_id"], "--track", track_id)
    assert refused.returncode != 0 and "does not allow downloads (403)" in refused.stderr


def test_playlists_commands(server, album):
    _, _, tracks = album
    tid = tracks[0]["id"]
    pl = _json(tonearm(server, "playlists", "create", "Mix", "--track", tid, "--json"))
    assert pl["track_ids"] == [tid]
    human = tonearm(server, "playlists", "show", pl["id"])
    assert human.returncode == 0 and "Mix" in human.stdout and tracks[0]["file_name"] in human.stdout
    assert tonearm(server, "playlists", "delete", pl["id"], "--yes").returncode == 0
    gone = tonearm(server, "playlists", "show", pl["id"])
    assert gone.returncode == 1 and gone.stderr.strip() == "tonearm: error: Playlist not found (404)"


def _one_line_error(proc: subprocess.CompletedProcess, expected: str) -> None:
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("tonearm: error: ") and expected in lines[-1], proc.stderr
    assert "Traceback" not in proc.stderr and len([ln for ln in lines if "error" in ln]) == 1


def test_errors_are_one_line(server, music):
    bad_key = tonearm(server, "collections", "list", env=_env(server, TONEARM_API_KEY="tnm_nope"))
    _one_line_error(bad_key, "Invalid API key (401)")
    assert bad_key.stderr.strip() == "tonearm: error: Invalid API key (401)"
    unreachable = tonearm(server, "collections", "list", "--url", "http://127.0.0.1:1")
    _one_line_error(unreachable, "Cannot reach the Tonearm server at http://127.0.0.1:1")
    missing = tonearm(server, "upload", str(music), "--collection", "00000000-0000-0000-0000-000000000000")
    _one_line_error(missing, "Collection not found (404)")
    _one_line_error(tonearm(server, "upload", "/nonexistent/dir", "-c", "x"), "No such file or directory")


def test_failed_processing_gives_non_zero_exit(server, tmp_path):
    col = tonearm(server, "collections", "create", "Broken", "-q").stdout.strip()
    random_file(tmp_path / "noise.mp3", size=30_000)
    write_audio(tmp_path / "good.wav", "wav", seconds=1.0)
    proc = tonearm(server, "upload", str(tmp_path), "-c", col, "--wait", "--json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    by_name = {f["file_name"]: f for f in report["files"]}
    assert by_name["noise.mp3"]["status"] == "init_error" and by_name["noise.mp3"]["error"]
    assert by_name["good.wav"]["status"] == "ready"
    assert report["ok"] is False and report["failed"] == 1


def _run_in_pty(argv: list[str], env: dict, cols: int = 120, rows: int = 40, timeout: float = 90) -> str:
    pid, fd = pty.fork()
    if pid == 0:  # child
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, 28)  # SIGWINCH, in case the child read the size before we set it
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif os.waitpid(pid, os.WNOHANG) != (0, 0):
            break
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


def test_progress_bars_in_a_terminal(server, tmp_path):
    col = tonearm(server, "collections", "create", "Terminal", "-q").stdout.strip()
    for n in range(3):
        write_audio(tmp_path / f"t{n}.wav", "wav", seconds=1.0, freq=500 + 50 * n)
    env = _env(server, TERM="xterm-256color")
    env.pop("NO_COLOR")
    env.pop("COLUMNS")
    raw = _run_in_pty([sys.executable, "-m", "tonearm.cli.main", "upload", str(tmp_path), "-c", col, "--wait"], env)
    assert "\x1b[" in raw  # rich drew for a terminal (colours, cursor moves)
    text = ANSI.sub("", raw)
    assert "━" in text and "total (3 files)" in text and "processing" in text
    assert "B/s" in text  # transfer speed column
    for n in range(3):
        assert re.search(rf"✓ t{n}\.wav\s+uploaded", text), text
        assert re.search(rf"✓ t{n}\.wav\s+ready", text), text
    assert "Summary" in text and "3 uploaded" in text
