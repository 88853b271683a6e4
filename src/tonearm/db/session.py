"""Engine and session factory; the request handler or job body commits, services only flush."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


@functools.lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # More connections than the request threadpool's 40 threads (SQLite connections are cheap),
        # so the threadpool cap in api/app.py (_lifespan) leaves the full 40 threads in place.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                               pool_size=20, max_overflow=40, pool_timeout=10)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Fail fast when the server is down (connect timeout, pool wait) so requests answer 503 promptly.
    connect_args = {} if "connect_timeout" in url else {"connect_timeout": 3}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=10,
                         connect_args=connect_args)


def get_sessionmaker(url: str) -> sessionmaker[Session]:
    return _sessionmaker(url)


@functools.lru_cache(maxsize=8)
def _sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextlib.contextmanager
def unit_of_work(maker: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error."""
    session = maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def session_scope(url: str) -> contextlib.AbstractContextManager[Session]:
    """A unit of work on the database at `url` (the CLI and first start; job bodies use `rt.unit()`)."""
    return unit_of_work(get_sessionmaker(url))
