"""Processing tests run job bodies inline (ImmediateQueue) against the test's own settings."""

from __future__ import annotations

import pytest

from tonearm.api.app import create_app
from tonearm.jobs.queue import ImmediateQueue
from tonearm.processing.context import use


@pytest.fixture
def queue():
    return ImmediateQueue()


@pytest.fixture
def app(settings, queue):
    app = create_app(settings, queue=queue)
    yield app
    use(None)
