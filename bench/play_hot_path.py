"""Benchmark the play hot path against a bare JSON endpoint of the same server.

Starts `tonearm serve` (one API process, no job consumer) on embedded defaults in a temp dir,
creates a processed-looking track, then drives wrk (Debian's package; scripts/wrk-deps.sh) on
loopback with 64 connections against:
  baseline  GET /v1/ping                     (minimal JSON endpoint, same app and middleware)
  play      GET /v1/play/{session}/{track}   (session + membership + signed variant URLs)
and prints requests/s, p99 latency and the ratio play/baseline. Then it creates a 10 000-track
collection and times POST /v1/play_session/collection (median of 5).

    .venv/bin/python bench/play_hot_path.py [--seconds 10] [--connections 64] [--tracks 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.server import ServerProcess  # noqa: E402
from tests.helpers import add_variant_file  # noqa: E402
from tonearm.settings import Settings  # noqa: E402


def ensure_wrk() -> str:
    """wrk, installed from Debian by scripts/wrk-deps.sh when missing."""
    path = shutil.which("wrk")
    if path:
        return path
    subprocess.run(["bash", str(Path(__file__).resolve().parents[1] / "scripts" / "wrk-deps.sh")], check=True)
    return shutil.which("wrk")


def run_wrk(wrk: str, url: str, seconds: int, connections: int) -> tuple[float, float, int]:
    out = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def bulk_tracks(settings: Settings, collection_id: str, org_id: str, n: int) -> None:
    from tonearm.catalog.models import Track
    from tonearm.db.session import session_scope

    now = dt.datetime.now(dt.UTC)
    rows = [
        dict(id=uuid.uuid4(), index=uuid.uuid4().hex[:16], organization_id=uuid.UUID(org_id),
             collection_id=uuid.UUID(collection_id), track_status_id="ready", order=i, file_name=f"t{i}.mp3",
             player_title=f"Track {i}", duration=180.0 + i % 60, upload_state="stored", is_dark=False,
             is_cover_overridable=True, is_theme_overridable=True, attempts=0, created_at=now, updated_at=now)
        for i in range(n)
    ]
    with session_scope(settings.database_url) as db:
        db.execute(Track.__table__.insert(), rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--tracks", type=int, default=10_000)
    args = ap.parse_args()
    wrk = ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="tonearm-bench-"))
    srv = ServerProcess(tmp / "data", args=["--no-worker"], env={"TONEARM_PUBLIC_URL": ""}).start(timeout=300)
    try:
        api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
        col = api.post("/v1/collection", json={"title": "bench"}).json()["collection_id"]
        track = api.post("/v1/track", json={"collection_id": col, "file_name": "a.mp3"}).json()
        httpx.put(track["track_upload"]["upload_url"], content=b"ID3" + b"\0" * 4096)
        settings = Settings(data_dir=srv.data_dir, secret_key="e2e-secret")
        for index, ext in (("hq", "m4a"), ("lq", "mp3"), ("preview", "mp3")):
            add_variant_file(settings, track["track_id"], index, b"\0" * 65536, ext)
        add_variant_file(settings, track["track_id"], "levels", b"{}", "json", extra_data={"levels": [0.5] * 320})
        play = api.post("/v1/play_session/track", json={"track_id": track["track_id"]}).json()
        play_url = f"{srv.url}/v1/play/{play['play_session_id']}/{track['track_id']}"
        assert httpx.get(play_url).status_code == 200

        run_wrk(wrk, srv.url + "/v1/ping", 2, args.connections)  # warm-up
        base = run_wrk(wrk, srv.url + "/v1/ping", args.seconds, args.connections)
        hot = run_wrk(wrk, play_url, args.seconds, args.connections)
        print(f"{'endpoint':<34} {'rps':>9} {'p99 ms':>8} {'non-2xx':>8}")
        print(f"{'GET /v1/ping (baseline)':<34} {base[0]:>9.0f} {base[1]:>8.2f} {base[2]:>8}")
        print(f"{'GET /v1/play/{sid}/{tid}':<34} {hot[0]:>9.0f} {hot[1]:>8.2f} {hot[2]:>8}")
        print(f"ratio play/baseline rps: {hot[0] / base[0]:.2f}  (goal ≥ 0.5, p99 < 20 ms)")

        big = api.post("/v1/collection", json={"title": "big"}).json()["collection_id"]
        org_id = api.get(f"/v1/collection/{big}").json()["collection"]["organization_id"]
        bulk_tracks(settings, big, org_id, args.tracks)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = api.post("/v1/play_session/collection", json={"collection_id": big})
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200 and len(r.json()["tracks"]) == args.tracks
        print(f"play session for a {args.tracks}-track collection: median {statistics.median(times):.0f} ms "
              f"(min {min(times):.0f}, max {max(times):.0f}; goal ≤ 200 ms)")
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
