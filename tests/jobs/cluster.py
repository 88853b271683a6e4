"""A scale-mode deployment in subprocesses for black-box tests: a private PostgreSQL database,
a private redis-server, N `tonearm serve --no-worker` API processes and M `tonearm worker`
processes, sharing one storage (a local folder, or S3 when `storage_env` says so).

Every process gets its own data dir (its logs and work files), as it would on its own machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from tests.e2e.server import ServerProcess, free_port, stop_process
from tests.jobs.redis_server import RedisServer

PG_URL = os.environ.get("TONEARM_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CLI = [sys.executable, "-m", "tonearm.cli.main"]


class ApiProcess(ServerProcess):
    """`tonearm serve --no-worker` with the cluster's shared settings; restartable on its port."""

    def __init__(self, data_dir: Path, env: dict[str, str], key: str):
        super().__init__(data_dir, env=env, args=["--no-worker", "--log-level", "info"])
        self.key = key


class WorkerProcess:
    def __init__(self, data_dir: Path, env: dict[str, str], concurrency: int = 1):
        self.data_dir = data_dir
        self.env = {**os.environ, "TONEARM_DATA_DIR": str(data_dir), **env}
        self.concurrency = concurrency
        self.metrics_port = free_port()
        self.log = data_dir / "worker.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [*CLI, "worker", "--concurrency", str(self.concurrency), "--metrics-port", str(self.metrics_port)]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()}")
            if "worker running" in self.log.read_text(errors="replace"):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker did not start:\n{self.log.read_text()}")

    def metrics(self) -> dict[tuple[str, tuple], float]:
        return parse_metrics(httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        stop_process(self.proc, 15)


def parse_metrics(body: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted label items): value} from Prometheus text."""
    out = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def private_database() -> tuple[str, str]:
    name = f"tonearm_scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + name, name


def drop_database(name: str) -> None:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


class Cluster:
    def __init__(self, root: Path, *, apis: int = 2, workers: int = 2, concurrency: int = 1, queue: str = "redis",
                 env: dict[str, str] | None = None, storage_env: dict[str, str] | None = None):
        self.root = root
        self.database_url, self._db_name = private_database()
        self.redis = RedisServer(root / "redis") if queue == "redis" else None
        queue_url = self.redis.url if self.redis else f"{self.database_url}?queue=scale"  # or the database itself
        self.key = "tnm_scale_" + uuid.uuid4().hex
        self.env = {
            "TONEARM_DATABASE_URL": self.database_url,
            "TONEARM_QUEUE_URL": queue_url,
            "TONEARM_STORAGE_URL": f"file://{root / 'shared' / 'objects'}",
            "TONEARM_SECRET_KEY": "scale-secret-" + uuid.uuid4().hex,
            "TONEARM_BOOTSTRAP_KEY": self.key,
            "TONEARM_LOG_FORMAT": "json",
            **(storage_env or {}),
            **(env or {}),
        }
        self.apis = [ApiProcess(root / f"api{i + 1}", self.env, self.key) for i in range(apis)]
        self.workers = [WorkerProcess(root / f"worker{i + 1}", self.env, concurrency) for i in range(workers)]

    def upgrade(self) -> subprocess.CompletedProcess:
        env = {**os.environ, "TONEARM_DATA_DIR": str(self.root / "admin"), **self.env}
        return subprocess.run([*CLI, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)

    def start(self) -> "Cluster":
        if self.redis:
            self.redis.start()
        done = self.upgrade()
        assert done.returncode == 0, done.stderr
        for api in self.apis:  # one after the other: the first one bootstraps the organization
            api.start()
        for w in self.workers:
            w.start()
        return self

    def stop(self) -> None:
        for proc in [*self.workers, *self.apis]:
            proc.stop()
        if self.redis:
            self.redis.stop()
        drop_database(self._db_name)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def sql(self, query: str, **params) -> list[tuple]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(query), params)]
        finally:
            engine.dispose()

    def logs(self) -> str:
        parts = [p.log.read_text(errors="replace") for p in [*self.apis, *self.workers] if p.log.exists()]
        return "\n".join(parts)


class Client:
    """httpx with the bookkeeping a load test needs: every status seen, 5xx and connection errors
    counted; connection errors (a process restarting) are retried for a while, 5xx are not."""

    def __init__(self, headers: dict[str, str]):
        self.http = httpx.Client(headers=headers, timeout=60)
        self.statuses: list[int] = []
        self.server_errors: list[str] = []
        self.connection_errors = 0

    def request(self, method: str, url: str, *, retry_for: float = 30.0, **kwargs) -> httpx.Response:
        deadline = time.time() + retry_for
        while True:
            try:
                r = self.http.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                self.connection_errors += 1
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
                continue
            self.statuses.append(r.status_code)
            if r.status_code >= 500:
                self.server_errors.append(f"{method} {url} -> {r.status_code} {r.text[:200]}")
            return r

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw) -> httpx.Response:
        return self.request("PUT", url, **kw)

    def close(self) -> None:
        self.http.close()


TERMINAL = ("ready", "incomplete", "error", "init_error")


def on(api, url: str) -> str:
    """The same signed path on another API process (signatures cover path and query, not host)."""
    path = url.split("://", 1)[1].split("/", 1)[1]
    return f"{api.url}/{path}"


def upload_tracks(client: Client, apis, collection_id: str, files: list[Path], *, start: int = 0) -> list[str]:
    """Create each track on one API process and send its bytes through the other (round robin):
    a PUT to the receiving API process, or (S3 storage) a PUT to the bucket and the signed
    completion call to the receiving API process."""
    ids = []
    for n, path in enumerate(files, start):
        creator, receiver = apis[n % len(apis)], apis[(n + 1) % len(apis)]
        r = client.post(f"{creator.url}/v1/track", json={"collection_id": collection_id, "file_name": path.name})
        assert r.status_code == 200, r.text
        body = r.json()
        handle = body["track_upload"]
        if handle.get("complete_url"):
            put = httpx.put(handle["upload_url"], content=path.read_bytes(), timeout=60)
            assert put.status_code == 200, put.text
            r = client.post(on(receiver, handle["complete_url"]))
        else:
            r = client.put(on(receiver, handle["upload_url"]), content=path.read_bytes())
        assert r.status_code == 200, r.text
        ids.append(body["track_id"])
    return ids


def wait_terminal(client: Client, apis, track_ids: list[str], timeout: float = 150.0) -> dict[str, str]:
    """Poll every track through the API processes in turn until all are terminal."""
    status: dict[str, str] = {}
    deadline = time.time() + timeout
    n = 0
    while time.time() < deadline:
        for tid in track_ids:
            if status.get(tid) in TERMINAL:
                continue
            n += 1
            r = client.get(f"{apis[n % len(apis)].url}/v1/track/{tid}")
            if r.status_code == 200:
                status[tid] = r.json()["track"]["track_status_id"]
        if all(status.get(t) in TERMINAL for t in track_ids):
            return status
        time.sleep(0.3)
    return status


def files_per_variant(cluster: Cluster) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for tid, index, count in cluster.sql(
        "select track_id::text, variant_index, count(*) from track_files group by 1, 2"
    ):
        out.setdefault(tid, {})[index] = count
    return out
