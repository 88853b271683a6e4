"""Benchmark listener latency while the same `tonearm serve` encodes an album.

A real `tonearm serve` on embedded defaults (API and job consumer in one command, 2 job threads)
gets an open-loop load: --rate play sessions per second on a fixed schedule, whatever the
responses (asyncio + httpx, as many connections as it takes), each session
POST /v1/play_session/track followed by a 64 KiB Range GET of its first variant URL. Latency is
from the scheduled send to the last byte of the Range read (what a listener waits before the
music starts); the POST and GET columns are each request on its own.

For each configuration (default: TONEARM_WORKER_NICE=10, the shipped default: the consumer in a
child process at nice +10 under SCHED_BATCH; and =0, off: consumer threads in the API process):
  idle      --idle-seconds of load, nothing encoding;
  encoding  six real 4-minute tracks (Debian's asc-music, bench/real_audio.py) uploaded back to
            back, load running from the first PUT until every track is ready (album time to ready).
--rounds alternate the configurations (a fresh server each time) so background load hits both.
Goals (printed, never asserted): p99 under encoding <= 2x idle p99; album time to ready with the
priority scheme no more than 10 % slower than with it off.

    .venv/bin/python bench/api_under_encoding.py [--rate 20] [--idle-seconds 15] [--rounds 2]
        [--config NAME=VAR=VALUE[,VAR=VALUE]] ...
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from real_audio import album, asc_music, cache_dir, cut  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402

TERMINAL = {"ready", "incomplete", "error", "init_error"}
RANGE = {"Range": "bytes=0-65535"}


# ------------------------------------------------------------------ open-loop load

class Load:
    """Play sessions at a fixed rate on a thread of its own until stop(); samples keep their
    scheduled send time, so a phase can pick the ones sent inside it."""

    def __init__(self, base: str, headers: dict, track_id: str, rate: float) -> None:
        self.base, self.headers, self.track_id, self.rate = base, headers, track_id, rate
        self.samples: list[tuple[float, float, float, float]] = []  # (sent, session, post, get) seconds
        self.errors: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def start(self) -> "Load":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(120)

    async def _one(self, client: httpx.AsyncClient, sent: float) -> None:
        try:
            r = await client.post("/v1/play_session/track", json={"track_id": self.track_id})
            t1 = time.perf_counter()
            r.raise_for_status()
            url = r.json()["first_track"]["variants"][0]["url"]
            g = await client.get(url, headers=RANGE)
            t2 = time.perf_counter()
            if g.status_code != 206 or len(g.content) != 65536:
                raise RuntimeError(f"range read: {g.status_code}, {len(g.content)} bytes")
            self.samples.append((sent, t2 - sent, t1 - sent, t2 - t1))
        except asyncio.CancelledError:  # still waiting when the run ended: counted as an error
            self.errors.append((sent, "unfinished"))
            raise
        except Exception as exc:  # counted and shown, never fatal: the schedule goes on
            self.errors.append((sent, f"{type(exc).__name__}: {exc}"[:120]))

    async def _main(self) -> None:
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=self.base, headers=self.headers, limits=limits, timeout=30) as client:
            tasks, start, k = set(), time.perf_counter(), 0
            while not self._stop.is_set():
                due = start + k / self.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                task = asyncio.create_task(self._one(client, due))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                k += 1
            if tasks:
                await asyncio.wait(tasks, timeout=60)

    def window(self, t0: float, t1: float) -> tuple[np.ndarray, int]:
        """(samples sent in [t0, t1) as an array of ms, errors in that window)."""
        rows = [s[1:] for s in self.samples if t0 <= s[0] < t1]
        errors = sum(1 for sent, _ in self.errors if t0 <= sent < t1)
        return np.array(rows, dtype=float).reshape(-1, 3) * 1000, errors


# ------------------------------------------------------------------ the server side

def nice_census(pid: int) -> str:
    """'nice 0: 9 tasks, nice 10: 14 tasks' over the server and its child processes."""
    pids = [pid] + [int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == pid]
    counts: dict[int, int] = {}
    for p in pids:
        for task in Path(f"/proc/{p}/task").iterdir() if Path(f"/proc/{p}").exists() else []:
            try:
                nice = int((task / "stat").read_text().rsplit(")", 1)[1].split()[16])
            except (OSError, IndexError):
                continue
            counts[nice] = counts.get(nice, 0) + 1
    return ", ".join(f"nice {n}: {c} tasks" for n, c in sorted(counts.items())) + f" ({len(pids)} processes)"


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return -1


def wait_ready(api: httpx.Client, col: str, n: int, timeout: float, on_poll=None) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        tracks = api.get(f"/v1/collection/{col}/track", params={"limit": 100}).json()["tracks"]
        statuses = [t["track_status_id"] for t in tracks]
        if len(statuses) == n and all(s in TERMINAL for s in statuses):
            if set(statuses) != {"ready"}:
                raise RuntimeError(f"album ended {statuses}")
            return time.perf_counter()
        if on_poll:
            on_poll()
        time.sleep(0.1)
    raise TimeoutError(f"album not ready after {timeout:.0f} s: {statuses}")


def run_config(name: str, env: dict, args, tmp: Path, clip: Path, tracks: list[Path]) -> dict:
    srv = ServerProcess(tmp / f"data-{name.replace(' ', '_')}-{time.time_ns()}", env=env).start()
    try:
        api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
        hot = api.post("/v1/collection", json={"title": "hot"}).json()["collection_id"]
        created = api.post("/v1/track", json={"collection_id": hot, "file_name": clip.name}).json()
        httpx.put(created["track_upload"]["upload_url"], content=clip.read_bytes(), timeout=60).raise_for_status()
        wait_ready(api, hot, 1, 120)
        load = Load(srv.url, srv.headers, created["track_id"], args.rate).start()
        time.sleep(3)  # warm-up, not counted
        idle0 = time.perf_counter()
        time.sleep(args.idle_seconds)
        idle1 = time.perf_counter()
        col = api.post("/v1/collection", json={"title": "album"}).json()["collection_id"]
        urls = [api.post("/v1/track", json={"collection_id": col, "file_name": p.name}).json()
                ["track_upload"]["upload_url"] for p in tracks]
        census = []
        enc0 = time.perf_counter()
        for url, path in zip(urls, tracks):
            with open(path, "rb") as fh:
                httpx.put(url, content=fh, timeout=120).raise_for_status()
        enc1 = wait_ready(api, col, len(tracks), args.max_seconds,
                          on_poll=lambda: census.append(nice_census(srv.proc.pid)) if not census and
                          time.perf_counter() - enc0 > 3 else None)
        load.stop()
        return {"idle": load.window(idle0, idle1), "encoding": load.window(enc0, enc1), "album": enc1 - enc0,
                "census": census[0] if census else "", "idle_s": idle1 - idle0}
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


# ------------------------------------------------------------------ report

def pct(a: np.ndarray, q: float) -> float:
    return float(np.percentile(a, q)) if len(a) else float("nan")


def table(results: dict[str, list[dict]], rate: float) -> dict:
    print(f"\n{'config':<14} {'phase':<9} {'sessions':>8} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7} "
          f"{'max':>7} {'POST p99':>9} {'GET p99':>8}   (ms; session = POST sent on schedule -> 64 KiB read)")
    summary = {}
    for name, runs in results.items():
        for phase in ("idle", "encoding"):
            a = np.concatenate([r[phase][0] for r in runs])
            err = sum(r[phase][1] for r in runs)
            s = a[:, 0] if len(a) else a
            summary[(name, phase)] = pct(s, 99)
            print(f"{name:<14} {phase:<9} {len(a):>8} {err:>4} {pct(s, 50):>7.1f} {pct(s, 95):>7.1f} "
                  f"{pct(s, 99):>7.1f} {float(s.max()) if len(s) else float('nan'):>7.1f} "
                  f"{pct(a[:, 1], 99) if len(a) else float('nan'):>9.1f} "
                  f"{pct(a[:, 2], 99) if len(a) else float('nan'):>8.1f}")
    print()
    for name, runs in results.items():
        albums = [r["album"] for r in runs]
        summary[(name, "album")] = statistics.median(albums)
        print(f"{name:<14} album time to ready (6 x 4 min, first PUT -> all ready): median "
              f"{statistics.median(albums):.1f} s  (runs {' '.join(f'{x:.1f}' for x in albums)})")
        print(f"{'':<14} during encoding: {runs[0]['census']}")
    return summary


def ratios(summary: dict, names: list[str]) -> None:
    print()
    for name in names:
        r = summary[(name, "encoding")] / summary[(name, "idle")]
        print(f"{name:<14} p99 encoding / idle = {r:.2f}" + ("   goal <= 2.0" if name == names[0] else ""))
    if len(names) > 1:
        a = summary[(names[0], "album")] / summary[(names[1], "album")]
        print(f"album time to ready {names[0]} / {names[1]} = {a:.2f}   goal <= 1.10")
        p = summary[(names[0], "encoding")] / summary[(names[1], "encoding")]
        print(f"p99 under encoding {names[0]} / {names[1]} = {p:.2f}")


def parse_config(text: str) -> tuple[str, dict]:
    name, _, assignments = text.partition("=")
    return name, dict(kv.split("=", 1) for kv in assignments.split(",") if kv)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=20.0, help="play sessions per second")
    ap.add_argument("--idle-seconds", type=float, default=15.0)
    ap.add_argument("--rounds", type=int, default=2, help="times each configuration runs (alternating)")
    ap.add_argument("--tracks", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=240.0, help="length of each album track")
    ap.add_argument("--max-seconds", type=float, default=300.0, help="give up on an album after this long")
    ap.add_argument("--config", action="append", type=parse_config,
                    help="NAME=VAR=VALUE[,VAR=VALUE]: server environment (first one is the scheme under test)")
    args = ap.parse_args()
    default = [("nice 10", {"TONEARM_WORKER_NICE": "10"}), ("off (0)", {"TONEARM_WORKER_NICE": "0"})]
    configs = dict(args.config or default)
    tracks = album(args.tracks, args.seconds)
    clip = cut(asc_music()[0], cache_dir() / "frontiers-60-30s.mp3", 60, 30)
    print(f"Tonearm API under encoding: {os.cpu_count()} cores, load avg {os.getloadavg()[0]:.2f}; "
          f"{args.rate:g} play sessions/s open loop; {args.tracks} x {args.seconds:.0f} s real tracks "
          f"(asc-music, 44.1 kHz MP3 192k); {args.rounds} rounds; {time.strftime('%Y-%m-%d %H:%M')}")
    tmp = Path(tempfile.mkdtemp(prefix="tonearm-bench-enc-"))
    results: dict[str, list[dict]] = {name: [] for name in configs}
    try:
        for rnd in range(args.rounds):
            order = list(configs) if rnd % 2 == 0 else list(reversed(configs))
            for name in order:
                res = run_config(name, configs[name], args, tmp, clip, tracks)
                results[name].append(res)
                print(f"  round {rnd + 1} {name}: album {res['album']:.1f} s, "
                      f"idle p99 {pct(res['idle'][0][:, 0], 99):.1f} ms, encoding p99 {pct(res['encoding'][0][:, 0], 99):.1f} ms  [load avg {os.getloadavg()[0]:.2f}]",
                      flush=True)
        ratios(table(results, args.rate), list(configs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
