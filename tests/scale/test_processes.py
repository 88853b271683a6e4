"""Scale mode end to end: PostgreSQL + Redis queue + S3 storage, two `tonearm serve
--no-worker` API processes and two `tonearm worker` processes. Uploads go through both API
processes, both workers process, every track ends ready with one file per variant, and play
sessions are served by either API process."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.audiogen import write_audio
from tests.jobs.cluster import (
    CLI,
    Client,
    Cluster,
    drop_database,
    files_per_variant,
    on,
    private_database,
    upload_tracks,
    wait_terminal,
)
from tests.jobs.redis_server import REDIS_SERVER
from tests.storage.s3server import s3_bucket, s3_endpoint  # noqa: F401  (fixtures)

LADDER = {"original", "hq", "lq", "preview", "levels", "waveform", "peaks"}  # no cover art in these files


@pytest.fixture
def cluster(tmp_path, s3_bucket, s3_endpoint):  # noqa: F811
    """Shared storage is an S3 bucket (moto's S3 server), so no process shares a disk."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    c = Cluster(tmp_path / "cluster", storage_env={
        "TONEARM_STORAGE_URL": f"s3://{s3_bucket}/scale", "TONEARM_S3_ENDPOINT_URL": s3_endpoint}).start()
    yield c
    c.stop()


@pytest.mark.slow
def test_two_apis_two_workers(cluster, tmp_path):
    api1, api2 = cluster.apis
    client = Client(cluster.headers)
    files = [write_audio(tmp_path / f"t{i:02}.wav", "wav", seconds=2.0, freq=220.0 + 35 * i) for i in range(20)]
    col = client.post(f"{api1.url}/v1/collection", json={"title": "scale"}).json()["collection_id"]
    ids = upload_tracks(client, cluster.apis, col, files)

    status = wait_terminal(client, cluster.apis, ids)
    assert [status.get(t) for t in ids] == ["ready"] * len(ids), cluster.sql(
        "select id, track_status_id, status_text, attempts from tracks where track_status_id <> 'ready'")

    per_variant = files_per_variant(cluster)
    for tid in ids:
        assert set(per_variant[tid]) == LADDER and set(per_variant[tid].values()) == {1}, per_variant[tid]

    started = [w.metrics().get(("tonearm_jobs_started_total", (("job", "processing.track"),)), 0)
               for w in cluster.workers]
    assert all(n > 0 for n in started) and sum(started) >= len(ids), started  # both workers took work
    worker_metrics = [w.metrics() for w in cluster.workers]
    ready = sum(m.get(("tonearm_tracks_finished_total", (("status", "ready"),)), 0) for m in worker_metrics)
    assert ready == len(ids)
    speed_sum = sum(m[("tonearm_processing_seconds_per_audio_second_sum", ())] for m in worker_metrics)
    speed_n = sum(m[("tonearm_processing_seconds_per_audio_second_count", ())] for m in worker_metrics)
    assert speed_n == len(ids) and speed_sum > 0

    # A play session made on one API process, played through the other.
    session = client.post(f"{api1.url}/v1/play_session/collection", json={"collection_id": col}).json()
    sid = session["play_session"]["id"]
    assert sorted(t["id"] for t in session["tracks"]) == sorted(ids)
    for n, tid in enumerate(ids):
        player, other = (api2, api1) if n % 2 == 0 else (api1, api2)
        payload = client.get(f"{player.url}/v1/play/{sid}/{tid}").json()
        hq = next(v for v in payload["variants"] if v["variant"]["index"] == "hq")
        audio = client.get(on(other, hq["url"]))
        assert audio.status_code == 200 and audio.content[4:8] == b"ftyp", audio.headers

    metrics = client.get(f"{api2.url}/metrics").text
    assert 'route="/v1/play/{play_session_id}/{play_track_id}"' in metrics
    assert 'tonearm_jobs_enqueued_total{job="processing.track"}' in metrics

    print(f"\nscale: {len(ids)} tracks through 2 API + 2 worker processes; requests {len(client.statuses)}, "
          f"5xx {len(client.server_errors)}, processing.track per worker {started}, "
          f"mean processing seconds per audio second {speed_sum / speed_n:.3f}")
    assert client.server_errors == []

    # Logs: one JSON object per line, request ids on request lines, never the API key.
    logs = cluster.logs()
    assert cluster.key not in logs
    lines = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(rec) for rec in lines)
    access = [rec for rec in lines if rec["logger"] == "tonearm.access"]
    assert access and all(rec.get("request_id") and rec.get("route") for rec in access)
    client.close()


