"""Hostile-input tests: job bodies run inline on SQLite (the database is not what is under test here;
the key and route matrices run on both backends elsewhere)."""

from __future__ import annotations

import pytest

from tests.fixtures import app_with_queue, sqlite_database_url  # noqa: F401  (fixtures)
from tonearm.jobs.queue import ImmediateQueue


@pytest.fixture
def queue():
    return ImmediateQueue()
