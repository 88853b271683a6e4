"""Webhook tests run job bodies inline, like the processing tests."""

from tests.processing.conftest import app, queue  # noqa: F401  (pytest fixtures)
