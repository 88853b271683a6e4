"""Shared fixtures: the app on SQLite and on the real PostgreSQL server, with an API key."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from tonearm.api.app import create_app
from tonearm.db.migrate import upgrade
from tonearm.db.session import get_sessionmaker, session_scope
from tonearm.jobs.queue import MemoryQueue
from tonearm.keyring import Keyring
from tonearm.models import metadata
from tonearm.settings import Settings

PG_URL = os.environ.get("TONEARM_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgres"]
if os.environ.get("TONEARM_TEST_BACKENDS"):
    BACKENDS = os.environ["TONEARM_TEST_BACKENDS"].split(",")

_pg_db: dict[str, str] = {}


def _admin_engine():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_database() -> str:
    """A private database per test run, so parallel runs never share tables."""
    if "url" not in _pg_db:
        name = f"tonearm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
        upgrade(url)
        _pg_db["url"], _pg_db["name"] = url, name
    return _pg_db["url"]


def pytest_sessionfinish(session, exitstatus):
    if "name" in _pg_db:
        from tonearm.db.session import get_engine

        get_engine(_pg_db["url"]).dispose()
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_pg_db["name"]}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "tonearm.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    url = _pg_database()
    yield url
    tables = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables))
    with session_scope(url) as db:
        db.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        public_url="http://testserver",
        queue_url="memory://",
    )


@pytest.fixture
def queue() -> MemoryQueue:
    return MemoryQueue()


@pytest.fixture
def app(settings, queue):
    return create_app(settings, queue=queue)


@pytest.fixture
def client(app) -> TestClient:
    with TestClient(app) as c:
        yield c


class Org:
    """An organization with an API key, and helpers to mint more keys."""

    def __init__(self, settings: Settings):
        from tonearm.auth.service import create_key
        from tonearm.catalog.service import create_organization

        self.settings = settings
        with session_scope(settings.database_url) as db:
            org = create_organization(db, name="Org " + uuid.uuid4().hex[:6])
            self.id = org.id
            _, self.api_key = create_key(db, keyring=Keyring.of(settings), organization_id=org.id, key_type="api", title="t")

    def key(self, key_type: str, **scope) -> str:
        from tonearm.auth.service import create_key

        with session_scope(self.settings.database_url) as db:
            _, plaintext = create_key(
                db, keyring=Keyring.of(self.settings), organization_id=self.id, key_type=key_type, title=key_type, **scope
            )
        return plaintext

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture
def org(settings) -> Org:
    return Org(settings)


@pytest.fixture
def other_org(settings) -> Org:
    return Org(settings)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def db(settings):
    session = get_sessionmaker(settings.database_url)()
    yield session
    session.close()
