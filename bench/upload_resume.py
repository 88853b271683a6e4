"""Benchmark resumable (tus) uploads against the plain PUT, on loopback.

Starts `tonearm serve` (one API process, no job consumer) on embedded defaults in a temp dir and
sends one file (default 1 GiB, not audio: nothing is processed) four ways:
  put      one streamed PUT to the track's upload URL
  tus      tus PATCHes of track_upload_resumable.chunk_size (the SDK's TusSender)
  proxied  tus through a loopback TCP proxy, no disconnect (the baseline for the next line)
  cut      tus through the proxy, which resets every connection at 25 %, 50 % and 75 %
and prints throughput (MB/s), the ratio tus/put (goal ≥ 0.8), the time lost to the three forced
disconnects (cut − proxied) and the bytes sent again. With --rss-mb N it then sends an N MB file
through tus and prints the API process's peak RSS (VmHWM; goal < 150 MB for 2000 MB).
CPU-seconds of the server and of this process are printed beside wall times (the machine may be
shared: compare CPU, and mind the load average printed first).

    .venv/bin/python bench/upload_resume.py [--mb 1024] [--rss-mb 2000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.server import ServerProcess  # noqa: E402
from tests.uploads.cutproxy import CutProxy  # noqa: E402
from tests.uploads.tus_helpers import start_server  # noqa: E402
from tonearm.client.tus import TusSender  # noqa: E402

MB = 1024 * 1024


def make_file(path: Path, size: int) -> Path:
    block = os.urandom(8 * MB)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            fh.write(block[: min(len(block), left)])
            left -= min(len(block), left)
    return path


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def new_track(srv: ServerProcess, size: int, base: str | None = None) -> dict:
    api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
    col = api.post("/v1/collection", json={"title": "bench"}).json()["collection_id"]
    sid = api.post("/v1/upload_session", json={"collection_id": col}).json()["upload_session_id"]
    created = api.post(f"/v1/upload/{sid}/track", json={"file_name": "bench.bin", "file_size": size}).json()
    if base:  # send through the proxy: same paths and signatures, another port
        created["track_upload_resumable"]["url"] = created["track_upload_resumable"]["url"].replace(srv.url, base)
    return created


def timed(srv: ServerProcess, fn) -> tuple[float, float, float]:
    cpu0, me0, t0 = server_cpu(srv.proc.pid), resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    me1 = resource.getrusage(resource.RUSAGE_SELF)
    return wall, server_cpu(srv.proc.pid) - cpu0, (me1.ru_utime + me1.ru_stime) - (me0.ru_utime + me0.ru_stime)


def send_put(srv: ServerProcess, path: Path, size: int) -> None:
    url = new_track(srv, size)["track_upload"]["upload_url"]

    def body():
        with open(path, "rb") as fh:
            while block := fh.read(MB):
                yield block

    r = httpx.put(url, content=body(), headers={"Content-Length": str(size)}, timeout=600)
    assert r.status_code == 200, r.text


def send_tus(srv: ServerProcess, path: Path, size: int, base: str | None = None) -> None:
    handle = new_track(srv, size, base)["track_upload_resumable"]
    with httpx.Client(timeout=600) as http:
        sender = TusSender(http, path, size, chunk_size=handle["chunk_size"], backoff=0.2)
        url = sender.create(handle["url"], "bench.bin")
        if base:
            url = url.replace(srv.url, base)
        sender.send(url)
        assert sender.offset == size


def row(name: str, size: int, wall: float, scpu: float, ccpu: float) -> None:
    print(f"{name:<8} {size / MB / wall:8.1f} MB/s  wall {wall:6.2f} s  server CPU {scpu:6.2f} s  client CPU {ccpu:6.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=1024)
    ap.add_argument("--rss-mb", type=int, default=0)
    ap.add_argument("--chunk-mb", type=int, default=0, help="TONEARM_TUS_CHUNK_BYTES in MiB (default: the server's)")
    args = ap.parse_args()
    print(f"load average: {os.getloadavg()}")
    tmp = Path(tempfile.mkdtemp(prefix="tonearm-bench-upload-"))
    proxy = CutProxy(0)
    env = {"TONEARM_PUBLIC_URL": proxy.url} | ({"TONEARM_TUS_CHUNK_BYTES": str(args.chunk_mb * MB)} if args.chunk_mb else {})
    srv = ServerProcess(tmp / "data", env=env, args=["--no-worker"])
    proxy.target = ("127.0.0.1", srv.port)
    try:
        start_server(srv)  # patient: on a loaded machine a start can take over 30 s
        srv.url = f"http://127.0.0.1:{srv.port}"
        idle_rss = peak_rss_mb(srv.proc.pid)
        proxy.start()
        size = args.mb * MB
        path = make_file(tmp / "bench.bin", size)
        results = {}
        for name, fn in (("put", lambda: send_put(srv, path, size)), ("tus", lambda: send_tus(srv, path, size))):
            results[name] = timed(srv, fn)
            row(name, size, *results[name])
        print(f"ratio tus/put throughput: {results['put'][0] / results['tus'][0]:.2f} (goal ≥ 0.8)")
        results["proxied"] = timed(srv, lambda: send_tus(srv, path, size, proxy.url))
        row("proxied", size, *results["proxied"])
        proxy.cut_at = [proxy.sent + int(size * f) for f in (0.25, 0.5, 0.75)]
        before = proxy.sent
        results["cut"] = timed(srv, lambda: send_tus(srv, path, size, proxy.url))
        row("cut", size, *results["cut"])
        print(f"three forced disconnects ({proxy.cuts} cuts): {results['cut'][0] - results['proxied'][0]:+.2f} s, "
              f"{(proxy.sent - before - size) / MB:.1f} MB sent again")
        if args.rss_mb:
            path.unlink()
            big = make_file(tmp / "rss.bin", args.rss_mb * MB)
            wall = timed(srv, lambda: send_tus(srv, big, args.rss_mb * MB))
            row(f"tus {args.rss_mb}", args.rss_mb * MB, *wall)
            print(f"API process RSS at start {idle_rss:.0f} MB; peak (VmHWM) after a {args.rss_mb} MB tus upload: "
                  f"{peak_rss_mb(srv.proc.pid):.0f} MB (goal < 150 MB)")
    finally:
        proxy.stop()
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
