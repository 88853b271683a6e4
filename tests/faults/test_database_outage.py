"""PostgreSQL goes away mid-run (connections reset, new ones refused) and comes back: requests
fail fast with a 503 in the envelope while it is gone, and succeed again by themselves after."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL
from tests.e2e.server import ServerProcess
from tests.faults.tcpproxy import TcpProxy
from tonearm.db.migrate import upgrade

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_database():
    name = f"tonearm_outage_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(PG_URL.rsplit("/", 1)[0] + "/" + name)
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_requests_fail_fast_with_503_then_recover(tmp_path, pg_database):
    base = PG_URL.rsplit("/", 1)[0]
    host_port = base.split("@", 1)[1]
    host, port = host_port.split(":")
    proxy = TcpProxy(host, int(port)).start()
    url = f"{base.split('@', 1)[0]}@127.0.0.1:{proxy.port}/{pg_database}"
    server = ServerProcess(tmp_path / "data", env={"TONEARM_DATABASE_URL": url}).start()
    try:
        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.key}"}, timeout=30)
        assert api.post("/v1/collection", json={"title": "before"}).status_code == 200

        proxy.stop()
        statuses, slowest = [], 0.0
        for _ in range(5):
            t0 = time.monotonic()
            r = api.get("/v1/collection")
            slowest = max(slowest, time.monotonic() - t0)
            statuses.append(r.status_code)
            assert r.status_code == 503, r.text
            assert r.json()["ok"] is False and r.headers.get("retry-after")
        assert slowest < 15, f"a request took {slowest:.1f} s while the database was away"  # fails fast, no hang

        proxy.start()
        deadline = time.monotonic() + 20
        while True:
            r = api.get("/v1/collection")
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert r.status_code == 200, r.text
        assert [c["title"] for c in r.json()["collections"]] == ["before"]
        assert api.post("/v1/collection", json={"title": "after"}).status_code == 200
    finally:
        proxy.stop()
        server.stop()
    log = server.log.read_text()
    assert "Traceback" not in log, log[-3000:]
