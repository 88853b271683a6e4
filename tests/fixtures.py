"""Fixtures that several test folders override the shared conftest with; import them by name
into a conftest or test module (pytest registers imported fixtures under their `name`)."""

from __future__ import annotations

import pytest

from tonearm.api.app import create_app
from tonearm.db.migrate import upgrade
from tonearm.processing.context import use


@pytest.fixture(name="database_url")
def sqlite_database_url(tmp_path_factory) -> str:
    """SQLite only, for tests about something other than the database (media, S3, hostile input)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tonearm.db'}"
    upgrade(url)
    return url


@pytest.fixture(name="app")
def app_with_job_context(settings, queue):
    """The app, and the job context it installs for inline job bodies removed afterwards."""
    app = create_app(settings, queue=queue)
    yield app
    use(None)
