"""Benchmark listening analytics in one run (docs/analytics.md, figures in docs/performance.md):

1. byte serving with and without event recording: two `tonearm serve` processes side by side (one
   API process each, no job consumer), TONEARM_ANALYTICS_ENABLED=false and true; wrk with 32
   connections fetches a 64 KiB range of a variant over `/d/`, alternating between the two servers
   for --rounds rounds (off/on, then on/off, ...) so that the shared machine's load drifts hit both
   alike; requests/s, p99 and each server's CPU-ms per 1000 requests;
2. beacon ingestion on one API process: wrk POSTs batches of 10 player events to
   /v1/play/{sid}/{tid}/event; events/s accepted, and over the same window how many events reached
   the database (events/s written) and how many the buffer dropped;
3. rollup time for N synthetic raw events (default 1 000 000: 80 % delivery, 20 % player events
   in one UTC day) on SQLite and on PostgreSQL: wall and CPU seconds of `aggregate` over that day
   (and of the PostgreSQL backend serving it), against a baseline measured in the same run:
   reading every column of those raw events once through the driver.

    .venv/bin/python bench/analytics.py [--seconds 10] [--rounds 3] [--events 1000000] [--skip-http] [--skip-rollup]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import resource
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

from bench.play_hot_path import ensure_wrk  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402
from tests.helpers import add_variant_file  # noqa: E402
from tonearm.settings import Settings  # noqa: E402

PG = os.environ.get("TONEARM_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
UA = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"


def run_wrk(wrk: str, url: str, seconds: int, connections: int, script: Path) -> tuple[float, float, int]:
    """(requests/s, p99 ms, non-2xx responses) of wrk with a Lua script."""
    out = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve(tmp: Path, enabled: bool):
    srv = ServerProcess(tmp / ("on" if enabled else "off"), args=["--no-worker"],
                        env={"TONEARM_PUBLIC_URL": "", "TONEARM_ANALYTICS_ENABLED": str(enabled).lower()})
    try:
        srv.start()
    except RuntimeError:  # more than 30 s to start: the shared machine is busy; give it longer
        deadline = time.time() + 120
        while srv.proc is not None and srv.proc.poll() is None and time.time() < deadline:
            try:
                if httpx.get(srv.url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            srv.stop()
            raise
    api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
    col = api.post("/v1/collection", json={"title": "bench"}).json()["collection_id"]
    track = api.post("/v1/track", json={"collection_id": col, "file_name": "a.mp3"}).json()
    httpx.put(track["track_upload"]["upload_url"], content=b"ID3" + b"\0" * 4096)
    settings = Settings(data_dir=srv.data_dir, secret_key="e2e-secret")
    add_variant_file(settings, track["track_id"], "lq", b"\0" * 4_000_000, "mp3")
    play = api.post("/v1/play_session/track", json={"track_id": track["track_id"], "variants": ["lq"]}).json()
    url = play["first_track"]["variants"][0]["url"]
    return srv, api, play["play_session_id"], track["track_id"], url


def _wrk_script(tmp: Path, lines: list[str]) -> Path:
    path = tmp / f"wrk-{uuid.uuid4().hex[:6]}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def bench_delivery(wrk: str, tmp: Path, seconds: int, rounds: int) -> None:
    """Both servers run side by side; wrk alternates between them (off, on, then on, off, ...), so
    a change in the shared machine's load hits both configurations alike."""
    script = _wrk_script(tmp, [f'wrk.headers["Range"] = "bytes=0-65535"', f'wrk.headers["User-Agent"] = "{UA}"'])
    servers = {}
    totals = {enabled: [0.0, 0.0, []] for enabled in (False, True)}  # requests, CPU seconds, p99s
    ratios = []
    try:
        for enabled in (False, True):
            servers[enabled] = _serve(tmp, enabled)
        for enabled, (srv, _, _, _, url) in servers.items():
            run_wrk(wrk, url, 2, 32, script)  # warm-up
        for r in range(rounds):
            got = {}
            for enabled in ((False, True) if r % 2 == 0 else (True, False)):
                srv, _, _, _, url = servers[enabled]
                c0 = cpu_of(srv.proc.pid)
                rps, p99, bad = run_wrk(wrk, url, seconds, 32, script)
                totals[enabled][0] += rps * seconds
                totals[enabled][1] += cpu_of(srv.proc.pid) - c0
                totals[enabled][2].append(p99)
                got[enabled] = rps
                if bad:
                    print(f"  round {r + 1}: {bad} non-2xx responses with recording {'on' if enabled else 'off'}")
            ratios.append(got[True] / got[False])
            print(f"  round {r + 1}: off {got[False]:.0f} rps, on {got[True]:.0f} rps, on/off {ratios[-1]:.2f}")
    finally:
        for srv, *_ in servers.values():
            srv.stop()
    print(f"{'/d/ 64 KiB range':<28} {'rps':>9} {'max p99 ms':>11} {'CPU ms/1k req':>14}")
    rows = {}
    for enabled, (requests, cpu, p99s) in totals.items():
        rows[enabled] = (requests / (seconds * rounds), cpu * 1e6 / requests)
        label = "recording " + ("on" if enabled else "off")
        print(f"{label:<28} {rows[enabled][0]:>9.0f} {max(p99s):>11.2f} {rows[enabled][1]:>14.1f}")
    print(f"rps with/without recording: {rows[True][0] / rows[False][0]:.2f} over {rounds} alternating rounds of "
          f"{seconds} s (per round: {', '.join(f'{x:.2f}' for x in ratios)}; median {statistics.median(ratios):.2f}; "
          f"goal ≥ 0.95); CPU per request with/without: {rows[True][1] / rows[False][1]:.2f}")


