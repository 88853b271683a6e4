"""Benchmark track processing end to end: a real `tonearm serve` vs. a naive sequential ffmpeg CLI.

For each source (a generated 4-minute stereo 44.1 kHz MP3, plus any audio files given as arguments):
  tonearm  PUT the file to a new track's signed upload URL on a real server (embedded defaults) and
           time PUT response -> first playable (fallback/ready) -> `ready` (poll every 25 ms);
  ffmpeg   the same outputs made by separate ffmpeg processes, one after another (probe, AAC 256k m4a,
           MP3 128k, 30 s faded preview, showwavespic PNG, ebur128, s16 decode -> 320 peak buckets).
Median of --runs each, then the ratio. A batch of --batch tracks measures throughput (realtime factor
per core) and --long times a streamed 2-hour WAV and the peak RSS (VmHWM) of each server process.
Goals from the issue are printed next to the figures, never asserted. ffmpeg is a baseline only
(installed with apt-get when missing); the product never shells out to it.

    .venv/bin/python bench/processing.py [FILE ...] [--runs 3] [--batch 20] [--batch-seconds 60] [--long]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.audiogen import write_audio  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402

RATE = 44100
PLAYABLE = {"fallback", "fallback_processing", "ready"}
TERMINAL = {"ready", "incomplete", "error", "init_error"}
CLK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ inputs and environment

def music(start: int, n: int, rate: int = RATE) -> np.ndarray:
    """(2, n) float32 'music' from absolute sample `start`: a chord progression changing every 4 s
    (root + fifth + octave + a few harmonics), a pulsing envelope and a little noise. Chunks join up."""
    t = (start + np.arange(n, dtype=np.float64)) / rate
    roots = np.array([110.0, 98.0, 130.81, 87.31])[(t // 4).astype(np.int64) % 4]
    env = 0.55 + 0.45 * np.abs(np.sin(np.pi * 2.0 * t)) ** 3          # 120 bpm pulse
    rng = np.random.default_rng(start)
    out = np.empty((2, n), np.float32)
    for ch, detune in ((0, 0.0), (1, 0.7)):                           # slightly different channels
        tone = sum(a * np.sin(2 * np.pi * (roots * mult + detune) * t)
                   for mult, a in ((1, 0.22), (1.5, 0.14), (2, 0.10), (3, 0.05), (5, 0.025), (8, 0.012)))
        out[ch] = tone * env + 0.03 * rng.standard_normal(n)
    return out


def write_long_wav(path: Path, seconds: float, chunk_s: int = 10) -> Path:
    """Stream a stereo s16 WAV chunk by chunk: memory stays at one chunk whatever the length."""
    total = int(seconds * RATE)
    with wave.open(str(path), "wb") as w:
        w.setparams((2, 2, RATE, 0, "NONE", "not compressed"))  # stereo, 16-bit, 44.1 kHz
        for start in range(0, total, chunk_s * RATE):
            block = music(start, min(chunk_s * RATE, total - start))
            w.writeframes((np.clip(block.T, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def ensure_ffmpeg() -> str:
    if not shutil.which("ffmpeg"):
        if subprocess.run(["apt-get", "install", "-y", "-q", "ffmpeg"], capture_output=True).returncode:
            subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "ffmpeg"], check=True, capture_output=True)
    return shutil.which("ffmpeg")


def loadavg() -> str:
    return "load avg {:.2f} {:.2f} {:.2f} (1/5/15 min)".format(*os.getloadavg())


def proc_cpu(pid: int, *, tree: bool = True) -> float:
    """utime + stime + cutime + cstime, in seconds, of a live process and all its live descendants
    (fields 14-17 of /proc/<pid>/stat): `serve` runs its job consumer as a child process, which
    renders in render processes of its own (forked by a forkserver, which reaps those that are
    replaced: their CPU shows in its cutime)."""
    total = 0.0
    for p in [pid, *descendants(pid)] if tree else [pid]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15]) / CLK
    return total


def jobs_cpu(pid: int) -> float:
    """CPU seconds of the server's descendants only (the job consumer and its render processes),
    not of the API process itself."""
    return proc_cpu(pid) - proc_cpu(pid, tree=False)


def descendants(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            out += [kid, *descendants(kid)]
    return out


def vm_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def tree_hwm(pid: int) -> dict[int, tuple[str, int]]:
    """{pid: (command line, VmHWM kB)} of a process and its live descendants: the API process,
    the job consumer, the forkserver and the render processes each have their own peak."""
    out = {}
    for p in [pid, *descendants(pid)]:
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            out[p] = (cmd, vm_kb(p, "VmHWM"))
        except OSError:
            continue
    return out


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)    # finished children only: ffmpeg, not the server
    return ru.ru_utime + ru.ru_stime


# ------------------------------------------------------------------ tonearm

def new_track(api: httpx.Client, col: str, name: str) -> tuple[str, str]:
    body = api.post("/v1/track", json={"collection_id": col, "file_name": name}).json()
    return body["track_id"], body["track_upload"]["upload_url"]


def put_file(url: str, path: Path) -> None:
    with open(path, "rb") as fh:
        r = httpx.put(url, content=fh, timeout=None)
    r.raise_for_status()


def tonearm_once(srv: ServerProcess, api: httpx.Client, col: str, src: Path, timeout: float) -> dict:
    """Upload into a new track; seconds from the PUT response to playable and to ready, server CPU."""
    tid, url = new_track(api, col, src.name)
    cpu0, t_up = proc_cpu(srv.proc.pid), time.perf_counter()
    job0 = jobs_cpu(srv.proc.pid)
    put_file(url, src)
    t0 = time.perf_counter()
    res = {"upload": t0 - t_up, "playable": None}
    while time.perf_counter() - t0 < timeout:
        track = api.get(f"/v1/track/{tid}").json()["track"]
        now, status = time.perf_counter() - t0, track["track_status_id"]
        if status in PLAYABLE and res["playable"] is None:
            res["playable"] = now
        if status in TERMINAL:
            if status != "ready":
                raise RuntimeError(f"track ended {status}: {track.get('status_text')}")
            job = jobs_cpu(srv.proc.pid) - job0
            return res | {"ready": now, "cpu": proc_cpu(srv.proc.pid) - cpu0, "job": job}
        time.sleep(0.025)
    raise TimeoutError(f"track not ready after {timeout:.0f} s")


def collection_statuses(api: httpx.Client, col: str) -> dict[str, str]:
    out, offset = {}, 0
    while True:
        page = api.get(f"/v1/collection/{col}/track", params={"limit": 200, "offset": offset}).json()
        out.update({t["id"]: t["track_status_id"] for t in page["tracks"]})
        offset += 200
        if offset >= page["count"]:
            return out


# ------------------------------------------------------------------ naive ffmpeg baseline

def ffprobe_duration(ffmpeg: str, src: Path) -> float:
    cmd = [str(Path(ffmpeg).with_name("ffprobe")), "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]
    return float(subprocess.run([*cmd, str(src)], check=True, capture_output=True, text=True).stdout)


def ffmpeg_steps(ffmpeg: str, src: Path, out: Path, duration: float) -> list[tuple[str, Callable[[], object]]]:
    """The naive pipeline's steps, each one ffmpeg process (or a probe), writing into `out`;
    `duration` (the source's, probed once by the caller) places the preview."""
    def run(*args: str, capture=False):
        return subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
                              check=True, stdout=subprocess.PIPE if capture else subprocess.DEVNULL).stdout

    i = ("-i", str(src), "-vn", "-map_metadata", "-1")
    length = min(30.0, duration)
    start = max(0.0, min(duration * 0.25, duration - length))
    fades = f"afade=t=in:st=0:d=0.75,afade=t=out:st={max(0.0, length - 0.75):.3f}:d=0.75"

    def levels():  # mono 8 kHz s16 through a pipe, 320 peak buckets in numpy
        pcm = np.frombuffer(run("-i", str(src), "-f", "s16le", "-ac", "1", "-ar", "8000", "-", capture=True), "<i2")
        return [float(b.max(initial=0)) / 32768 for b in np.array_split(np.abs(pcm.astype(np.int32)), 320)]

    return [
        ("probe (ffprobe duration)", lambda: ffprobe_duration(ffmpeg, src)),
        ("hq   AAC 256k .m4a +faststart", lambda: run(
            *i, "-c:a", "aac", "-b:a", "256k", "-movflags", "+faststart", str(out / "hq.m4a"))),
        ("lq   MP3 128k (libmp3lame)", lambda: run(*i, "-c:a", "libmp3lame", "-b:a", "128k", str(out / "lq.mp3"))),
        ("preview 30 s MP3 128k + fades", lambda: run(
            "-ss", f"{start:.3f}", "-t", f"{length:.3f}", *i, "-af", fades,
            "-c:a", "libmp3lame", "-b:a", "128k", str(out / "preview.mp3"))),
        ("waveform PNG showwavespic 1800x280", lambda: run(
            "-i", str(src), "-filter_complex", "showwavespic=s=1800x280", "-frames:v", "1", str(out / "wave.png"))),
        ("loudness ebur128=peak=true", lambda: run("-nostats", "-i", str(src), "-af", "ebur128=peak=true",
                                                   "-f", "null", "-")),
        ("levels s16 pipe -> 320 peaks (numpy)", levels),
    ]


