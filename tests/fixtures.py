"""Fixtures that several test folders override the shared conftest with; import them by name
into a conftest or test module (pytest registers imported fixtures under their `name`)."""

from __future__ import annotations

import pytest

from tonearm.api.app import create_app
from tonearm.db.migrate import upgrade


@pytest.fixture(name="database_url")
def sqlite_database_url(tmp_path_factory) -> str:
    """SQLite only, for tests about something other than the database (media, S3, hostile input)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tonearm.db'}"
    upgrade(url)
    return url


@pytest.fixture(name="app")
def app_with_queue(settings, queue):
    """The app over the test's queue (inline job bodies receive the app's runtime)."""
    return create_app(settings, queue=queue)
