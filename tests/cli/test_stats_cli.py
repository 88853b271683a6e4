"""`tonearm stats` against a real server whose events were rolled up: a table, and --json."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.browser.stats_traffic import roll, runtime_of, synthetic
from tests.cli.test_remote_cli import _json, tonearm
from tests.e2e.server import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("stats") / "data").start()
    yield srv
    srv.stop()


def test_stats_table_and_json(server):
    api = httpx.Client(base_url=server.url, headers=server.headers)
    col = api.post("/v1/collection", json={"title": "Stats"}).json()["collection"]["id"]
    tracks = [api.post("/v1/track", json={"collection_id": col, "file_name": f"t{n}.mp3"}).json()["track_id"]
              for n in range(2)]
    rt = runtime_of(server.data_dir, server.env["TONEARM_SECRET_KEY"])
    synthetic(rt, tracks, days=5)
    roll(rt, days=6)
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).date().isoformat()
    report = _json(tonearm(server, "stats", "--collection", col, "--from", since, "--interval", "day", "--json"))
    assert 5 <= len(report["series"]) <= 6 and report["totals"]["downloads"] > 0
    assert {t["track_id"] for t in report["top_tracks"]} == set(tracks)
    proc = tonearm(server, "stats", "--collection", col, "--from", since, "--interval", "day")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.lstrip("│ ").startswith("total") for line in lines)
    assert str(report["totals"]["downloads"]) in next(line for line in lines if "total" in line)
    bad = tonearm(server, "stats", "--interval", "week")
    assert bad.returncode != 0 and "interval" in bad.stderr