def _cpu_now() -> float:
    return children_cpu() + time.process_time()


def ffmpeg_once(ffmpeg: str, src: Path, out: Path, duration: float) -> dict[str, tuple[float, float]]:
    """Each output by its own process, sequentially; {step: (wall s, CPU s)}."""
    steps: dict[str, tuple[float, float]] = {}
    for name, fn in ffmpeg_steps(ffmpeg, src, out, duration):
        w, c = time.perf_counter(), _cpu_now()
        fn()
        steps[name] = (time.perf_counter() - w, _cpu_now() - c)
    return steps


def two_groups(times: dict[str, float]) -> list[list[str]]:
    """Split the steps into two groups of about equal time (longest first, each to the lighter
    group): the naive pipeline's best use of two cores, knowing every step's time beforehand."""
    groups: list[list[str]] = [[], []]
    load = [0.0, 0.0]
    for name in sorted(times, key=times.get, reverse=True):
        g = 0 if load[0] <= load[1] else 1
        groups[g].append(name)
        load[g] += times[name]
    return groups


def ffmpeg_parallel(ffmpeg: str, src: Path, out: Path, duration: float,
                    groups: list[list[str]]) -> tuple[float, float]:
    """The same steps, the two groups side by side (each group one after another); (wall s, CPU s)."""
    dirs = [out / "g0", out / "g1"]
    for d in dirs:
        d.mkdir()
    by_group = [dict(ffmpeg_steps(ffmpeg, src, d, duration)) for d in dirs]
    errors: list[BaseException] = []

    def run_group(k: int) -> None:
        try:
            for name in groups[k]:
                by_group[k][name]()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    w, c = time.perf_counter(), _cpu_now()
    threads = [threading.Thread(target=run_group, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - w, _cpu_now() - c


# ------------------------------------------------------------------ report

def row(label: str, values: list[float], cpu: list[float] | None = None, goal: str = "") -> float:
    med = statistics.median(values)
    cpu_s = f"{statistics.median(cpu):7.2f}" if cpu else " " * 7
    runs = " ".join(f"{v:.2f}" for v in values)
    print(f"  {label:<44} {med:8.2f} {cpu_s}   {runs:<20} {goal}".rstrip())
    return med


def bench_source(srv, api, col, ffmpeg, src: Path, label: str, runs: int, goals: bool, tmp: Path) -> None:
    duration = ffprobe_duration(ffmpeg, src)
    print(f"\n== {label}: {src.name}, {duration:.1f} s, {src.stat().st_size / 1e6:.1f} MB  [{loadavg()}]")
    ours, theirs, parallel = [], [], []
    for r in range(runs):  # interleaved so background load hits both sides alike
        ours.append(tonearm_once(srv, api, col, src, timeout=120 + duration))
        out = tmp / f"ff-{src.stem}-{r}"
        out.mkdir()
        theirs.append(ffmpeg_once(ffmpeg, src, out, duration))
        groups = two_groups({step: wall for step, (wall, _) in theirs[-1].items()})
        parallel.append(ffmpeg_parallel(ffmpeg, src, out, duration, groups))
        shutil.rmtree(out)
    print(f"  {'step':<44} {'median s':>8} {'CPU s':>7}   {'runs (wall s)':<20} goal")
    row("tonearm upload (PUT, not counted)", [o["upload"] for o in ours])
    row("tonearm PUT -> playable (fallback)", [o["playable"] for o in ours], goal="goal <= 0.2 s" if goals else "")
    t_med = row("tonearm PUT -> ready", [o["ready"] for o in ours], [o["cpu"] for o in ours])
    for step in theirs[0]:
        row(f"ffmpeg {step}", [t[step][0] for t in theirs], [t[step][1] for t in theirs])
    f_med = row("ffmpeg TOTAL (sequential)", [sum(w for w, _ in t.values()) for t in theirs],
                [sum(c for _, c in t.values()) for t in theirs])
    p_med = row("ffmpeg TOTAL (two parallel groups)", [w for w, _ in parallel], [c for _, c in parallel])
    print(f"    groups: {' | '.join(' + '.join(step.split()[0] for step in g) for g in groups)}")
    print(f"  {'RATIO tonearm ready / ffmpeg sequential':<44} {t_med / f_med:8.2f}")
    print(f"  {'RATIO tonearm ready / ffmpeg parallel':<44} {t_med / p_med:8.2f}   {'':<28} goal <= 0.7")
    f_cpu = statistics.median(sum(c for _, c in t.values()) for t in theirs)
    for what, key in (("job (consumer + render processes)", "job"), ("serve + consumer, incl. polling", "cpu")):
        t_cpu = statistics.median(o[key] for o in ours)
        print(f"  {'RATIO CPU-s ' + what + ' / ffmpeg':<44} {t_cpu / f_cpu:8.2f}   "
              f"{f'({t_cpu:.2f} / {f_cpu:.2f} CPU s)':<28} goal <= 0.6")


def bench_batch(srv, api, tmp: Path, n: int, seconds: float) -> None:
    src = write_audio(tmp / "batch.mp3", "mp3", samples=music(0, int(seconds * RATE)), rate=RATE, bitrate=192_000)
    col = api.post("/v1/collection", json={"title": "bench batch"}).json()["collection_id"]
    urls = [new_track(api, col, f"batch-{i}.mp3")[1] for i in range(n)]
    print(f"\n== batch: {n} x {seconds:.0f} s MP3 uploaded back to back  [{loadavg()}]")
    cpu0, t0 = proc_cpu(srv.proc.pid), time.perf_counter()
    for url in urls:
        put_file(url, src)
    uploaded = time.perf_counter() - t0
    while True:
        statuses = collection_statuses(api, col)
        if all(s in TERMINAL for s in statuses.values()):
            break
        if time.perf_counter() - t0 > 120 + 10 * n * seconds:
            raise TimeoutError(f"batch not done: {statuses}")
        time.sleep(0.05)
    wall, cores = time.perf_counter() - t0, os.cpu_count() or 1
    bad = {s for s in statuses.values() if s != "ready"}
    rt = n * seconds / wall
    print(f"  uploads done after {uploaded:.2f} s; all {n} terminal after {wall:.2f} s wall, "
          f"server CPU {proc_cpu(srv.proc.pid) - cpu0:.1f} s" + (f"  NOT READY: {bad}" if bad else ""))
    print(f"  throughput {rt:.1f}x realtime = {rt / cores:.1f}x realtime per core ({cores} cores)   goal >= 40x per core")


def bench_long(tmp: Path, hours: float, server_args: list[str]) -> None:
    print(f"\n== long: {hours:g} h stereo 44.1 kHz s16 WAV on a fresh server  [{loadavg()}]")
    t = time.perf_counter()
    src = write_long_wav(tmp / "long.wav", hours * 3600)
    print(f"  generated {src.stat().st_size / 1e9:.2f} GB in {time.perf_counter() - t:.0f} s (streamed)")
    srv = ServerProcess(tmp / "data-long", args=server_args)
    try:
        srv.start()
        api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
        col = api.post("/v1/collection", json={"title": "bench long"}).json()["collection_id"]
        idle = tree_hwm(srv.proc.pid)
        res = tonearm_once(srv, api, col, src, timeout=3600)
        src.unlink()  # the server keeps its own copy; free 1.2 GB now
        peaks = tree_hwm(srv.proc.pid)
        print(f"  upload {res['upload']:.1f} s; PUT -> playable {res['playable']:.2f} s; PUT -> ready "
              f"{res['ready']:.1f} s (server CPU {res['cpu']:.0f} s, {hours * 3600 / res['ready']:.0f}x realtime)")
        for pid, (cmd, kb) in peaks.items():
            print(f"  peak RSS (VmHWM) {kb / 1024:5.0f} MB  pid {pid} {cmd[:60]}"
                  f"  (after start-up {idle.get(pid, ('', 0))[1] / 1024:.0f} MB)")
        print(f"  largest process peak RSS {max(kb for _, kb in peaks.values()) / 1024:.0f} MB   goal <= 300 MB")
    finally:
        srv.stop()
        src.unlink(missing_ok=True)
        shutil.rmtree(tmp / "data-long", ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, help="real audio files to benchmark as well")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=240, help="length of the generated MP3")
    ap.add_argument("--batch", type=int, default=20, help="tracks in the batch (0: skip)")
    ap.add_argument("--batch-seconds", type=float, default=60)
    ap.add_argument("--long", action="store_true", help="also the 2-hour WAV / peak RSS test")
    ap.add_argument("--long-hours", type=float, default=2.0)
    ap.add_argument("--concurrency", type=int, help="server job threads (default: the server's own)")
    args = ap.parse_args()
    server_args = ["--concurrency", str(args.concurrency)] if args.concurrency else []
    ffmpeg = ensure_ffmpeg()
    version = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True).stdout.split(" Copyright")[0]
    print(f"Tonearm processing benchmark: {os.cpu_count()} cores, {loadavg()}")
    print(f"tonearm serve on embedded defaults {' '.join(server_args) or '(default concurrency)'}; "
          f"baseline {version}; runs={args.runs}; times are medians, CPU = process CPU seconds")
    tmp = Path(tempfile.mkdtemp(prefix="tonearm-bench-proc-"))
    srv = ServerProcess(tmp / "data", args=server_args)
    try:
        src = write_audio(tmp / f"generated-{args.seconds:.0f}s.mp3", "mp3", samples=music(0, int(args.seconds * RATE)),
                          rate=RATE, bitrate=192_000)
        srv.start()
        api = httpx.Client(base_url=srv.url, headers=srv.headers, timeout=60)
        col = api.post("/v1/collection", json={"title": "bench"}).json()["collection_id"]
        warm = write_audio(tmp / "warmup.mp3", "mp3", samples=music(0, 3 * RATE), rate=RATE)
        tonearm_once(srv, api, col, warm, timeout=120)  # first job imports codecs etc.: not timed
        bench_source(srv, api, col, ffmpeg, src, f"generated {args.seconds:.0f} s stereo 44.1 kHz MP3 192k",
                     args.runs, goals=args.seconds == 240, tmp=tmp)
        for path in args.files:
            bench_source(srv, api, col, ffmpeg, path.resolve(), "file", args.runs, goals=False, tmp=tmp)
        if args.batch:
            bench_batch(srv, api, tmp, args.batch, args.batch_seconds)
        srv.stop()  # the long test gets a fresh server so VmHWM is its own
        if args.long:
            bench_long(tmp, args.long_hours, server_args)
        print(f"\ndone: {loadavg()}")
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
