"""A worker proves it sees the API's storage before it takes work: pointed at other storage it
refuses to start, in one line naming both storage URLs, instead of declaring every upload missing."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.e2e.server import ServerProcess

CLI = [sys.executable, "-m", "tonearm.cli.main"]


def test_worker_on_other_storage_refuses_and_one_on_the_right_storage_runs(tmp_path):
    server = ServerProcess(tmp_path / "api").start()
    try:
        assert (tmp_path / "api" / "objects" / "tonearm" / "canary.json").is_file()
        shared = {"TONEARM_DATABASE_URL": f"sqlite:///{tmp_path / 'api' / 'tonearm.db'}",
                  "TONEARM_QUEUE_URL": f"huey-sqlite://{tmp_path / 'api' / 'queue.db'}"}
        wrong = {**server.env, **shared, "TONEARM_DATA_DIR": str(tmp_path / "elsewhere")}
        done = subprocess.run([*CLI, "worker"], env=wrong, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("tonearm: refusing to start"), done.stderr
        assert f"file://{tmp_path / 'elsewhere' / 'objects'}" in lines[0]  # this worker's storage
        assert f"file://{tmp_path / 'api' / 'objects'}" in lines[0]  # the API's

        right = {**server.env, **shared, "TONEARM_DATA_DIR": str(tmp_path / "worker"),
                 "TONEARM_STORAGE_URL": f"file://{tmp_path / 'api' / 'objects'}"}
        worker = subprocess.Popen([*CLI, "worker", "--log-level", "warning"], env=right,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(4)
            assert worker.poll() is None, worker.stdout.read()
        finally:
            worker.terminate()
            worker.wait(20)
    finally:
        server.stop()


def test_worker_before_any_api_says_what_to_do(tmp_path):
    env = {"TONEARM_DATA_DIR": str(tmp_path / "w"), "TONEARM_SECRET_KEY": "x", "PATH": "/usr/bin:/bin"}
    subprocess.run([*CLI, "db", "upgrade"], env={**env, "TONEARM_DATA_DIR": str(tmp_path / "w")}, check=True,
                   capture_output=True, timeout=60)
    # `db upgrade` wrote the canary: this worker shares the data dir, so it starts
    worker = subprocess.Popen([*CLI, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(3)
        assert worker.poll() is None, worker.stdout.read()
    finally:
        worker.terminate()
        worker.wait(20)
    fresh = {**env, "TONEARM_DATA_DIR": str(tmp_path / "fresh")}
    subprocess.run([sys.executable, "-c", "from tonearm.db.migrate import upgrade; "
                    f"upgrade('sqlite:///{tmp_path / 'fresh' / 'tonearm.db'}')"], env=fresh, check=True, timeout=60)
    done = subprocess.run([*CLI, "worker"], env=fresh, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no API has started on this database yet" in done.stderr, done.stderr
