"""Webhook tests run job bodies inline, like the processing tests."""

from tests.fixtures import app_with_queue  # noqa: F401  (pytest fixtures)
from tests.processing.conftest import queue  # noqa: F401  (pytest fixture)