def _metric(base_url: str, name: str) -> float:
    text = httpx.get(f"{base_url}/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name) and not line.startswith("#"))


def bench_beacons(wrk: str, tmp: Path, seconds: int) -> None:
    """Events/s the route accepted, and events/s that reached the database over the same window
    (the counters are read after the warm-up and again once the buffer is written)."""
    srv, api, sid, tid, _ = _serve(tmp / "beacons", True)
    try:
        body = '{"events":[' + ",".join(['{"type":"progress","listened_seconds":15}'] * 10) + "]}"
        script = _wrk_script(tmp, ['wrk.method = "POST"', f"wrk.body = '{body}'",
                                   'wrk.headers["Content-Type"] = "text/plain"', f'wrk.headers["User-Agent"] = "{UA}"'])
        url = f"{srv.url}/v1/play/{sid}/{tid}/event"
        run_wrk(wrk, url, 2, 32, script)
        time.sleep(3)  # the warm-up's events are written
        written0 = _metric(srv.url, "tonearm_analytics_events_written_total")
        dropped0 = _metric(srv.url, "tonearm_analytics_events_dropped_total")
        rps, p99, bad = run_wrk(wrk, url, seconds, 32, script)
        time.sleep(3)
        written = _metric(srv.url, "tonearm_analytics_events_written_total") - written0
        dropped = _metric(srv.url, "tonearm_analytics_events_dropped_total") - dropped0
        print(f"beacons: {rps:.0f} requests/s × 10 events = {rps * 10:.0f} events/s accepted on one API process "
              f"(p99 {p99:.1f} ms, non-2xx {bad}); {written / seconds:.0f} events/s written to the database "
              f"(goal ≥ 2000 events/s): {written:.0f} written, {dropped:.0f} dropped in the {seconds} s run")
    finally:
        srv.stop()


def _synthetic(db_url: str, n: int, day: dt.datetime) -> None:
    from tonearm.analytics.models import DeliveryEvent, PlayerEvent
    from tonearm.db.session import session_scope

    rng = random.Random(1)
    org, col = uuid.uuid4(), uuid.uuid4()
    tracks = [uuid.uuid4() for _ in range(1000)]
    apps = [("Overcast", "mobile"), ("Apple Podcasts", "mobile"), ("Chrome", "desktop"), ("Spotify", "mobile")]
    sessions = [uuid.uuid4() for _ in range(20000)]
    n_players, batch = n // 5, 20000
    with session_scope(db_url) as db:
        for kind, total in ((DeliveryEvent, n - n_players), (PlayerEvent, n_players)):
            for start in range(0, total, batch):
                rows = []
                for _ in range(min(batch, total - start)):
                    app, device = rng.choice(apps)
                    at = day + dt.timedelta(seconds=rng.randrange(86400))
                    row = dict(at=at, ts=int(at.timestamp()), organization_id=org,
                               collection_id=col, creator_id=None, track_id=rng.choice(tracks),
                               play_session_id=rng.choice(sessions), listener_key=f"{rng.randrange(200000):032x}",
                               app=app, device=device, country="", is_bot=rng.random() < 0.05)
                    if kind is DeliveryEvent:
                        row.update(variant="lq", feed_token=None, network_key=f"{rng.randrange(100000):032x}",
                                   method="GET", status=206, probe=False, range_start=rng.randrange(4) * 1_000_000,
                                   bytes_sent=1_000_000, object_size=4_000_000, audio_offset=0,
                                   bytes_per_second=16000, is_watch=False)
                    else:
                        row.update(kind=rng.choice(["play", "progress", "progress", "complete"]),
                                   startup_ms=rng.randrange(100, 2000), listened_seconds=15.0, error_code=None)
                    rows.append(row)
                db.execute(kind.__table__.insert(), rows)
                db.commit()


def _backend_cpu(db) -> tuple[int | None, float]:
    """The PostgreSQL server process of a session and its CPU seconds so far (same machine)."""
    if db.get_bind().dialect.name != "postgresql":
        return None, 0.0
    pid = db.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    try:
        return pid, cpu_of(pid)
    except OSError:
        return None, 0.0


def _timed_rollup(db_url: str, day: dt.datetime) -> tuple[float, float, int, float]:
    """(wall s, CPU s of this process, hourly rows, CPU s of the PostgreSQL backend) of `aggregate`."""
    from tonearm.analytics.rollup import aggregate
    from tonearm.db.session import session_scope

    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    with session_scope(db_url) as db:
        pid, server0 = _backend_cpu(db)
        rows = aggregate(db, day, day + dt.timedelta(hours=23), now=day + dt.timedelta(days=1))
        server = cpu_of(pid) - server0 if pid else 0.0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter() - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), rows, server