@pytest.mark.slow
def test_postgresql_queue_two_workers(tmp_path):
    """The same layout with PostgreSQL as the queue (no Redis): processes start together, create
    the huey tables once, and share the work."""
    c = Cluster(tmp_path / "pgq", apis=1, workers=2, queue="postgres").start()
    try:
        client = Client(c.headers)
        files = [write_audio(tmp_path / f"p{i}.wav", "wav", seconds=2.0, freq=250.0 + 40 * i) for i in range(6)]
        col = client.post(f"{c.apis[0].url}/v1/collection", json={"title": "pgq"}).json()["collection_id"]
        ids = upload_tracks(client, c.apis, col, files)
        status = wait_terminal(client, c.apis, ids)
        assert [status.get(t) for t in ids] == ["ready"] * len(ids)
        assert {tid: set(v.values()) for tid, v in files_per_variant(c).items()} == {t: {1} for t in ids}
        started = [w.metrics().get(("tonearm_jobs_started_total", (("job", "processing.track"),)), 0)
                   for w in c.workers]
        assert sum(started) >= len(ids) and all(started), started
        assert c.sql("select count(*) from huey_task") == [(0,)]  # every message taken
        assert client.server_errors == []
    finally:
        c.stop()


def test_serve_refuses_a_postgresql_schema_that_is_behind(tmp_path):
    url, name = private_database()
    try:
        env = {**os.environ, "TONEARM_DATA_DIR": str(tmp_path / "data"), "TONEARM_DATABASE_URL": url,
               "TONEARM_QUEUE_URL": "memory://"}
        for command in (["serve", "--no-worker", "--port", "1"], ["worker"]):
            done = subprocess.run([*CLI, *command], env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 2, done.stderr
            assert "run `tonearm db upgrade`" in done.stderr and "Traceback" not in done.stderr
    finally:
        drop_database(name)


@pytest.mark.slow
def test_serve_two_api_processes_one_consumer_shared_metrics(tmp_path):
    """`serve --workers 2` on the embedded defaults: two uvicorn processes answer, one consumer (a
    child of the supervisor, at lower CPU priority) processes, and /metrics from either process adds
    up every process's files."""
    import json as _json

    import httpx
    from prometheus_client.mmap_dict import MmapedDict

    from tests.e2e.server import ServerProcess

    data = tmp_path / "data"
    srv = ServerProcess(data, args=["--workers", "2"]).start()
    try:
        col = httpx.post(f"{srv.url}/v1/collection", json={"title": "w2"}, headers=srv.headers).json()["collection_id"]
        files = [write_audio(tmp_path / f"w{i}.wav", "wav", seconds=2.0, freq=300.0 + 50 * i) for i in range(3)]
        ids = upload_tracks(Client(srv.headers), [srv], col, files)
        status = wait_terminal(Client(srv.headers), [srv], ids)
        assert [status[t] for t in ids] == ["ready"] * 3

        folder = data / "metrics" / str(srv.port)
        pids_with_jobs, pids_with_requests = set(), set()
        for path in folder.glob("*.db"):
            pid = path.stem.rsplit("_", 1)[-1]
            for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
                name, sample, labels, _help = _json.loads(key)
                if sample == "tonearm_jobs_started_total" and labels.get("job") == "processing.track" and value:
                    pids_with_jobs.add(pid)
                if sample == "tonearm_http_request_duration_seconds_sum" and value:
                    pids_with_requests.add(pid)
        consumers = [pid for pid in os.listdir("/proc") if pid.isdigit() and _is_consumer_of(pid, srv.proc.pid)]
        assert len(consumers) == 1
        assert pids_with_jobs == set(consumers)  # one consumer, the supervisor's child process
        assert not {str(srv.proc.pid), *consumers} & pids_with_requests and pids_with_requests  # API children answer

        body = httpx.get(f"{srv.url}/metrics").text
        assert 'tonearm_tracks_finished_total{status="ready"} 3.0' in body  # written by the supervisor
    finally:
        srv.stop()


def _is_consumer_of(pid: str, parent: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return ppid == parent and b"tonearm.cli.consumer" in fh.read()
    except (OSError, IndexError):
        return False
