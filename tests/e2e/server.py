"""Run a real `tonearm serve` process on a free port for black-box tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen | None, timeout: float) -> None:
    """SIGTERM a child still running and reap it; SIGKILL it if it has not ended after `timeout` s."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class ServerProcess:
    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None, args: list[str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.key = "tnm_test_bootstrap_" + os.urandom(8).hex()
        self.env = {
            **os.environ,
            "TONEARM_DATA_DIR": str(data_dir),
            "TONEARM_BOOTSTRAP_KEY": self.key,
            "TONEARM_SECRET_KEY": "e2e-secret",
            **(env or {}),
        }
        self.args = args or []
        self.log = data_dir / "server.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "ServerProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "tonearm.cli.main", "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--log-level", "warning", *self.args]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()  # not left running on its port after the caller gave up on it
        raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        stop_process(self.proc, 10)

    def start_worker(self, log: Path, concurrency: int = 2) -> subprocess.Popen:
        """A `tonearm worker` process on this server's data dir, database and queue."""
        with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen([sys.executable, "-m", "tonearm.cli.main", "worker", "--concurrency",
                                     str(concurrency), "--log-level", "warning"], env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}
