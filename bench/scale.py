"""Scale figures in one run: what a second worker, a second API process and nginx's X-Accel path buy.

    .venv/bin/python bench/scale.py [--tracks 12] [--track-seconds 30] [--concurrency 1] [--seconds 10]
                                    [--connections 64] [--delivery-apis 2]
                                    [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                    [--queue-url redis://127.0.0.1:6379/0] [--skip batch,api,delivery]

Every process shares one set of settings: by default the embedded ones (SQLite and the huey-sqlite
queue in one data dir), with the objects in a folder (`file://` storage) every process and nginx
read. `--postgres SERVER_URL` makes a private database on that server (dropped at the end) and
runs `tonearm db upgrade` once; `--queue-url redis://…` (or `postgresql://…`) uses that queue
under a private queue name. Storage is always a local folder: nginx's X-Accel path serves local
files only, and an S3 bucket on this machine would be moto's, which measures moto.

(a) batch processing: `tonearm serve --no-worker`, then 1 and then 2 `tonearm worker` processes
    (`--concurrency` job threads each). The workers are started and idle; then N generated tracks
    are uploaded through the API (4 at a time) and the clock runs from the first PUT to the last
    track `ready`. Printed: tracks per minute, the workers' CPU-seconds per track, tracks per worker,
    and the 2/1 ratio (2.0 would be perfect scaling, on 2 free cores).
(b) the play hot path, `GET /v1/play/{sid}/{tid}` of a track processed in (a): wrk (2 threads and
    `--connections` in all) against 1, then 2 `serve --no-worker` processes on their own ports (one
    wrk per port, the connections split), as docs/deploy.md lays them out; requests/s, p99, and
    the 2/1 ratio. Not `serve --workers 2`: uvicorn's supervisor kills a child that does not answer
    its health ping within 5 s, and on a crowded machine importing the app takes longer than that.
(c) 64 KiB Range reads (`Range: bytes=0-65535`) of one processed hq file, wrk as in (b), six ways:
      plain nginx       nginx serves the objects folder itself (the baseline)
      accel             nginx → Tonearm (`TONEARM_DELIVERY=accel`) checks the signed URL and answers
                        X-Accel-Redirect → nginx sends the bytes
      accel, njs        nginx checks the signed URL itself (njs, tonearm/delivery/nginx) and sends
                        the file; Tonearm sees none of these reads (goal: ≥ 90 % of plain nginx),
                        measured right after the baseline
      verdict cached    a prototype (this file only): nginx asks Tonearm (auth_request) and keeps
                        its "yes" per signed URL for 5 s (proxy_cache)
      python direct     Tonearm (`TONEARM_DELIVERY=direct`) sends the bytes itself (FileResponse),
                        wrk straight at its port
      python via nginx  the same behind nginx's proxy_pass, as a deployment without accel runs it
    Tonearm runs `--delivery-apis` API processes here; nginx has 2 worker processes, sendfile on,
    `tcp_nopush off`, keep-alive to the upstream, on loopback. Every way is checked first: 206 and
    the file's first 64 KiB.

The figures are printed with their baseline and ratio; nothing is asserted on time. The load
generator shares the machine's cores with what it measures; the load average is printed at the
start and the end (other work on the machine moves every figure). Needs: ffmpeg's libraries
(PyAV, as the server), wrk (scripts/wrk-deps.sh) and nginx (scripts/nginx-deps.sh), both Debian
packages installed by those scripts when missing; PostgreSQL and Redis only with the options above.
With the defaults it starts 11 Tonearm processes and processes 24 tracks: a few minutes on a quiet
2-core machine, 25 minutes at load average 20 (docs/deploy.md#measured-scale has the figures).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.audiogen import write_audio  # noqa: E402
from tests.e2e.server import ServerProcess, free_port, stop_process  # noqa: E402
from tests.scale.nginxconf import njs_frame, running_nginx  # noqa: E402
from tonearm.delivery.nginx import NJS_MODULE, delivery_location  # noqa: E402

TERMINAL = ("ready", "incomplete", "error", "init_error")
RANGE = 65536
CLK_TCK = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 600  # seconds for a process to come up: imports alone took 44 s on this machine at load 16


def load() -> str:
    return "load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def need(tool: str, script: str) -> str:
    """The path of `tool`, installed by scripts/<script> (a Debian package) when missing."""
    def find() -> str | None:
        return shutil.which(tool) or next((p for p in (f"/usr/sbin/{tool}",) if Path(p).exists()), None)

    if not find():
        subprocess.run(["bash", str(ROOT / "scripts" / script)], check=True)
    found = find()
    if not found:
        raise SystemExit(f"{tool} is missing and scripts/{script} did not install it")
    return found


# --- the deployment: shared settings, API processes, workers -------------------------------------

@dataclass
class Deployment:
    work: Path
    env: dict[str, str]
    key: str = field(default_factory=lambda: "tnm_scale_bench_" + uuid.uuid4().hex)

    @property
    def objects(self) -> Path:
        return self.work / "objects"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def api(self, name: str, **env: str) -> ServerProcess:
        """One `tonearm serve --no-worker` API process on its own port, with the shared data dir
        (the embedded SQLite database and queue live there), database, queue, storage and key."""
        srv = ServerProcess(self.work / "data", args=["--no-worker"],
                            env={**self.env, "TONEARM_BOOTSTRAP_KEY": self.key, **env})
        srv.key, srv.log = self.key, self.work / f"{name}.log"
        return srv.start(timeout=START_TIMEOUT)

    def apis(self, n: int, name: str, **env: str) -> list[ServerProcess]:
        return [self.api(f"{name}-{i + 1}", **env) for i in range(n)]

    def worker(self, name: str, concurrency: int) -> "Worker":
        return Worker(self, name, concurrency).start()


class Worker:
    def __init__(self, dep: Deployment, name: str, concurrency: int):
        self.env = {**os.environ, **dep.env, "TONEARM_DATA_DIR": str(dep.work / "data")}
        self.log = dep.work / f"{name}.log"
        self.concurrency = concurrency
        self.metrics_port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        cmd = [sys.executable, "-m", "tonearm.cli.main", "worker", "--concurrency", str(self.concurrency),
               "--metrics-port", str(self.metrics_port), "--log-level", "warning"]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self

    def wait_running(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.time() + timeout
        while "worker running" not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime (PyAV encodes in-process)

    def counts(self) -> tuple[int, int]:
        """(tracks this worker made ready, processing.track jobs it started). More jobs than tracks
        is the reaper: a track queued longer than twice the reap interval is enqueued again, and
        the extra job finds the track taken or done and returns."""
        body = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=30).text

        def total(prefix: str) -> int:
            return int(sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(prefix)))

        return (total('tonearm_tracks_finished_total{status="ready"}'),
                total('tonearm_jobs_started_total{job="processing.track"}'))

    def stop(self) -> None:
        stop_process(self.proc, 30)


@contextlib.contextmanager
def deployment(work: Path, postgres: str, queue_url: str):
    env = {"TONEARM_SECRET_KEY": "scale-bench-" + uuid.uuid4().hex, "TONEARM_PUBLIC_URL": "",
           "TONEARM_STORAGE_URL": f"file://{work / 'objects'}"}
    if queue_url:
        sep = "&" if "?" in queue_url else "?"
        env["TONEARM_QUEUE_URL"] = f"{queue_url}{sep}queue=tonearm-scale-bench-{uuid.uuid4().hex[:8]}"
    (work / "objects").mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        if postgres:
            from bench.podcast_feed import private_database

            env["TONEARM_DATABASE_URL"] = stack.enter_context(private_database(postgres))
            subprocess.run([sys.executable, "-m", "tonearm.cli.main", "db", "upgrade"], check=True,
                           env={**os.environ, **env, "TONEARM_DATA_DIR": str(work / "admin")})
        yield Deployment(work, env)


# --- (a) batch processing --------------------------------------------------------------------------

def statuses(api: httpx.Client, collection_id: str) -> dict[str, str]:
    out, offset = {}, 0
    while True:
        page = api.get(f"/v1/collection/{collection_id}/track", params={"limit": 200, "offset": offset})
        page.raise_for_status()
        tracks = page.json()["tracks"]
        out.update({t["id"]: t["track_status_id"] for t in tracks})
        if len(tracks) < 200:
            return out
        offset += 200


def batch(dep: Deployment, srv: ServerProcess, files: list[Path], workers: int, concurrency: int,
          timeout: float = 900) -> dict:
    """Start `workers` idle workers, upload `files`, wait for every track to end; the figures."""
    started = [dep.worker(f"worker-{workers}x-{i + 1}", concurrency) for i in range(workers)]
    try:
        for w in started:
            w.wait_running()
        cpu0 = [w.cpu_seconds() for w in started]
        api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
        col = api.post("/v1/collection", json={"title": f"batch {workers}"}).json()["collection_id"]

        def upload(path: Path) -> str:
            created = api.post("/v1/track", json={"collection_id": col, "file_name": path.name}).json()
            httpx.put(created["track_upload"]["upload_url"], content=path.read_bytes(), timeout=120).raise_for_status()
            return created["track_id"]

        t0 = time.perf_counter()
        with cf.ThreadPoolExecutor(4) as pool:
            ids = list(pool.map(upload, files))
        deadline = time.time() + timeout
        while True:
            seen = statuses(api, col)
            if all(seen.get(t) in TERMINAL for t in ids) or time.time() > deadline:
                break
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        ready = [t for t in ids if seen.get(t) == "ready"]
        return {"workers": workers, "tracks": len(ids), "ready": len(ready), "seconds": wall,
                "per_minute": len(ready) / wall * 60,
                "cpu_per_track": sum(w.cpu_seconds() - c for w, c in zip(started, cpu0)) / max(1, len(ready)),
                "counts": [w.counts() for w in started], "ready_ids": ready}
    finally:
        for w in started:
            w.stop()


# --- wrk -------------------------------------------------------------------------------------------

@dataclass
class Wrk:
    rps: float
    p99_ms: float
    bad: int  # non-2xx/3xx responses and socket errors
    bytes_per_s: float


def _wrk_cmd(binary: str, url: str, threads: int, connections: int, seconds: int,
             headers: dict[str, str] | None) -> list[str]:
    cmd = [binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    return [*cmd, url]


def _parse(out: str) -> Wrk:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    bps = float(transfer.group(1)) * {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}[transfer.group(2)]
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    bad += sum(int(n) for n in socket.groups()) if socket else 0
    return Wrk(rps, p99_ms, bad, bps)


def wrk(binary: str, urls: list[str], seconds: int, connections: int, headers: dict[str, str] | None = None) -> Wrk:
    """wrk against `urls` at once (one wrk per URL, 2 threads and `connections` in all, split
    evenly): requests/s, bytes/s and errors summed, the worst p99."""
    threads = max(1, 2 // len(urls))
    procs = [subprocess.Popen(_wrk_cmd(binary, url, threads, connections // len(urls), seconds, headers),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for url in urls]
    parts = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode:
            raise RuntimeError(f"wrk failed: {err}")
        parts.append(_parse(out))
    return Wrk(sum(p.rps for p in parts), max(p.p99_ms for p in parts), sum(p.bad for p in parts),
               sum(p.bytes_per_s for p in parts))


def play_target(srv: ServerProcess, track_id: str) -> tuple[str, str]:
    """(the play URL path of a new session on `track_id`, the path+query of its hq variant)."""
    api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
    sid = api.post("/v1/play_session/track", json={"track_id": track_id}).json()["play_session_id"]
    path = f"/v1/play/{sid}/{track_id}"
    payload = httpx.get(srv.url + path, timeout=60)
    payload.raise_for_status()
    hq = next(v for v in payload.json()["variants"] if v["variant"]["index"] == "hq")
    url = urlsplit(hq["url"])
    return path, f"{url.path}?{url.query}"


# --- (c) nginx -------------------------------------------------------------------------------------

NGINX_BLOCKS = """
    upstream accel {{ {accel} keepalive 64; }}
    upstream direct {{ {direct} keepalive 64; }}
    server {{                               # plain nginx and the accel path
        listen 127.0.0.1:{port};
        location /_tonearm_objects/ {{ internal; alias {objects}/; }}
        location /plain/ {{ alias {objects}/; }}
        location / {{
            proxy_pass http://accel;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
    server {{                               # the accel path where nginx checks the URL itself (njs)
        listen 127.0.0.1:{njs_port};
{njs_location}
        location @tonearm {{ proxy_pass http://accel; proxy_http_version 1.1; proxy_set_header Connection ""; }}
        location /_tonearm_objects/ {{ internal; alias {objects}/; }}
        location / {{
            proxy_pass http://accel;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
    # A prototype, measured here only (not shipped): Tonearm decides, nginx keeps its "yes" per
    # signed URL for 5 s (auth_request + proxy_cache), so a player's next Range reads of that URL
    # skip Python. A refusal, or a name nginx does not map, gets Tonearm's own answer.
    proxy_cache_path {tmp}/verdicts keys_zone=tonearm_verdicts:4m levels=1:2 inactive=60s use_temp_path=off;
    server {{
        listen 127.0.0.1:{cached_port};
        location ~ "^/d/(?<tonearm_track>[0-9a-f]{{16}})_(?<tonearm_variant>[a-z0-9][a-z0-9_-]{{0,63}})\\.(?<tonearm_ext>[a-z0-9]{{1,5}})$" {{
            auth_request /_tonearm_verdict;
            auth_request_set $tonearm_cc $upstream_http_cache_control;
            auth_request_set $tonearm_cd $upstream_http_content_disposition;
            error_page 403 500 = @tonearm;
            root {objects};
            try_files /tracks/$tonearm_track/$tonearm_variant.$tonearm_ext @tonearm;
            add_header Cache-Control $tonearm_cc;
            add_header Content-Disposition $tonearm_cd;
        }}
        location = /_tonearm_verdict {{
            internal;
            proxy_pass http://accel$request_uri;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header Range "";
            proxy_set_header If-None-Match "";
            proxy_ignore_headers X-Accel-Redirect Cache-Control Expires Set-Cookie;
            proxy_cache tonearm_verdicts;
            proxy_cache_key $request_uri;
            proxy_cache_valid 200 5s;
            proxy_cache_lock on;
        }}
        location @tonearm {{ proxy_pass http://accel; proxy_http_version 1.1; proxy_set_header Connection ""; }}
        location /_tonearm_objects/ {{ internal; alias {objects}/; }}
    }}
    server {{                               # Tonearm sending the bytes, behind nginx
        listen 127.0.0.1:{proxy_port};
        location / {{
            proxy_pass http://direct;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}"""


@contextlib.contextmanager
def nginx(binary: str, tmp: Path, objects: Path, accel_ports: list[int], direct_ports: list[int], secrets: Path):
    """nginx with the three fronts of (c): plain + accel, accel with njs checking URLs (`secrets`:
    what `tonearm nginx-secrets` wrote), and a proxy to the direct processes."""
    tmp.mkdir(parents=True, exist_ok=True)
    port, njs_port, cached_port, proxy_port = free_port(), free_port(), free_port(), free_port()
    frame = njs_frame(secrets)
    blocks = frame["http"] + NGINX_BLOCKS.format(
        port=port, njs_port=njs_port, cached_port=cached_port, proxy_port=proxy_port, objects=objects, tmp=tmp,
        njs_location=delivery_location(objects),
        accel=" ".join(f"server 127.0.0.1:{p};" for p in accel_ports),
        direct=" ".join(f"server 127.0.0.1:{p};" for p in direct_ports))
    with running_nginx(binary, tmp, blocks, port, timeout=60, workers=2, connections=1024, main=frame["main"]):
        yield (f"http://127.0.0.1:{port}", f"http://127.0.0.1:{njs_port}", f"http://127.0.0.1:{cached_port}",
               f"http://127.0.0.1:{proxy_port}")


def njs_secrets(dep: "Deployment", out: Path) -> Path:
    """The delivery subkeys include, written by the real `tonearm nginx-secrets` on the run's settings."""
    subprocess.run([sys.executable, "-m", "tonearm.cli.main", "nginx-secrets", "--out", str(out)], check=True,
                   env={**os.environ, **dep.env, "TONEARM_DATA_DIR": str(dep.work / "admin")}, capture_output=True)
    return out


def check_range(url: str, expected: bytes) -> None:
    r = httpx.get(url, headers={"Range": f"bytes=0-{RANGE - 1}"}, timeout=60)
    if r.status_code != 206 or r.content != expected:
        raise RuntimeError(f"{url}: {r.status_code}, {len(r.content)} bytes, not the file's first {RANGE}")


# --- the run ---------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", type=int, default=12, help="tracks in each batch of (a)")
    ap.add_argument("--track-seconds", type=float, default=30.0, help="length of each generated MP3")
    ap.add_argument("--concurrency", type=int, default=1, help="job threads per `tonearm worker`")
    ap.add_argument("--seconds", type=int, default=10, help="each wrk run of (b) and (c)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--delivery-apis", type=int, default=2, help="Tonearm API processes in (c)")
    ap.add_argument("--postgres", default="", help="a PostgreSQL server URL: a private database is made there")
    ap.add_argument("--queue-url", default="", help="redis://… or postgresql://… (default: embedded huey-sqlite)")
    ap.add_argument("--skip", default="", help="comma-separated parts to leave out: batch, api, delivery")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each figure as soon as it is measured, even into a file
    skip = set(filter(None, args.skip.split(",")))
    wrk_bin = need("wrk", "wrk-deps.sh")
    nginx_bin = need("nginx", "nginx-deps.sh") if "delivery" not in skip else ""
    if nginx_bin and not Path(NJS_MODULE).exists():  # njs for "nginx verifies": the same script installs it
        subprocess.run(["bash", str(ROOT / "scripts" / "nginx-deps.sh")], check=True)
    print(f"bench/scale.py at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {os.cpu_count()} CPUs, "
          f"{load()} at start")
    with tempfile.TemporaryDirectory(prefix="tonearm-scale-") as tmp, \
            deployment(Path(tmp), args.postgres, args.queue_url) as dep:
        work = Path(tmp)
        print(f"database {'PostgreSQL (private database)' if args.postgres else 'SQLite (embedded)'}, "
              f"queue {dep.env.get('TONEARM_QUEUE_URL', 'huey-sqlite (embedded)').split('?')[0]}, "
              f"storage file:// (one folder)")
        files = [write_audio(work / f"t{i:02}.mp3", "mp3", seconds=args.track_seconds, freq=180.0 + 23 * i)
                 for i in range(max(1, args.tracks))]
        srv = dep.api("api-batch")
        try:
            ready_ids = []
            if "batch" not in skip:
                print(f"\n(a) batch processing: {args.tracks} tracks of {args.track_seconds:g} s (generated MP3), "
                      f"workers with {args.concurrency} job thread(s) each, one `serve --no-worker` as the API")
                print(f"{'workers':>8} {'ready':>7} {'seconds':>8} {'tracks/min':>11} {'CPU-s/track':>12}  "
                      "per worker: tracks made ready (jobs started)")
                rows = []
                for n in (1, 2):
                    row = batch(dep, srv, files, n, args.concurrency)
                    rows.append(row)
                    ready_ids += row["ready_ids"]
                    print(f"{n:>8} {row['ready']:>4}/{row['tracks']:<2} {row['seconds']:>8.1f} "
                          f"{row['per_minute']:>11.1f} {row['cpu_per_track']:>12.2f}  "
                          + ", ".join(f"{t} ({j})" for t, j in row["counts"]))
                print(f"ratio 2 workers / 1 worker, tracks per minute: {rows[1]['per_minute'] / rows[0]['per_minute']:.2f}"
                      f"  (2.00 = linear; {load()})")
            if not ready_ids:  # (b) and (c) need one processed track
                ready_ids = batch(dep, srv, files[:1], 1, args.concurrency)["ready_ids"]
            if not ready_ids:
                raise SystemExit("no track got ready; see the logs in " + tmp)
        finally:
            srv.stop()

        if "api" not in skip:
            print(f"\n(b) API: GET /v1/play/{{sid}}/{{tid}}, N × `serve --no-worker` on their own ports, wrk with "
                  f"2 threads and {args.connections} connections in all (one wrk per port), {args.seconds} s")
            print(f"{'API processes':>14} {'rps':>8} {'p99 ms':>8} {'errors':>7}")
            results = []
            for n in (1, 2):
                servers = dep.apis(n, f"api-play-{n}")
                try:
                    path, _ = play_target(servers[0], ready_ids[0])
                    urls = [s.url + path for s in servers]
                    wrk(wrk_bin, urls, 3, args.connections)  # warm-up
                    res = wrk(wrk_bin, urls, args.seconds, args.connections)
                finally:
                    for s in servers:
                        s.stop()
                results.append(res)
                print(f"{n:>14} {res.rps:>8.0f} {res.p99_ms:>8.1f} {res.bad:>7}")
            print(f"ratio 2 processes / 1 process, rps: {results[1].rps / results[0].rps:.2f}  (2.00 = linear; {load()})")

        if "delivery" not in skip:
            n = args.delivery_apis
            accel: list[ServerProcess] = []
            direct: list[ServerProcess] = []
            rng = {"Range": f"bytes=0-{RANGE - 1}"}
            try:
                accel += dep.apis(n, "api-accel", TONEARM_DELIVERY="accel")
                direct += dep.apis(n, "api-direct", TONEARM_DELIVERY="direct")
                _, signed = play_target(accel[0], ready_ids[0])
                redirect = httpx.get(accel[0].url + signed, timeout=60).headers["x-accel-redirect"]
                key = redirect.removeprefix("/_tonearm_objects/")
                expected = (dep.objects / key).read_bytes()[:RANGE]
                with nginx(nginx_bin, work / "nginx", dep.objects, [s.port for s in accel],
                           [s.port for s in direct], njs_secrets(dep, work / "nginx-secrets.conf")) as (front, njs, cached, proxy):
                    # the njs row right after its baseline: on a shared machine the load drifts within a run
                    targets = [("plain nginx (baseline)", [f"{front}/plain/{key}"]),
                               ("accel, nginx verifies (njs)", [njs + signed]),
                               ("accel, verdict cached 5 s (prototype)", [cached + signed]),
                               ("accel: Tonearm verifies, nginx sends", [front + signed]),
                               ("python direct (FileResponse)", [s.url + signed for s in direct]),
                               ("python direct via nginx proxy", [proxy + signed])]
                    for _, urls in targets:
                        for url in urls:
                            check_range(url, expected)
                    size = (dep.objects / key).stat().st_size
                    print(f"\n(c) delivery: Range bytes=0-{RANGE - 1} of one {size / 1e6:.2f} MB hq file, wrk with 2 "
                          f"threads and {args.connections} connections, {args.seconds} s; Tonearm: {n} API "
                          f"process(es) per mode; nginx: 2 workers, sendfile on, tcp_nopush off")
                    print(f"{'path':<40} {'rps':>8} {'MiB/s':>8} {'p99 ms':>8} {'errors':>7}")
                    res = {}
                    for name, urls in targets:
                        wrk(wrk_bin, urls, 2, args.connections, rng)  # warm-up
                        res[name] = r = wrk(wrk_bin, urls, args.seconds, args.connections, rng)
                        print(f"{name:<40} {r.rps:>8.0f} {r.bytes_per_s / 2**20:>8.1f} {r.p99_ms:>8.1f} {r.bad:>7}")
                    base, nv, cv, acc, py, pyn = (res[name] for name, _ in targets)
                    print(f"accel / plain nginx: {acc.bytes_per_s / base.bytes_per_s:.2f} of the bytes per second")
                    ratio = nv.bytes_per_s / base.bytes_per_s
                    print(f"accel, nginx verifies (njs) / plain nginx: {ratio:.2f} of the bytes per second "
                          f"(goal ≥ 0.90: {'met' if ratio >= 0.90 else 'not met'})")
                    print(f"accel, verdict cached 5 s (prototype) / plain nginx: {cv.bytes_per_s / base.bytes_per_s:.2f}")
                    print(f"accel / python direct: {acc.bytes_per_s / py.bytes_per_s:.2f}; "
                          f"accel / python via nginx: {acc.bytes_per_s / pyn.bytes_per_s:.2f}  ({load()})")
            finally:
                for s in accel + direct:
                    s.stop()
    print(f"\n{load()} at the end")


if __name__ == "__main__":
    main()
