"""Mixed load on loopback: uploaders and listeners at once, against a real server and worker.

    .venv/bin/python bench/load_mixed.py [--uploaders 50] [--tracks 10] [--listeners 200] [--max-seconds 600] [--json]

`tonearm serve --no-worker` and one `tonearm worker` run on a fresh data dir (embedded defaults).
A seed collection gets a few processed tracks first. Then U uploaders each push T short generated
MP3s (session → track → PUT) while L listeners loop: create a play session on the seed collection,
fetch the first track's payload, read 64 KiB of its hq file with a Range request. The run ends when
every upload is processed (or at --max-seconds). Printed: errors of any kind (non-2xx, exceptions),
play-session creation p50/p99, listener requests served, tracks ready, and the peak RSS (VmHWM) of
the API process and of the worker process. Exit status 0 only with zero errors and all tracks ready.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.audiogen import write_audio  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402

TERMINAL = ("ready", "incomplete", "error", "init_error")


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def _wait_all(api: httpx.AsyncClient, collection_id: str, expected: int, deadline: float) -> dict[str, str]:
    """Poll the collection's track list (a few requests per round, not one per track)."""
    statuses: dict[str, str] = {}
    while time.time() < deadline:
        statuses, offset = {}, 0
        while True:
            r = await api.get(f"/v1/collection/{collection_id}/track", params={"limit": 200, "offset": offset})
            if r.status_code != 200:
                break
            page = r.json()["tracks"]
            statuses.update({t["id"]: t["track_status_id"] for t in page})
            if len(page) < 200:
                break
            offset += 200
        if len(statuses) >= expected and all(s in TERMINAL for s in statuses.values()):
            break
        await asyncio.sleep(1.0)
    return statuses


async def _run(args, work: Path, server: ServerProcess) -> dict:
    files = [write_audio(work / f"u{i}.mp3", "mp3", seconds=args.seconds, freq=220 + 11 * i) for i in range(8)]
    bodies = [f.read_bytes() for f in files]
    limits = httpx.Limits(max_connections=args.uploaders + args.listeners + 20)
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60, limits=limits) as api:
        seed = (await api.post("/v1/collection", json={"title": "seed"})).json()["collection_id"]
        target = (await api.post("/v1/collection", json={"title": "load"})).json()["collection_id"]
        seed_ids = []
        for i in range(3):
            created = (await api.post("/v1/track", json={"collection_id": seed, "file_name": f"s{i}.mp3"})).json()
            (await api.put(created["track_upload"]["upload_url"], content=bodies[i])).raise_for_status()
            seed_ids.append(created["track_id"])
        await _wait_all(api, seed, len(seed_ids), time.time() + 120)

        errors: list[str] = []
        session_ms: list[float] = []
        served = [0]
        uploaded: list[str] = []
        stop = asyncio.Event()

        async def uploader(n: int) -> None:
            for k in range(args.tracks):
                try:
                    ses = await api.post("/v1/upload_session", json={
                        "collection_id": target, "track": {"file_name": f"u{n}-{k}.mp3"}})
                    if ses.status_code != 200:
                        errors.append(f"upload_session {ses.status_code}")
                        continue
                    handle = ses.json()["track_upload"]
                    r = await api.put(handle["upload_url"], content=bodies[(n + k) % len(bodies)])
                    if r.status_code != 200:
                        errors.append(f"put {r.status_code}")
                        continue
                    uploaded.append(ses.json()["track_id"])
                except httpx.HTTPError as exc:
                    errors.append(f"upload {type(exc).__name__}")

        async def listener() -> None:
            while not stop.is_set():
                try:
                    t0 = time.perf_counter()
                    r = await api.post("/v1/play_session/collection", json={"collection_id": seed})
                    session_ms.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        errors.append(f"play_session {r.status_code}")
                        continue
                    ses = r.json()
                    first = ses["first_track"]
                    r = await api.get(f"/v1/play/{ses['play_session_id']}/{first['track_id']}")
                    if r.status_code != 200:
                        errors.append(f"play {r.status_code}")
                        continue
                    url = first["variants"][0]["url"]
                    r = await api.get(url, headers={"Range": "bytes=0-65535"})
                    if r.status_code != 206:
                        errors.append(f"range {r.status_code}")
                        continue
                    served[0] += 3
                except httpx.HTTPError as exc:
                    errors.append(f"listen {type(exc).__name__}")

        t0 = time.time()
        listeners = [asyncio.create_task(listener()) for _ in range(args.listeners)]
        await asyncio.gather(*(uploader(n) for n in range(args.uploaders)))
        upload_seconds = time.time() - t0
        statuses = await _wait_all(api, target, len(uploaded), t0 + args.max_seconds)
        stop.set()
        await asyncio.gather(*listeners)
        elapsed = time.time() - t0
    ready = sum(s == "ready" for s in statuses.values())
    return {
        "uploads": args.uploaders * args.tracks,
        "uploaded": len(uploaded),
        "ready": ready,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:10],
        "upload_phase_s": round(upload_seconds, 1),
        "elapsed_s": round(elapsed, 1),
        "listener_requests": served[0],
        "play_session_p50_ms": round(_pct(session_ms, 50), 1),
        "play_session_p99_ms": round(_pct(session_ms, 99), 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploaders", type=int, default=50)
    ap.add_argument("--tracks", type=int, default=10)
    ap.add_argument("--listeners", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of each uploaded track")
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--database-url", default="", help="an empty PostgreSQL database (default: embedded SQLite)")
    ap.add_argument("--queue-url", default="", help="e.g. redis://127.0.0.1:6379/5 (default: embedded)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tonearm-load-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in (("TONEARM_DATABASE_URL", args.database_url), ("TONEARM_QUEUE_URL", args.queue_url)) if v}
        server = ServerProcess(work / "data", env=env, args=["--no-worker"])
        if args.database_url:  # scale mode: migrations run once, by hand, before any process starts
            subprocess.run([sys.executable, "-m", "tonearm.cli.main", "db", "upgrade"], env=server.env, check=True)
        server.start()
        worker = server.start_worker(work / "worker.log")
        try:
            report = asyncio.run(_run(args, work, server))
            report["api_peak_rss_mb"] = round(_peak_rss_mb(server.proc.pid), 1)
            report["worker_peak_rss_mb"] = round(_peak_rss_mb(worker.pid), 1)
            report["server_tracebacks"] = server.log.read_text().count("Traceback") + \
                (work / "worker.log").read_text().count("Traceback")
        finally:
            worker.terminate()
            worker.wait(20)
            server.stop()
    report["ok"] = report["errors"] == 0 and report["ready"] == report["uploads"] and not report["server_tracebacks"]
    if args.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            print(f"{k:>22}: {v}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
