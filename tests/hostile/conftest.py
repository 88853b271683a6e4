"""Hostile-input tests: job bodies run inline on SQLite (the database is not what is under test here;
the key and route matrices run on both backends elsewhere)."""

from __future__ import annotations

import pytest

from tonearm.api.app import create_app
from tonearm.db.migrate import upgrade
from tonearm.jobs.queue import ImmediateQueue
from tonearm.processing.context import use


@pytest.fixture
def database_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tonearm.db'}"
    upgrade(url)
    return url


@pytest.fixture
def queue():
    return ImmediateQueue()


@pytest.fixture
def app(settings, queue):
    app = create_app(settings, queue=queue)
    yield app
    use(None)
