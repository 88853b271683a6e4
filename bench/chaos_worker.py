"""Chaos run: N uploads processed by a separate `tonearm worker` that is SIGKILLed at random times.

    .venv/bin/python bench/chaos_worker.py [--uploads 100] [--kills 5] [--seconds 2.0] [--json]

Starts `tonearm serve --no-worker` and `tonearm worker` on a fresh data dir (SQLite, local disk,
embedded huey queue), uploads N generated MP3s through the API, and kills the worker with SIGKILL
at random moments while tracks are processing (restarting it each time) until at least K kills have
happened. Then it checks the database: every track ready, exactly one file per variant per track,
every original present with the sha256 of what was uploaded. Exit status 0 only if all hold.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.audiogen import write_audio  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402

ENV = {"TONEARM_JOB_LEASE_SECONDS": "3", "TONEARM_REAP_INTERVAL_SECONDS": "2"}
TERMINAL = ("ready", "incomplete", "error", "init_error")


def _statuses(db: Path) -> dict[str, str]:
    with sqlite3.connect(db, timeout=30) as conn:
        return dict(conn.execute("select id, track_status_id from tracks"))


def run(uploads: int, kills: int, seconds: float, work: Path, seed: int = 7) -> dict:
    rng = random.Random(seed)
    data = work / "data"
    server = ServerProcess(data, env=ENV, args=["--no-worker"]).start()
    log = work / "worker.log"
    worker = server.start_worker(log)
    report: dict = {"uploads": uploads, "kills": 0}
    try:
        api = httpx.Client(base_url=server.url, headers=server.headers, timeout=60)
        col = api.post("/v1/collection", json={"title": "chaos"}).json()["collection_id"]
        digests: dict[str, str] = {}

        def upload(i: int) -> None:
            path = write_audio(work / f"t{i}.mp3", "mp3", seconds=seconds, freq=200 + 7 * i)
            body = path.read_bytes()
            created = api.post("/v1/track", json={"collection_id": col, "file_name": path.name}).json()
            r = httpx.put(created["track_upload"]["upload_url"], content=body, timeout=60)
            r.raise_for_status()
            digests[created["track_id"].replace("-", "")] = hashlib.sha256(body).hexdigest()

        t0 = time.time()
        with cf.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(upload, i) for i in range(uploads)]
            # Kill while the uploads and the processing go on.
            deadline = time.time() + 600
            while time.time() < deadline:
                time.sleep(rng.uniform(0.4, 1.6))
                statuses = _statuses(data / "tonearm.db")
                done = sum(s in TERMINAL for s in statuses.values())
                uploading = not all(f.done() for f in futures)
                if report["kills"] < kills and (uploading or done < uploads):
                    os.kill(worker.pid, signal.SIGKILL)
                    worker.wait(10)
                    report["kills"] += 1
                    worker = server.start_worker(log)
                elif not uploading and done >= uploads:
                    break
            for f in futures:
                f.result()
        report["seconds"] = round(time.time() - t0, 1)

        statuses = _statuses(data / "tonearm.db")
        with sqlite3.connect(data / "tonearm.db", timeout=30) as conn:
            dup = conn.execute("select count(*) from (select track_id, variant_index, count(*) n from track_files"
                               " group by 1, 2 having n > 1)").fetchone()[0]
            originals = conn.execute("select id, original_key, original_sha256 from tracks").fetchall()
        lost = 0
        for tid, key, sha in originals:
            path = data / "objects" / key if key else None
            if not path or not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digests.get(tid) \
                    or sha != digests.get(tid):
                lost += 1
        report.update(
            tracks=len(statuses),
            ready=sum(s == "ready" for s in statuses.values()),
            not_ready={s: n for s in set(statuses.values()) if s != "ready"
                       for n in [sum(v == s for v in statuses.values())]},
            duplicated_variants=dup,
            lost_originals=lost,
        )
        report["ok"] = (report["ready"] == uploads and dup == 0 and lost == 0 and report["kills"] >= kills)
        return report
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        server.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=100)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of each generated track")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tonearm-chaos-") as tmp:
        report = run(args.uploads, args.kills, args.seconds, Path(tmp))
    if args.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            print(f"{k:>20}: {v}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
