"""A real S3 API for tests: moto's server on a free port, started once per test session.

Import the fixtures (`s3_endpoint`, `s3_bucket`) into a test module or conftest to use them."""

from __future__ import annotations

import os
import socket
import uuid

import boto3
import pytest

ACCESS, SECRET = "tonearm-test-access", "tonearm-test-secret"
AWS_ENV = {"AWS_ACCESS_KEY_ID": ACCESS, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a moto S3 server; AWS_* credentials are set in the environment meanwhile."""
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in AWS_ENV}
    os.environ.update(AWS_ENV)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A fresh bucket per test (bucket names: lowercase, ≤ 63 chars)."""
    name = "tonearm-" + uuid.uuid4().hex[:16]
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name