def _timed_scan(db_url: str, day: dt.datetime) -> tuple[float, float]:
    """The baseline: (wall s, CPU s of this process) to read every column of the day's raw events
    once through the driver (a server-side cursor on PostgreSQL), doing nothing with them."""
    from tonearm.db.session import get_engine

    lo = int(day.timestamp())
    raw = get_engine(db_url).raw_connection()
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    try:
        for table in ("analytics_deliveries", "analytics_player_events"):
            pg = db_url.startswith("postgresql")
            cur = raw.driver_connection.cursor(name=f"scan_{table}") if pg else raw.cursor()
            cur.execute(f"SELECT * FROM {table} WHERE ts >= {lo} AND ts < {lo + 86400}")
            while cur.fetchmany(20_000):
                pass
            cur.close()
        raw.rollback()
    finally:
        raw.close()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter() - t0, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def bench_rollup(tmp: Path, n: int, backends: str = "sqlite,postgres") -> None:
    from sqlalchemy import create_engine, text

    from tonearm.db.migrate import upgrade

    day = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    name = f"tonearm_bench_{os.getpid()}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    pg = PG.rsplit("/", 1)[0] + "/" + name
    try:
        for label, url in (("SQLite", f"sqlite:///{tmp / 'rollup.db'}"), ("PostgreSQL", pg)):
            if ("sqlite" if label == "SQLite" else "postgres") not in backends:
                continue
            upgrade(url)
            t0 = time.perf_counter()
            _synthetic(url, n, day)
            load = time.perf_counter() - t0
            wall, cpu, rows, server = _timed_rollup(url, day)
            again = _timed_rollup(url, day)
            scan = _timed_scan(url, day)  # after the rollups: the first reader of fresh rows pays for it (hint bits)
            backend = f" + {server:.1f} s of the PostgreSQL backend" if server else ""
            print(f"rollup of {n} events on {label}: {wall:.1f} s wall, {cpu:.1f} s CPU of this process{backend} "
                  f"({rows} hourly rows; again: {again[0]:.1f} s wall, {again[1]:.1f} s CPU, {again[2]} rows; "
                  f"loading took {load:.0f} s; "
                  f"load average {os.getloadavg()[0]:.1f}; goal ≤ 30 s)")
            print(f"  baseline, reading the day's raw events once: {scan[0]:.1f} s wall, {scan[1]:.1f} s CPU; "
                  f"rollup (re-run) / read: {again[0] / scan[0]:.2f} wall, {again[1] / scan[1]:.2f} CPU")
    finally:
        from tonearm.db.session import get_engine

        get_engine(pg).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="alternating off/on rounds of the delivery bench")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--skip-rollup", action="store_true")
    ap.add_argument("--backends", default="sqlite,postgres", help="rollup backends: sqlite,postgres")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} CPUs")
    tmp = Path(tempfile.mkdtemp(prefix="tonearm-bench-analytics-"))
    try:
        if not args.skip_http:
            wrk = ensure_wrk()
            bench_delivery(wrk, tmp, args.seconds, args.rounds)
            bench_beacons(wrk, tmp, args.seconds)
        if not args.skip_rollup:
            bench_rollup(tmp, args.events, args.backends)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
