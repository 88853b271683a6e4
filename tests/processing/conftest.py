"""Processing tests run job bodies inline (ImmediateQueue) against the test's own settings."""

from __future__ import annotations

import pytest

from tests.fixtures import app_with_queue  # noqa: F401  (the `app` fixture)
from tonearm.jobs.queue import ImmediateQueue


@pytest.fixture
def queue():
    return ImmediateQueue()
